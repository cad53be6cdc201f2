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
 * Muster runs in this process with production defaults (log level warn); the receiver and the load too, so they
 * share its CPU. PostgreSQL is started by the benchmark, durable (bench/postgres.ts: fsync and synchronous_commit on).
 * Environment: BENCH_ENGINES=sqlite,postgres  BENCH_RATES=1,100,1000  BENCH_SECONDS=10  BENCH_MAX_IN_FLIGHT=256
 * BENCH_DRAIN_SECONDS=60  BENCH_TIMERS=100000  BENCH_TIMER_DUE=1000  BENCH_TIMER_SECONDS=20  BENCH_DEAD_RATE=100
 * (0 skips a')  BENCH_SKIP_TIMERS=1 (skips b)
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
const MAX_IN_FLIGHT = num('BENCH_MAX_IN_FLIGHT', 256);
const DRAIN_SECONDS = num('BENCH_DRAIN_SECONDS', 60);
const TIMERS = num('BENCH_TIMERS', 100_000);
const TIMER_DUE = num('BENCH_TIMER_DUE', 1000);
const TIMER_SECONDS = num('BENCH_TIMER_SECONDS', 20);
const DEAD_RATE = num('BENCH_DEAD_RATE', 100);
const SKIP_TIMERS = env('BENCH_SKIP_TIMERS', '') === '1';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (n: number): string =>
  Number.isNaN(n) ? '—' : n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The page receiver: the first arrival time per alert id (performance.now(), same clock as the load). */
class Receiver {
  readonly firstAt = new Map<string, number>();
  private server: Server | null = null;
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const { alertId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alertId: string };
        if (!this.firstAt.has(alertId)) this.firstAt.set(alertId, at);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A webhook endpoint that accepts connections and never answers (a hung or firewalled receiver). */
async function startDeadEndpoint(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = createServer((req) => {
    req.resume();
    req.on('end', () => hits++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits: () => hits,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

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

async function startBench(engine: Engine, pgServer: BenchPostgres | null, receiver: Receiver): Promise<Bench> {
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
  await api('POST', `/api/users/${user.user.id}/contact-methods`, { kind: 'webhook', address: receiver.url });
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
async function setUpDeadShare(b: Bench, receiver: Receiver, deadUrl: string): Promise<string[]> {
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
      address: i === 0 ? deadUrl : receiver.url,
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
 */
async function alertToPage(
  b: Bench,
  receiver: Receiver,
  rate: number,
  tag: string,
  keys: string[] = [b.key],
): Promise<void> {
  let dead = 0;
  const accepted = new Map<string, number>();
  /** When the request for each accepted alert was sent: sent → page includes intake's own answer time. */
  const sentAt = new Map<string, number>();
  let offered = 0;
  let refused = 0;
  let skipped = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const send = async (i: number): Promise<void> => {
    inFlight++;
    const sent = performance.now();
    const key = keys[i % keys.length]!;
    const isDead = keys.length > 1 && key === keys[0];
    try {
      const res = await fetch(`${b.muster.url}/integrations/generic/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'firing', dedupKey: `${tag}-${i}`, title: `Bench ${i}`, severity: 'critical' }),
      });
      const at = performance.now();
      const body = (await res.json()) as { alerts?: { alertId: string }[] };
      if (res.ok && body.alerts?.[0] && isDead) dead++;
      else if (res.ok && body.alerts?.[0]) {
        accepted.set(body.alerts[0].alertId, at);
        sentAt.set(body.alerts[0].alertId, sent);
      } else refused++;
    } catch {
      refused++;
    } finally {
      inFlight--;
    }
  };
  const wallStart = Date.now();
  const commits = sampleCommitLatency(b.databaseUrl);
  // How busy this process's event loop was (Muster, the load generator and the receiver share it): near 1 means
  // CPU-bound, and then every await queues.
  const elu0 = performance.eventLoopUtilization();
  const batches0 = b.muster.services.intake.batchStats;
  const cpu0 = process.cpuUsage();
  // Statements sent by Muster in this process from the first alert until every page arrived (or the drain ended).
  const texts = process.env.BENCH_STATEMENT_TEXTS ? countStatementTexts() : null;
  startCountingStatements();
  const t0 = performance.now();
  const total = Math.round(rate * SECONDS);
  while (offered + skipped < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (offered + skipped < due) {
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++; // the client's cap: counted as offered but never sent
        continue;
      }
      const p = send(offered++).finally(() => pending.delete(p));
      pending.add(p);
    }
    await sleep(Math.max(1, Math.min(10, 1000 / rate)));
  }
  const offeredFor = (performance.now() - t0) / 1000;
  await Promise.all([...pending]);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const cpu = process.cpuUsage(cpu0);
  const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - t0);
  const c = await commits.stop();
  const batches1 = b.muster.services.intake.batchStats;
  const intakeTx = batches1.batches - batches0.batches;
  const perTx = (batches1.items - batches0.items) / Math.max(1, intakeTx);
  const drainUntil = performance.now() + DRAIN_SECONDS * 1000;
  while ([...accepted.keys()].some((id) => !receiver.firstAt.has(id)) && performance.now() < drainUntil)
    await sleep(50);
  const statements = stopCountingStatements();
  const stages = await stageTimes(b, wallStart);
  const lat = [...accepted]
    .filter(([id]) => receiver.firstAt.has(id))
    .map(([id, at]) => receiver.firstAt.get(id)! - at);
  const fromSent = [...sentAt]
    .filter(([id]) => receiver.firstAt.has(id))
    .map(([id, at]) => receiver.firstAt.get(id)! - at);
  console.log(
    `  ${String(rate).padStart(5)} alerts/s offered for ${offeredFor.toFixed(1)} s: ${accepted.size} accepted ` +
      (dead ? `(+ ${dead} to the dead endpoint, not measured) ` : '') +
      `(${(accepted.size / offeredFor).toFixed(1)}/s), ${refused} refused, ${skipped} not sent (client cap), ` +
      `${accepted.size - lat.length} not paged within ${DRAIN_SECONDS} s; accepted → page p50 ${ms(pct(lat, 50))} ` +
      `p99 ${ms(pct(lat, 99))} max ${ms(pct(lat, 100))}; sent → page p50 ${ms(pct(fromSent, 50))} ` +
      `p99 ${ms(pct(fromSent, 99))}; load ${load()}\n        ${stages}\n` +
      `        a durable one-row commit on its own connection meanwhile (${c.n}, every 100 ms): ` +
      `p50 ${ms(c.p50)} p99 ${ms(c.p99)} max ${ms(c.max)}; this process: event loop ${(elu * 100).toFixed(0)}% busy, ` +
      `CPU ${(cpuShare * 100).toFixed(0)}% of a core; intake ${intakeTx} transactions, ${perTx.toFixed(1)} ` +
      `deliveries each (largest so far ${batches1.largestBatch}); ${(statements / Math.max(1, accepted.size)).toFixed(1)} ` +
      `statements per accepted alert, intake to page recorded`,
  );
  if (texts) {
    const top = [...texts].sort((x, y) => y[1] - x[1]).slice(0, 25);
    for (const [text, n] of top) console.log(`        ${String(n).padStart(7)}  ${text}`);
  }
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
      `max ${ms(pct(late, 100))} (target p99 ≤ 1 s); load ${load()}`,
  );
}

async function main(): Promise<void> {
  console.log(`node ${process.version}; load average at start ${load()}`);
  const pgServer = ENGINES.includes('postgres') ? await startDurablePostgres() : null;
  if (pgServer) console.log(`PostgreSQL: ${pgServer.version} (durable, started by the benchmark)`);
  try {
    for (const engine of ENGINES) {
      const receiver = await new Receiver().start();
      const b = await startBench(engine, pgServer, receiver);
      try {
        console.log(`${engine}: (a) accepted alert → first page at the webhook receiver`);
        for (const rate of RATES) await alertToPage(b, receiver, rate, `${engine}-${rate}`);
        if (DEAD_RATE > 0) {
          const deadEndpoint = await startDeadEndpoint();
          try {
            console.log(`${engine}: (a') the same, one contact method in ten never answers`);
            const keys = await setUpDeadShare(b, receiver, deadEndpoint.url);
            await alertToPage(b, receiver, DEAD_RATE, `${engine}-dead-${DEAD_RATE}`, keys);
            const sends = b.muster.services.notify.bulkhead;
            console.log(
              `        the dead endpoint received ${deadEndpoint.hits()} requests; open breakers ${sends?.openCount() ?? '—'}`,
            );
          } finally {
            await deadEndpoint.close();
          }
        }
        if (!SKIP_TIMERS) {
          console.log(`${engine}: (b) escalation timer lateness`);
          await timerLateness(b);
        }
      } finally {
        await b.stop();
        await receiver.close();
      }
    }
  } finally {
    pgServer?.stop();
  }
  console.log('(c) schedule maths: see "Schedule maths" in docs/benchmarks.md (npm run bench:schedule)');
}

await main();
