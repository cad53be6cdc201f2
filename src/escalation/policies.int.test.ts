import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const policyBody = (teamId: string) => ({
  teamId,
  name: 'Payments',
  repeat: 2,
  workingHours: { timezone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
  levels: [
    { delayMinutes: 5, targets: [{ type: 'user', id: 'usr_a' }] },
    { delayMinutes: 10, targets: [{ type: 'schedule', id: 'sch_b' }], condition: { kind: 'working_hours' } },
  ],
});

for (const engine of ENGINES) {
  describe(`escalation policies API [${engine}]`, () => {
    let t: TestMuster;
    let teamId: string;
    before(async () => {
      t = await startTestMuster(engine);
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
    });
    after(async () => t.stop());

    it('creates, reads, edits and deletes a policy with levels in an explicit time zone', async () => {
      const created = await t.api<{ id: string; levels: unknown[]; workingHours: { timezone: string } }>(
        'POST',
        '/api/escalation-policies',
        policyBody(teamId),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.levels.length, 2);
      assert.equal(created.body.workingHours.timezone, 'Europe/London');
      const patched = await t.api<{ repeat: number }>('PATCH', `/api/escalation-policies/${created.body.id}`, {
        repeat: 0,
      });
      assert.equal(patched.body.repeat, 0);
      const listed = await t.api<{ policies: { id: string }[] }>('GET', `/api/escalation-policies?teamId=${teamId}`);
      assert.deepEqual(
        listed.body.policies.map((p) => p.id),
        [created.body.id],
      );
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetId=${created.body.id}`,
      );
      assert.deepEqual(
        audit.body.events.map((e) => e.action),
        ['escalation_policy.updated', 'escalation_policy.created'],
      );
      assert.equal((await t.api('DELETE', `/api/escalation-policies/${created.body.id}`)).status, 204);
      assert.equal((await t.api('GET', `/api/escalation-policies/${created.body.id}`)).status, 404);
    });

    it('names every invalid field', async () => {
      const bad = {
        ...policyBody(teamId),
        repeat: 11,
        workingHours: { timezone: 'Mars/Olympus', days: [1], start: '9am', end: '17:00' },
      };
      bad.levels = [{ delayMinutes: 0, targets: [] }];
      const r = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/escalation-policies',
        bad,
      );
      assert.equal(r.status, 400);
      assert.deepEqual(r.body.error.details.problems.map((p) => p.field).sort(), [
        'levels.0.delayMinutes',
        'levels.0.targets',
        'repeat',
        'workingHours.start',
        'workingHours.timezone',
      ]);
    });

    it('lets only team admins change a team policy', async () => {
      const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'resp@example.test',
        name: 'R',
        password: 'long enough password',
      });
      const tok = await t.muster.services.tokens.create(
        { userId: u.body.user.id, tokenId: null, label: 'r', ip: null, isAdmin: false },
        { name: 'r' },
      );
      await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role: 'responder' });
      const r = await t.api('POST', '/api/escalation-policies', policyBody(teamId), tok.token);
      assert.equal(r.status, 403);
      const read = await t.api('GET', '/api/escalation-policies', undefined, tok.token);
      assert.equal(read.status, 200);
    });

    it('keeps a JSON null a null (no type coercion of bodies): unsetting a service policy and an ack timeout', async () => {
      const p = await t.api<{ id: string; ackTimeoutMinutes: number | null }>('POST', '/api/escalation-policies', {
        ...policyBody(teamId),
        ackTimeoutMinutes: null,
      });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      assert.equal(p.body.ackTimeoutMinutes, null);
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Nulls',
        teamId,
        escalationPolicyId: p.body.id,
      });
      const unset = await t.api<{ escalationPolicyId: string | null }>('PATCH', `/api/services/${svc.body.id}`, {
        escalationPolicyId: null,
      });
      assert.equal(unset.status, 200, JSON.stringify(unset.body));
      assert.equal(unset.body.escalationPolicyId, null);
      const policy = await t.api<{ commanderDeadlineMinutes: number | null }>('PUT', '/api/incidents/policies/P3', {
        commanderDeadlineMinutes: null,
      });
      assert.equal(policy.status, 200, JSON.stringify(policy.body));
    });
  });
}
