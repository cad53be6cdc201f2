/**
 * What automation rules do, on a real server on both engines, with real intake (the generic webhook), a real HTTP
 * receiver for remediation actions and a real SMTP sink for pages:
 * - an alert rule running an automatic HTTP action: one signed request per alert (a retried job adds none, an
 *   automatic action whose own conditions matched is not run twice), its output recorded on the run; paused by the
 *   team's kill switch;
 * - a declaration rule running an action: the output reaches the incident's timeline;
 * - a rule running an approval-mode action leaves it awaiting approval and sends nothing;
 * - a page to a schedule (whoever is on call) and to an escalation policy (its first level), as durable deliveries
 *   that reach the mail server;
 * - a milestone rule (acknowledgedAt) pages;
 * - game-day drills reach the declaration rules that include drills, and only those.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { enqueueJob } from '../jobs/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { SmtpSink } from '../testing/smtp.js';
import { until } from '../testing/fixtures.js';

interface Firing {
  outcome: string;
  detail: string;
  incidentId: string | null;
  alertId: string | null;
  runId: string | null;
}
interface Run {
  id: string;
  status: string;
  trigger: string;
  ruleId: string | null;
  alertId: string | null;
  incidentId: string | null;
  httpStatus: number | null;
  output: string;
}
interface Ev {
  kind: string;
  body: string;
}
interface Got {
  url: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

for (const engine of ENGINES) {
  describe(`automation rule actions [${engine}]`, () => {
    let t: TestMuster;
    let smtp: SmtpSink;
    let receiver: http.Server;
    let port = 0;
    const got: Got[] = [];
    let teamId = '';
    let serviceId = '';
    let key = '';
    let idaId = '';
    let boId = '';
    let scheduleId = '';
    let policyId = '';

    const db = () => t.muster.services.db.kysely;
    const settled = async () => {
      t.muster.services.runner?.wake();
      await until('jobs to finish', async () => {
        const row = await db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', 'in', ['automation.evaluate', 'remediation.http'])
          .where('status', 'in', ['pending', 'running'])
          .executeTakeFirstOrThrow();
        return Number(row.n) === 0;
      });
    };
    const fire = async (dedupKey: string, labels: Record<string, string>) => {
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey, title: `${dedupKey} errors`, severity: 'critical', labels },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts[0]!.alertId;
    };
    const firings = async (ruleId: string) =>
      (await t.api<{ items: Firing[] }>('GET', `/api/automation-rules/${ruleId}/firings`)).body.items;
    const runsOf = async (actionId: string) =>
      (await t.api<{ items: Run[] }>('GET', `/api/runs?actionId=${actionId}`)).body.items;
    const runById = async (id: string) => (await t.api<Run>('GET', `/api/runs/${id}`)).body;
    const timeline = async (incidentId: string) =>
      (await t.api<{ events: Ev[] }>('GET', `/api/incidents/${incidentId}/timeline`)).body.events;
    const rule = async (body: Record<string, unknown>) => {
      const r = await t.api<{ id: string }>('POST', '/api/automation-rules', { teamId, ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    };
    const disable = async (ruleId: string) => {
      const r = await t.api('PATCH', `/api/automation-rules/${ruleId}`, { enabled: false });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    const action = async (name: string, mode: string, path: string, extra: Record<string, unknown> = {}) => {
      const r = await t.api<{ id: string }>('POST', '/api/actions', {
        teamId,
        name,
        kind: 'http',
        mode,
        http: {
          method: 'POST',
          url: `http://127.0.0.1:${port}${path}`,
          body: path === '/flush' ? { incident: '{{incident.key}}' } : { alert: '{{alert.id}}' },
          secret: 'whsec-automation-test',
          allowPrivateAddress: true,
        },
        ...extra,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    };
    const declare = async (title: string, severity = 'P2') => {
      const r = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title,
        severity,
        serviceIds: [serviceId],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.incident.id;
    };
    const hits = (path: string) => got.filter((g) => g.url.startsWith(path));
    const deliveriesTo = async (userId: string, like: string) =>
      db()
        .selectFrom('notificationDeliveries')
        .select(['id', 'channel', 'urgency'])
        .where('userId', '=', userId)
        .where('dedupKey', 'like', like)
        .execute();

    before(async () => {
      receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          got.push({ url: req.url!, body, headers: req.headers });
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`workers restarted for ${req.url}\n`);
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      port = (receiver.address() as AddressInfo).port;
      smtp = await new SmtpSink().start();
      t = await startTestMuster(engine, {
        'smtp.host': '127.0.0.1',
        'smtp.port': smtp.port,
        'smtp.from': 'muster@example.test',
      });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
      serviceId = (await t.api<{ id: string }>('POST', '/api/services', { name: 'Checkout API', teamId })).body.id;
      key = (await t.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'generic' }))
        .body.key;
      for (const [name, email] of [
        ['Ida', 'ida@example.test'],
        ['Bo', 'bo@example.test'],
      ] as const) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', { email, name });
        await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role: 'responder' });
        const cm = await t.api('POST', `/api/users/${u.body.user.id}/contact-methods`, {
          kind: 'email',
          address: email,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
        if (name === 'Ida') idaId = u.body.user.id;
        else boId = u.body.user.id;
      }
      const s = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Checkout primary',
        timezone: 'UTC',
        layers: [
          {
            name: 'Weekly',
            participants: [boId],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-01-05',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      scheduleId = s.body.id;
      const p = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Checkout leads',
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
        levels: [
          { delayMinutes: 5, targets: [{ type: 'user', id: idaId }] },
          { delayMinutes: 10, targets: [{ type: 'schedule', id: scheduleId }] },
        ],
      });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      policyId = p.body.id;
    });
    after(async () => {
      await t.stop();
      await smtp.close();
      receiver.close();
    });

    it('an alert rule runs an automatic HTTP action once per alert, records its output, and obeys the kill switch', async () => {
      const actionId = await action('Restart checkout workers', 'automatic', '/restart', {
        // Its own conditions match only DiskFull: for HighErrors, only the rule runs it.
        autoConditions: { alertnames: ['DiskFull'] },
      });
      const ruleId = await rule({
        name: 'Restart workers on errors',
        trigger: 'alert_triggered',
        conditions: { matchers: [{ name: 'alertname', op: '=~', value: 'HighErrors|DiskFull' }] },
        action: 'run_action',
        actionConfig: { actionId },
      });
      const alertId = await fire('errors-1', { alertname: 'HighErrors' });
      await settled();
      const [run] = await runsOf(actionId);
      assert.ok(run, 'the rule requested a run');
      assert.equal(run.trigger, 'rule');
      assert.equal(run.ruleId, ruleId);
      assert.equal(run.alertId, alertId);
      const ended = await until('the run to succeed', async () => {
        const r = await runById(run.id);
        return r.status === 'succeeded' && r;
      });
      assert.equal(ended.httpStatus, 200);
      assert.match(ended.output, /workers restarted for \/restart/);
      assert.equal(hits('/restart').length, 1);
      assert.deepEqual(JSON.parse(hits('/restart')[0]!.body), { alert: alertId });
      assert.match(String(hits('/restart')[0]!.headers['x-muster-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
      const [firing] = await firings(ruleId);
      assert.equal(firing!.outcome, 'done', firing!.detail);
      assert.equal(firing!.runId, run.id);

      // The same job again (a retry after a crash looks the same): no second firing, no second request.
      await enqueueJob(
        db(),
        t.muster.services.db.engine,
        { kind: 'automation.evaluate', payload: { trigger: 'alert_triggered', alertId } },
        Date.now(),
      );
      await settled();
      assert.equal((await runsOf(actionId)).length, 1);
      assert.equal((await firings(ruleId)).length, 1);
      assert.equal(hits('/restart').length, 1);

      // DiskFull matches the action's own conditions too: it runs automatically, and the rule does not run it again.
      const diskId = await fire('disk-1', { alertname: 'DiskFull' });
      await settled();
      const forDisk = (await runsOf(actionId)).filter((r) => r.alertId === diskId);
      assert.equal(forDisk.length, 1, JSON.stringify(forDisk));
      assert.equal(forDisk[0]!.trigger, 'automatic');
      const diskFiring = (await firings(ruleId)).find((f) => f.alertId === diskId)!;
      assert.equal(diskFiring.outcome, 'skipped');
      assert.match(diskFiring.detail, /already ran for this alert/);
      await until('the automatic run to be sent', async () => hits('/restart').length === 2);

      // The team's kill switch stops the rule's runs too, visibly.
      const paused = await t.api('PUT', `/api/teams/${teamId}/automation`, {
        automaticPaused: true,
        reason: 'database migration',
      });
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      const pausedAlert = await fire('errors-2', { alertname: 'HighErrors' });
      await settled();
      const pausedFiring = (await firings(ruleId)).find((f) => f.alertId === pausedAlert)!;
      assert.equal(pausedFiring.outcome, 'skipped');
      assert.match(pausedFiring.detail, /paused for the team \(database migration\)/);
      assert.equal((await runsOf(actionId)).filter((r) => r.alertId === pausedAlert).length, 0);
      await t.api('PUT', `/api/teams/${teamId}/automation`, { automaticPaused: false });
      await disable(ruleId);
      assert.equal(hits('/restart').length, 2);
    });

    it('a rule’s runs count against the action’s hourly limit per service, and the one over it is skipped', async () => {
      const actionId = await action('Drain a node', 'automatic', '/drain', {
        autoConditions: { alertnames: ['Never'] },
        rateLimitPerHour: 2,
      });
      const ruleId = await rule({
        name: 'Drain on node pressure',
        trigger: 'alert_triggered',
        conditions: { matchers: [{ name: 'alertname', op: '=', value: 'NodePressure' }] },
        action: 'run_action',
        actionConfig: { actionId },
      });
      const alerts: string[] = [];
      for (const n of [1, 2, 3]) {
        alerts.push(await fire(`pressure-${n}`, { alertname: 'NodePressure' }));
        await settled();
      }
      const runs = await runsOf(actionId);
      assert.deepEqual(runs.map((r) => r.alertId).sort(), alerts.slice(0, 2).sort(), JSON.stringify(runs));
      const third = (await firings(ruleId)).find((f) => f.alertId === alerts[2])!;
      assert.equal(third.outcome, 'skipped', third.detail);
      assert.match(
        third.detail,
        /Rate limit reached: 2 automatic runs for this service in the last hour \(at most 2\)/,
      );
      await until('both runs to be sent', async () => hits('/drain').length === 2);
      await disable(ruleId);
    });

    it('a declaration rule runs an action whose output reaches the incident timeline', async () => {
      const actionId = await action('Flush the checkout cache', 'automatic', '/flush', {
        autoConditions: { alertnames: ['Never'] },
      });
      const ruleId = await rule({
        name: 'Flush the cache for P1s',
        trigger: 'incident_declared',
        conditions: { severities: ['P1'] },
        action: 'run_action',
        actionConfig: { actionId },
      });
      const incidentId = await declare('Checkout returns stale prices', 'P1');
      await settled();
      const events = await until('the run to end on the timeline', async () => {
        const evs = (await timeline(incidentId)).filter((e) => e.kind === 'remediation');
        return evs.some((e) => e.body.includes('workers restarted for /flush')) && evs;
      });
      assert.ok(
        events.some((e) => /requested by an automation rule/.test(e.body)),
        JSON.stringify(events.map((e) => e.body)),
      );
      assert.ok(events.some((e) => /HTTP 200/.test(e.body)));
      const [run] = await runsOf(actionId);
      assert.equal(run!.incidentId, incidentId);
      assert.equal(run!.status, 'succeeded');
      assert.equal(hits('/flush').length, 1);
      assert.equal((await firings(ruleId))[0]!.incidentId, incidentId);
      await disable(ruleId);
    });

    it('a rule running an approval-mode action leaves it awaiting a person, and sends nothing', async () => {
      const actionId = await action('Fail over the database', 'approval', '/failover');
      const ruleId = await rule({
        name: 'Propose a failover',
        trigger: 'alert_triggered',
        conditions: { alertnames: ['PrimaryDown'] },
        action: 'run_action',
        actionConfig: { actionId },
      });
      const alertId = await fire('primary-down', { alertname: 'PrimaryDown' });
      await settled();
      const [run] = await runsOf(actionId);
      assert.equal(run!.status, 'awaiting_approval');
      assert.equal(run!.alertId, alertId);
      assert.equal(run!.ruleId, ruleId);
      const [firing] = await firings(ruleId);
      assert.equal(firing!.outcome, 'done');
      assert.match(firing!.detail, /Requested a run of Fail over the database \(awaiting approval\)/);
      const inbox = await t.api<{ items: { id: string }[] }>('GET', '/api/approvals');
      assert.ok(
        inbox.body.items.some((r) => r.id === run!.id),
        'in the approvals inbox',
      );
      assert.equal(hits('/failover').length, 0, 'nothing is sent before a person approves');
      await disable(ruleId);
    });

    it('pages whoever is on call for a schedule, and an escalation policy’s first level, by email', async () => {
      const scheduleRule = await rule({
        name: 'Page the checkout rotation',
        trigger: 'alert_triggered',
        conditions: { alertnames: ['QueueBacklog'] },
        action: 'page',
        actionConfig: { scheduleId, message: 'The checkout queue is backing up' },
      });
      const policyRule = await rule({
        name: 'Page the checkout leads',
        trigger: 'incident_declared',
        conditions: { severities: ['P1'], serviceIds: [serviceId] },
        action: 'page',
        actionConfig: { escalationPolicyId: policyId, message: 'A P1 on checkout' },
      });
      const alertId = await fire('backlog', { alertname: 'QueueBacklog' });
      const incidentId = await declare('Checkout is down', 'P1');
      await settled();
      const [s] = await firings(scheduleRule);
      assert.equal(s!.outcome, 'done', s!.detail);
      assert.match(s!.detail, /Paged Bo \(on call for Checkout primary\)/);
      const [p] = await firings(policyRule);
      assert.equal(p!.outcome, 'done', p!.detail);
      assert.match(p!.detail, /Paged Ida \(escalation policy Checkout leads\)/);
      // Durable deliveries on the paging path, high urgency, one per person and subject.
      const toBo = await deliveriesTo(boId, `%automation:${scheduleRule}:${alertId}:%`);
      assert.ok(toBo.length >= 1 && toBo.every((d) => d.urgency === 'high'), JSON.stringify(toBo));
      assert.ok((await deliveriesTo(idaId, `%automation:${policyRule}:${incidentId}:%`)).length >= 1);
      assert.deepEqual(await deliveriesTo(idaId, `%automation:${scheduleRule}:%`), [], 'Ida is not on call');
      await smtp.waitFor((ms) =>
        ms.some((m) => m.to.includes('bo@example.test') && m.subject.includes('The checkout queue is backing up')),
      );
      await smtp.waitFor((ms) =>
        ms.some((m) => m.to.includes('ida@example.test') && m.subject.includes('A P1 on checkout')),
      );
      const mail = smtp.messages.find((m) => m.subject.includes('A P1 on checkout'))!;
      assert.ok(mail.text.includes(`/incidents/${incidentId}`), mail.text);
      assert.ok(
        (await timeline(incidentId)).some((e) => e.kind === 'automation' && e.body.startsWith('Paged Ida')),
        'the page is on the timeline',
      );
      await disable(scheduleRule);
      await disable(policyRule);
    });

    it('a milestone rule fires when the incident is acknowledged, once', async () => {
      const ruleId = await rule({
        name: 'Tell Bo once it is acknowledged',
        trigger: 'milestone_reached',
        conditions: { milestone: 'acknowledgedAt' },
        action: 'page',
        actionConfig: { userId: boId, message: 'Someone is on the checkout incident' },
      });
      const r = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout slow from an alert',
        severity: 'P3',
        serviceIds: [serviceId],
        alertIds: [await fire('slow', { alertname: 'Slow' })],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const incidentId = r.body.incident.id;
      await settled();
      assert.equal((await firings(ruleId)).length, 0, 'not before the acknowledgement');
      const ack = await t.api('POST', `/api/incidents/${incidentId}/acknowledge`);
      assert.ok(ack.status < 300, JSON.stringify(ack.body));
      await settled();
      const fired = await firings(ruleId);
      assert.equal(fired.length, 1, JSON.stringify(fired));
      assert.equal(fired[0]!.outcome, 'done', fired[0]!.detail);
      assert.equal(fired[0]!.incidentId, incidentId);
      await smtp.waitFor((ms) => ms.some((m) => m.subject.includes('Someone is on the checkout incident')));
      await disable(ruleId);
    });

    it('a game-day drill reaches the declaration rules that include drills, and only those', async () => {
      const withDrills = await rule({
        name: 'Practise the first update',
        trigger: 'incident_declared',
        conditions: { includeDrills: true, serviceIds: [serviceId] },
        action: 'post_update',
        actionConfig: { message: 'We are looking into it (drill).' },
      });
      const realOnly = await rule({
        name: 'Real incidents only',
        trigger: 'incident_declared',
        conditions: { serviceIds: [serviceId] },
        action: 'post_update',
        actionConfig: { message: 'Only for real incidents.' },
      });
      const g = await t.api<{ id: string }>('POST', '/api/gamedays', {
        teamId,
        title: 'Checkout tabletop',
        mode: 'tabletop',
        severity: 'P2',
        serviceIds: [serviceId],
      });
      assert.equal(g.status, 201, JSON.stringify(g.body));
      const started = await t.api<{ incidentId: string }>('POST', `/api/gamedays/${g.body.id}/start`);
      assert.equal(started.status, 200, JSON.stringify(started.body));
      const drillId = started.body.incidentId;
      await settled();
      const fired = await firings(withDrills);
      assert.equal(fired.length, 1, 'the drill fired the rule that includes drills');
      assert.equal(fired[0]!.incidentId, drillId);
      assert.equal(fired[0]!.outcome, 'done', fired[0]!.detail);
      assert.deepEqual(
        (await firings(realOnly)).filter((f) => f.incidentId === drillId),
        [],
        'a rule without includeDrills leaves the drill out',
      );
      const updates = (await timeline(drillId)).filter((e) => e.kind === 'status_update').map((e) => e.body);
      assert.deepEqual(updates, ['We are looking into it (drill).']);
      await disable(withDrills);
      await disable(realOnly);
    });
  });
}
