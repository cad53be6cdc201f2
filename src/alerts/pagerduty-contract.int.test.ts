/**
 * PagerDuty Events v2 as PagerDuty itself answers it, over HTTP on both engines: `payload.timestamp` is kept as the
 * alert's start (without becoming its identity: a re-trigger with another timestamp is the same alert, a trigger
 * after a resolve opens a new one), and a trigger without `payload.severity` is refused with 400 naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface PdReply {
  status: string;
  message: string;
  dedup_key?: string;
  errors?: string[];
}
interface AlertJson {
  id: string;
  status: string;
  sourceStartsAt: string | null;
  occurrenceCount: number;
}

for (const engine of ENGINES) {
  describe(`PagerDuty Events v2 contract [${engine}]`, () => {
    let t: TestMuster;
    let key: string;
    let serviceId: string;
    const enqueue = (body: unknown) => t.api<PdReply>('POST', '/v2/enqueue', body, null);
    const alerts = async () =>
      (await t.api<{ alerts: AlertJson[] }>('GET', `/api/alerts?service=${serviceId}`)).body.alerts;

    before(async () => {
      t = await startTestMuster(engine);
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      serviceId = (await t.api<{ id: string }>('POST', '/api/services', { name: 'Payments API', teamId })).body.id;
      key = (
        await t.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'pagerduty' })
      ).body.key;
    });
    after(async () => t?.stop());

    it('refuses a trigger without payload.severity with 400 naming the field, and records nothing', async () => {
      const r = await enqueue({
        routing_key: key,
        event_action: 'trigger',
        dedup_key: 'no-severity',
        payload: { summary: 'Disk full', source: 'db-1' },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.status, 'invalid event');
      assert.deepEqual(r.body.errors, ["'payload.severity' is missing or blank"]);
      assert.equal((await alerts()).length, 0);
    });

    it("keeps payload.timestamp as the alert's start; a later timestamp is the same alert", async () => {
      const event = (timestamp: string, action = 'trigger') => ({
        routing_key: key,
        event_action: action,
        dedup_key: 'disk-full-db-1',
        payload: { summary: 'Disk full', source: 'db-1', severity: 'critical', timestamp },
      });
      const first = await enqueue(event('2015-07-17T08:42:58.315+0000'));
      assert.equal(first.status, 202, JSON.stringify(first.body));
      const again = await enqueue(event('2015-07-17T08:47:58.315+0000'));
      assert.equal(again.status, 202);
      let list = await alerts();
      assert.equal(list.length, 1, 'a re-trigger with another timestamp folds into the open alert');
      assert.equal(list[0]!.sourceStartsAt, '2015-07-17T08:42:58.315Z');
      assert.equal(list[0]!.occurrenceCount, 2);

      const resolved = await t.api(
        'POST',
        '/v2/enqueue',
        { routing_key: key, event_action: 'resolve', dedup_key: 'disk-full-db-1' },
        null,
      );
      assert.equal(resolved.status, 202);
      // PagerDuty opens a new incident for a trigger after a resolve, even with the same timestamp.
      const reopened = await enqueue(event('2015-07-17T08:42:58.315+0000'));
      assert.equal(reopened.status, 202);
      list = await alerts();
      assert.equal(list.length, 2);
      assert.deepEqual(list.map((a) => a.status).sort(), ['resolved', 'triggered']);
    });
  });
}
