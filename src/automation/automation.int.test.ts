/**
 * Automation rules on a real server, both engines, real intake through the generic webhook: no rule → intake adds no
 * job; an alert rule with label matchers pages a user (a durable delivery) once per alert; a disabled rule and a
 * non-matching alert do nothing; a declaration rule posts an update once per incident even when its job runs again;
 * a drill is left out unless the rule includes drills; a milestone rule suggests a runbook on the timeline; bad
 * rules are refused naming the field; a viewer cannot create one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { enqueueJob } from '../jobs/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { until } from '../testing/fixtures.js';

interface Rule {
  id: string;
  firingCount: number;
  enabled: boolean;
}
interface Firing {
  outcome: string;
  detail: string;
  incidentId: string | null;
  alertId: string | null;
}
interface Ev {
  kind: string;
  body: string;
  actorLabel: string;
}

for (const engine of ENGINES) {
  describe(`automation rules [${engine}]`, () => {
    let t: TestMuster;
    let teamId = '';
    let serviceId = '';
    let key = '';
    let userId = '';
    let viewerToken = '';

    const db = () => t.muster.services.db.kysely;
    const evaluateJobs = async () =>
      Number(
        (
          await db()
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('kind', '=', 'automation.evaluate')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const settled = () =>
      until('automation jobs to finish', async () => {
        const row = await db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', 'automation.evaluate')
          .where('status', 'in', ['pending', 'running'])
          .executeTakeFirstOrThrow();
        return Number(row.n) === 0;
      });
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
    const timeline = async (incidentId: string) =>
      (await t.api<{ events: Ev[] }>('GET', `/api/incidents/${incidentId}/timeline`)).body.events;
    const create = async (body: Record<string, unknown>) => {
      const r = await t.api<Rule>('POST', '/api/automation-rules', { teamId, ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };

    before(async () => {
      t = await startTestMuster(engine);
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
      serviceId = (await t.api<{ id: string }>('POST', '/api/services', { name: 'Checkout API', teamId })).body.id;
      key = (await t.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'generic' }))
        .body.key;
      const u = await t.api<{ user: { id: string } }>('POST', '/api/users', { email: 'ida@example.test', name: 'Ida' });
      userId = u.body.user.id;
      await t.api('PUT', `/api/teams/${teamId}/members/${userId}`, { role: 'responder' });
      await t.api('POST', `/api/users/${userId}/contact-methods`, { kind: 'email', address: 'ida@example.test' });
      const v = await t.api<{ user: { id: string } }>('POST', '/api/users', { email: 'vic@example.test', name: 'Vic' });
      await t.api('PUT', `/api/teams/${teamId}/members/${v.body.user.id}`, { role: 'viewer' });
      viewerToken = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'test', userId: v.body.user.id }))
        .body.token;
    });
    after(async () => t.stop());

    it('adds no job to intake while the team has no rule and no automatic action', async () => {
      await fire('quiet', { alertname: 'HighLatency' });
      assert.equal(await evaluateJobs(), 0);
    });

    it('refuses bad rules naming the field, and a viewer', async () => {
      const bad = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/automation-rules',
        {
          teamId,
          name: 'bad',
          trigger: 'alert_triggered',
          action: 'page',
          conditions: { matchers: [{ name: 'env', op: '=~', value: '(' }] },
          actionConfig: { userId, message: 'x' },
        },
      );
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.equal(bad.body.error.details.problems[0]!.field, 'conditions.matchers.0.value');
      const noMilestone = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/automation-rules',
        { teamId, name: 'm', trigger: 'milestone_reached', action: 'post_update', actionConfig: { message: 'x' } },
      );
      assert.equal(noMilestone.status, 400);
      assert.equal(noMilestone.body.error.details.problems[0]!.field, 'conditions.milestone');
      const viewer = await t.api(
        'POST',
        '/api/automation-rules',
        { teamId, name: 'v', trigger: 'incident_declared', action: 'post_update', actionConfig: { message: 'x' } },
        viewerToken,
      );
      assert.equal(viewer.status, 403);
    });

    it('an alert rule pages once per matching alert; a disabled rule and a non-matching alert do nothing', async () => {
      const rule = await create({
        name: 'Page Ida for production latency',
        trigger: 'alert_triggered',
        conditions: {
          alertnames: ['HighLatency'],
          matchers: [{ name: 'env', op: '=~', value: 'prod.*' }],
          severities: ['critical'],
        },
        action: 'page',
        actionConfig: { userId, message: 'Checkout latency is high' },
      });
      const disabled = await create({
        name: 'Disabled',
        enabled: false,
        trigger: 'alert_triggered',
        action: 'page',
        actionConfig: { userId, message: 'never' },
      });
      const alertId = await fire('prod-latency', { alertname: 'HighLatency', env: 'production' });
      await fire('staging-latency', { alertname: 'HighLatency', env: 'staging' });
      assert.equal(await evaluateJobs(), 2);
      await settled();
      const fired = await firings(rule.id);
      assert.equal(fired.length, 1, JSON.stringify(fired));
      assert.equal(fired[0]!.outcome, 'done', fired[0]!.detail);
      assert.equal(fired[0]!.alertId, alertId);
      const deliveries = await db()
        .selectFrom('notificationDeliveries')
        .select('id')
        .where('userId', '=', userId)
        .where('alertId', '=', alertId)
        .execute();
      assert.ok(deliveries.length >= 1, 'the page is a durable delivery');
      assert.equal((await firings(disabled.id)).length, 0);
      const r = (await t.api<Rule>('GET', `/api/automation-rules/${rule.id}`)).body;
      assert.equal(r.firingCount, 1);
      // Disabling works and is visible.
      const off = await t.api<Rule>('PATCH', `/api/automation-rules/${rule.id}`, { enabled: false });
      assert.equal(off.body.enabled, false);
    });

    it('a declaration rule posts an update once per incident, even when its job runs again; drills are left out', async () => {
      const rule = await create({
        name: 'Post the first update',
        trigger: 'incident_declared',
        conditions: { severities: ['P1', 'P2'], serviceIds: [serviceId] },
        action: 'post_update',
        actionConfig: { message: 'We are looking into checkout errors.' },
      });
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout down',
        severity: 'P1',
        serviceIds: [serviceId],
      });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      const incidentId = inc.body.incident.id;
      await settled();
      // The job again (a retry after a crash would look the same): the unique firing keeps it to one.
      await enqueueJob(
        db(),
        t.muster.services.db.engine,
        { kind: 'automation.evaluate', payload: { trigger: 'incident_declared', incidentId } },
        Date.now(),
      );
      t.muster.services.runner?.wake();
      await settled();
      const updates = (await timeline(incidentId)).filter((e) => e.kind === 'status_update');
      assert.equal(updates.length, 1, JSON.stringify(updates));
      assert.equal(updates[0]!.body, 'We are looking into checkout errors.');
      assert.match(updates[0]!.actorLabel, /Post the first update/);
      assert.equal((await firings(rule.id)).length, 1);

      const drill = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Drill: checkout down',
        severity: 'P1',
        serviceIds: [serviceId],
        kind: 'drill',
      });
      assert.equal(drill.status, 201, JSON.stringify(drill.body));
      await settled();
      assert.equal((await firings(rule.id)).length, 1, 'a drill does not fire a rule that leaves drills out');
      assert.equal((await timeline(drill.body.incident.id)).filter((e) => e.kind === 'status_update').length, 0);
    });

    it('a milestone rule suggests a runbook on the timeline when the incident is mitigated', async () => {
      const rb = await t.api<{ id: string }>('POST', '/api/runbooks', {
        teamId,
        title: 'Checkout recovery',
        body: '# Checkout recovery\n\nRestart the workers.',
      });
      assert.equal(rb.status, 201, JSON.stringify(rb.body));
      const rule = await create({
        name: 'Suggest the recovery runbook',
        trigger: 'milestone_reached',
        conditions: { milestone: 'mitigatedAt' },
        action: 'suggest_runbook',
        actionConfig: { runbookId: rb.body.id },
      });
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout slow',
        severity: 'P3',
        serviceIds: [serviceId],
      });
      const incidentId = inc.body.incident.id;
      await settled();
      assert.equal((await firings(rule.id)).length, 0, 'not before the milestone');
      await t.api('PUT', `/api/incidents/${incidentId}/milestones/mitigatedAt`, {
        at: new Date().toISOString(),
        reason: 'the workers were restarted',
      });
      await settled();
      const fired = await firings(rule.id);
      assert.equal(fired.length, 1);
      assert.equal(fired[0]!.incidentId, incidentId);
      const events = await timeline(incidentId);
      assert.ok(
        events.some((e) => e.kind === 'automation' && e.body === 'Suggested runbook: Checkout recovery'),
        JSON.stringify(events.map((e) => e.body)),
      );
    });
  });
}
