/**
 * `npm run bench:paging`: how fast a page leaves, and how punctual escalation timers are. Not a test: it prints.
 *
 *   (a) alert → first notification: alerts go in through the generic intake (a new dedup key each) at a fixed
 *       offered rate; for each accepted alert (2xx), the time from reading the 2xx to the page's arrival at a local
 *       webhook receiver on 127.0.0.1 (the user's only contact method, level 1 of the service's policy).
 *       Targets: p99 ≤ 100 ms at 100 alerts/s.
 *   (a') the same with one contact method in ten dead (issue 23): ten services, each paging its own person; one
 *       person's only contact method is a webhook that accepts the connection and never answers. Alerts rotate
 *       over the ten services at BENCH_DEAD_RATE (default 100/s); sent → page is measured for the other nine in
 *       ten. Target: p99 ≤ 100 ms, like the clean case in the same run.
 *   (b) timer lateness: 100,000 `escalation.runStep` jobs pending, inserted in bulk; BENCH_TIMER_DUE of them come due
 *       evenly over BENCH_TIMER_SECONDS, the rest later (over the next day). Lateness = the job's finished_at (its
 *       step transaction committed) minus its run_at. The steps name no run, so each is a real, fenced, stale step:
 *       claim, lock, nothing to do, complete. Target: p99 ≤ 1 s.
 *
 * Muster runs in this process with production defaults (log level warn), so its event-loop and CPU figures are its
 * own. The load generator, the webhook receiver and the never-answering endpoint run in a child process
 * (bench/paging-load.ts, forked with tsx's loader, issue 18): it sends the alerts and takes every time (the send, the
 * 2xx, the page's arrival) on its own clock, and hands back the latencies and its own CPU and event-loop use. The
 * two processes still share the machine's cores. BENCH_LOAD=inprocess runs the same load code in this process
 * instead, sharing Muster's event loop (the arrangement before issue 18, for comparison).
 * PostgreSQL is started by the benchmark, durable (bench/postgres.ts: fsync and synchronous_commit on).
 * Environment: BENCH_ENGINES=sqlite,postgres  BENCH_RATES=1,100,1000  BENCH_SECONDS=10  BENCH_MAX_IN_FLIGHT=256
 * BENCH_WARMUP_SECONDS=2 (at the same rate before each measured run, not counted)  BENCH_DRAIN_SECONDS=60
 * BENCH_TIMERS=100000  BENCH_TIMER_DUE=1000  BENCH_TIMER_SECONDS=20  BENCH_DEAD_RATE=100 (0 skips a')
 * BENCH_SKIP_TIMERS=1 (skips b)  BENCH_LOAD=child|inprocess (child)  BENCH_TRACE=<file> (each alert's times, appended)
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/index.js';
import type { Engine } from '../src/db/index.js';
import { RUN_STEP_JOB } from '../src/escalation/index.js';
import { systemActor } from '../src/identity/index.js';
import { newId } from '../src/shared/ids.js';
import { createLogger } from '../src/shared/logger.js';
import { startMuster, type Muster } from '../src/server.js';
import { sampleCommitLatency } from './disk.js';
import { inProcessLoad, spawnLoad, type Load, type LoadUrls } from './paging-load.js';
import { startDurablePostgres, type BenchPostgres } from './postgres.js';
import { countStatementTexts, startCountingStatements, stopCountingStatements } from '../src/db/statements.js';

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const num = (name: string, fallback: number): number => Number(env(name, String(fallback)));
const list = (name: string, fallback: string): string[] =>
  env(name, fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const ENGINES = list('BENCH_ENGINES', 'sqlite,postgres') as Engine[];
const RATES = list('BENCH_RATES', '1,100,1000').map(Number);
const SECONDS = num('BENCH_SECONDS', 10);
/** Seconds at the same rate before each measured run, discarded (as bench:intake's warm-up): cold code, connections. */
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 2);
const MAX_IN_FLIGHT = num('BENCH_MAX_IN_FLIGHT', 256);
const DRAIN_SECONDS = num('BENCH_DRAIN_SECONDS', 60);
const TIMERS = num('BENCH_TIMERS', 100_000);
const TIMER_DUE = num('BENCH_TIMER_DUE', 1000);
const TIMER_SECONDS = num('BENCH_TIMER_SECONDS', 20);
const DEAD_RATE = num('BENCH_DEAD_RATE', 100);
const SKIP_TIMERS = env('BENCH_SKIP_TIMERS', '') === '1';
const LOAD = env('BENCH_LOAD', 'child');
if (LOAD !== 'child' && LOAD !== 'inprocess') throw new Error(`BENCH_LOAD must be child or inprocess, not ${LOAD}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (n: number): string =>
  Number.isNaN(n) ? '—' : n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`;
const loadAvg = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Bench {
  muster: Muster;
  key: string;
  api: <T>(method: string, path: string, body: unknown) => Promise<T>;
  /** PostgreSQL URL of Muster's database (null on SQLite): the commit-latency probe connects there. */
  databaseUrl: string | null;
  stop(): Promise<void>;
}

async function databaseFor(pgServer: BenchPostgres): Promise<string> {
  const name = `muster_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgServer.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(pgServer.url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function startBench(engine: Engine, pgServer: BenchPostgres | null, receiverUrl: string): Promise<Bench> {
  const dataDir = mkdtempSync(join(tmpdir(), 'muster-bench-paging-'));
  const databaseUrl = engine === 'postgres' && pgServer ? await databaseFor(pgServer) : undefined;
  const email = 'bench@example.test';
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
      adminEmail: email,
      adminPassword: randomBytes(12).toString('hex'),
    },
  });
  const muster = await startMuster(config, { log: createLogger({ level: 'warn' }) });
  const admin = await muster.services.identity.findUserByEmail(email);
  const { token } = await muster.services.tokens.create(systemActor('bench'), { userId: admin!.id, name: 'bench' });
  const api = async <T>(method: string, path: string, body: unknown): Promise<T> => {
    const res = await fetch(muster.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const team = await api<{ id: string }>('POST', '/api/teams', { name: 'Bench' });
  const user = await api<{ user: { id: string } }>('POST', '/api/users', {
    email: 'oncall@example.test',
    name: 'On call',
    password: 'a long enough password',
  });
  await api('PUT', `/api/teams/${team.id}/members/${user.user.id}`, { role: 'responder' });
  await api('POST', `/api/users/${user.user.id}/contact-methods`, { kind: 'webhook', address: receiverUrl });
  const policy = await api<{ id: string }>('POST', '/api/escalation-policies', {
    teamId: team.id,
    name: 'Bench',
    repeat: 0,
    workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
    levels: [{ delayMinutes: 30, targets: [{ type: 'user', id: user.user.id }] }],
  });
  const svc = await api<{ id: string }>('POST', '/api/services', { name: 'Bench API', teamId: team.id });
  await api('PATCH', `/api/services/${svc.id}`, { escalationPolicyId: policy.id });
  const { key } = await api<{ key: string }>('POST', `/api/services/${svc.id}/integration-keys`, { source: 'generic' });
  return {
    muster,
    key,
    api,
    databaseUrl: databaseUrl ?? null,
    async stop() {
      await muster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * (a') Ten services, each paging its own person with one webhook; person 0's webhook never answers. Returns the ten
 * integration keys (the first is the dead one's).
 */
async function setUpDeadShare(b: Bench, urls: LoadUrls): Promise<string[]> {
  const team = await b.api<{ id: string }>('POST', '/api/teams', { name: 'Bench, one in ten dead' });
  const keys: string[] = [];
  for (let i = 0; i < 10; i++) {
    const user = await b.api<{ user: { id: string } }>('POST', '/api/users', {
      email: `oncall-${i}@example.test`,
      name: `On call ${i}`,
      password: 'a long enough password',
    });
    await b.api('PUT', `/api/teams/${team.id}/members/${user.user.id}`, { role: 'responder' });
    await b.api('POST', `/api/users/${user.user.id}/contact-methods`, {
      kind: 'webhook',
      address: i === 0 ? urls.dead : urls.receiver,
    });
    const policy = await b.api<{ id: string }>('POST', '/api/escalation-policies', {
      teamId: team.id,
      name: `Bench ${i}`,
      repeat: 0,
      workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
      levels: [{ delayMinutes: 30, targets: [{ type: 'user', id: user.user.id }] }],
    });
    const svc = await b.api<{ id: string }>('POST', '/api/services', { name: `Bench API ${i}`, teamId: team.id });
    await b.api('PATCH', `/api/services/${svc.id}`, { escalationPolicyId: policy.id });
    keys.push(
      (await b.api<{ key: string }>('POST', `/api/services/${svc.id}/integration-keys`, { source: 'generic' })).key,
    );
  }
  return keys;
}

/**
 * (a) Offer `rate` alerts/s for SECONDS (open loop, at most MAX_IN_FLIGHT requests outstanding). With `keys`, the
 * alerts rotate over those integration keys, and the first key's alerts (whose page never arrives) are not measured.
 * The load side (`load`) sends and times everything on its own clock; this process measures Muster. Returns the
 * requests the never-answering endpoint has received so far.
 */
async function alertToPage(b: Bench, load: Load, rate: number, tag: string, keys: string[] = [b.key]): Promise<number> {
  // The warm-up: the same load, its figures printed apart and left out of the measured ones (the first alerts after a
  // start meet cold code on both sides, and the pool's and the load client's connections being opened).
  let warm = '';
  if (WARMUP_SECONDS > 0) {
    const w = await load.run({
      musterUrl: b.muster.url,
      keys,
      rate,
      seconds: WARMUP_SECONDS,
      maxInFlight: MAX_IN_FLIGHT,
      tag: `${tag}-warm`,
    });
    const wp = await load.drain(DRAIN_SECONDS);
    warm =
      `        warm-up (${WARMUP_SECONDS} s, not counted): ${w.accepted} accepted; sent → page p50 ` +
      `${ms(pct(wp.sentToPage, 50))} p99 ${ms(pct(wp.sentToPage, 99))} max ${ms(pct(wp.sentToPage, 100))}\n`;
  }
  const wallStart = Date.now();
  const commits = sampleCommitLatency(b.databaseUrl);
  // How busy this process's event loop was (Muster's, and the load generator's and receiver's with
  // BENCH_LOAD=inprocess): near 1 means CPU-bound, and then every await queues.
  const elu0 = performance.eventLoopUtilization();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const batches0 = b.muster.services.intake.batchStats;
  const cpu0 = process.cpuUsage();
  // Statements sent by Muster in this process from the first alert until every page arrived (or the drain ended).
  const texts = process.env.BENCH_STATEMENT_TEXTS ? countStatementTexts() : null;
  startCountingStatements();
  const t0 = performance.now();
  const sent = await load.run({
    musterUrl: b.muster.url,
    keys,
    rate,
    seconds: SECONDS,
    maxInFlight: MAX_IN_FLIGHT,
    tag,
  });
  const elu = performance.eventLoopUtilization(elu0).utilization;
  loopDelay.disable();
  const cpu = process.cpuUsage(cpu0);
  const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - t0);
  const c = await commits.stop();
  const batches1 = b.muster.services.intake.batchStats;
  const intakeTx = batches1.batches - batches0.batches;
  const perTx = (batches1.items - batches0.items) / Math.max(1, intakeTx);
  const paged = await load.drain(DRAIN_SECONDS);
  const statements = stopCountingStatements();
  const stages = await stageTimes(b, wallStart);
  const lat = paged.acceptedToPage;
  const fromSent = paged.sentToPage;
  const loadSide =
    load.where === 'child'
      ? `load process (generator and receiver): event loop ${(sent.elu * 100).toFixed(0)}% busy, CPU ` +
        `${((sent.cpuMs / sent.wallMs) * 100).toFixed(0)}% of a core`
      : 'load generator and receiver in this process (BENCH_LOAD=inprocess)';
  console.log(
    `  ${String(rate).padStart(5)} alerts/s offered for ${sent.offeredFor.toFixed(1)} s: ${sent.accepted} accepted ` +
      (sent.dead ? `(+ ${sent.dead} to the dead endpoint, not measured) ` : '') +
      `(${(sent.accepted / sent.offeredFor).toFixed(1)}/s), ${sent.refused} refused, ${sent.skipped} not sent ` +
      `(client cap), ${paged.notPaged} not paged within ${DRAIN_SECONDS} s; accepted → page p50 ` +
      `${ms(pct(lat, 50))} p99 ${ms(pct(lat, 99))} max ${ms(pct(lat, 100))}; sent → page p50 ` +
      `${ms(pct(fromSent, 50))} p99 ${ms(pct(fromSent, 99))} (sent → 2xx p50 ${ms(pct(paged.sentToAccepted, 50))} ` +
      `p99 ${ms(pct(paged.sentToAccepted, 99))}); load ${loadAvg()}\n${warm}        ${stages}\n` +
      `        a durable one-row commit on its own connection meanwhile (${c.n}, every 100 ms): ` +
      `p50 ${ms(c.p50)} p99 ${ms(c.p99)} max ${ms(c.max)}; Muster's process: event loop ${(elu * 100).toFixed(0)}% ` +
      `busy (delay p99 ${ms(loopDelay.percentile(99) / 1e6)}, max ${ms(loopDelay.max / 1e6)}), CPU ` +
      `${(cpuShare * 100).toFixed(0)}% of a core; ${loadSide}; intake ${intakeTx} transactions, ` +
      `${perTx.toFixed(1)} deliveries each (largest so far ${batches1.largestBatch}); ` +
      `${(statements / Math.max(1, sent.accepted)).toFixed(1)} statements per accepted alert, intake to page recorded`,
  );
  if (texts) {
    const top = [...texts].sort((x, y) => y[1] - x[1]).slice(0, 25);
    for (const [text, n] of top) console.log(`        ${String(n).padStart(7)}  ${text}`);
  }
  return paged.deadHits;
}

/**
 * Where the time goes: each job kind's enqueue → finished (wake-up, claim, handler, commit), p50/p99. A job's
 * created_at is the time its intake delivery arrived, so `notify.deliver` includes the wait for the intake commit.
 * `alerts.triggered` runs only when paging could not start in the intake transaction (the fallback): normally none.
 */
async function stageTimes(b: Bench, since: number): Promise<string> {
  const rows = await b.muster.services.db.kysely
    .selectFrom('jobs')
    .select(['kind', 'createdAt', 'finishedAt'])
    .where('createdAt', '>=', since)
    .where('status', '=', 'succeeded')
    .where('kind', 'in', ['alerts.triggered', 'notify.deliver'])
    .execute();
  return ['alerts.triggered', 'notify.deliver']
    .map((kind) => {
      const xs = rows.filter((r) => r.kind === kind).map((r) => Number(r.finishedAt) - Number(r.createdAt));
      if (xs.length === 0) return `${kind}: none ran`;
      return `${kind} (${xs.length}) delivery arrived → done p50 ${ms(pct(xs, 50))} p99 ${ms(pct(xs, 99))}`;
    })
    .join('; ');
}

/** (b) TIMERS pending steps, TIMER_DUE of them due over TIMER_SECONDS; lateness of those. */
async function timerLateness(b: Bench): Promise<void> {
  const { db } = b.muster.services;
  const row = (runAt: number, i: number) => {
    const now = Date.now();
    return {
      id: newId('job', now),
      kind: RUN_STEP_JOB,
      payload: JSON.stringify({ runId: `run_bench_${i}`, generation: 1 }),
      status: 'pending',
      runAt,
      attempts: 0,
      maxAttempts: 5,
      fence: 0,
      lockedBy: null,
      lockedUntil: null,
      lastError: null,
      uniqueKey: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
  };
  const insert = async (rows: ReturnType<typeof row>[]): Promise<void> => {
    for (let i = 0; i < rows.length; i += 500)
      await db.kysely
        .insertInto('jobs')
        .values(rows.slice(i, i + 500))
        .execute();
  };
  // The far-future ones first (due over the next day), then the ones that come due during the measurement.
  const t0 = performance.now();
  const later = Date.now() + TIMER_SECONDS * 1000 + 120_000;
  await insert(
    Array.from({ length: TIMERS - TIMER_DUE }, (_, i) => row(later + Math.floor(Math.random() * 86_400_000), i)),
  );
  const insertMs = performance.now() - t0;
  const start = Date.now() + 2000;
  const due = Array.from({ length: TIMER_DUE }, (_, i) =>
    row(start + Math.floor((i * TIMER_SECONDS * 1000) / TIMER_DUE), TIMERS + i),
  );
  await insert(due);
  const ids = due.map((r) => r.id);
  if (Date.now() > start) console.log('  (inserting the due timers took over 2 s: the first were already due)');
  await sleep(Math.max(0, start + TIMER_SECONDS * 1000 - Date.now()));
  const deadline = Date.now() + DRAIN_SECONDS * 1000;
  let done: { runAt: number; finishedAt: number | null }[] = [];
  for (;;) {
    done = [];
    for (let i = 0; i < ids.length; i += 500) {
      done.push(
        ...(await db.kysely
          .selectFrom('jobs')
          .select(['runAt', 'finishedAt'])
          .where('id', 'in', ids.slice(i, i + 500))
          .where('status', '=', 'succeeded')
          .execute()),
      );
    }
    if (done.length === ids.length || Date.now() > deadline) break;
    await sleep(200);
  }
  const late = done.map((d) => Number(d.finishedAt) - Number(d.runAt));
  console.log(
    `  ${TIMERS.toLocaleString('en-US')} pending (inserted in ${ms(insertMs)}), ${TIMER_DUE} due over ` +
      `${TIMER_SECONDS} s: ${done.length} fired; lateness p50 ${ms(pct(late, 50))} p99 ${ms(pct(late, 99))} ` +
      `max ${ms(pct(late, 100))} (target p99 ≤ 1 s); load ${loadAvg()}`,
  );
}

async function main(): Promise<void> {
  console.log(`node ${process.version}; load average at start ${loadAvg()}`);
  console.log(
    LOAD === 'inprocess'
      ? 'load generator and webhook receiver: in this process, beside Muster (BENCH_LOAD=inprocess)'
      : "load generator and webhook receiver: a child process (bench/paging-load.ts); Muster has this process's loop",
  );
  const pgServer = ENGINES.includes('postgres') ? await startDurablePostgres() : null;
  if (pgServer) console.log(`PostgreSQL: ${pgServer.version} (durable, started by the benchmark)`);
  const load = LOAD === 'inprocess' ? await inProcessLoad() : await spawnLoad();
  try {
    for (const engine of ENGINES) {
      const b = await startBench(engine, pgServer, load.urls.receiver);
      try {
        console.log(`${engine}: (a) accepted alert → first page at the webhook receiver`);
        for (const rate of RATES) await alertToPage(b, load, rate, `${engine}-${rate}`);
        if (DEAD_RATE > 0) {
          console.log(`${engine}: (a') the same, one contact method in ten never answers`);
          const keys = await setUpDeadShare(b, load.urls);
          // The load side lives for the whole run (both engines): count this case's requests to the dead endpoint.
          const hitsBefore = (await load.drain(0)).deadHits;
          const hits = await alertToPage(b, load, DEAD_RATE, `${engine}-dead-${DEAD_RATE}`, keys);
          const sends = b.muster.services.notify.bulkhead;
          console.log(
            `        the dead endpoint received ${hits - hitsBefore} requests; open breakers ${sends?.openCount() ?? '—'}`,
          );
        }
        if (!SKIP_TIMERS) {
          console.log(`${engine}: (b) escalation timer lateness`);
          await timerLateness(b);
        }
      } finally {
        await b.stop();
      }
    }
  } finally {
    await load.close();
    pgServer?.stop();
  }
  console.log('(c) schedule maths: see "Schedule maths" in docs/benchmarks.md (npm run bench:schedule)');
}

await main();
