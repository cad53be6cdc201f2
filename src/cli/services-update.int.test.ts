/**
 * `muster services update` against a real server, on both engines: the paging group settings (every mode, the labels,
 * the window), the other editable fields (name, description, criticality, escalation policy by name, the incident
 * rule, dependencies by slug) — each checked through the API, not only through the CLI's words; options left out keep
 * their value; bad input fails naming the option or the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { musterFor, runMuster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface ServiceBody {
  id: string;
  slug: string;
  name: string;
  description: string;
  criticality: string;
  escalationPolicyId: string | null;
  incidentRule: { alertSeverities: string[]; incidentSeverity: string } | null;
  dependsOn: string[];
  pagingGroups: { mode: string; labels: string[]; windowMinutes: number };
}

for (const engine of ENGINES) {
  describe(`muster services update [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let serviceId: string;
    let dbId: string;
    let policyId: string;
    const { muster, json } = musterFor(() => env);
    const get = async (): Promise<ServiceBody> => {
      const r = await t.api<ServiceBody>('GET', `/api/services/${serviceId}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };

    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout', slug: 'checkout' })).body
        .id;
      const ana = (
        await t.api<{ user: { id: string } }>('POST', '/api/users', { email: 'ana@checkout.test', name: 'Ana' })
      ).body.user.id;
      await t.api('PUT', `/api/teams/${teamId}/members/${ana}`, { role: 'responder' });
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Checkout primary',
        levels: [{ delayMinutes: 5, targets: [{ type: 'user', id: ana }] }],
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
      });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      policyId = policy.body.id;
      const svc = async (name: string, slug: string) =>
        (await t.api<{ id: string }>('POST', '/api/services', { name, slug, teamId })).body.id;
      serviceId = await svc('Checkout API', 'checkout-api');
      dbId = await svc('Checkout DB', 'checkout-db');
    });
    after(async () => {
      await t.stop();
    });

    it('sets the paging group mode, its labels and its window; options left out keep their value', async () => {
      assert.deepEqual((await get()).pagingGroups, { mode: 'alertmanager', labels: [], windowMinutes: 10 });
      const out = await muster([
        'services',
        'update',
        'checkout-api',
        '--paging-groups',
        'labels',
        '--group-labels',
        'cluster, namespace',
      ]);
      assert.match(out, /paging groups: labels \(cluster, namespace\)/);
      assert.deepEqual((await get()).pagingGroups, {
        mode: 'labels',
        labels: ['cluster', 'namespace'],
        windowMinutes: 10,
      });
      const windowed = await json<ServiceBody>([
        'services',
        'update',
        serviceId,
        '--paging-groups',
        'window',
        '--group-window',
        '25',
      ]);
      assert.equal(windowed.pagingGroups.mode, 'window');
      assert.deepEqual((await get()).pagingGroups, {
        mode: 'window',
        labels: ['cluster', 'namespace'],
        windowMinutes: 25,
      });
      await muster(['services', 'update', 'checkout-api', '--paging-groups', 'per_alert']);
      assert.equal((await get()).pagingGroups.mode, 'per_alert');
      await muster(['services', 'update', 'checkout-api', '--paging-groups', 'alertmanager']);
      assert.deepEqual((await get()).pagingGroups, {
        mode: 'alertmanager',
        labels: ['cluster', 'namespace'],
        windowMinutes: 25,
      });
    });

    it('changes the name, description, criticality, policy, incident rule and dependencies', async () => {
      const before = await get();
      const out = await muster([
        'services',
        'update',
        'checkout-api',
        '--name',
        'Checkout',
        '--description',
        'Takes the money',
        '--criticality',
        'critical',
        '--policy',
        'Checkout primary',
        '--incident-rule',
        'critical,error=P2',
        '--depends-on',
        'checkout-db',
      ]);
      assert.match(out, /updated checkout-api/);
      const after = await get();
      assert.equal(after.name, 'Checkout');
      assert.equal(after.description, 'Takes the money');
      assert.equal(after.criticality, 'critical');
      assert.equal(after.escalationPolicyId, policyId);
      assert.deepEqual(after.incidentRule, { alertSeverities: ['critical', 'error'], incidentSeverity: 'P2' });
      assert.deepEqual(after.dependsOn, [dbId]);
      assert.deepEqual(after.pagingGroups, before.pagingGroups, 'paging groups left as they were');
      await muster(['services', 'update', 'checkout-api', '--policy', 'none', '--incident-rule', 'none']);
      await muster(['services', 'update', 'checkout-api', '--depends-on', 'none']);
      const cleared = await get();
      assert.equal(cleared.escalationPolicyId, null);
      assert.equal(cleared.incidentRule, null);
      assert.deepEqual(cleared.dependsOn, []);
      assert.equal(cleared.name, 'Checkout', 'the name kept');
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetType=service&targetId=${serviceId}`,
      );
      assert.ok(audit.body.events.filter((e) => e.action === 'service.updated').length >= 3);
    });

    it('refuses bad input, naming the option or the field, and changes nothing', async () => {
      const before = await get();
      const labelsNone = await runMuster(
        ['services', 'update', 'checkout-api', '--paging-groups', 'labels', '--group-labels', ''],
        env,
      );
      assert.notEqual(labelsNone.code, 0);
      assert.match(labelsNone.stderr, /labels/);
      const mode = await runMuster(['services', 'update', 'checkout-api', '--paging-groups', 'sometimes'], env);
      assert.notEqual(mode.code, 0);
      assert.match(mode.stderr, /--paging-groups/);
      const window = await runMuster(['services', 'update', 'checkout-api', '--group-window', '0'], env);
      assert.notEqual(window.code, 0);
      assert.match(window.stderr, /--group-window/);
      const rule = await runMuster(['services', 'update', 'checkout-api', '--incident-rule', 'loud=P9'], env);
      assert.notEqual(rule.code, 0);
      assert.match(rule.stderr, /--incident-rule/);
      const nothing = await runMuster(['services', 'update', 'checkout-api'], env);
      assert.notEqual(nothing.code, 0);
      assert.match(nothing.stderr, /nothing to change/);
      const policy = await runMuster(['services', 'update', 'checkout-api', '--policy', 'No such policy'], env);
      assert.notEqual(policy.code, 0);
      assert.match(policy.stderr, /--policy/);
      assert.deepEqual(await get(), before);
    });
  });
}
