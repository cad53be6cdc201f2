import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
interface AmAlert {
  status: string;
  startsAt: string;
  [k: string]: unknown;
}
interface AmPayload {
  alerts: AmAlert[];
  [k: string]: unknown;
}
interface PdEvent {
  routing_key: string;
  dedup_key: string;
  payload: { custom_details?: unknown; [k: string]: unknown };
  [k: string]: unknown;
}
/** Every field any intake reply has (Muster intake, Muster errors, PagerDuty envelope): tests read what applies. */
interface Reply {
  alerts: { outcome: string; reason?: string; dedupKey: string; alertId: string }[];
  error: { code: string; details: { problems: { field: string }[] } };
  status: string;
  message: string;
  dedup_key: string;
  errors: string[];
}

const observed: { alertmanager: Record<string, AmPayload>; pagerduty: Record<string, PdEvent> } = JSON.parse(
  readFileSync(join(FIXTURES, 'alertmanager-0.25-observed.json'), 'utf8'),
);
const captured: { url: string; headers: Record<string, string>; body: AmPayload }[] = readFileSync(
  join(FIXTURES, 'alertmanager-0.25-webhook.jsonl'),
  'utf8',
)
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { url: string; headers: Record<string, string>; body: AmPayload });

const am = (name: string): AmPayload => structuredClone(observed.alertmanager[name]!);
const pd = (name: string): PdEvent => structuredClone(observed.pagerduty[name]!);

interface AlertJson {
  id: string;
  status: string;
  dedupKey: string;
  groupId: string;
  occurrenceCount: number;
  severity: string;
  isMissingRunbook: boolean;
  context: { kind: string; url: string }[];
  events?: { kind: string; payloadId: string | null }[];
  group?: { status: string; alertCount: number; openCount: number };
  classification?: string | null;
}

for (const engine of ENGINES) {
  describe(`alert intake over HTTP [${engine}]`, () => {
    let t: TestMuster;
    let teamId: string;

    /** A fresh service with one key for `source`: tests never share alert state. */
    async function serviceWithKey(source: string, name: string): Promise<{ serviceId: string; key: string }> {
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name, teamId, criticality: 'high' });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const k = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source });
      assert.equal(k.status, 201, JSON.stringify(k.body));
      return { serviceId: svc.body.id, key: k.body.key };
    }

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(t.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as Reply }));

    const alertsOf = async (serviceId: string): Promise<AlertJson[]> =>
      (await t.api<{ alerts: AlertJson[] }>('GET', `/api/alerts?service=${serviceId}`)).body.alerts;

    // Paging starts in the intake transaction: one escalation run per alert that pages.
    const escalationRuns = async (): Promise<number> =>
      Number(
        (
          await t.muster.services.db.kysely
            .selectFrom('escalationRuns')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    before(async () => {
      t = await startTestMuster(engine, {
        'intake.maxInFlight': 4,
        'intake.maxQueued': 1,
        'intake.queueTimeoutMs': 200,
      });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
    });
    after(async () => {
      await t.stop();
    });

    it('shows an integration key once, stores only its hash, and stops accepting it after rotation', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'Checkout API');
      assert.match(key, /^[a-z2-7]{32}$/);
      const list = await t.api<{ integrationKeys: { id: string; prefix: string }[] }>(
        'GET',
        `/api/services/${serviceId}/integration-keys`,
      );
      assert.equal(list.body.integrationKeys.length, 1);
      assert.ok(!JSON.stringify(list.body).includes(key));
      const row = await t.muster.services.db.kysely.selectFrom('integrationKeys').selectAll().executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(key));
      const keyId = list.body.integrationKeys[0]!.id;
      const rotated = await t.api<{ key: string }>(
        'POST',
        `/api/services/${serviceId}/integration-keys/${keyId}/rotate`,
      );
      assert.equal(rotated.status, 201);
      const old = await post(`/integrations/alertmanager/${key}`, am('E_prometheus_rule'));
      assert.equal(old.status, 401);
      assert.equal(old.body.error.code, 'invalid_integration_key');
      const fresh = await post(`/integrations/alertmanager/${rotated.body.key}`, am('E_prometheus_rule'));
      assert.equal(fresh.status, 200);
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetType=integration_key&targetId=${keyId}`,
      );
      assert.deepEqual(
        audit.body.events.map((e) => e.action),
        ['integration_key.rotated', 'integration_key.created'],
      );
    });

    it('lets only admins of the owning team manage a service; anyone signed in reads', async () => {
      const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: `viewer-${engine}@example.test`,
        name: 'Vera Viewer',
        password: 'a long enough password',
      });
      const tok = await t.muster.services.tokens.create(
        { userId: u.body.user.id, tokenId: null, label: 'v', ip: null, isAdmin: false },
        { name: 'v' },
      );
      const svc = await t.api<{ id: string; slug: string }>('POST', '/api/services', {
        name: 'Ledger',
        teamId,
        dependsOn: [],
      });
      assert.equal((await t.api('GET', `/api/services/${svc.body.slug}`, undefined, tok.token)).status, 200);
      assert.equal((await t.api('POST', '/api/services', { name: 'X', teamId }, tok.token)).status, 403);
      const keyAttempt = await t.api(
        'POST',
        `/api/services/${svc.body.id}/integration-keys`,
        { source: 'generic' },
        tok.token,
      );
      assert.equal(keyAttempt.status, 403);
      const dep = await t.api<{ dependsOn: string[] }>('PATCH', `/api/services/${svc.body.id}`, {
        dependsOn: [svc.body.id],
      });
      assert.equal(dep.status, 400);
    });

    it('opens one alert per fingerprint, grouped by groupKey, and treats a re-sent notification as the same alerts', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'Latency');
      const runsBefore = await escalationRuns();
      const first = await post(`/integrations/alertmanager/${key}`, am('A_first_two_firing'));
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.body.alerts.map((a) => a.outcome),
        ['created', 'created'],
      );
      const again = await post(`/integrations/alertmanager/${key}`, am('A_first_two_firing'));
      assert.deepEqual(
        again.body.alerts.map((a) => a.outcome),
        ['updated', 'updated'],
      );
      const alerts = await alertsOf(serviceId);
      assert.equal(alerts.length, 2);
      assert.deepEqual(alerts.map((a) => a.dedupKey).sort(), ['4320a77964054ac3', 'd9f50dfdc8486b4a']);
      assert.ok(alerts.every((a) => a.status === 'triggered' && a.occurrenceCount === 2));
      assert.equal(new Set(alerts.map((a) => a.groupId)).size, 1, 'one group for one groupKey');
      assert.equal((await escalationRuns()) - runsBefore, 2, 'paging started once per new alert, not for the re-send');
      const detail = await t.api<AlertJson>('GET', `/api/alerts/${alerts[0]!.id}`);
      assert.equal(detail.body.context[0]!.kind, 'runbook');
      assert.equal(detail.body.isMissingRunbook, false);
      assert.deepEqual(
        detail.body.events!.map((e) => e.kind),
        ['triggered', 're_sent'],
      );
      assert.ok(detail.body.events!.every((e) => e.payloadId));
    });

    it('resolves resolved alerts, re-opens a re-fire as a new alert, and ignores late or repeated deliveries', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'Latency two');
      const url = `/integrations/alertmanager/${key}`;
      await post(url, am('A_first_two_firing'));
      const b = await post(url, am('B_one_resolved'));
      assert.deepEqual(
        b.body.alerts.map((a) => a.outcome),
        ['updated', 'resolved'],
      );
      const c = await post(url, am('C_all_resolved'));
      assert.deepEqual(
        c.body.alerts.map((a) => a.outcome),
        ['resolved'],
      );
      let alerts = await alertsOf(serviceId);
      assert.ok(alerts.every((a) => a.status === 'resolved'));
      const group = await t.api<AlertJson>('GET', `/api/alerts/${alerts[0]!.id}`);
      assert.equal(group.body.group!.status, 'resolved');
      assert.equal(group.body.group!.openCount, 0);

      // The same notification delivered again (Alertmanager HA peers, or a retry): nothing changes.
      const replay = await post(url, am('B_one_resolved'));
      assert.deepEqual(
        replay.body.alerts.map((a) => a.reason),
        ['instance_already_resolved', 'no_open_alert'],
      );
      assert.equal((await alertsOf(serviceId)).length, 2);

      // Re-fire: same fingerprint, new startsAt.
      const refire = am('A_first_two_firing');
      for (const a of refire.alerts) a.startsAt = '2026-11-24T19:00:00.000000001Z';
      const r = await post(url, refire);
      assert.deepEqual(
        r.body.alerts.map((a) => a.outcome),
        ['created', 'created'],
      );
      // A late copy of the old resolve must not close the new alerts.
      const late = await post(url, am('C_all_resolved'));
      assert.equal(late.body.alerts[0]!.reason, 'stale_resolve');
      alerts = await alertsOf(serviceId);
      assert.equal(alerts.length, 4);
      assert.equal(alerts.filter((a) => a.status === 'triggered').length, 2);
    });

    it('accepts the key as basic-auth password or bearer credentials, tolerating unknown fields', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'Synthetic');
      const line = captured.find((c) => c.url === '/webhook')!;
      const body = { ...line.body, notification_reason: 'first notification', routeLabels: {}, futureField: [1] };
      const basic = await post('/integrations/alertmanager', body, {
        authorization: `Basic ${Buffer.from(`am:${key}`).toString('base64')}`,
        'user-agent': line.headers['user-agent']!,
      });
      assert.equal(basic.status, 200);
      const bearer = await post('/integrations/alertmanager', body, { authorization: `Bearer ${key}` });
      assert.equal(bearer.body.alerts[0]!.outcome, 'updated');
      const none = await post('/integrations/alertmanager', body);
      assert.equal(none.status, 401);
      const [alert] = await alertsOf(serviceId);
      assert.equal(alert!.dedupKey, '7a45a93b5308ff5f');
      assert.equal(alert!.severity, 'critical');
      assert.equal(alert!.isMissingRunbook, true, 'a critical alert with no runbook link is flagged');
    });

    it('answers 2xx naming each bad alert (recorded, not applied), and 400 for a message with nothing to apply', async () => {
      const { serviceId, key } = await serviceWithKey('alertmanager', 'Malformed');
      const bad = am('A_first_two_firing');
      bad.alerts[1]!.status = 'burning';
      bad.alerts[0]!.startsAt = 'yesterday';
      const r = await post(`/integrations/alertmanager/${key}`, bad);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.alerts, []);
      assert.deepEqual(
        (r.body as unknown as { rejected: { field: string }[] }).rejected.map((p) => p.field),
        ['alerts[0].startsAt', 'alerts[1].status'],
      );
      assert.equal((await alertsOf(serviceId)).length, 0);
      const noAlerts = await post(`/integrations/alertmanager/${key}`, { receiver: 'x' });
      assert.equal(noAlerts.status, 400);
      assert.equal(noAlerts.body.error.code, 'validation_failed');
      assert.equal(noAlerts.body.error.details.problems[0]!.field, 'alerts');
      const notJson = await post(`/integrations/alertmanager/${key}`, '{"alerts": [');
      assert.equal(notJson.status, 400);
    });

    it('speaks PagerDuty Events v2: dedup, acknowledge, resolve, re-trigger, generated dedup keys', async () => {
      const { serviceId, key } = await serviceWithKey('pagerduty', 'PD target');
      const trigger = { ...pd('pd_trigger'), routing_key: key };
      const r1 = await post('/v2/enqueue', trigger);
      assert.equal(r1.status, 202);
      assert.deepEqual(r1.body, { status: 'success', message: 'Event processed', dedup_key: trigger.dedup_key });
      const r2 = await post('/integrations/pagerduty/v2/enqueue', trigger);
      assert.equal(r2.status, 202);
      let alerts = await alertsOf(serviceId);
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]!.occurrenceCount, 2);
      assert.equal(alerts[0]!.severity, 'error');

      const ack = await post('/v2/enqueue', {
        routing_key: key,
        dedup_key: trigger.dedup_key,
        event_action: 'acknowledge',
      });
      assert.equal(ack.status, 202);
      assert.equal((await alertsOf(serviceId))[0]!.status, 'acknowledged');
      const resolve = { ...pd('pd_resolve'), routing_key: key, dedup_key: trigger.dedup_key };
      assert.equal((await post('/v2/enqueue', resolve)).status, 202);
      assert.equal((await alertsOf(serviceId))[0]!.status, 'resolved');
      // Acknowledge or resolve with no open alert: accepted and dropped, as PagerDuty does.
      const orphan = await post('/v2/enqueue', {
        routing_key: key,
        dedup_key: 'nothing-open',
        event_action: 'resolve',
      });
      assert.equal(orphan.status, 202);
      // After resolve, a trigger with the same key opens a new alert.
      await post('/v2/enqueue', trigger);
      alerts = await alertsOf(serviceId);
      assert.equal(alerts.length, 2);
      assert.equal(alerts[0]!.status, 'triggered');

      const noKey = await post('/v2/enqueue', {
        routing_key: key,
        event_action: 'trigger',
        payload: { summary: 'Disk full', source: 'db-1', severity: 'BOGUS' },
      });
      assert.equal(noKey.status, 202);
      assert.match(noKey.body.dedup_key, /^[0-9a-f-]{36}$/);
      const generated = (await alertsOf(serviceId)).find((a) => a.dedupKey === noKey.body.dedup_key);
      assert.equal(generated!.severity, 'error', 'out-of-enum severities map to error rather than being refused');

      // Every body is stored for the alert's history, but never with the integration key in plaintext.
      const stored = await t.muster.services.db.kysely
        .selectFrom('intakePayloads')
        .innerJoin('integrationKeys', 'integrationKeys.id', 'intakePayloads.integrationKeyId')
        .select('intakePayloads.body')
        .where('integrationKeys.serviceId', '=', serviceId)
        .execute();
      assert.ok(stored.length >= 6);
      assert.deepEqual(
        stored.filter((p) => p.body.includes(key)),
        [],
      );
      assert.ok(
        stored.every((p) => (JSON.parse(p.body) as { routing_key: string }).routing_key.startsWith(key.slice(0, 6))),
      );

      // The alert's history names each body, and shows it on request (what exactly arrived).
      const detail = await t.api<AlertJson>('GET', `/api/alerts/${generated!.id}`);
      const payloadId = detail.body.events!.find((e) => e.kind === 'triggered')!.payloadId!;
      const shown = await t.api<{ source: string; body: { routing_key: string; payload: { summary: string } } }>(
        'GET',
        `/api/alerts/${generated!.id}/payloads/${payloadId}`,
      );
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      assert.equal(shown.body.source, 'pagerduty');
      assert.equal(shown.body.body.payload.summary, 'Disk full');
      assert.equal(shown.body.body.routing_key, `${key.slice(0, 6)}…(redacted)`);
      const otherAlert = alerts[0]!.id === generated!.id ? alerts[1]! : alerts[0]!;
      const foreign = await t.api<{ error: { code: string } }>(
        'GET',
        `/api/alerts/${otherAlert.id}/payloads/${payloadId}`,
      );
      assert.equal(foreign.status, 404, 'a body is shown only under an alert whose history names it');
      assert.equal(foreign.body.error.code, 'payload_not_found');
      await t.muster.services.db.kysely.deleteFrom('intakePayloads').where('id', '=', payloadId).execute();
      const pruned = await t.api<{ error: { message: string } }>(
        'GET',
        `/api/alerts/${generated!.id}/payloads/${payloadId}`,
      );
      assert.equal(pruned.status, 404);
      assert.match(pruned.body.error.message, /pruned/);
    });

    it('answers PagerDuty errors in PagerDuty’s envelope: invalid event, unknown routing key, too large, not JSON', async () => {
      const { key } = await serviceWithKey('pagerduty', 'PD errors');
      const invalid = await post('/v2/enqueue', {
        routing_key: key,
        event_action: 'trigger',
        payload: { source: 'x' },
      });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.body.status, 'invalid event');
      assert.equal(invalid.body.message, 'Event object is invalid');
      assert.ok(invalid.body.errors.some((e) => e.includes('payload.summary')));
      const badAction = await post('/v2/enqueue', { routing_key: key, event_action: 'explode' });
      assert.ok(badAction.body.errors.some((e) => e.includes('event_action')));

      const unknown = await post('/v2/enqueue', { ...pd('pd_trigger') });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.body.errors, ['Invalid routing key']);
      const amKey = (await serviceWithKey('alertmanager', 'Wrong source')).key;
      const wrongSource = await post('/v2/enqueue', { ...pd('pd_trigger'), routing_key: amKey });
      assert.deepEqual(wrongSource.body.errors, ['Invalid routing key']);

      const big = { ...pd('pd_trigger'), routing_key: key };
      big.payload.custom_details = { blob: 'x'.repeat(600 * 1024) };
      const tooLarge = await post('/v2/enqueue', big);
      assert.equal(tooLarge.status, 413);
      assert.equal(typeof tooLarge.body.status, 'string');
      assert.ok(Array.isArray(tooLarge.body.errors));

      const notJson = await post('/v2/enqueue', '{"routing_key":');
      assert.equal(notJson.status, 400);
      assert.equal(notJson.body.status, 'Unrecognized object');
    });

    it('records PagerDuty change events with 202', async () => {
      const { serviceId, key } = await serviceWithKey('change', 'Deploys');
      const r = await post('/v2/change/enqueue', {
        routing_key: key,
        payload: { summary: 'Build 220 deployed', source: 'ci', timestamp: '2015-07-17T08:42:58.315+0000' },
        links: [{ href: 'https://ci.example.com/220', text: 'Build' }],
      });
      assert.equal(r.status, 202);
      assert.equal(r.body.status, 'success');
      const row = await t.muster.services.db.kysely
        .selectFrom('changeEvents')
        .selectAll()
        .where('serviceId', '=', serviceId)
        .executeTakeFirstOrThrow();
      assert.equal(row.summary, 'Build 220 deployed');
      assert.equal(row.at, Date.parse('2015-07-17T08:42:58.315Z'));
      const payload = await t.muster.services.db.kysely
        .selectFrom('intakePayloads')
        .select('body')
        .where('id', '=', row.payloadId!)
        .executeTakeFirstOrThrow();
      assert.ok(!payload.body.includes(key), 'the stored body does not hold the key');
      const missing = await post('/v2/change/enqueue', { routing_key: key, payload: {} });
      assert.equal(missing.status, 400);
    });

    it('takes Grafana webhooks with their dashboard and panel links', async () => {
      const { serviceId, key } = await serviceWithKey('grafana', 'Grafana target');
      const r = await post(`/integrations/grafana/${key}`, {
        receiver: 'My Super Webhook',
        status: 'firing',
        orgId: 1,
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
            annotations: {
              description: 'The system has high memory usage',
              runbook_url: 'https://myrunbook.com/runbook/1234',
              summary: 'This alert was triggered for zone us-1',
            },
            startsAt: '2021-10-12T09:51:03.157076+02:00',
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'https://play.grafana.org/alerting/1afz29v7z/edit',
            fingerprint: 'c6eadffa33fcdf37',
            silenceURL: 'https://play.grafana.org/alerting/silence/new?alertmanager=grafana',
            dashboardURL: 'https://play.grafana.org/d/abc',
            panelURL: 'https://play.grafana.org/d/abc?viewPanel=2',
            values: { B: 44.23943737541908, C: 1 },
          },
        ],
        groupLabels: {},
        commonLabels: { team: 'blue' },
        commonAnnotations: {},
        externalURL: 'https://play.grafana.org/',
        version: '1',
        groupKey: '{}:{}',
        truncatedAlerts: 0,
        title: '[FIRING:1]  (blue)',
        state: 'alerting',
        message: '**Firing**',
      });
      assert.equal(r.status, 200);
      const [alert] = await alertsOf(serviceId);
      const detail = await t.api<AlertJson>('GET', `/api/alerts/${alert!.id}`);
      assert.deepEqual(
        detail.body.context.map((c) => c.kind),
        ['runbook', 'dashboard', 'panel', 'source', 'silence'],
      );
    });

    it('takes the generic format: generated dedup key on firing, resolve by dedupKey', async () => {
      const { serviceId, key } = await serviceWithKey('generic', 'Cron jobs');
      const fire = await post(`/integrations/generic/${key}`, {
        status: 'firing',
        title: 'Nightly backup failed',
        severity: 'warning',
        labels: { job: 'backup' },
        links: [{ href: 'https://ci.example.com/backup', text: 'Logs' }],
      });
      assert.equal(fire.status, 200);
      const dedupKey = fire.body.alerts[0]!.dedupKey;
      const resolve = await post(`/integrations/generic/${key}`, { status: 'resolved', dedupKey });
      assert.equal(resolve.body.alerts[0]!.outcome, 'resolved');
      const bad = await post(`/integrations/generic/${key}`, { status: 'resolved' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.problems[0]!.field, 'dedupKey');
      assert.equal((await alertsOf(serviceId))[0]!.status, 'resolved');
    });

    it('acknowledges and resolves through the API, with classification and audit events', async () => {
      const { key } = await serviceWithKey('alertmanager', 'Acks');
      const created = await post(`/integrations/alertmanager/${key}`, am('D_truncated'));
      const id = created.body.alerts[0]!.alertId;
      const ack = await t.api<AlertJson>('POST', `/api/alerts/${id}/acknowledge`);
      assert.equal(ack.status, 200);
      assert.equal(ack.body.status, 'acknowledged');
      const res = await t.api<AlertJson>('POST', `/api/alerts/${id}/resolve`, {
        classification: 'false_positive',
        note: 'threshold too low',
      });
      assert.equal(res.body.status, 'resolved');
      assert.equal(res.body.classification, 'false_positive');
      assert.deepEqual(
        res.body.events!.map((e) => e.kind),
        ['triggered', 'acknowledged', 'resolved'],
      );
      assert.equal((await t.api('POST', `/api/alerts/${id}/acknowledge`)).status, 409);
      const bad = await t.api('POST', `/api/alerts/${id}/resolve`, { classification: 'meh' });
      assert.equal(bad.status, 400);
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetType=alert&targetId=${id}`,
      );
      assert.deepEqual(
        audit.body.events.map((e) => e.action),
        ['alert.resolved', 'alert.acknowledged'],
      );
      // Another delivery of the same firing alert after a person resolved it stays resolved (same instance).
      const again = await post(`/integrations/alertmanager/${key}`, am('D_truncated'));
      assert.equal(again.body.alerts[0]!.reason, 'instance_already_resolved');
    });

    it('filters and pages the alert list', async () => {
      const { serviceId, key } = await serviceWithKey('generic', 'Paging list');
      for (let i = 0; i < 5; i++) {
        await post(`/integrations/generic/${key}`, {
          status: 'firing',
          dedupKey: `k${i}`,
          title: `Thing ${i} broke`,
          severity: i % 2 ? 'critical' : 'info',
        });
      }
      const page1 = await t.api<{ alerts: AlertJson[]; nextBefore: string }>(
        'GET',
        `/api/alerts?service=${serviceId}&limit=3`,
      );
      assert.equal(page1.body.alerts.length, 3);
      const page2 = await t.api<{ alerts: AlertJson[]; nextBefore: string | null }>(
        'GET',
        `/api/alerts?service=${serviceId}&limit=3&before=${page1.body.nextBefore}`,
      );
      assert.equal(page2.body.alerts.length, 2);
      assert.equal(page2.body.nextBefore, null);
      const crit = await t.api<{ alerts: AlertJson[] }>('GET', `/api/alerts?service=${serviceId}&severity=critical`);
      assert.equal(crit.body.alerts.length, 2);
      const q = await t.api<{ alerts: AlertJson[] }>('GET', `/api/alerts?service=${serviceId}&q=THING%203`);
      assert.equal(q.body.alerts.length, 1);
      const pct = await t.api<{ alerts: AlertJson[] }>('GET', `/api/alerts?service=${serviceId}&q=%25`);
      assert.equal(pct.body.alerts.length, 0, '% is matched literally');
      assert.equal((await t.api('GET', '/api/alerts', undefined, null)).status, 401);
    });

    // The CLI only talks HTTP, so one engine is enough; each command is a tsx process start (a few seconds).
    const cliSkip = engine === 'sqlite' ? false : 'the CLI is engine-independent';
    it('drives services, keys and alerts from the muster CLI', { skip: cliSkip }, async () => {
      const cli = async (...args: string[]): Promise<string> => {
        const main = join(import.meta.dirname, '..', 'cli', 'main.ts');
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', main, '--url', t.url, '--token', t.adminToken, ...args],
          { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } },
        );
        return stdout;
      };
      const svc = JSON.parse(await cli('--json', 'services', 'create', '--name', 'CLI svc', '--team', teamId)) as {
        id: string;
      };
      const key = JSON.parse(
        await cli('--json', 'keys', 'create', '--service', svc.id, '--source', 'alertmanager'),
      ) as { key: string };
      const created = await post(`/integrations/alertmanager/${key.key}`, am('E_prometheus_rule'));
      const id = created.body.alerts[0]!.alertId;
      const svcSlug = (JSON.parse(await cli('--json', 'services', 'show', svc.id)) as { slug: string }).slug;
      // People read service slugs; scripts (--json) get ids.
      assert.match(
        await cli('alerts', 'list', '--status', 'open', '--service', svc.id),
        new RegExp(`${id}\\s+triggered\\s+\\S+\\s+${svcSlug}\\s`),
      );
      const shown = await cli('alerts', 'show', id);
      assert.match(shown, /warning: paging alert without a runbook link/);
      assert.match(shown, new RegExp(`^service ${svcSlug}, dedup key`, 'm'));
      assert.match(await cli('ack', id), /acknowledged/);
      const resolved = JSON.parse(await cli('--json', 'resolve', id, '--classification', 'actionable')) as {
        status: string;
        classification: string;
      };
      assert.deepEqual([resolved.status, resolved.classification], ['resolved', 'actionable']);
      assert.match(await cli('services', 'show', svc.id), /alertmanager/);
    });

    it('answers 503 or 429 with Retry-After when intake is saturated, and commits every event it answered 2xx', async () => {
      const { serviceId, key } = await serviceWithKey('generic', 'Overload');
      const pdKey = (await serviceWithKey('pagerduty', 'Overload PD')).key;
      const limiter = t.muster.services.intakeLimiter;
      const held: number[] = [];
      while (limiter.tryAcquire()) held.push(1);
      try {
        const busy = await post(`/integrations/generic/${key}`, { status: 'firing', dedupKey: 'x', title: 'x' });
        assert.equal(busy.status, 503);
        assert.equal(busy.headers.get('retry-after'), '1');
        const pdBusy = await post('/v2/enqueue', { ...pd('pd_trigger'), routing_key: pdKey });
        assert.equal(pdBusy.status, 429);
        assert.ok(pdBusy.headers.get('retry-after'));
      } finally {
        for (const _ of held) limiter.release();
      }
      // Fair queueing: one key holds all 4 slots and the one queue place; another key's delivery takes that place
      // (the noisy key's waiter is told to come back) and is applied as soon as a slot frees.
      const other = await serviceWithKey('generic', 'Overload neighbour');
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const holding = [1, 2, 3, 4].map(() => limiter.run(() => gate, key));
      const noisyWaiter = limiter.run(() => Promise.resolve('noisy'), key);
      assert.deepEqual(limiter.stats, { inFlight: 4, queued: 1 });
      const neighbour = post(`/integrations/generic/${other.key}`, { status: 'firing', dedupKey: 'n', title: 'n' });
      assert.equal(await noisyWaiter, null, "the noisy key's waiter gave up its place");
      open();
      await Promise.all(holding);
      assert.equal((await neighbour).status, 200);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          post(`/integrations/generic/${key}`, { status: 'firing', dedupKey: `burst-${i}`, title: `Burst ${i}` }),
        ),
      );
      const accepted = results.filter((r) => r.status === 200).map((r) => r.body.alerts[0]!.dedupKey);
      assert.ok(results.every((r) => r.status === 200 || r.status === 503));
      const stored = (await t.api<{ alerts: AlertJson[] }>('GET', `/api/alerts?service=${serviceId}&limit=500`)).body
        .alerts;
      assert.deepEqual(stored.map((a) => a.dedupKey).sort(), accepted.sort());
    });
  });
}
