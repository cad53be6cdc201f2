/**
 * `npm run bench:intake`: how fast Muster accepts alerts, measured against two yardsticks on the same machine in
 * the same run. Not a test: it measures and prints (figures go to docs/benchmarks.md).
 *
 *   yardsticks   a no-op Fastify route (parses the same JSON body, answers 202), and the real Alertmanager's own
 *                POST /api/v2/alerts intake (Debian prometheus-alertmanager 0.25)
 *   per engine   (a) PagerDuty Events v2, unique dedup keys; (b) PagerDuty, repeated dedup keys;
 *                (c) Alertmanager webhook batches; then a storm (many connections, BENCH_STORM_SECONDS) that records
 *                peak RSS and heap and counts 429/503 answers (each must carry Retry-After)
 *
 * Load comes from wrk on 127.0.0.1 only, with a fixed number of keep-alive connections and a fixed duration.
 * Muster runs in this process (so heap figures are exact); wrk and Alertmanager are separate processes.
 *
 * Environment (all optional): BENCH_ENGINES=sqlite,postgres  BENCH_SECONDS=10  BENCH_WARMUP_SECONDS=2
 * BENCH_CONNECTIONS=32  BENCH_AM_BATCH=10  BENCH_REPEATED_KEYS=20  BENCH_STORM_SECONDS=60
 * BENCH_STORM_CONNECTIONS=256  BENCH_STORM_ENGINES=sqlite,postgres  BENCH_JSON=<file to write the figures to>
 * BENCH_JOBS=off (diagnostics: no job runner in the Muster under test)
 * BENCH_YARDSTICKS=off (skip the no-op route and Alertmanager: storm or process runs only)
 * BENCH_PROCESSES=off (skip the PostgreSQL case of one spawned Muster process against two, issue 18)
 *
 * Each Muster case also prints the statements sent to the database per accepted event (src/db/statements.ts; the
 * job runner's count too unless BENCH_JOBS=off) and this process's CPU time per event.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import pg from 'pg';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/index.js';
import type { Engine } from '../src/db/index.js';
import { startCountingStatements, stopCountingStatements } from '../src/db/statements.js';
import { systemActor } from '../src/identity/index.js';
import { createLogger } from '../src/shared/logger.js';
import { startMuster, type Muster } from '../src/server.js';
import { freePort } from '../src/db/testing/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminTokenFor, apiFor } from '../src/testing/server.js';
import { ALERTMANAGER_BIN, startAlertmanager, sleep } from '../src/testing/prometheus.js';
import { postgresCommitsPerSecond, sqliteCommitsPerSecond } from './disk.js';
import { startDurablePostgres, type BenchPostgres } from './postgres.js';
import { findWrk, runLoad, type BodyKind, type LoadResult } from './wrk.js';

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const num = (name: string, fallback: number): number => {
  const v = Number(env(name, String(fallback)));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const engines = (name: string, fallback: string): Engine[] =>
  env(name, fallback)
    .split(',')
    .map((e) => e.trim())
    .filter((e): e is Engine => e === 'sqlite' || e === 'postgres');

const SECONDS = num('BENCH_SECONDS', 10);
const WARMUP = num('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 32);
const AM_BATCH = num('BENCH_AM_BATCH', 10);
const REPEATED_KEYS = num('BENCH_REPEATED_KEYS', 20);
const STORM_SECONDS = num('BENCH_STORM_SECONDS', 60);
const STORM_CONNECTIONS = num('BENCH_STORM_CONNECTIONS', 256);
const ENGINES = engines('BENCH_ENGINES', 'sqlite,postgres');
const STORM_ENGINES = engines('BENCH_STORM_ENGINES', 'sqlite,postgres');
const YARDSTICKS = env('BENCH_YARDSTICKS', 'on') !== 'off';
const PROCESSES = env('BENCH_PROCESSES', 'on') !== 'off';

interface Row {
  name: string;
  eventsPerRequest: number;
  result: LoadResult;
  /** Statements sent to the database per accepted event in the measured window (job runner's included, if on). */
  statementsPerEvent?: number;
  /** CPU time of this process (Muster; wrk is another process) per accepted event, µs. */
  cpuUsPerEvent?: number;
}
const eventsPerSecond = (r: Row): number => okCount(r.result) * (r.eventsPerRequest / r.result.seconds);
const okCount = (r: LoadResult): number =>
  Object.entries(r.statuses)
    .filter(([s]) => s.startsWith('2'))
    .reduce((a, [, n]) => a + n, 0);

/** Warm up (discarded), then measure. `muster`: count statements and CPU per event in the measured window. */
async function measure(
  name: string,
  url: string,
  body: BodyKind,
  eventsPerRequest: number,
  muster = false,
): Promise<Row> {
  await runLoad({ url, body, connections: CONNECTIONS, seconds: WARMUP });
  if (muster) startCountingStatements();
  const cpu0 = process.cpuUsage();
  const result = await runLoad({ url, body, connections: CONNECTIONS, seconds: SECONDS });
  const cpu = process.cpuUsage(cpu0);
  const statements = muster ? stopCountingStatements() : 0;
  const row: Row = { name, eventsPerRequest, result };
  const events = okCount(result) * eventsPerRequest;
  if (muster && events > 0) {
    row.statementsPerEvent = statements / events;
    row.cpuUsPerEvent = (cpu.user + cpu.system) / events;
  }
  const bad = Object.entries(result.statuses).filter(([s]) => !s.startsWith('2'));
  console.log(
    `  ${name.padEnd(44)} ${fmt(eventsPerSecond(row)).padStart(8)} events/s  ` +
      `p50 ${result.p50ms.toFixed(2)} ms  p99 ${result.p99ms.toFixed(2)} ms` +
      (row.statementsPerEvent !== undefined
        ? `  ${row.statementsPerEvent.toFixed(2)} statements/event  ${Math.round(row.cpuUsPerEvent!)} µs CPU/event`
        : '') +
      (bad.length ? `  non-2xx ${JSON.stringify(Object.fromEntries(bad))}` : ''),
  );
  if (okCount(result) === 0) {
    console.log(
      `  ${name}: no request succeeded in ${SECONDS} s (socket errors ${JSON.stringify(result.socketErrors)})`,
    );
  }
  return row;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function noopBaseline(): Promise<Row[]> {
  const app = Fastify({ logger: false });
  app.post('/noop', async (_req, reply) => reply.code(202).send({ status: 'success', message: 'Event processed' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/noop`;
  try {
    console.log('no-op Fastify route (same JSON bodies, answers 202, no storage):');
    return [
      await measure('no-op route, PagerDuty event body', url, { kind: 'pd-unique', routingKey: 'x'.repeat(32) }, 1),
      await measure(
        `no-op route, Alertmanager webhook body (${AM_BATCH} alerts)`,
        url,
        { kind: 'am-webhook', alertsPerBatch: AM_BATCH },
        AM_BATCH,
      ),
    ];
  } finally {
    await app.close();
  }
}

async function alertmanagerBaseline(): Promise<Row[]> {
  const am = await startAlertmanager({
    config: {
      route: { receiver: 'null', group_by: ['alertname'], group_wait: '30s', group_interval: '5m' },
      receivers: [{ name: 'null' }],
    },
    logLevel: 'warn',
  });
  try {
    console.log('Alertmanager 0.25 POST /api/v2/alerts (in memory, no fsync):');
    return [
      await measure(
        'Alertmanager API, 1 alert per request',
        `${am.url}/api/v2/alerts`,
        { kind: 'am-api', alertsPerBatch: 1 },
        1,
      ),
      await measure(
        `Alertmanager API, ${AM_BATCH} alerts per request`,
        `${am.url}/api/v2/alerts`,
        { kind: 'am-api', alertsPerBatch: AM_BATCH },
        AM_BATCH,
      ),
    ];
  } finally {
    await am.stop();
  }
}

interface BenchMuster {
  muster: Muster;
  pagerdutyKey: string;
  alertmanagerKey: string;
  stop(): Promise<void>;
}

async function startBenchMuster(engine: Engine, pgServer: BenchPostgres | null): Promise<BenchMuster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'muster-bench-'));
  let databaseUrl: string | undefined;
  if (engine === 'postgres') {
    if (!pgServer) throw new Error('no PostgreSQL server');
    databaseUrl = await createBenchDatabase(pgServer);
  }
  const email = 'bench@example.test';
  // Production defaults except: a free loopback port and log level warn (info logs one line per request).
  const config = loadConfig({
    env: {},
    overrides: {
      host: '127.0.0.1',
      port: 0,
      dataDir,
      ...(databaseUrl ? { databaseUrl, databasePoolSize: 20 } : {}),
      // MUSTER_DATABASE_NAMED_STATEMENTS=false: PostgreSQL parses every statement anew (the comparison).
      databaseNamedStatements: env('MUSTER_DATABASE_NAMED_STATEMENTS', 'true') !== 'false',
      logLevel: 'warn',
      // Diagnostics only: BENCH_JOBS=off measures intake without the job runner competing for the database.
      'jobs.enabled': env('BENCH_JOBS', 'on') !== 'off',
      adminEmail: email,
      adminPassword: randomBytes(12).toString('hex'),
    },
  });
  let muster: Muster;
  try {
    muster = await startMuster(config, { log: createLogger({ level: 'warn' }) });
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const stop = async (): Promise<void> => {
    await muster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const admin = await muster.services.identity.findUserByEmail(email);
    const { token } = await muster.services.tokens.create(systemActor('bench'), { userId: admin!.id, name: 'bench' });
    const api = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(muster.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`POST ${path} → ${res.status}: ${text}`);
      return JSON.parse(text) as T;
    };
    const team = await api<{ id: string }>('/api/teams', { name: 'Bench' });
    const service = await api<{ id: string }>('/api/services', { name: 'Checkout', teamId: team.id });
    const keyOf = async (source: string): Promise<string> =>
      (await api<{ key: string }>(`/api/services/${service.id}/integration-keys`, { source })).key;
    return { muster, pagerdutyKey: await keyOf('pagerduty'), alertmanagerKey: await keyOf('alertmanager'), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A fresh, empty database on the benchmark's PostgreSQL server. */
async function createBenchDatabase(pgServer: BenchPostgres): Promise<string> {
  const name = `muster_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgServer.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(pgServer.url);
  u.pathname = `/${name}`;
  return u.toString();
}

interface DrainResult {
  jobs: number;
  seconds: number;
  finished: boolean;
}

/**
 * New alerts may commit follow-up jobs (paging that could not start inline, deliveries). Wait until the runner has
 * worked through the ones that are due, so the next case starts from an idle server, and report how long that took.
 * Jobs scheduled for later (the daily payload pruning, hand-off reminders) are not waited for.
 */
async function drainJobs(m: BenchMuster, maxSeconds = 300): Promise<DrainResult> {
  if (!m.muster.services.runner) return { jobs: 0, seconds: 0, finished: false };
  const pending = async (): Promise<number> => {
    const r = await sql<{
      n: number | string;
    }>`select count(*) as n from jobs where status = 'running' or (status = 'pending' and run_at <= ${Date.now()})`.execute(
      m.muster.services.db.kysely,
    );
    return Number(r.rows[0]?.n ?? 0);
  };
  const t0 = Date.now();
  const jobs = await pending();
  let left = jobs;
  while (left > 0 && Date.now() - t0 < maxSeconds * 1000) {
    await sleep(250);
    left = await pending();
  }
  const seconds = (Date.now() - t0) / 1000;
  if (jobs > 0) {
    console.log(
      `    follow-up jobs: ${fmt(jobs)} queued after the case, ` +
        (left === 0 ? `done in ${seconds.toFixed(1)} s` : `${fmt(left)} still queued after ${maxSeconds} s`),
    );
  }
  return { jobs, seconds, finished: left === 0 };
}

interface StormResult {
  engine: Engine;
  result: LoadResult;
  accepted: number;
  stored: number;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  heapPeakMb: number;
  heapEndMb: number;
  /** Peak RSS in the second half of the storm minus the first half: near zero means memory is bounded. */
  rssSecondHalfGrowthMb: number;
  /** Event-loop delay in Muster's process during the storm (ms): how long the process could not answer anything. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Deliveries the commit queue refused because their batch had not started by their deadline. */
  expired: number;
  /** Answers Muster itself took more than 5 s to give (its own request-duration histogram), and its slowest bucket. */
  serverOver5s: number;
  drain?: DrainResult;
}

async function storm(engine: Engine, m: BenchMuster): Promise<StormResult> {
  const mb = (b: number): number => b / 1024 / 1024;
  const samples: { t: number; rss: number; heap: number }[] = [];
  const sample = (): void => {
    const u = process.memoryUsage();
    samples.push({ t: Date.now(), rss: u.rss, heap: u.heapUsed });
  };
  sample();
  const t0 = Date.now();
  const timer = setInterval(sample, 250);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const expired0 = m.muster.services.intake.batchStats.expired;
  const over5s0 = await serverAnswersOver5s(m);
  const nonce = `storm${randomBytes(4).toString('hex')}`;
  let result: LoadResult;
  try {
    result = await runLoad({
      url: `${m.muster.url}/v2/enqueue`,
      body: { kind: 'pd-unique', routingKey: m.pagerdutyKey },
      connections: STORM_CONNECTIONS,
      seconds: STORM_SECONDS,
      nonce,
    });
  } finally {
    clearInterval(timer);
    loop.disable();
  }
  sample();
  const expired = m.muster.services.intake.batchStats.expired - expired0;
  const serverOver5s = (await serverAnswersOver5s(m)) - over5s0;
  const accepted = okCount(result);
  // Every 2xx must be stored (requests still in flight when wrk stopped may add a few more).
  const countStored = async (): Promise<number> => {
    const r = await sql<{
      n: number | string;
    }>`select count(*) as n from alerts where dedup_key like ${`${nonce}-%`}`.execute(m.muster.services.db.kysely);
    return Number(r.rows[0]?.n ?? 0);
  };
  let stored = await countStored();
  for (let i = 0; i < 60 && stored < accepted; i++) {
    await sleep(500);
    stored = await countStored();
  }
  const half = t0 + (STORM_SECONDS * 1000) / 2;
  const peak = (xs: typeof samples, k: 'rss' | 'heap'): number => Math.max(...xs.map((s) => s[k]));
  const first = samples.filter((s) => s.t <= half);
  const second = samples.filter((s) => s.t > half);
  return {
    engine,
    result,
    accepted,
    stored,
    rssStartMb: mb(samples[0]!.rss),
    rssPeakMb: mb(peak(samples, 'rss')),
    rssEndMb: mb(samples.at(-1)!.rss),
    heapPeakMb: mb(peak(samples, 'heap')),
    heapEndMb: mb(samples.at(-1)!.heap),
    rssSecondHalfGrowthMb: second.length && first.length ? mb(peak(second, 'rss') - peak(first, 'rss')) : 0,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    expired,
    serverOver5s,
  };
}

/** `POST /v2/enqueue` answers that took Muster more than 5 s from reading the request (all statuses). */
async function serverAnswersOver5s(m: BenchMuster): Promise<number> {
  const h = await m.muster.services.metrics.httpDuration.get();
  let n = 0;
  for (const v of h.values) {
    if (v.labels.route !== '/v2/enqueue') continue;
    if (v.metricName?.endsWith('_count')) n += v.value;
    else if (v.metricName?.endsWith('_bucket') && (v.labels as { le?: unknown }).le === 5) n -= v.value;
  }
  return n;
}

interface ProcessesResult {
  /** New alerts/s (2xx) with the load on one process, split over two services. */
  oneProcess: { acceptedPerSecond: number; results: LoadResult[] };
  /** The same load split between two processes on the same database, one service each. */
  twoProcesses: { acceptedPerSecond: number; results: LoadResult[] };
}

/**
 * Issue 18: two `muster serve` processes on one PostgreSQL, against one. Both cases use spawned processes (production
 * defaults, log level warn) on one fresh database, two services with one PagerDuty key each, and two wrk clients
 * with half the connections each. One process: both clients on it (its batches for the two services commit in
 * parallel lanes). Two processes: each client on its own process, one service each.
 */
async function processesCase(pgServer: BenchPostgres): Promise<ProcessesResult> {
  const databaseUrl = await createBenchDatabase(pgServer);
  const dirs: string[] = [];
  const servers: ChildProcess[] = [];
  /** `muster serve` as a child process (production defaults, log level warn); its URL once /readyz answers. */
  const spawnOne = async (): Promise<{ url: string }> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'muster-bench-'));
    dirs.push(dataDir);
    const port = await freePort();
    let out = '';
    const child = spawn(process.execPath, ['--import', 'tsx', join('src', 'cli', 'main.ts'), 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        MUSTER_HOST: '127.0.0.1',
        MUSTER_PORT: String(port),
        MUSTER_DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        MUSTER_DATABASE_POOL_SIZE: '20',
        MUSTER_DATABASE_NAMED_STATEMENTS: env('MUSTER_DATABASE_NAMED_STATEMENTS', 'true'),
        MUSTER_LOG_LEVEL: 'warn',
        MUSTER_ADMIN_EMAIL: ADMIN_EMAIL,
        MUSTER_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    servers.push(child);
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    // A loaded machine can take a while to compile and start it: wait up to 3 minutes.
    for (const until = Date.now() + 180_000; ; await sleep(200)) {
      if (child.exitCode !== null) throw new Error(`muster exited with ${child.exitCode}:\n${out}`);
      if (Date.now() > until) throw new Error(`muster did not become ready:\n${out}`);
      if (
        await fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return { url };
    }
  };
  try {
    // One after the other: the first runs the migrations.
    const p1 = await spawnOne();
    const p2 = await spawnOne();
    const api = apiFor(p1.url, await adminTokenFor(p1.url));
    const team = (await api<{ id: string }>('POST', '/api/teams', { name: 'Bench processes' })).body;
    const keys: string[] = [];
    for (const name of ['Checkout', 'Payments']) {
      const svc = (await api<{ id: string }>('POST', '/api/services', { name, teamId: team.id })).body;
      const k = await api<{ key: string }>('POST', `/api/services/${svc.id}/integration-keys`, { source: 'pagerduty' });
      if (k.status !== 201) throw new Error(`integration key: HTTP ${k.status}`);
      keys.push(k.body.key);
    }
    const half = Math.max(1, Math.floor(CONNECTIONS / 2));
    const split = async (urls: [string, string]): Promise<{ acceptedPerSecond: number; results: LoadResult[] }> => {
      const run = (seconds: number) =>
        Promise.all(
          urls.map((url, i) =>
            runLoad({
              url: `${url}/v2/enqueue`,
              body: { kind: 'pd-unique', routingKey: keys[i]! },
              connections: half,
              seconds,
            }),
          ),
        );
      await run(WARMUP);
      const results = await run(SECONDS);
      const acceptedPerSecond = results.reduce((a, r) => a + okCount(r) / r.seconds, 0);
      return { acceptedPerSecond, results };
    };
    const show = (label: string, r: { acceptedPerSecond: number; results: LoadResult[] }): void => {
      const lat = r.results.map((x) => `p50 ${x.p50ms.toFixed(1)} ms, p99 ${x.p99ms.toFixed(1)} ms`).join('; ');
      const bad = r.results.flatMap((x) => Object.entries(x.statuses).filter(([st]) => !st.startsWith('2')));
      console.log(
        `  ${label.padEnd(44)} ${fmt(r.acceptedPerSecond).padStart(8)} new alerts/s  (${lat})` +
          (bad.length ? `  non-2xx ${JSON.stringify(bad)}` : ''),
      );
    };
    console.log(
      `\nPostgreSQL, spawned processes: 2 services, 2 wrk clients × ${half} connections, unique PagerDuty events`,
    );
    const oneProcess = await split([p1.url, p1.url]);
    show('one process, both services', oneProcess);
    const twoProcesses = await split([p1.url, p2.url]);
    show('two processes, one service each', twoProcesses);
    console.log(
      `  two processes / one process: ${(twoProcesses.acceptedPerSecond / oneProcess.acceptedPerSecond).toFixed(2)}`,
    );
    return { oneProcess, twoProcesses };
  } finally {
    await Promise.all(
      servers.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

function machine(): Record<string, string> {
  const v = (cmd: string, args: string[]): string => {
    // wrk -v prints its version and exits 1, so read the output whatever the exit code.
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const text = `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}`;
    return (text.split('\n')[0] ?? '').trim() || 'unknown';
  };
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(totalmem() / 1024 / 1024 / 1024)} GiB`,
    kernel: release(),
    node: process.version,
    wrk: v(findWrk(), ['-v']),
    alertmanager: v(ALERTMANAGER_BIN, ['--version']),
  };
}

async function main(): Promise<void> {
  const info = machine();
  console.log('machine:', JSON.stringify(info));
  console.log(
    `settings: ${SECONDS} s per case after ${WARMUP} s warm-up, ${CONNECTIONS} connections; storm ${STORM_SECONDS} s × ` +
      `${STORM_CONNECTIONS} connections; Alertmanager batches of ${AM_BATCH}\n`,
  );
  const noop = YARDSTICKS ? await noopBaseline() : [];
  const am = YARDSTICKS ? await alertmanagerBaseline() : [];
  const report: Record<string, unknown> = { machine: info, noop, alertmanager: am, engines: {}, storms: [] };
  const pgServer =
    ENGINES.includes('postgres') || STORM_ENGINES.includes('postgres') || PROCESSES
      ? await startDurablePostgres()
      : null;
  if (pgServer) report.postgres = pgServer.version;
  const disk: Record<string, number> = { sqlite: await sqliteCommitsPerSecond() };
  if (pgServer) {
    disk.postgres1 = await postgresCommitsPerSecond(pgServer.url, 1);
    disk[`postgres${CONNECTIONS}`] = await postgresCommitsPerSecond(pgServer.url, CONNECTIONS);
  }
  report.disk = disk;
  console.log(
    `\ndisk: durable one-row commits/s — SQLite (WAL, synchronous=FULL) ${fmt(disk.sqlite!)}` +
      (pgServer
        ? `; PostgreSQL (synchronous_commit=on) ${fmt(disk.postgres1!)} with 1 client, ` +
          `${fmt(disk[`postgres${CONNECTIONS}`]!)} with ${CONNECTIONS}`
        : ''),
  );
  try {
    for (const engine of [...new Set([...ENGINES, ...STORM_ENGINES])]) {
      const m = await startBenchMuster(engine, pgServer);
      try {
        if (ENGINES.includes(engine)) {
          console.log(`\nMuster on ${engine} (durable commit before the 2xx):`);
          const pdUrl = `${m.muster.url}/v2/enqueue`;
          const drained: Record<string, DrainResult> = {};
          const a = await measure(
            `(a) PagerDuty events, unique dedup keys`,
            pdUrl,
            { kind: 'pd-unique', routingKey: m.pagerdutyKey },
            1,
            true,
          );
          drained.a = await drainJobs(m);
          const b = await measure(
            `(b) PagerDuty events, ${REPEATED_KEYS} repeated dedup keys`,
            pdUrl,
            { kind: 'pd-repeated', routingKey: m.pagerdutyKey, distinctKeys: REPEATED_KEYS },
            1,
            true,
          );
          drained.b = await drainJobs(m);
          const c = await measure(
            `(c) Alertmanager webhook, ${AM_BATCH} alerts/batch`,
            `${m.muster.url}/integrations/alertmanager/${m.alertmanagerKey}`,
            { kind: 'am-webhook', alertsPerBatch: AM_BATCH },
            AM_BATCH,
            true,
          );
          drained.c = await drainJobs(m);
          const batches = m.muster.services.intake.batchStats;
          (report.engines as Record<string, unknown>)[engine] = { rows: [a, b, c], drained, batches };
          console.log(
            `  group commit: ${fmt(batches.items)} deliveries in ${fmt(batches.batches)} transactions ` +
              `(${(batches.items / Math.max(1, batches.batches)).toFixed(1)} per commit, largest ${batches.largestBatch}, ` +
              `fallbacks ${batches.fallbacks})`,
          );
          const ratio = (x: Row, y: Row | undefined): string =>
            y ? (eventsPerSecond(x) / eventsPerSecond(y)).toFixed(4) : 'n/a (BENCH_YARDSTICKS=off)';
          console.log(`  ratios on ${engine}:`);
          console.log(`    (a) / no-op route (PD body)          ${ratio(a, noop[0])}   target ≥ 0.5`);
          console.log(`    (c) / no-op route (AM body)          ${ratio(c, noop[1])}   target ≥ 0.5 (events/s)`);
          console.log(`    (a) / Alertmanager API, 1 per req    ${ratio(a, am[0])}   target ≥ 1.0`);
          console.log(`    (c) / Alertmanager API, ${AM_BATCH} per req   ${ratio(c, am[1])}   target ≥ 1.0`);
        }
        if (STORM_ENGINES.includes(engine)) {
          console.log(
            `\nstorm on ${engine}: ${STORM_CONNECTIONS} connections for ${STORM_SECONDS} s, unique PagerDuty events`,
          );
          const s = await storm(engine, m);
          const d = await drainJobs(m);
          s.drain = d;
          (report.storms as StormResult[]).push(s);
          const r = s.result;
          console.log(
            `  ${fmt(r.requests)} answers, ${fmt(s.accepted / r.seconds)} accepted/s, p50 ${r.p50ms.toFixed(1)} ms, ` +
              `p99 ${r.p99ms.toFixed(1)} ms, max ${r.maxMs.toFixed(0)} ms`,
          );
          console.log(
            `  statuses ${JSON.stringify(r.statuses)}; 429/503 without Retry-After: ${r.overloadWithoutRetryAfter}; ` +
              `socket errors ${JSON.stringify(r.socketErrors)}`,
          );
          console.log(
            `  accepted (2xx) ${fmt(s.accepted)}, stored ${fmt(s.stored)}${s.stored >= s.accepted ? '' : '  ← LOST EVENTS'}`,
          );
          console.log(
            `  refused by the commit queue at their deadline: ${fmt(s.expired)}; answers Muster took > 5 s to give: ` +
              `${fmt(s.serverOver5s)}; event-loop delay ` +
              `p99 ${s.loopDelayP99Ms.toFixed(0)} ms, max ${s.loopDelayMaxMs.toFixed(0)} ms`,
          );
          console.log(
            `  RSS start ${s.rssStartMb.toFixed(0)} MB, peak ${s.rssPeakMb.toFixed(0)} MB, end ${s.rssEndMb.toFixed(0)} MB ` +
              `(second-half peak − first-half peak: ${s.rssSecondHalfGrowthMb.toFixed(0)} MB); ` +
              `heap peak ${s.heapPeakMb.toFixed(0)} MB, end ${s.heapEndMb.toFixed(0)} MB`,
          );
        }
      } finally {
        await m.stop();
      }
    }
    if (PROCESSES && pgServer) report.processes = await processesCase(pgServer);
  } finally {
    pgServer?.stop();
  }
  const out = process.env.BENCH_JSON;
  if (out) writeFileSync(out, JSON.stringify(report, null, 2));
}

await main();
