/**
 * Muster survives its database (issue 20). Two real `muster serve` processes on one PostgreSQL server of this file's
 * own (the shared test server is never restarted: other files use it at the same time), as an operator runs Muster
 * for high availability, take a steady stream of alerts, 20 a second spread over both, from a client that behaves
 * like Alertmanager: it sends each alert until it is accepted, waiting as long as Retry-After says between tries.
 * Meanwhile the database goes away:
 *   1. `pg_ctl restart -m fast` (the issue's reproduction: a routine restart, about a second), then `pg_ctl stop -m
 *      fast`, three seconds down, `pg_ctl start` (a failover, with an outage long enough that requests surely meet it);
 *   2. `pg_terminate_backend` of every backend both processes hold, three times, mid-stream: open transactions, the
 *      job runners' claims and their LISTEN connections all lose their connection at once.
 * Each asserts: both processes live (the unhandled 'error' event of node-postgres used to end it), every refusal is a
 * 503 with Retry-After given within a few seconds (never a 500, never a hang, never a refused connection), /healthz
 * stays 200 while /readyz answers 503 during the outage and 200 after, the outage is logged once each way, and within
 * 15 s of the database coming back every accepted alert is paged — once: one delivery per alert, and a delivery that
 * was mid-send when the database went away arrives once more (as after a crash); at most once more per disruption.
 * PostgreSQL only: SQLite has no server to lose (its busy database is a 503 too: src/db/health.int.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openPostgres } from './index.js';
import { ENGINES, startThrowawayPostgres, testTmpDir, type TestDatabase } from './testing/index.js';
import type { ThrowawayPostgres } from './testing/postgres.js';
import { adminTokenFor, apiFor, spawnMuster, type ApiCall, type SpawnedMuster } from '../testing/server.js';
import { closeServer, listenHook } from '../testing/notify.js';

const RATE_PER_S = 20;
const STREAM_MS = 7000;
const RECOVERY_MS = 15_000;
const HOLD_MS = 250; // how long the page receiver takes to answer
const ROUNDS = 3; // pg_terminate_backend rounds, a second apart
const ENV = {
  MUSTER_JOBS_POLL_INTERVAL_MS: '100',
  MUSTER_JOBS_LEASE_MS: '5000',
  MUSTER_LOG_LEVEL: 'warn',
  MUSTER_METRICS_TOKEN: 'resilience-metrics-token',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Arrival {
  alertId: string;
  deliveryId: string;
  at: number;
}

/** Counts pages: every webhook Muster sends, by alert and delivery (recorded on arrival, answered HOLD_MS later). */
class PageCounter {
  readonly arrivals: Arrival[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alertId?: string };
        this.arrivals.push({
          alertId: body.alertId ?? '',
          deliveryId: String(req.headers['muster-delivery-id'] ?? ''),
          at: Date.now(),
        });
        // Held a moment, like a real provider: several pages are mid-send whenever the database goes away.
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        }, HOLD_MS);
      });
    });
    this.url = await listenHook(this.server);
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/** A fresh database on this file's own server (spawnMuster migrates it). */
async function databaseOn(server: ThrowawayPostgres, name: string): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  const databaseUrl = u.toString();
  const dataDir = mkdtempSync(join(testTmpDir(), 'muster-resilience-'));
  return {
    engine: 'postgres',
    dataDir,
    databaseUrl,
    open: () => openPostgres(databaseUrl, 3),
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A team, one user paged by webhook, a one-level policy, a service with a generic integration key. */
async function setUp(api: ApiCall, hookUrl: string): Promise<string> {
  const team = await api<{ id: string }>('POST', '/api/teams', { name: 'Payments' });
  assert.equal(team.status, 201, JSON.stringify(team.body));
  const u = await api<{ user: { id: string } }>('POST', '/api/users', {
    email: 'oncall@example.test',
    name: 'On call',
    password: 'a long enough password',
  });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  const userId = u.body.user.id;
  await api('PUT', `/api/teams/${team.body.id}/members/${userId}`, { role: 'responder' });
  const cm = await api('POST', `/api/users/${userId}/contact-methods`, { kind: 'webhook', address: hookUrl });
  assert.equal(cm.status, 201, JSON.stringify(cm.body));
  const policy = await api<{ id: string }>('POST', '/api/escalation-policies', {
    teamId: team.body.id,
    name: 'On call',
    repeat: 0,
    workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
    levels: [{ delayMinutes: 1, targets: [{ type: 'user', id: userId }] }],
  });
  assert.equal(policy.status, 201, JSON.stringify(policy.body));
  const svc = await api<{ id: string }>('POST', '/api/services', { name: 'Payments API', teamId: team.body.id });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  const patched = await api('PATCH', `/api/services/${svc.body.id}`, { escalationPolicyId: policy.body.id });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const key = await api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
    source: 'generic',
  });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  return key.body.key;
}

interface Refusal {
  status: number;
  retryAfter: string | null;
  code: string | undefined;
  ms: number;
}

interface SentAlert {
  i: number;
  alertId: string | null;
  acceptedAt: number | null;
  refusals: Refusal[];
  /** Muster did not answer at all (connection refused or reset, a hang past 10 s): the process died or hung. */
  failures: string[];
}

/** Like Alertmanager: send until accepted, waiting as long as Retry-After says between tries. */
async function sendUntilAccepted(url: string, key: string, i: number, tag: string): Promise<SentAlert> {
  const sent: SentAlert = { i, alertId: null, acceptedAt: null, refusals: [], failures: [] };
  const giveUpAt = Date.now() + 60_000;
  while (Date.now() < giveUpAt) {
    const started = Date.now();
    let res: Response;
    try {
      res = await fetch(`${url}/integrations/generic/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'firing', dedupKey: `${tag}-${i}`, title: `Checkout down ${i}` }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      sent.failures.push(String(e));
      await sleep(1000);
      continue;
    }
    const text = await res.text();
    if (res.status === 200) {
      sent.alertId = (JSON.parse(text) as { alerts: { alertId: string }[] }).alerts[0]!.alertId;
      sent.acceptedAt = Date.now();
      return sent;
    }
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      /* not JSON: asserted below */
    }
    const retryAfter = res.headers.get('retry-after');
    sent.refusals.push({ status: res.status, retryAfter, code, ms: Date.now() - started });
    await sleep(Math.max(1, Number(retryAfter) || 1) * 1000);
  }
  return sent;
}

interface Probe {
  server: number;
  at: number;
  path: string;
  status: number; // 0: no answer
  ms: number;
  /** /metrics: the muster_database_available gauge (1 or 0). */
  available?: number;
}

/** GET /healthz and /readyz every 200 ms until stopped, as a load balancer would. */
function probeHealth(url: string, server: number): { probes: Probe[]; stop(): Promise<void> } {
  const probes: Probe[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        const at = Date.now();
        let status = 0;
        let available: number | undefined;
        try {
          const r = await fetch(url + path, {
            headers: { authorization: `Bearer ${ENV.MUSTER_METRICS_TOKEN}` },
            signal: AbortSignal.timeout(10_000),
          });
          const text = await r.text();
          status = r.status;
          const m = /^muster_database_available (\d)/m.exec(text);
          if (m) available = Number(m[1]);
        } catch {
          status = 0;
        }
        probes.push({
          server,
          at,
          path,
          status,
          ms: Date.now() - at,
          ...(available !== undefined ? { available } : {}),
        });
      }
      await sleep(200);
    }
  })();
  return {
    probes,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The process's log lines (pino JSON) whose message starts with `prefix`. */
function logLines(server: SpawnedMuster, prefix: string): string[] {
  return server
    .output()
    .split('\n')
    .filter((line) => {
      try {
        const msg = (JSON.parse(line) as { msg?: unknown }).msg;
        return typeof msg === 'string' && msg.startsWith(prefix);
      } catch {
        return false;
      }
    });
}

interface Run {
  tdb: TestDatabase;
  servers: SpawnedMuster[];
  pages: PageCounter;
  alerts: SentAlert[];
  probes: Probe[];
  /** When the disruption ended (pg_ctl start returned; the database may answer a little earlier). */
  backAt: number;
  disruptedFrom: number;
  /** When the database was certainly away: from `pg_ctl stop` returning to `pg_ctl start` being called. */
  outage: [number, number] | null;
  /** How long after `backAt` the last accepted alert was first paged (ms). */
  lastPageAfterBackMs: number;
}

/**
 * Start two Muster processes on a fresh database, stream alerts to both for STREAM_MS, call `disrupt` 1.5 s in (it resolves when the
 * database is back), wait for every alert to be accepted and paged, and hand everything to the assertions.
 */
async function runScenario(
  pgServer: ThrowawayPostgres,
  name: string,
  disrupt: (tdb: TestDatabase) => Promise<[number, number] | null>,
  assertRun: (run: Run) => Promise<void>,
): Promise<void> {
  const tdb = await databaseOn(pgServer, name);
  const pages = await new PageCounter().start();
  const servers: SpawnedMuster[] = [];
  try {
    // One at a time: the first creates the administrator, the second finds it.
    servers.push(await spawnMuster(tdb, ENV));
    servers.push(await spawnMuster(tdb, ENV));
    const api = apiFor(servers[0]!.url, await adminTokenFor(servers[0]!.url));
    const key = await setUp(api, pages.url);
    const health = servers.map((s, n) => probeHealth(s.url, n));
    const pending: Promise<SentAlert>[] = [];
    const streamStart = Date.now();
    let disruption: Promise<{ from: number; to: number; outage: [number, number] | null }> | null = null;
    for (let i = 0; Date.now() - streamStart < STREAM_MS; i++) {
      if (!disruption && Date.now() - streamStart >= 1500) {
        const from = Date.now();
        disruption = disrupt(tdb).then((outage) => ({ from, to: Date.now(), outage }));
      }
      pending.push(sendUntilAccepted(servers[i % servers.length]!.url, key, i, name));
      await sleep(1000 / RATE_PER_S);
    }
    const { from, to, outage } = await disruption!;
    const alerts = await Promise.all(pending);
    // Every accepted alert paged within 15 s of the database coming back.
    const accepted = alerts.filter((a) => a.alertId);
    const deadline = Math.max(to, ...accepted.map((a) => a.acceptedAt!)) + RECOVERY_MS;
    const paged = (): boolean => {
      const seen = new Set(pages.arrivals.map((a) => a.alertId));
      return accepted.every((a) => seen.has(a.alertId!));
    };
    while (!paged() && Date.now() < deadline) await sleep(100);
    const firstPage = new Map<string, number>();
    for (const a of pages.arrivals) if (!firstPage.has(a.alertId)) firstPage.set(a.alertId, a.at);
    const pagedAfterBack = (list: SentAlert[]): number =>
      Math.max(0, ...list.map((a) => (firstPage.get(a.alertId!) ?? Infinity) - to));
    const lastPageAfterBackMs = pagedAfterBack(accepted);
    const beforeOutage = accepted.filter((a) => a.acceptedAt! < from && firstPage.get(a.alertId!)! > from);
    await sleep(1000); // late duplicates, if any, show up now
    for (const h of health) await h.stop();
    const refusals = alerts.flatMap((a) => a.refusals);
    const repeats = pages.arrivals.length - new Set(pages.arrivals.map((a) => a.deliveryId)).size;
    console.log(
      `# ${name}: ${alerts.length} alerts, ${accepted.length} accepted, ${refusals.length} refusals ` +
        `(${[...new Set(refusals.map((r) => `${r.status} ${r.code}`))].join(', ')}), ${pages.arrivals.length} pages ` +
        `(${repeats} repeated), last alert paged ${lastPageAfterBackMs} ms after the database was back ` +
        `(${beforeOutage.length} accepted before the disruption and paged after it began: the last ` +
        `${pagedAfterBack(beforeOutage)} ms after)`,
    );
    await assertRun({
      tdb,
      servers,
      pages,
      alerts,
      probes: health.flatMap((h) => h.probes),
      backAt: to,
      disruptedFrom: from,
      outage,
      lastPageAfterBackMs,
    });
  } finally {
    for (const s of servers) await s.kill9();
    await pages.close();
    await tdb.drop();
  }
}

/**
 * What holds after any database fault. `disruptions`: how many times the database went away; each may catch a page
 * mid-send (handed to the receiver, not yet recorded sent), which is then sent once more, as after a crash.
 */
function assertSurvived(run: Run, label: string, disruptions: number): void {
  const { servers, alerts, pages } = run;
  for (const server of servers) {
    assert.equal(server.child.exitCode, null, `muster exited during ${label}:\n${server.output()}`);
    assert.equal(server.child.signalCode, null, `muster was killed during ${label}:\n${server.output()}`);
    assert.doesNotMatch(server.output(), /Unhandled 'error' event|uncaughtException|unhandledRejection/);
  }

  assert.deepEqual(
    alerts.filter((a) => a.failures.length > 0).map((a) => ({ i: a.i, failures: a.failures })),
    [],
    'Muster did not answer some requests (died or hung)',
  );
  const refusals = alerts.flatMap((a) => a.refusals);
  const bad = refusals.filter(
    (r) =>
      r.status !== 503 ||
      !r.retryAfter ||
      !(Number(r.retryAfter) >= 1) ||
      (r.code !== 'database_unavailable' && r.code !== 'intake_busy') ||
      r.ms > 5000,
  );
  assert.deepEqual(
    bad,
    [],
    `every refusal is a prompt 503 with Retry-After; the servers logged:\n${servers
      .flatMap((s) => [...logLines(s, 'unhandled error'), ...logLines(s, 'request failed')])
      .join('\n')}`,
  );
  assert.deepEqual(
    alerts.filter((a) => !a.alertId).map((a) => a.i),
    [],
    'some alerts were never accepted',
  );

  // Every accepted alert paged, by one delivery, which arrived at most once more per disruption.
  const byAlert = new Map<string, Arrival[]>();
  for (const a of pages.arrivals) byAlert.set(a.alertId, [...(byAlert.get(a.alertId) ?? []), a]);
  const unpaged = alerts.filter((a) => !byAlert.has(a.alertId!)).map((a) => a.i);
  assert.deepEqual(unpaged, [], `alerts not paged within ${RECOVERY_MS / 1000} s of the database coming back`);
  for (const a of alerts) {
    const got = byAlert.get(a.alertId!)!;
    const deliveries = new Set(got.map((x) => x.deliveryId));
    assert.equal(deliveries.size, 1, `alert ${a.i} was paged by ${deliveries.size} deliveries`);
    assert.ok(
      got.length <= 1 + disruptions,
      `alert ${a.i}'s page arrived ${got.length} times in ${disruptions} disruptions`,
    );
  }
  assert.ok(
    run.lastPageAfterBackMs <= RECOVERY_MS,
    `the last alert was paged ${run.lastPageAfterBackMs} ms after the database was back`,
  );
  const extra = new Set(pages.arrivals.map((a) => a.alertId));
  assert.equal(extra.size, alerts.length, 'pages for alerts that were never sent');

  const healthz = run.probes.filter((p) => p.path === '/healthz');
  assert.ok(healthz.length > 10);
  assert.deepEqual(
    healthz.filter((p) => p.status !== 200),
    [],
    '/healthz must stay 200 while the process lives',
  );
  const readyz = run.probes.filter((p) => p.path === '/readyz');
  assert.deepEqual(
    readyz.filter((p) => (p.status !== 200 && p.status !== 503) || p.ms > 3000),
    [],
    '/readyz answers 200 or 503 within 3 s, never hangs',
  );
  for (let n = 0; n < servers.length; n++) {
    const lastReady = readyz.filter((p) => p.server === n).at(-1)!;
    assert.equal(lastReady.status, 200, `/readyz of process ${n} is 200 again once the database is back`);
  }
}

const skip = ENGINES.includes('postgres') ? false : 'PostgreSQL only (MUSTER_TEST_ENGINES excludes it)';

describe('Muster survives its database [postgres]', { skip }, () => {
  let pgServer: ThrowawayPostgres;
  before(async () => {
    pgServer = await startThrowawayPostgres();
  });
  after(() => pgServer?.stop());

  it('PostgreSQL restarts under a stream of alerts: 503 + Retry-After meanwhile, every accepted alert paged after', async () => {
    await runScenario(
      pgServer,
      'restart',
      async () => {
        // The issue's reproduction first: a routine restart, over in about a second.
        await pgServer.control('restart');
        await sleep(2500); // time for Muster to see the database back (and log it) before the next outage
        // Then a longer one: stop -m fast (every backend gets admin_shutdown), 3 s away, start.
        await pgServer.control('stop');
        const down = Date.now();
        await sleep(3000);
        const up = Date.now();
        await pgServer.control('start');
        return [down, up];
      },
      async (run) => {
        assertSurvived(run, 'a database restart', 2);
        const refusals = run.alerts.flatMap((a) => a.refusals);
        assert.ok(
          refusals.some((r) => r.code === 'database_unavailable'),
          `no request met the outage (refusals: ${JSON.stringify(refusals.slice(0, 5))})`,
        );
        const [down, up] = run.outage!;
        run.servers.forEach((server, n) => {
          const readyz = run.probes.filter((p) => p.path === '/readyz' && p.server === n);
          const during = readyz.filter((p) => p.at >= down && p.at + p.ms <= up);
          assert.ok(
            during.length > 0 && during.every((p) => p.status === 503),
            `/readyz of process ${n} during the outage: ${JSON.stringify(during)}`,
          );
          const firstReadyAfter = readyz.find((p) => p.at > run.backAt && p.status === 200);
          assert.ok(firstReadyAfter && firstReadyAfter.at - run.backAt < RECOVERY_MS, '/readyz ready again in 15 s');
          // The gauge a Prometheus alert can watch: 0 during the outage, 1 after.
          const metrics = run.probes.filter((p) => p.path === '/metrics' && p.server === n);
          assert.ok(
            metrics.some((p) => p.at >= down && p.at + p.ms <= up && p.available === 0),
            `muster_database_available during the outage: ${JSON.stringify(metrics.filter((p) => p.at >= down))}`,
          );
          assert.equal(metrics.at(-1)?.available, 1, 'muster_database_available is 1 again');
          // Two outages, each logged once when it started and once when it ended, not once per request.
          assert.equal(logLines(server, 'database unavailable').length, 2, server.output());
          assert.equal(logLines(server, 'database available again').length, 2, server.output());
        });
      },
    );
  });

  it('pg_terminate_backend of every Muster backend mid-stream: no crash, every accepted alert paged', async () => {
    let terminated = 0;
    const states: string[] = [];
    await runScenario(
      pgServer,
      'terminate',
      async (tdb) => {
        const name = new URL(tdb.databaseUrl!).pathname.slice(1);
        const admin = new pg.Client({ connectionString: pgServer.url });
        admin.on('error', () => undefined);
        await admin.connect();
        try {
          for (let round = 0; round < ROUNDS; round++) {
            const r = await admin.query<{ state: string | null; ok: boolean }>(
              `select state, pg_terminate_backend(pid) as ok from pg_stat_activity
                where datname = $1 and pid <> pg_backend_pid()`,
              [name],
            );
            terminated += r.rows.filter((row) => row.ok).length;
            states.push(...r.rows.map((row) => row.state ?? 'null'));
            await sleep(1000);
          }
        } finally {
          await admin.end();
        }
        return null;
      },
      async (run) => {
        assert.ok(terminated >= 3, `terminated ${terminated} backends`);
        assertSurvived(run, 'terminated backends', ROUNDS);
        // The job runner listens again on a new connection of its own.
        const db = run.tdb.open();
        try {
          const deadline = Date.now() + RECOVERY_MS;
          let listeners = 0;
          while (Date.now() < deadline) {
            const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
              where datname = current_database() and query = 'LISTEN muster_jobs' and pid <> pg_backend_pid()`.execute(
              db.kysely,
            );
            listeners = r.rows[0]?.n ?? 0;
            if (listeners === run.servers.length) break;
            await sleep(200);
          }
          if (listeners !== run.servers.length) {
            const activity = await sql<{ pid: number; state: string; query: string }>`select pid, state, query
              from pg_stat_activity where datname = current_database()`.execute(db.kysely);
            assert.fail(
              `${listeners} LISTEN connections for ${run.servers.length} processes; backends: ` +
                `${JSON.stringify(activity.rows)}\n${run.servers.map((s) => s.output()).join('\n----\n')}`,
            );
          }
        } finally {
          await db.close();
        }
      },
    );
    assert.ok(states.length > 0, `backend states at termination: ${states.join(',')}`);
  });
});
