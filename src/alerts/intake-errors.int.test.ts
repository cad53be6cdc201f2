import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { pruneIntakeErrors, RAW_ITEM_MAX } from './intake-errors.js';

/** Defect 6 of issue 10: one bad alert in a message no longer loses the good ones. */
const FIXTURES = join(import.meta.dirname, 'fixtures');
type AmPayload = { alerts: Record<string, unknown>[]; [k: string]: unknown };
const observed: { alertmanager: Record<string, AmPayload> } = JSON.parse(
  readFileSync(join(FIXTURES, 'alertmanager-0.25-observed.json'), 'utf8'),
);
/** The group Alertmanager 0.25 really sent to its webhook receiver (captured on the wire). */
const capturedWebhook: AmPayload = readFileSync(join(FIXTURES, 'alertmanager-0.25-webhook.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { url: string; body: AmPayload })
  .find((r) => r.url === '/webhook')!.body;

interface Rejected {
  index: number | null;
  field: string;
  reason: string;
}
interface IntakeReply {
  status: string;
  alerts: { outcome: string; alertId: string | null }[];
  rejected?: Rejected[];
  error?: { code: string; details?: { problems: { field: string }[] } };
}
interface IntakeErrorJson {
  id: string;
  serviceId: string;
  source: string;
  payloadId: string | null;
  itemIndex: number | null;
  field: string;
  reason: string;
  rawItem: string;
  rawTruncated: boolean;
  receivedAt: string;
}
interface ErrorsPage {
  intakeErrors: IntakeErrorJson[];
  nextBefore: string | null;
}

/** Three alerts from the real captured payloads; the second made bad in `spoil`. */
function batchOfThree(spoil: (alert: Record<string, unknown>) => void): AmPayload {
  const body = structuredClone(observed.alertmanager.A_first_two_firing!);
  const third = structuredClone(capturedWebhook.alerts[0]!);
  body.alerts = [body.alerts[0]!, structuredClone(body.alerts[1]!), third];
  spoil(body.alerts[1]!);
  assert.equal(body.alerts.length, 3);
  return body;
}

for (const engine of ENGINES) {
  describe(`intake error log: a partly bad message [${engine}]`, () => {
    let t: TestMuster;
    let teamId: string;

    async function serviceWithKey(source: string, name: string): Promise<{ serviceId: string; key: string }> {
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name, teamId, criticality: 'high' });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const k = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source });
      assert.equal(k.status, 201, JSON.stringify(k.body));
      return { serviceId: svc.body.id, key: k.body.key };
    }

    const post = async (path: string, body: unknown): Promise<{ status: number; body: IntakeReply }> => {
      const r = await fetch(t.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as IntakeReply };
    };
    const alertCount = async (serviceId: string): Promise<number> =>
      (await t.api<{ alerts: unknown[] }>('GET', `/api/alerts?service=${serviceId}`)).body.alerts.length;
    const errorsOf = async (serviceId: string, query = ''): Promise<ErrorsPage> => {
      const r = await t.api<ErrorsPage>('GET', `/api/services/${serviceId}/intake-errors${query}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const rejectedMetric = async (source: string): Promise<number> => {
      const text = (await t.api<string>('GET', '/metrics')).body;
      const line = text.split('\n').find((l) => l.startsWith(`muster_intake_rejected_items_total{source="${source}"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };

    before(async () => {
      t = await startTestMuster(engine);
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Intake errors' })).body.id;
    });
    after(async () => {
      await t.stop();
    });

    it('Alertmanager: a batch of 3 with one bad alert answers 2xx, stores 2 alerts and logs 1 intake error', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'AM partly bad');
      const metricBefore = await rejectedMetric('alertmanager');
      const body = batchOfThree((a) => {
        a.status = 'burning';
      });
      const r = await post(`/integrations/alertmanager/${key}`, body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(
        r.body.alerts.map((a) => a.outcome),
        ['created', 'created'],
      );
      assert.deepEqual(r.body.rejected, [
        { index: 1, field: 'alerts[1].status', reason: 'alerts[1].status must be firing or resolved' },
      ]);
      assert.equal(await alertCount(serviceId), 2);
      const { intakeErrors, nextBefore } = await errorsOf(serviceId);
      assert.equal(nextBefore, null);
      assert.equal(intakeErrors.length, 1);
      const [e] = intakeErrors;
      assert.equal(e!.source, 'alertmanager');
      assert.equal(e!.itemIndex, 1);
      assert.equal(e!.field, 'alerts[1].status');
      assert.match(e!.reason, /must be firing or resolved/);
      assert.deepEqual(JSON.parse(e!.rawItem), body.alerts[1]);
      assert.equal(e!.rawTruncated, false);
      assert.ok(e!.payloadId, 'points at the stored delivery');
      assert.ok(!Number.isNaN(Date.parse(e!.receivedAt)));
      assert.equal(await rejectedMetric('alertmanager'), metricBefore + 1);
      // Sent again (Alertmanager's repeat): the two good alerts dedup, the bad one is logged again.
      const again = await post(`/integrations/alertmanager/${key}`, body);
      assert.equal(again.status, 200);
      assert.deepEqual(
        again.body.alerts.map((a) => a.outcome),
        ['updated', 'updated'],
      );
      assert.equal(await alertCount(serviceId), 2);
      assert.equal((await errorsOf(serviceId)).intakeErrors.length, 2);
    });

    it('Grafana: the same, through the Grafana route', async () => {
      const { serviceId, key } = await serviceWithKey('grafana', 'Grafana partly bad');
      const body = batchOfThree((a) => {
        a.startsAt = 'yesterday';
      });
      Object.assign(body, { version: '1', orgId: 1, title: '[FIRING:2]' });
      const r = await post(`/integrations/grafana/${key}`, body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.alerts.length, 2);
      assert.equal(await alertCount(serviceId), 2);
      const { intakeErrors } = await errorsOf(serviceId);
      assert.deepEqual(
        intakeErrors.map((e) => [e.source, e.field]),
        [['grafana', 'alerts[1].startsAt']],
      );
      // The CLI shows the same log.
      const cli = promisify(execFile);
      const env = { PATH: process.env.PATH ?? '', HOME: '/tmp', MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      const main = join(import.meta.dirname, '..', 'cli', 'main.ts');
      const human = await cli(process.execPath, ['--import', 'tsx', main, 'services', 'intake-errors', serviceId], {
        env,
      });
      assert.match(human.stdout, /grafana\s+1\s+alerts\[1\]\.startsAt must be an RFC 3339 time/);
      const raw = await cli(
        process.execPath,
        ['--import', 'tsx', main, 'services', 'intake-errors', serviceId, '--raw', '--json'],
        { env },
      );
      const parsed = JSON.parse(raw.stdout) as ErrorsPage;
      assert.equal(parsed.intakeErrors[0]!.field, 'alerts[1].startsAt');
    });

    it('a message with nothing to apply is still a 400, recorded on the service when the key is valid', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'AM unreadable');
      const notJson = await post(`/integrations/alertmanager/${key}`, '{"alerts": [');
      assert.equal(notJson.status, 400);
      assert.equal(notJson.body.error!.code, 'validation_failed');
      const notFormat = await post(`/integrations/alertmanager/${key}`, { hello: 'world' });
      assert.equal(notFormat.status, 400);
      assert.equal(notFormat.body.error!.details!.problems[0]!.field, 'alerts');
      // A wrong key records nothing anywhere (and answers 401).
      const wrongKey = await post('/integrations/alertmanager/not-a-real-key', '{"alerts": [');
      assert.equal(wrongKey.status, 401);
      // NUL, which PostgreSQL text cannot hold, is kept escaped.
      const withNul = await post(`/integrations/alertmanager/${key}`, 'not json\u0000');
      assert.equal(withNul.status, 400);
      const { intakeErrors } = await errorsOf(serviceId);
      assert.deepEqual(
        intakeErrors.map((e) => [e.itemIndex, e.field, e.payloadId, e.rawItem]),
        [
          [null, 'body', null, 'not json\\u0000'],
          [null, 'alerts', null, '{"hello":"world"}'],
          [null, 'body', null, '{"alerts": ['],
        ],
      );
      assert.match(intakeErrors[2]!.reason, /not valid JSON/);
      assert.equal(await alertCount(serviceId), 0);
    });

    it('PagerDuty: an invalid event with a valid routing key is a 400 and is recorded on its service', async () => {
      const { serviceId, key } = await serviceWithKey('pagerduty', 'PD invalid');
      const event = { routing_key: key, event_action: 'trigger', payload: { source: 'db-1', severity: 'critical' } };
      const r = await fetch(`${t.url}/v2/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      assert.equal(r.status, 400);
      assert.equal(((await r.json()) as { status: string }).status, 'invalid event');
      const { intakeErrors } = await errorsOf(serviceId);
      assert.equal(intakeErrors.length, 1);
      assert.equal(intakeErrors[0]!.source, 'pagerduty');
      assert.equal(intakeErrors[0]!.field, 'payload.summary');
      assert.equal(intakeErrors[0]!.reason, 'payload.summary is missing or blank');
      assert.ok(!intakeErrors[0]!.rawItem.includes(key), 'the routing key is stored redacted');
      assert.equal(await alertCount(serviceId), 0);
    });

    it('caps the raw item at 16 KiB', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'AM big item');
      const body = batchOfThree((a) => {
        a.status = 'nope';
        a.annotations = { description: 'x'.repeat(40_000) };
      });
      const r = await post(`/integrations/alertmanager/${key}`, body);
      assert.equal(r.status, 200);
      const [e] = (await errorsOf(serviceId)).intakeErrors;
      assert.equal(e!.rawTruncated, true);
      assert.ok(Buffer.byteLength(e!.rawItem) <= RAW_ITEM_MAX);
      assert.ok(e!.rawItem.length > RAW_ITEM_MAX - 10);
    });

    it('pages newest first, is for team members only, and is pruned with the received bodies', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'AM paging');
      for (let i = 0; i < 3; i++) {
        const body = batchOfThree((a) => {
          a.status = `bad-${i}`;
        });
        assert.equal((await post(`/integrations/alertmanager/${key}`, body)).status, 200);
      }
      const first = await errorsOf(serviceId, '?limit=2');
      assert.equal(first.intakeErrors.length, 2);
      assert.ok(first.nextBefore);
      assert.match(first.intakeErrors[0]!.rawItem, /bad-2/);
      assert.match(first.intakeErrors[1]!.rawItem, /bad-1/);
      const second = await errorsOf(serviceId, `?limit=2&before=${first.nextBefore}`);
      assert.equal(second.nextBefore, null);
      assert.deepEqual(
        second.intakeErrors.map((e) => (JSON.parse(e.rawItem) as { status: string }).status),
        ['bad-0'],
      );

      // A signed-in user in no team may not read it; a viewer of the owning team may.
      const user = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: `outsider-${Date.now()}@example.test`,
        name: 'Outsider',
        password: 'a long enough password',
      });
      assert.equal(user.status, 201);
      const token = (
        await t.api<{ token: string }>('POST', '/api/tokens', { name: 'outsider', userId: user.body.user.id })
      ).body.token;
      const outsider = await t.api('GET', `/api/services/${serviceId}/intake-errors`, undefined, token);
      assert.equal(outsider.status, 403);
      const add = await t.api('PUT', `/api/teams/${teamId}/members/${user.body.user.id}`, { role: 'viewer' });
      assert.equal(add.status, 200, JSON.stringify(add.body));
      const member = await t.api<ErrorsPage>('GET', `/api/services/${serviceId}/intake-errors`, undefined, token);
      assert.equal(member.status, 200);
      assert.equal(member.body.intakeErrors.length, 3);
      assert.equal((await t.api('GET', '/api/services/no-such-service/intake-errors')).status, 404);
      assert.equal((await t.api('GET', `/api/services/${serviceId}/intake-errors`, undefined, null)).status, 401);

      const db = t.muster.services.db.kysely;
      const count = async (): Promise<number> =>
        Number(
          (
            await db
              .selectFrom('intakeErrors')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const all = await count();
      assert.ok(all >= 3);
      assert.equal(await pruneIntakeErrors(db, Date.now() - 24 * 60 * 60 * 1000), 0, 'recent errors are kept');
      assert.equal(await pruneIntakeErrors(db, Date.now() + 1000, 2), all, 'older ones go, chunk by chunk');
      assert.equal(await count(), 0);
    });
  });
}
