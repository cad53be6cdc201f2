/**
 * `npm run bench:insights` (issue 12): over a generated five-year history (bench/insights-seed.ts: 50,000 incidents,
 * 5,000,000 alerts, 2,000 post-mortems with action items, pages, links, room activity), every /api/insights/*
 * endpoint and its drill-downs, over HTTP against a spawned `muster serve`, with typical filters (90 days, 1 year,
 * 5 years; a team, a service over a year). Target: p95 ≤ 300 ms on SQLite and on PostgreSQL. The baseline, measured in
 * the same run against the same server: `GET /api/incidents/metrics` (the old means endpoint, 90 days) and `/healthz`.
 *
 * The history is generated once per engine into BENCH_DIR (default /tmp/muster-bench-insights): with `--reuse` an
 * existing one (same BENCH_SCALE) is read again, so reruns skip the generation. Generation time and size on disk
 * (the SQLite file; pg_database_size) are printed. PostgreSQL is a cluster kept in BENCH_DIR/pg (fsync off: reads).
 *
 * Environment: BENCH_ENGINES (sqlite,postgres), BENCH_N (20 requests per case after one warm-up; a case whose
 * warm-up takes over 2 s is measured 3 times), BENCH_SCALE (1), BENCH_ONLY (comma-separated substrings of the case names),
 * BENCH_JSON (a file for every figure), BENCH_COMMIT (the label
 * printed instead of `git rev-parse`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openPostgres, openSqlite, type Engine } from '../src/db/index.js';
import type { TestDatabase } from '../src/db/testing/index.js';
import { adminTokenFor, spawnMuster } from '../src/testing/server.js';
import { startKeptPostgres, type KeptPostgres } from './insights-pg.js';
import { readMeta, seedHistory, sizeOnDisk, writeMeta, type SeedMeta, type SeedTarget } from './insights-seed.js';

const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
const N = Number(process.env.BENCH_N ?? 20);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const DIR = process.env.BENCH_DIR ?? '/tmp/muster-bench-insights';
const ONLY = process.env.BENCH_ONLY;
const REUSE = process.argv.includes('--reuse');
const TARGET_MS = 300;
const SLOW_WARMUP_MS = 2000;
/** A request still unanswered after this is recorded as a time-out (status 0) and the case is not measured further. */
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 120_000);
const DAY = 86_400_000;

const commit = process.env.BENCH_COMMIT ?? execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const load = (): string => execFileSync('uptime').toString().trim();
const log = (s: string) => console.log(s);

interface Case {
  name: string;
  path: string;
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

function cases(meta: SeedMeta): Case[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const to = meta.now;
  const w = (days: number) => `from=${iso(to - days * DAY)}&to=${iso(to)}`;
  const windows: [string, string][] = [
    ['90 days', w(90)],
    ['1 year', w(365)],
    ['5 years', w(5 * 365)],
    ['team, 1 year', `${w(365)}&teamId=${meta.teamId}`],
    ['service, 1 year', `${w(365)}&serviceId=${meta.serviceId}`],
  ];
  const out: Case[] = [
    { name: 'baseline: GET /healthz', path: '/healthz', baseline: true },
    {
      name: 'baseline: GET /api/incidents/metrics, 90 days',
      path: `/api/incidents/metrics?since=${iso(to - 90 * DAY)}&until=${iso(to)}`,
      baseline: true,
    },
  ];
  const each = (label: string, path: string, extra = '') => {
    for (const [wl, q] of windows) out.push({ name: `${label}, ${wl}`, path: `${path}?${q}${extra}` });
  };
  each('response-times', '/api/insights/response-times');
  each('response-times/incidents (mttr)', '/api/insights/response-times/incidents', '&metric=mttr');
  each('recurrence', '/api/insights/recurrence');
  out.push({
    name: 'recurrence/incidents/:id',
    path: `/api/insights/recurrence/incidents/${meta.recurringIncidentId}`,
  });
  each('paging', '/api/insights/paging');
  each('paging/pages', '/api/insights/paging/pages');
  each('learning', '/api/insights/learning');
  each('responders', '/api/insights/responders');
  out.push({ name: 'incidents/:id/responders', path: `/api/incidents/${meta.recurringIncidentId}/responders` });
  each('alert-quality (rule)', '/api/insights/alert-quality', '&groupBy=rule');
  each('alert-quality (service)', '/api/insights/alert-quality', '&groupBy=service');
  out.push({ name: 'digest/preview', path: `/api/insights/digest/preview?teamId=${meta.teamId}` });
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
  const warm = await get();
  const base = { engine, name: c.name, path: c.path, baseline: !!c.baseline, bytes: warm.bytes };
  if (warm.status !== 200) return { ...base, status: warm.status, n: 0, p50Ms: null, p95Ms: null, maxMs: null };
  const n = warm.ms > SLOW_WARMUP_MS ? 3 : N;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get();
    if (r.status === 0) return { ...base, status: 0, n: i, p50Ms: null, p95Ms: null, maxMs: null };
    if (r.status !== 200) throw new Error(`${c.name}: HTTP ${r.status} on request ${i + 1}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  return { ...base, status: 200, n, p50Ms: pct(times, 50), p95Ms: pct(times, 95), maxMs: pct(times, 100) };
}

async function prepare(engine: Engine, pgServer: KeptPostgres | null): Promise<{ target: SeedTarget; meta: SeedMeta }> {
  const metaFile = join(DIR, `meta-${engine}.json`);
  const dataDir = join(DIR, engine === 'sqlite' ? 'sqlite' : 'pg-muster-data');
  let databaseUrl: string | undefined;
  if (engine === 'postgres') {
    const u = new URL(pgServer!.url);
    u.pathname = '/muster_bench';
    databaseUrl = u.toString();
  }
  const target: SeedTarget = { engine, dataDir, databaseUrl };
  const old = readMeta(metaFile);
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
    await admin.query('drop database if exists muster_bench with (force)');
    await admin.query('create database muster_bench');
    await admin.end();
  }
  log(`[${engine}] generating the history (scale ${SCALE}); load: ${load()}`);
  const meta = await seedHistory(target, commit, log);
  writeMeta(metaFile, meta);
  return { target, meta };
}

const figures: Figure[] = [];
const sizes: Record<string, { bytes: number; generatedSeconds: number; counts: Record<string, number> }> = {};
log(`bench:insights at ${commit}; load: ${load()}`);
mkdirSync(DIR, { recursive: true });
const pgServer = ENGINES.includes('postgres') ? await startKeptPostgres(join(DIR, 'pg')) : null;
let missed = false;
try {
  for (const engine of ENGINES) {
    const { target, meta } = await prepare(engine, pgServer);
    const bytes = await sizeOnDisk(target);
    sizes[engine] = { bytes, generatedSeconds: meta.generatedSeconds, counts: meta.counts };
    log(
      `[${engine}] history: ${meta.counts.incidents} incidents, ${meta.counts.alerts} alerts, ` +
        `${meta.counts.postmortems} post-mortems, ${meta.counts.action_items} action items, ` +
        `${meta.counts.escalation_log} pages; generated in ${meta.generatedSeconds} s; ` +
        `${(bytes / 2 ** 30).toFixed(2)} GiB on disk`,
    );
    // Migrations added since the history was generated run here, unhurried (an index on 5,000,000 alerts would
    // outlast the server's 30 s start-up wait).
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
      for (const c of cases(meta)) {
        const f = await measure(server.url, token, c, engine);
        if (f.status === 0) {
          // The server is still computing the abandoned answer: start a fresh one so the next case is not measured
          // against it.
          await server.kill9();
          server = await spawnMuster(tdb, { MUSTER_JOBS_ENABLED: 'false' });
          token = await adminTokenFor(server.url);
        }
        figures.push(f);
        const ok = f.baseline || (f.status !== 0 && (f.p95Ms === null || f.p95Ms <= TARGET_MS));
        if (!ok) missed = true;
        log(
          `[${engine}] ${f.name.padEnd(52)} ` +
            (f.status === 0
              ? `no answer in ${TIMEOUT_MS / 1000} s  MISSED`
              : f.status !== 200
                ? `HTTP ${f.status} (not measured)`
                : `n ${String(f.n).padStart(2)}  p50 ${String(f.p50Ms).padStart(8)} ms  p95 ${String(f.p95Ms).padStart(8)} ms` +
                  `  ${(f.bytes / 1024).toFixed(0).padStart(6)} KiB` +
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
log(`done; load: ${load()}`);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ commit, sizes, figures }, null, 2));
process.exit(missed ? 1 : 0);
