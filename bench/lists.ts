/**
 * `npm run bench:lists` (issue 17 item 6): the alert and incident lists at scale. With 1,000,000 alerts and 50,000
 * incidents, GET /api/alerts and GET /api/incidents (keyset pagination, migration 0043) answer in at most 100 ms at
 * p95 on both engines.
 *
 * 1. Seed (a fixture written straight into the tables, not through the API): 10 teams, 50 services (a few busy, most
 *    quiet), 8 alert groups each; alerts spread over a year, newest last (mostly resolved; of the last two days about
 *    a third still triggered and a third acknowledged; a few older ones left open); incidents over the same year
 *    (P1 5%, P2 20%, P3 45%, P4 30%; the last week's partly still open, a few stale open ones; 1–2 services each).
 *    Set-based inserts: each chunk of a few thousand rows is ONE `insert … select` over a JSON array
 *    (`json_each` on SQLite, `json_populate_recordset` on PostgreSQL) in its own transaction, every index in place.
 *    The seeding is timed; PostgreSQL is ANALYZEd afterwards (SQLite is not: Muster never runs ANALYZE, so the
 *    planner sees what a real deployment's does).
 * 2. Measure through real HTTP with a real API token (the bootstrap administrator's, made through POST /api/tokens)
 *    against Muster started in this process (`startMuster`, production defaults, log level warn, job runner off so
 *    nothing else runs; the client's fetch shares its event loop, as in bench:intake): one warm-up request,
 *    then `--n` (200) sequential requests per case, p50/p95/p99/max. Cases: the first page of alerts, filtered by
 *    status, service, severity, a page deep into the list (the cursor followed 20 pages) and the same page asked by
 *    `before=` (the older form); the first page of incidents, filtered by status, severity and service, and a deep
 *    page. Baselines in the same run: `GET /api/me` (an authenticated route that reads one row: the machine) and
 *    `/healthz`. The lists have no offset mode (a page is only ever read after a cursor), so there is no
 *    offset baseline; GET /api/alerts has no team filter, so there is no team case.
 * 3. `--explain`: after measuring, each case's SQL (captured from the real list code, run in this process on the
 *    same database) with EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL).
 *
 * Usage: npm run bench:lists -- [--engine sqlite|postgres|both] [--alerts 1000000] [--incidents 50000] [--n 200]
 *        [--explain] [--only substring,…] [--json file]
 * Databases are the test ones (src/db/testing: SQLite under MUSTER_TEST_TMPDIR or /dev/shm; the throwaway PostgreSQL
 * of src/db/testing/postgres.ts), dropped at the end. Exits 1 when a case misses p95 ≤ 100 ms.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { CompiledQuery, sql, type KyselyPlugin, type Transaction } from 'kysely';
import type { Database, Db, Engine } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../src/db/testing/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminTokenFor } from '../src/testing/server.js';
import { loadConfig } from '../src/config/index.js';
import { startMuster, type Muster } from '../src/server.js';
import { AlertService } from '../src/alerts/service.js';
import { IncidentService } from '../src/incidents/service.js';
import { createLogger } from '../src/shared/logger.js';
import { systemClock } from '../src/shared/clock.js';
import { systemActor } from '../src/identity/index.js';
import { idAt, rand } from './insights-seed.js';

// ---- arguments ------------------------------------------------------------------------------------------------------

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}
const engineArg = arg('engine') ?? 'both';
if (!['sqlite', 'postgres', 'both'].includes(engineArg)) throw new Error('--engine is sqlite, postgres or both');
const ENGINES: Engine[] = engineArg === 'both' ? ['sqlite', 'postgres'] : [engineArg as Engine];
const N_ALERTS = Number(arg('alerts') ?? 1_000_000);
const N_INCIDENTS = Number(arg('incidents') ?? 50_000);
const N = Number(arg('n') ?? 200);
const EXPLAIN = process.argv.includes('--explain');
const ONLY = arg('only')
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const JSON_FILE = arg('json');
const TARGET_MS = 100;
const DEEP_PAGES = 20;
const CHUNK = 4000;
const DAY = 86_400_000;
const MIN = 60_000;

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const load = (): string => execFileSync('uptime').toString().trim();
const log = (s: string) => console.log(s);

// ---- seeding --------------------------------------------------------------------------------------------------------

type Row = Record<string, string | number | null>;

/**
 * One set-based insert of `rows` (all with the same keys, snake_case columns) into `table`: the rows travel as one
 * JSON array parameter and the database turns it into rows.
 */
async function insertRows(trx: Transaction<Database>, engine: Engine, table: string, rows: Row[]): Promise<void> {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]!);
  const list = cols.join(', ');
  const json = JSON.stringify(rows);
  if (engine === 'postgres') {
    await sql`insert into ${sql.raw(table)} (${sql.raw(list)})
      select ${sql.raw(list)} from json_populate_recordset(null::${sql.raw(table)}, ${json}::json)`.execute(trx);
  } else {
    const picks = cols.map((c) => `value ->> '${c}'`).join(', ');
    await sql`insert into ${sql.raw(table)} (${sql.raw(list)}) select ${sql.raw(picks)} from json_each(${json})`.execute(
      trx,
    );
  }
}

/** Rows in chunks of CHUNK, each chunk one statement in its own transaction. */
async function insertChunked(db: Db, table: string, rows: Iterable<Row>): Promise<number> {
  let buf: Row[] = [];
  let n = 0;
  const flush = async () => {
    const chunk = buf;
    buf = [];
    await db.kysely.transaction().execute((trx) => insertRows(trx, db.engine, table, chunk));
  };
  for (const r of rows) {
    buf.push(r);
    n++;
    if (buf.length >= CHUNK) await flush();
  }
  if (buf.length) await flush();
  return n;
}

interface Fixture {
  busyServiceId: string;
  quietServiceId: string;
  counts: Record<string, number>;
  seedSeconds: Record<string, number>;
}

const SEVERITY_MIX: [string, number][] = [
  ['critical', 0.1],
  ['error', 0.3],
  ['warning', 0.8],
  ['info', 1],
];
const INCIDENT_SEVERITY_MIX: [string, number][] = [
  ['P1', 0.05],
  ['P2', 0.25],
  ['P3', 0.7],
  ['P4', 1],
];
const OPEN_INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring'];
const RULES = ['HighLatency', 'ErrorRate', 'DiskFull', 'PodCrashLoop', 'CertExpiry', 'QueueBacklog', 'CpuHigh', 'Down'];
const mix = (m: [string, number][]): string => {
  const r = rand();
  return m.find(([, p]) => r < p)![0];
};

async function seed(db: Db): Promise<Fixture> {
  const now = Date.now();
  const start = now - 365 * DAY;
  const counts: Record<string, number> = {};
  const seedSeconds: Record<string, number> = {};
  const timed = async (table: string, rows: Iterable<Row>) => {
    const t0 = performance.now();
    counts[table] = await insertChunked(db, table, rows);
    seedSeconds[table] = Math.round((performance.now() - t0) / 100) / 10;
  };

  const teams = Array.from({ length: 10 }, (_, t) => ({
    id: idAt('team', start),
    name: `Bench team ${t + 1}`,
    slug: `bench-team-${t + 1}`,
    description: '',
    created_at: start,
    updated_at: start,
  }));
  await timed('teams', teams);
  const services = Array.from({ length: 50 }, (_, s) => ({
    id: idAt('svc', start),
    name: `Bench service ${s + 1}`,
    slug: `bench-service-${s + 1}`,
    description: '',
    team_id: teams[s % 10]!.id,
    criticality: ['critical', 'high', 'medium', 'low'][s % 4]!,
    escalation_policy_id: null,
    created_at: start,
    updated_at: start,
    incident_rule: null,
  }));
  await timed('services', services);
  const groups = services.flatMap((svc) =>
    RULES.map((rule) => ({
      id: idAt('agr', start),
      service_id: svc.id,
      group_key: `alertname=${rule}`,
      title: rule,
      status: 'resolved',
      alert_count: 0,
      open_count: 0,
      first_alert_at: start,
      last_alert_at: now,
      resolved_at: now,
      created_at: start,
      updated_at: now,
    })),
  );
  await timed('alert_groups', groups);

  // Alerts: service s is drawn with weight ~ 1/(s+1) (a few busy services, a long quiet tail).
  const weights = services.map((_, s) => 1 / (s + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((acc, w) => (cumulative.push((acc + w) / total), acc + w), 0);
  const drawService = (): number => {
    const r = rand();
    const i = cumulative.findIndex((c) => r < c);
    return i < 0 ? services.length - 1 : i;
  };
  const step = (now - start) / N_ALERTS;
  const recent = now - 2 * DAY;
  function* alerts(): Generator<Row> {
    for (let i = 0; i < N_ALERTS; i++) {
      const t = Math.floor(start + (i + rand()) * step);
      const s = drawService();
      const svc = services[s]!;
      const r = Math.floor(rand() * RULES.length);
      const rule = RULES[r]!;
      const group = groups[s * RULES.length + r]!;
      const p = rand();
      const status =
        t >= recent
          ? p < 0.33
            ? 'triggered'
            : p < 0.66
              ? 'acknowledged'
              : 'resolved'
          : p < 0.003
            ? 'triggered'
            : p < 0.008
              ? 'acknowledged'
              : 'resolved';
      const open = status !== 'resolved';
      const dedupKey = open ? `bench-open-${i}` : `${rule}/host-${i % 50}`;
      const severity = mix(SEVERITY_MIX);
      const paging = severity === 'critical' || severity === 'error';
      const dur = Math.floor(MIN + rand() * 3 * 3_600_000);
      const ackAt = status === 'acknowledged' || (status === 'resolved' && paging) ? t + 60_000 : null;
      yield {
        id: idAt('alt', t),
        service_id: svc.id,
        group_id: group.id,
        integration_key_id: null,
        source: 'alertmanager',
        dedup_key: dedupKey,
        open_key: open ? `alertmanager:${dedupKey}` : null,
        status,
        severity,
        summary: `${rule} on host-${i % 50} (${svc.name})`,
        description: `${rule} fired for host-${i % 50}.`,
        labels: JSON.stringify({ alertname: rule, instance: `host-${i % 50}`, cluster: `c${i % 5}` }),
        annotations: JSON.stringify({ summary: `${rule} on host-${i % 50}` }),
        context: '[]',
        is_paging: paging ? 1 : 0,
        has_runbook: 0,
        source_starts_at: t,
        first_seen_at: t,
        last_seen_at: open ? t : t + dur,
        occurrence_count: 1,
        acknowledged_at: ackAt,
        acknowledged_by_user_id: null,
        acknowledged_by_label: ackAt ? 'Bench responder' : null,
        resolved_at: open ? null : t + dur,
        resolved_by_user_id: null,
        resolved_by_label: open ? null : 'alertmanager',
        classification: null,
        classification_note: null,
        created_at: t,
        updated_at: open ? (ackAt ?? t) : t + dur,
        rule_key: rule,
        is_flapping: 0,
        suppressed_reason: null,
        suppressed_by_id: null,
        suppressed_until: null,
        paged_at: paging ? t : null,
      };
    }
  }
  log(`  seeding ${N_ALERTS} alerts in chunks of ${CHUNK}`);
  await timed('alerts', alerts());

  const incidents: { id: string; services: number[] }[] = [];
  const incStep = (now - start) / N_INCIDENTS;
  function* incidentRows(): Generator<Row> {
    for (let i = 0; i < N_INCIDENTS; i++) {
      const t = Math.floor(start + (i + rand()) * incStep);
      const p = rand();
      const open = t >= now - 7 * DAY ? p < 0.5 : p < 0.002;
      const status = open ? OPEN_INCIDENT_STATUSES[Math.floor(rand() * 3)]! : 'resolved';
      const resolvedAt = open ? null : t + Math.floor(30 * MIN + rand() * 12 * 3_600_000);
      const s = drawService();
      const svcs = rand() < 0.25 ? [s, (s + 1) % services.length] : [s];
      const id = idAt('inc', t);
      incidents.push({ id, services: svcs });
      yield {
        id,
        title: `${RULES[i % RULES.length]} on ${services[s]!.name}`,
        summary: '',
        severity: mix(INCIDENT_SEVERITY_MIX),
        status,
        declared_by_user_id: null,
        declared_by_label: 'Bench responder',
        declared_at: t,
        updated_at: resolvedAt ?? t,
        impact_started_at: t - 10 * MIN,
        detected_at: t - 5 * MIN,
        acknowledged_at: t + 2 * MIN,
        mitigated_at: resolvedAt === null ? null : resolvedAt - 10 * MIN,
        resolved_at: resolvedAt,
        suspected_change_id: null,
        timer_generation: 0,
        last_event_seq: 0,
        kind: rand() < 0.03 ? 'drill' : 'real',
      };
    }
  }
  log(`  seeding ${N_INCIDENTS} incidents`);
  await timed('incidents', incidentRows());
  function* incidentServices(): Generator<Row> {
    for (const inc of incidents)
      for (const s of inc.services) yield { incident_id: inc.id, service_id: services[s]!.id, created_at: now };
  }
  await timed('incident_services', incidentServices());
  if (db.engine === 'postgres') {
    const t0 = performance.now();
    await sql`analyze`.execute(db.kysely);
    seedSeconds.analyze = Math.round((performance.now() - t0) / 100) / 10;
  }
  return {
    busyServiceId: services[0]!.id,
    quietServiceId: services[services.length - 1]!.id,
    counts,
    seedSeconds,
  };
}

// ---- cases ----------------------------------------------------------------------------------------------------------

type ListName = 'alerts' | 'incidents';

interface Case {
  name: string;
  /** The list whose code serves it (for --explain); none for a baseline. */
  list: ListName | null;
  query: Record<string, string>;
  /** Follow `next` this many pages first and measure the page after (`before`: the older form, alerts only). */
  deep?: 'cursor' | 'before';
  baseline?: boolean;
  path?: string;
}

function cases(f: Fixture): Case[] {
  const out: Case[] = [
    { name: 'baseline: GET /api/me', list: null, query: {}, baseline: true, path: '/api/me' },
    { name: 'baseline: GET /healthz', list: null, query: {}, baseline: true, path: '/healthz' },
    { name: 'alerts: first page', list: 'alerts', query: {} },
    { name: 'alerts: status=triggered (firing)', list: 'alerts', query: { status: 'triggered' } },
    { name: 'alerts: status=acknowledged', list: 'alerts', query: { status: 'acknowledged' } },
    { name: 'alerts: status=open', list: 'alerts', query: { status: 'open' } },
    { name: 'alerts: status=resolved', list: 'alerts', query: { status: 'resolved' } },
    { name: 'alerts: busy service', list: 'alerts', query: { service: f.busyServiceId } },
    { name: 'alerts: quiet service', list: 'alerts', query: { service: f.quietServiceId } },
    { name: 'alerts: quiet service, open', list: 'alerts', query: { service: f.quietServiceId, status: 'open' } },
    { name: 'alerts: severity=critical', list: 'alerts', query: { severity: 'critical' } },
    { name: `alerts: page ${DEEP_PAGES + 1} (cursor)`, list: 'alerts', query: {}, deep: 'cursor' },
    { name: `alerts: page ${DEEP_PAGES + 1} (before=, older form)`, list: 'alerts', query: {}, deep: 'before' },
    {
      name: `alerts: status=open page ${DEEP_PAGES + 1}`,
      list: 'alerts',
      query: { status: 'open' },
      deep: 'cursor',
    },
    { name: 'incidents: first page', list: 'incidents', query: {} },
    { name: 'incidents: status=open', list: 'incidents', query: { status: 'open' } },
    { name: 'incidents: status=investigating', list: 'incidents', query: { status: 'investigating' } },
    { name: 'incidents: status=resolved', list: 'incidents', query: { status: 'resolved' } },
    { name: 'incidents: severity=P1', list: 'incidents', query: { severity: 'P1' } },
    {
      name: 'incidents: status=resolved, severity=P1',
      list: 'incidents',
      query: { status: 'resolved', severity: 'P1' },
    },
    { name: 'incidents: busy service', list: 'incidents', query: { serviceId: f.busyServiceId } },
    { name: 'incidents: quiet service', list: 'incidents', query: { serviceId: f.quietServiceId } },
    { name: `incidents: page ${DEEP_PAGES + 1} (cursor)`, list: 'incidents', query: {}, deep: 'cursor' },
  ];
  return ONLY ? out.filter((c) => c.baseline || ONLY.some((o) => c.name.includes(o))) : out;
}

const pathOf = (list: ListName, query: Record<string, string>): string => {
  const qs = new URLSearchParams(query).toString();
  return `/api/${list}${qs ? `?${qs}` : ''}`;
};

async function getJson(url: string, token: string): Promise<unknown> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

/** Walk DEEP_PAGES pages of the case's list and fill in the query of the page after them. */
async function resolveDeep(url: string, token: string, c: Case): Promise<void> {
  if (!c.deep || !c.list) return;
  let query = { ...c.query };
  for (let p = 0; p < DEEP_PAGES; p++) {
    const page = (await getJson(url + pathOf(c.list, query), token)) as { next: string | null; nextBefore?: string };
    if (!page.next) {
      // A small fixture's list may end sooner: measure its last page and say so.
      c.name = c.name.replace(`page ${DEEP_PAGES + 1}`, `page ${p + 1} (the last)`);
      break;
    }
    query = c.deep === 'before' ? { ...c.query, before: page.nextBefore! } : { ...c.query, cursor: page.next };
  }
  c.query = query;
}

// ---- measuring ------------------------------------------------------------------------------------------------------

interface Figure {
  engine: Engine;
  name: string;
  path: string;
  baseline: boolean;
  n: number;
  rows: number | null;
  bytes: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  met: boolean | null;
}

const pct = (sorted: number[], p: number): number =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10;

async function measure(url: string, token: string, c: Case, engine: Engine): Promise<Figure> {
  const path = c.path ?? pathOf(c.list!, c.query);
  const get = async () => {
    const t0 = performance.now();
    const r = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
    const body = await r.text();
    const ms = performance.now() - t0;
    if (r.status !== 200) throw new Error(`${c.name}: GET ${path} answered ${r.status}: ${body.slice(0, 300)}`);
    return { ms, body };
  };
  const warm = await get();
  let rows: number | null = null;
  if (c.list) rows = ((JSON.parse(warm.body) as Record<string, unknown[]>)[c.list] ?? []).length;
  const times: number[] = [];
  for (let i = 0; i < N; i++) times.push((await get()).ms);
  times.sort((a, b) => a - b);
  const p95Ms = pct(times, 95);
  return {
    engine,
    name: c.name,
    path,
    baseline: !!c.baseline,
    n: N,
    rows,
    bytes: Buffer.byteLength(warm.body),
    p50Ms: pct(times, 50),
    p95Ms,
    p99Ms: pct(times, 99),
    maxMs: pct(times, 100),
    met: c.baseline ? null : p95Ms <= TARGET_MS,
  };
}

// ---- EXPLAIN --------------------------------------------------------------------------------------------------------

/** The SQL the real list code runs for a case (captured from a Kysely plugin), each with its plan. */
async function explain(db: Db, c: Case): Promise<string[]> {
  const captured: CompiledQuery[] = [];
  const executor = db.kysely.getExecutor();
  const capture: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      captured.push(executor.compileQuery(node, queryId));
      return node;
    },
    transformResult: ({ result }) => Promise.resolve(result),
  };
  const capDb = { ...db, kysely: db.kysely.withPlugin(capture) } as Db;
  const silent = createLogger({ level: 'silent' });
  const q = c.query;
  if (c.list === 'alerts') {
    const alerts = new AlertService({ db: capDb, clock: systemClock, log: silent, teams: null as never });
    await alerts.list(systemActor('bench'), {
      status: q.status as never,
      service: q.service,
      severity: q.severity as never,
      cursor: q.cursor,
      before: q.before,
      limit: 100,
    });
  } else if (c.list === 'incidents') {
    const incidents = new IncidentService({ db: capDb, clock: systemClock, log: silent });
    await incidents.list({
      status: q.status as never,
      severity: q.severity as never,
      serviceId: q.serviceId,
      cursor: q.cursor,
      before: q.before,
      limit: 100,
    });
  }
  const out: string[] = [];
  for (const cq of captured) {
    out.push(`    SQL: ${cq.sql.replace(/\s+/g, ' ')}`);
    out.push(`    parameters: ${JSON.stringify(cq.parameters)}`);
    if (db.engine === 'postgres') {
      const r = await db.kysely.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(`explain (analyze, buffers) ${cq.sql}`, [...cq.parameters]),
      );
      for (const row of r.rows) out.push(`      ${Object.values(row).join(' ')}`);
    } else {
      const r = await db.kysely.executeQuery<{ id: number; parent: number; detail: string }>(
        CompiledQuery.raw(`explain query plan ${cq.sql}`, [...cq.parameters]),
      );
      const depth = new Map<number, number>([[0, 0]]);
      for (const row of r.rows) {
        const d = (depth.get(row.parent) ?? 0) + 1;
        depth.set(row.id, d);
        out.push(`      ${'  '.repeat(d - 1)}${row.detail}`);
      }
    }
  }
  return out;
}

// ---- main -----------------------------------------------------------------------------------------------------------

const figures: Figure[] = [];
const seeds: Record<string, { counts: Record<string, number>; seconds: Record<string, number>; total: number }> = {};
const machine =
  `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
  `Node ${process.version}, ${process.platform}/${process.arch}`;
log(`bench:lists at ${commit}; ${machine}`);
log(`${N_ALERTS} alerts, ${N_INCIDENTS} incidents, ${N} requests per case; target p95 ≤ ${TARGET_MS} ms`);
log(`load: ${load()}`);
let missed = false;
for (const engine of ENGINES) {
  const tdb: TestDatabase = await createTestDatabase(engine);
  let server: Muster | null = null;
  try {
    const db = tdb.open();
    let fixture: Fixture;
    const t0 = performance.now();
    try {
      fixture = await seed(db);
      if (engine === 'postgres') {
        const v = await sql<{ v: string }>`select version() as v`.execute(db.kysely);
        log(`[${engine}] ${v.rows[0]!.v}`);
      }
    } finally {
      await db.close();
    }
    const total = Math.round((performance.now() - t0) / 100) / 10;
    seeds[engine] = { counts: fixture.counts, seconds: fixture.seedSeconds, total };
    log(
      `[${engine}] seeded in ${total} s: ` +
        Object.entries(fixture.counts)
          .map(([t, n]) => `${t} ${n} (${fixture.seedSeconds[t]} s)`)
          .join(', ') +
        (fixture.seedSeconds.analyze !== undefined ? `, analyze ${fixture.seedSeconds.analyze} s` : ''),
    );
    log(`[${engine}] load: ${load()}`);
    server = await startMuster(
      loadConfig({
        env: {},
        overrides: {
          host: '127.0.0.1',
          port: 0,
          dataDir: tdb.dataDir,
          databaseUrl: tdb.databaseUrl,
          logLevel: 'warn',
          adminEmail: ADMIN_EMAIL,
          adminPassword: ADMIN_PASSWORD,
          'jobs.enabled': false,
        },
      }),
      { log: createLogger({ level: 'warn' }) },
    );
    const token = await adminTokenFor(server.url);
    const list = cases(fixture);
    for (const c of list) await resolveDeep(server.url, token, c);
    for (const c of list) {
      const f = await measure(server.url, token, c, engine);
      figures.push(f);
      if (f.met === false) missed = true;
      log(
        `[${engine}] ${f.name.padEnd(46)} p50 ${String(f.p50Ms).padStart(6)}  p95 ${String(f.p95Ms).padStart(6)}  ` +
          `p99 ${String(f.p99Ms).padStart(6)}  max ${String(f.maxMs).padStart(6)} ms` +
          `${f.rows === null ? '' : `  ${String(f.rows).padStart(3)} rows`}  ${(f.bytes / 1024).toFixed(0).padStart(4)} KiB` +
          (f.met === null ? '' : f.met ? '  met' : '  MISSED'),
      );
    }
    await server.stop();
    server = null;
    log(`[${engine}] load: ${load()}`);
    if (EXPLAIN) {
      const edb = tdb.open();
      try {
        for (const c of list.filter((x) => x.list)) {
          log(`[${engine}] EXPLAIN ${c.name}`);
          for (const line of await explain(edb, c)) log(line);
        }
      } finally {
        await edb.close();
      }
    }
  } finally {
    if (server) await server.stop();
    await tdb.drop();
  }
}
log(`done; load: ${load()}`);
log(
  'No offset mode: the lists page only by cursor, so there is no offset baseline. GET /api/alerts has no team filter.',
);
if (JSON_FILE)
  writeFileSync(
    JSON_FILE,
    JSON.stringify({ commit, machine, alerts: N_ALERTS, incidents: N_INCIDENTS, n: N, seeds, figures }, null, 2),
  );
process.exit(missed ? 1 : 0);
