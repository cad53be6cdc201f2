/**
 * kill -9 with pages in flight and escalations pending. A real `muster serve` process pages user A (level 1) for
 * several alerts through a deliberately slow webhook receiver, so at the kill some pages have been handed over and
 * recorded, one or more are mid-send, some are still queued, and every run has its level-2 step (user B, 1 minute
 * later) waiting as a timer. A second process on the same database must finish the work: every alert's page to A
 * arrives, and every alert's page to B arrives exactly once.
 *
 * The one honest exception is the at-least-once window of a send: a send cannot be in a database transaction, so a
 * page the receiver got while its delivery was still pending in the database (mid-send at the kill, or answered but
 * not yet committed) is sent again after the restart. The receiver sees the same `muster-delivery-id` both times,
 * so the duplicate is detectable. A page whose delivery was recorded `sent` before the kill is never sent again.
 *
 * Time is driven, not waited for: the minimum escalation delay is a minute, so between the kill and the restart
 * (no server running) the test moves the pending level-2 step jobs' run_at to now, as if the minute had passed.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createTestDatabase, ENGINES, type TestDatabase } from '../db/testing/index.js';
import { adminTokenFor, apiFor, spawnMuster, type ApiCall, type SpawnedMuster } from '../testing/server.js';
import { RUN_STEP_JOB } from './runs.js';

const ALERTS = 12;
const HOLD_MS = 1200; // how long the slow receiver keeps each page before answering
const ENV = {
  MUSTER_JOBS_CONCURRENCY: '2', // so some pages are queued while others are mid-send
  MUSTER_JOBS_POLL_INTERVAL_MS: '50',
  // PostgreSQL hands a dead process's jobs to another runner when their lease expires: keep the test quick.
  MUSTER_JOBS_LEASE_MS: '3000',
};

interface Arrival {
  deliveryId: string;
  alertId: string;
  answered: boolean;
}

/** A webhook receiver that holds every request for `holdMs` before answering 200, recording arrivals at once. */
class SlowReceiver {
  readonly arrivals: Arrival[] = [];
  private server: Server | null = null;
  url = '';

  constructor(private readonly holdMs: number) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('error', () => undefined); // the sender may die mid-request: that is the point
      res.on('error', () => undefined);
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alertId?: string };
        const arrival: Arrival = {
          deliveryId: String(req.headers['muster-delivery-id'] ?? ''),
          alertId: body.alertId ?? '',
          answered: false,
        };
        this.arrivals.push(arrival);
        setTimeout(() => {
          if (res.destroyed) return;
          arrival.answered = true;
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        }, this.holdMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  count(deliveryId: string): number {
    return this.arrivals.filter((a) => a.deliveryId === deliveryId).length;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await check().catch((e: unknown) => {
      last = e;
      return undefined;
    });
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A team, users A and B with webhook contact methods, a two-level policy, a service with a generic key. */
async function setUp(api: ApiCall, a: SlowReceiver, b: SlowReceiver): Promise<string> {
  const team = await api<{ id: string }>('POST', '/api/teams', { name: 'Payments' });
  assert.equal(team.status, 201, JSON.stringify(team.body));
  const userIds: string[] = [];
  for (const [name, hook] of [
    ['a', a],
    ['b', b],
  ] as const) {
    const u = await api<{ user: { id: string } }>('POST', '/api/users', {
      email: `${name}@example.test`,
      name,
      password: 'a long enough password',
    });
    assert.equal(u.status, 201, JSON.stringify(u.body));
    userIds.push(u.body.user.id);
    await api('PUT', `/api/teams/${team.body.id}/members/${u.body.user.id}`, { role: 'responder' });
    const cm = await api('POST', `/api/users/${u.body.user.id}/contact-methods`, {
      kind: 'webhook',
      address: hook.url,
    });
    assert.equal(cm.status, 201, JSON.stringify(cm.body));
  }
  const policy = await api<{ id: string }>('POST', '/api/escalation-policies', {
    teamId: team.body.id,
    name: 'A then B',
    repeat: 0,
    workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' }, // critical pages any time
    levels: userIds.map((id) => ({ delayMinutes: 1, targets: [{ type: 'user', id }] })),
  });
  assert.equal(policy.status, 201, JSON.stringify(policy.body));
  const svc = await api<{ id: string }>('POST', '/api/services', {
    name: 'Payments API',
    teamId: team.body.id,
  });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  await api('PATCH', `/api/services/${svc.body.id}`, { escalationPolicyId: policy.body.id });
  const key = await api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
    source: 'generic',
  });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  return key.body.key;
}

async function trigger(api: ApiCall, key: string, i: number): Promise<string> {
  const r = await api<{ alerts: { alertId: string }[] }>(
    'POST',
    `/integrations/generic/${key}`,
    { status: 'firing', dedupKey: `crash-${i}`, title: `Card payments failing ${i}`, severity: 'critical' },
    null,
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.alerts[0]!.alertId;
}

interface DeliveryRow {
  id: string;
  alertId: string | null;
  userId: string;
  status: string;
}

/** Deliveries as recorded (read while no server holds SQLite; alongside on PostgreSQL). */
async function deliveries(tdb: TestDatabase): Promise<DeliveryRow[]> {
  const db = tdb.open();
  try {
    return await db.kysely.selectFrom('notificationDeliveries').select(['id', 'alertId', 'userId', 'status']).execute();
  } finally {
    await db.close();
  }
}

/** "A minute passes": the pending level-2 steps become due now. Returns how many were moved. */
async function makeEscalationStepsDue(tdb: TestDatabase): Promise<number> {
  const db = tdb.open();
  try {
    const r = await db.kysely
      .updateTable('jobs')
      .set({ runAt: Date.now() })
      .where('kind', '=', RUN_STEP_JOB)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  } finally {
    await db.close();
  }
}

for (const engine of ENGINES) {
  describe(`kill -9 with pages in flight [${engine}]`, () => {
    it('loses no page after a restart, and re-sends only pages not recorded as sent', async () => {
      const tdb = await createTestDatabase(engine);
      const a = await new SlowReceiver(HOLD_MS).start();
      const b = await new SlowReceiver(0).start();
      const servers: SpawnedMuster[] = [];
      try {
        const first = await spawnMuster(tdb, ENV);
        servers.push(first);
        const api1 = apiFor(first.url, await adminTokenFor(first.url));
        const key = await setUp(api1, a, b);
        // All at once: on SQLite an intake request waits for the paging gate, so one by one would page as it goes.
        const alertIds = await Promise.all(Array.from({ length: ALERTS }, (_, i) => trigger(api1, key, i)));

        // Kill once two pages were answered (the first had a whole hold time to commit: checked below), one is
        // mid-send, and some alerts have not been paged yet. The receiver decides, not the API: on SQLite an API call
        // waits behind the paging gate and the runner, so it would see the state only after every page was sent.
        const pagedAlerts = (): number => new Set(a.arrivals.map((x) => x.alertId)).size;
        await waitFor(
          'two pages answered, one mid-send, others still queued',
          async () =>
            a.arrivals.filter((x) => x.answered).length >= 2 &&
            a.arrivals.some((x) => !x.answered) &&
            pagedAlerts() < ALERTS,
          30_000,
        ).catch((e: unknown) => {
          throw new Error(`${String(e)} (alerts paged ${pagedAlerts()}/${ALERTS})`);
        });
        await first.kill9();
        const seenBeforeKill = new Set(a.arrivals.map((x) => x.deliveryId));
        const midSend = a.arrivals.filter((x) => !x.answered).map((x) => x.deliveryId);

        const atKill = await deliveries(tdb);
        const sentAtKill = new Set(atKill.filter((d) => d.status === 'sent').map((d) => d.id));
        assert.ok(sentAtKill.size >= 1, 'no page was recorded as sent before the kill');
        for (const id of midSend) assert.ok(!sentAtKill.has(id), `${id} was mid-send yet recorded as sent`);
        assert.equal(b.arrivals.length, 0, 'level 2 paged before its delay');
        const moved = await makeEscalationStepsDue(tdb);
        assert.ok(moved >= 1, 'no level-2 step was pending at the kill');

        const second = await spawnMuster(tdb, ENV);
        servers.push(second);
        const paged = (r: SlowReceiver): boolean => alertIds.every((id) => r.arrivals.some((x) => x.alertId === id));
        await waitFor('every alert paged to A and B after the restart', async () => paged(a) && paged(b), 90_000);
        const api2 = apiFor(second.url, await adminTokenFor(second.url));
        await waitFor(
          'every escalation run to finish (both levels paged)',
          async () => {
            for (const id of alertIds) {
              const v = await api2<{ run: { status: string } }>('GET', `/api/alerts/${id}/escalation`);
              if (v.body.run.status !== 'exhausted') return false;
            }
            return true;
          },
          30_000,
        );
        await second.stop(); // SIGTERM: in-flight sends finish and commit

        const final = await deliveries(tdb);
        assert.deepEqual(
          final.filter((d) => d.status !== 'sent'),
          [],
          'some deliveries did not end sent',
        );
        for (const alertId of alertIds) {
          for (const [name, r] of [
            ['A', a],
            ['B', b],
          ] as const) {
            const mine = new Set(r.arrivals.filter((x) => x.alertId === alertId).map((x) => x.deliveryId));
            assert.equal(mine.size, 1, `alert ${alertId}: ${mine.size} distinct deliveries to ${name}, not one`);
          }
        }
        for (const x of new Set(a.arrivals.map((y) => y.deliveryId))) {
          const n = a.count(x);
          if (sentAtKill.has(x)) assert.equal(n, 1, `${x} was recorded sent before the kill but arrived ${n} times`);
          else if (seenBeforeKill.has(x)) assert.ok(n <= 2, `${x} (pending at the kill) arrived ${n} times`);
          else assert.equal(n, 1, `${x}, first sent after the restart, arrived ${n} times`);
        }
        for (const x of new Set(b.arrivals.map((y) => y.deliveryId))) assert.equal(b.count(x), 1, `${x} to B`);
        // The duplicate window is real: a page mid-send at the kill was sent again after the restart.
        for (const id of midSend) assert.equal(a.count(id), 2, `${id}, mid-send at the kill, was not re-sent`);
      } finally {
        for (const s of servers) await s.kill9();
        await a.close();
        await b.close();
        await tdb.drop();
      }
    });
  });
}
