import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const DEADLINE_MS = 200;

/**
 * Storms answered early (issue 18): a delivery that cannot be applied within intake.deadlineMs is refused with
 * Retry-After (503; 429 on the PagerDuty API) instead of hanging until its client gives up, and nothing refused is
 * stored while everything answered 2xx is.
 */
for (const engine of ENGINES) {
  describe(`intake deadline [${engine}]`, () => {
    let t: TestMuster;
    let teamId: string;

    before(async () => {
      t = await startTestMuster(engine, { 'intake.deadlineMs': DEADLINE_MS });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Deadline' })).body.id;
    });
    after(async () => {
      await t.stop();
    });

    async function serviceWithKeys(name: string): Promise<{ serviceId: string; generic: string; pagerduty: string }> {
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name, teamId, criticality: 'high' });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const key = async (source: string) =>
        (await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source })).body.key;
      return { serviceId: svc.body.id, generic: await key('generic'), pagerduty: await key('pagerduty') };
    }

    interface Answer {
      dedupKey: string;
      status: number;
      retryAfter: string | null;
      /** Answered while the database was still held. */
      whileHeld: boolean;
    }

    it('refuses with Retry-After what could not be applied in time, and stores exactly what it answered 2xx', async () => {
      const s = await serviceWithKeys('Deadline storm');
      const db = t.muster.services.db;

      // Hold what a batch needs: on PostgreSQL the service's intake lock (the row a batch locks first), on SQLite
      // the one connection. Deliveries arriving meanwhile cannot be applied before their deadline.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const isHeld = new Promise<void>((r) => (holding = r));
      let held = true;
      const holder = db.kysely.transaction().execute(async (trx) => {
        if (db.engine === 'postgres') {
          await sql`select id from services where id = ${s.serviceId} for update`.execute(trx);
        } else {
          await sql`select id from services where id = ${s.serviceId}`.execute(trx);
        }
        holding();
        await gate;
      });
      await isHeld;

      let answered = 0;
      const send = async (i: number): Promise<Answer> => {
        const dedupKey = `storm-${i}`;
        const res =
          i % 2 === 0
            ? await fetch(`${t.url}/integrations/generic/${s.generic}`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ status: 'firing', dedupKey, title: `Storm ${i}` }),
              })
            : await fetch(`${t.url}/v2/enqueue`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({
                  routing_key: s.pagerduty,
                  event_action: 'trigger',
                  dedup_key: dedupKey,
                  payload: { summary: `Storm ${i}`, source: 'host', severity: 'error' },
                }),
              });
        await res.arrayBuffer();
        answered++;
        return { dedupKey, status: res.status, retryAfter: res.headers.get('retry-after'), whileHeld: held };
      };
      const answers = Array.from({ length: 12 }, (_, i) => send(i));
      // Every delivery has a slot (it is waiting for the database or for its batch to start) or was refused already…
      while (t.muster.services.intakeLimiter.stats.inFlight + answered < 12) await sleep(10);
      // …and stays held until well past its deadline (a wait, not an assertion on time).
      await sleep(DEADLINE_MS * 4);
      held = false;
      release();
      await holder;
      const all = await Promise.all(answers);

      const refused = all.filter((a) => a.status === 503 || a.status === 429);
      const accepted = all.filter((a) => a.status === 200 || a.status === 202);
      assert.deepEqual(
        all.filter((a) => !refused.includes(a) && !accepted.includes(a)),
        [],
        'every answer is 2xx or a refusal',
      );
      assert.ok(refused.length > 0, 'deliveries held past their deadline were refused');
      assert.deepEqual(
        refused.filter((a) => a.retryAfter === null || !(Number(a.retryAfter) > 0)),
        [],
        'every refusal carries Retry-After',
      );
      for (const a of refused) assert.equal(a.status, Number(a.dedupKey.slice(6)) % 2 === 0 ? 503 : 429);
      if (engine === 'postgres') {
        // Deliveries waiting for their batch to start are refused at their deadline, while the lock is still held.
        assert.deepEqual(
          refused.filter((a) => !a.whileHeld),
          [],
          'refused without waiting for the database',
        );
        // The batch that had started before the deadlines passed waited for the lock and committed: never refused.
        assert.ok(accepted.length > 0, 'the started batch committed');
      }

      // The refused ones were never applied; everything answered 2xx was.
      const stored = await db.kysely
        .selectFrom('alerts')
        .select('dedupKey')
        .where('serviceId', '=', s.serviceId)
        .execute();
      assert.deepEqual(stored.map((r) => r.dedupKey).sort(), accepted.map((a) => a.dedupKey).sort());
      const later = await send(100);
      assert.equal(later.status, 200, 'intake answers as usual once the database is free');
    });
  });
}
