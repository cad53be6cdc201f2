/**
 * A person's run posts on its incident's timeline, and that incident's Incident Commander may approve it: so running
 * an action for an incident is acting on the incident (src/incidents/access.ts). A responder of the action's team
 * who may not act on the incident is refused 403, and nothing is recorded; the same run without the incident, for an
 * incident of their own team's service, or once they hold one of its roles, goes ahead. Both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`running an action for an incident [${engine}]`, () => {
    let t: TestMuster;
    const bob = { id: '', token: '' };
    let actionId = '';
    let paymentsService = '';
    let platformService = '';

    const declare = async (serviceId: string): Promise<string> => {
      const r = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Errors',
        severity: 'P3',
        serviceIds: [serviceId],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.incident.id;
    };
    const runs = async () =>
      (await t.api<{ items: { id: string }[] }>('GET', `/api/runs?actionId=${actionId}`)).body.items.length;

    before(async () => {
      t = await startTestMuster(engine);
      const team = async (name: string) => (await t.api<{ id: string }>('POST', '/api/teams', { name })).body.id;
      const payments = await team('Payments');
      const platform = await team('Platform');
      const service = async (teamId: string, name: string) =>
        (await t.api<{ id: string }>('POST', '/api/services', { teamId, name })).body.id;
      paymentsService = await service(payments, 'Checkout');
      platformService = await service(platform, 'Database');
      const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'bob@example.test',
        name: 'Bob',
        password: 'a long enough password',
      });
      bob.id = u.body.user.id;
      await t.api('PUT', `/api/teams/${platform}/members/${bob.id}`, { role: 'responder' });
      bob.token = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'bob', userId: bob.id })).body.token;
      const action = await t.api<{ id: string }>('POST', '/api/actions', {
        teamId: platform,
        name: 'Fail over the database',
        kind: 'http',
        mode: 'approval',
        http: { method: 'POST', url: 'http://127.0.0.1:9/failover', allowPrivateAddress: true },
      });
      assert.equal(action.status, 201, JSON.stringify(action.body));
      actionId = action.body.id;
    });
    after(async () => t?.stop());

    it("refuses a run for another team's incident the person may not act on; allows it once they may", async () => {
      const theirs = await declare(paymentsService);
      const refused = await t.api<{ error: { code: string } }>(
        'POST',
        `/api/actions/${actionId}/runs`,
        { incidentId: theirs },
        bob.token,
      );
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(await runs(), 0, 'nothing recorded');
      const timeline = await t.api<{ events: { kind: string }[] }>('GET', `/api/incidents/${theirs}/timeline`);
      assert.ok(!timeline.body.events.some((e) => e.kind === 'remediation'));

      const bare = await t.api('POST', `/api/actions/${actionId}/runs`, {}, bob.token);
      assert.equal(bare.status, 201, JSON.stringify(bare.body));
      const own = await t.api(
        'POST',
        `/api/actions/${actionId}/runs`,
        { incidentId: await declare(platformService) },
        bob.token,
      );
      assert.equal(own.status, 201, JSON.stringify(own.body));

      const role = await t.api('PUT', `/api/incidents/${theirs}/roles/technical_lead`, { userId: bob.id });
      assert.equal(role.status, 200, JSON.stringify(role.body));
      const asRoleHolder = await t.api('POST', `/api/actions/${actionId}/runs`, { incidentId: theirs }, bob.token);
      assert.equal(asRoleHolder.status, 201, JSON.stringify(asRoleHolder.body));
      assert.equal(await runs(), 3);
    });
  });
}
