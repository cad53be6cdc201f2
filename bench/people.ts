/**
 * `npm run bench:people` (issue 21): over a generated year (bench/people-seed.ts: 200 people in 10 teams, 50
 * services, 20,000 incidents with the alerts, pages, acknowledgements, roles, resolutions, post-mortems, runbooks,
 * comp time and pulse answers behind them, a few heroes and one-person services), every people-health read of
 * src/http/routes/people.ts and the comp-time ledger and pulse summary of src/http/routes/people-ledger.ts, over HTTP
 * against a spawned `muster serve`. Target: p95 ≤ 300 ms on SQLite and on PostgreSQL. The baseline, measured in the
 * same run against the same server: `/healthz` and an existing insights read (`/api/insights/responders`, a team,
 * 90 days).
 *
 * The history is generated once per engine into BENCH_DIR (default /tmp/muster-bench-people): with `--reuse` an
 * existing one of the same scale is read again (its recovery pages age: `/api/me/recovery` is only meaningful on a
 * fresh one). PostgreSQL is a cluster kept in BENCH_DIR/pg (fsync off: the figures are reads).
 *
 * Environment: BENCH_N (the scale of the history, default 1 = 20,000 incidents; 0.05 for a quick run),
 * BENCH_REQUESTS (50 per case after two warm-ups; a case whose warm-up takes over 2 s is measured 3 times; a case
 * stops after BENCH_CASE_SECONDS, default 60, whatever its count), BENCH_ENGINES (sqlite,postgres), BENCH_ONLY
 * (comma-separated substrings of the case names), BENCH_DIR, BENCH_JSON (a file for every figure), BENCH_COMMIT.
 * Prints a Markdown table for docs/benchmarks.md; exits 1 when a p95 is over 300 ms (the baselines excepted).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openPostgres, openSqlite, type Engine } from '../src/db/index.js';
import type { TestDatabase } from '../src/db/testing/index.js';
import { ADMIN_PASSWORD, adminTokenFor, spawnMuster } from '../src/testing/server.js';
import { startKeptPostgres, type KeptPostgres } from './insights-pg.js';
import { sizeOnDisk, type SeedTarget } from './insights-seed.js';
import { HERO_EMAIL, seedPeopleHistory, type PeopleSeedMeta } from './people-seed.js';

const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
const SCALE = Number(process.env.BENCH_N ?? process.env.BENCH_SCALE ?? 1);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50);
const CASE_MS = Number(process.env.BENCH_CASE_SECONDS ?? 60) * 1000;
const DIR = process.env.BENCH_DIR ?? '/tmp/muster-bench-people';
const ONLY = process.env.BENCH_ONLY;
const REUSE = process.argv.includes('--reuse');
const TARGET_MS = 300;
const SLOW_WARMUP_MS = 2000;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 60_000);
const DAY = 86_400_000;

const commit = process.env.BENCH_COMMIT ?? execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const load = (): string => execFileSync('uptime').toString().trim();
const log = (s: string) => console.log(s);

interface Case {
  name: string;
  path: string;
  /** Asked as the first team's hero rather than the administrator. */
  asHero?: boolean;
  baseline?: boolean;
}

interface Figure {
  engine: Engine;
  name: string;
  path: string;
  status: number;
  n: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  bytes: number;
  baseline: boolean;
}

function cases(meta: PeopleSeedMeta): Case[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const w = (days: number) => `from=${iso(meta.now - days * DAY)}&to=${iso(meta.now)}`;
  const team = meta.teamId;
  const out: Case[] = [
    { name: 'baseline: GET /healthz', path: '/healthz', baseline: true },
    {
      name: 'baseline: insights/responders, team, 90 days',
      path: `/api/insights/responders?teamId=${team}&${w(90)}`,
      baseline: true,
    },
    { name: 'heroes, team, 90 days', path: `/api/people/heroes?teamId=${team}&${w(90)}` },
    { name: 'heroes, team, 1 year', path: `/api/people/heroes?teamId=${team}&${w(365)}` },
    {
      name: 'heroes/incidents (pages), hero, 90 days',
      path: `/api/people/heroes/incidents?teamId=${team}&userId=${meta.heroUserId}&measure=pages&${w(90)}`,
    },
    {
      name: 'heroes/incidents (incidents), hero, 1 year',
      path: `/api/people/heroes/incidents?teamId=${team}&userId=${meta.heroUserId}&measure=incidents&${w(365)}`,
    },
    {
      name: 'heroes/incidents (offHours), hero, 90 days',
      path: `/api/people/heroes/incidents?teamId=${team}&userId=${meta.heroUserId}&measure=offHours&${w(90)}`,
    },
    { name: 'knowledge, team, 90 days', path: `/api/people/knowledge?teamId=${team}&${w(90)}` },
    { name: 'knowledge, team, 1 year', path: `/api/people/knowledge?teamId=${team}&${w(365)}` },
    {
      name: 'knowledge, one-person service, 1 year',
      path: `/api/people/knowledge?serviceId=${meta.knownByOneServiceId}&${w(365)}`,
    },
    { name: 'load, team, 90 days', path: `/api/people/load?teamId=${team}&${w(90)}` },
    { name: 'load, team, 1 year', path: `/api/people/load?teamId=${team}&${w(365)}` },
    { name: 'me/recovery (the hero)', path: '/api/me/recovery', asHero: true },
    { name: 'health-card, 90 days', path: `/api/services/${meta.serviceId}/health-card?${w(90)}` },
    { name: 'health-card, 1 year', path: `/api/services/${meta.knownByOneServiceId}/health-card?${w(365)}` },
    { name: 'service-health, team, 90 days', path: `/api/teams/${team}/service-health?${w(90)}` },
    { name: 'service-health, team, 1 year', path: `/api/teams/${team}/service-health?${w(365)}` },
    { name: 'people-settings', path: `/api/teams/${team}/people-settings` },
    { name: 'comp-time ledger, 1 year', path: `/api/teams/${team}/comp-time` },
    { name: 'pulse summary, 4 quarters', path: `/api/teams/${team}/pulse` },
  ];
  const only = ONLY?.split(',').map((o) => o.trim());
  return only ? out.filter((c) => c.baseline || only.some((o) => c.name.includes(o))) : out;
}

const pct = (sorted: number[], p: number): number =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10;

async function measure(url: string, token: string, c: Case, engine: Engine): Promise<Figure> {
  const get = async (): Promise<{ status: number; ms: number; bytes: number }> => {
    const t0 = performance.now();
    try {
      const r = await fetch(`${url}${c.path}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = await r.arrayBuffer();
      return { status: r.status, ms: performance.now() - t0, bytes: body.byteLength };
    } catch (e) {
      if ((e as Error).name !== 'TimeoutError') throw e;
      return { status: 0, ms: performance.now() - t0, bytes: 0 };
    }
  };
  await get();
  const warm = await get();
  const base = { engine, name: c.name, path: c.path, baseline: !!c.baseline, bytes: warm.bytes };
  if (warm.status !== 200) return { ...base, status: warm.status, n: 0, p50Ms: null, p95Ms: null, maxMs: null };
  const n = warm.ms > SLOW_WARMUP_MS ? 3 : REQUESTS;
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n && performance.now() - started < CASE_MS; i++) {
    const r = await get();
    if (r.status === 0) return { ...base, status: 0, n: i, p50Ms: null, p95Ms: null, maxMs: null };
    if (r.status !== 200) throw new Error(`${c.name}: HTTP ${r.status} on request ${i + 1}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  return {
    ...base,
    status: 200,
    n: times.length,
    p50Ms: pct(times, 50),
    p95Ms: pct(times, 95),
    maxMs: pct(times, 100),
  };
}

/** A token for someone else than the administrator (the seed gave them the administrator's password). */
async function tokenFor(baseUrl: string, email: string): Promise<string> {
  const signIn = await fetch(`${baseUrl}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: ADMIN_PASSWORD }),
  });
  if (!signIn.ok) throw new Error(`${email} sign-in failed: HTTP ${signIn.status} ${await signIn.text()}`);
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const created = await fetch(`${baseUrl}/api/tokens`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (created.status !== 201)
    throw new Error(`creating a token failed: HTTP ${created.status} ${await created.text()}`);
  return ((await created.json()) as { token: string }).token;
}

async function prepare(
  engine: Engine,
  pgServer: KeptPostgres | null,
): Promise<{ target: SeedTarget; meta: PeopleSeedMeta }> {
  const metaFile = join(DIR, `meta-${engine}.json`);
  const dataDir = join(DIR, engine === 'sqlite' ? 'sqlite' : 'pg-muster-data');
  let databaseUrl: string | undefined;
  if (engine === 'postgres') {
    const u = new URL(pgServer!.url);
    u.pathname = '/muster_bench_people';
    databaseUrl = u.toString();
  }
  const target: SeedTarget = { engine, dataDir, databaseUrl };
  const old = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as PeopleSeedMeta) : null;
  if (REUSE && old && old.scale === SCALE) {
    log(`[${engine}] reusing the history generated at ${old.commit} (${old.generatedSeconds} s to generate)`);
    return { target, meta: old };
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(metaFile, { force: true });
  mkdirSync(dataDir, { recursive: true });
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: pgServer!.url });
    await admin.connect();
    await admin.query('drop database if exists muster_bench_people with (force)');
    await admin.query('create database muster_bench_people');
    await admin.end();
  }
  log(`[${engine}] generating the history (scale ${SCALE}); load: ${load()}`);
  const meta = await seedPeopleHistory(target, SCALE, commit, log);
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return { target, meta };
}

const cell = (v: number | null) => (v === null ? '–' : String(v));

function markdown(figures: Figure[]): string {
  const names = [...new Set(figures.map((f) => f.name))];
  const of = (engine: Engine, name: string) => figures.find((f) => f.engine === engine && f.name === name);
  const head =
    '| endpoint | ' +
    ENGINES.map((e) => `${e} p50 / p95 / max (ms)`).join(' | ') +
    ' | p95 ≤ 300 ms |\n|---|' +
    ENGINES.map(() => '---|').join('') +
    '---|\n';
  const rows = names.map((name) => {
    const fs = ENGINES.map((e) => of(e, name));
    const cells = fs.map((f) =>
      !f
        ? '–'
        : f.status === 0
          ? `no answer in ${TIMEOUT_MS / 1000} s`
          : f.status !== 200
            ? `HTTP ${f.status}`
            : `${cell(f.p50Ms)} / ${cell(f.p95Ms)} / ${cell(f.maxMs)}`,
    );
    const baseline = fs.some((f) => f?.baseline);
    const met = fs.every((f) => !f || (f.status === 200 && f.p95Ms !== null && f.p95Ms <= TARGET_MS));
    return `| ${name} | ${cells.join(' | ')} | ${baseline ? '(baseline)' : met ? 'met' : '**missed**'} |`;
  });
  return head + rows.join('\n') + '\n';
}

const figures: Figure[] = [];
const sizes: Record<string, { bytes: number; generatedSeconds: number; counts: Record<string, number> }> = {};
log(`bench:people at ${commit}; scale ${SCALE}; load: ${load()}`);
mkdirSync(DIR, { recursive: true });
const pgServer = ENGINES.includes('postgres') ? await startKeptPostgres(join(DIR, 'pg')) : null;
let missed = false;
try {
  for (const engine of ENGINES) {
    const { target, meta } = await prepare(engine, pgServer);
    const bytes = await sizeOnDisk(target);
    sizes[engine] = { bytes, generatedSeconds: meta.generatedSeconds, counts: meta.counts };
    const c = meta.counts;
    log(
      `[${engine}] history: ${c.users} people, ${c.services} services, ${c.incidents} incidents, ${c.alerts} alerts, ` +
        `${c.escalation_log} pages, ${c.alert_events} alert events, ${c.role_assignments} roles, ` +
        `${c.comp_time_entries} comp-time entries, ${c.pulse_answers ?? 0} pulse answers; ` +
        `generated in ${meta.generatedSeconds} s; ${(bytes / 2 ** 20).toFixed(0)} MiB on disk`,
    );
    // Migrations added since the history was generated (with --reuse) run here, before the server starts.
    const mdb = engine === 'postgres' ? openPostgres(target.databaseUrl!, 2) : openSqlite(target.dataDir);
    const applied = await migrateToLatest(mdb.kysely);
    await mdb.close();
    if (applied.length) log(`[${engine}] applied ${applied.join(', ')}`);
    const tdb = { engine, dataDir: target.dataDir, databaseUrl: target.databaseUrl } as TestDatabase;
    let server = await spawnMuster(tdb, { MUSTER_JOBS_ENABLED: 'false' });
    const onSignal = () => {
      void server.stop().finally(() => {
        pgServer?.stop();
        process.exit(130);
      });
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      let token = await adminTokenFor(server.url);
      let heroToken = await tokenFor(server.url, HERO_EMAIL);
      for (const c of cases(meta)) {
        const f = await measure(server.url, c.asHero ? heroToken : token, c, engine);
        if (f.status === 0) {
          // The server is still computing the abandoned answer: a fresh one for the next case.
          await server.kill9();
          server = await spawnMuster(tdb, { MUSTER_JOBS_ENABLED: 'false' });
          token = await adminTokenFor(server.url);
          heroToken = await tokenFor(server.url, HERO_EMAIL);
        }
        figures.push(f);
        const ok = f.baseline || (f.status === 200 && f.p95Ms !== null && f.p95Ms <= TARGET_MS);
        if (!ok) missed = true;
        log(
          `[${engine}] ${f.name.padEnd(46)} ` +
            (f.status === 0
              ? `no answer in ${TIMEOUT_MS / 1000} s  MISSED`
              : f.status !== 200
                ? `HTTP ${f.status}  MISSED`
                : `n ${String(f.n).padStart(2)}  p50 ${String(f.p50Ms).padStart(7)} ms  p95 ${String(f.p95Ms).padStart(7)} ms` +
                  `  max ${String(f.maxMs).padStart(7)} ms  ${(f.bytes / 1024).toFixed(0).padStart(5)} KiB` +
                  (f.baseline ? '' : `  ${ok ? 'met' : 'MISSED'}`)),
        );
      }
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      await server.stop();
    }
  }
} finally {
  pgServer?.stop();
}
log(`done; load: ${load()}\n`);
log(
  `bench:people at ${commit}, scale ${SCALE} (${sizes[ENGINES[0]!]?.counts.incidents ?? 0} incidents), ` +
    `${REQUESTS} requests per endpoint after two warm-ups\n`,
);
log(markdown(figures));
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ commit, sizes, figures }, null, 2));
process.exit(missed ? 1 : 0);
