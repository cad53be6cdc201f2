/**
 * `/api/teams/:team/…` takes the team's id or its slug, as the access policy does: the comp-time ledger, its policy,
 * time off, the CSV, the pulse and the kill switch answer the same for both (the ledger read the slug as an id and
 * answered an empty ledger). Both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`team paths by slug [${engine}]`, () => {
    let t: TestMuster;
    let teamId = '';
    before(async () => {
      t = await startTestMuster(engine);
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' })).body.id;
    });
    after(async () => t?.stop());

    it('answers the same for the slug as for the id', async () => {
      const put = await t.api<{ kind: string }>('PUT', '/api/teams/payments/comp-time-policy', {
        kind: 'weekend_fixed',
        factor: 1,
        weekendHours: 6,
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const byId = await t.api<{ kind: string }>('GET', `/api/teams/${teamId}/comp-time-policy`);
      assert.equal(byId.body.kind, 'weekend_fixed', 'the slug wrote the team’s own policy');
      const ledger = await t.api<{ teamId: string; policy: { kind: string } }>('GET', '/api/teams/payments/comp-time');
      assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
      assert.equal(ledger.body.teamId, teamId);
      assert.equal(ledger.body.policy.kind, 'weekend_fixed');
      const pulse = await t.api<{ teamId: string }>('GET', '/api/teams/payments/pulse');
      assert.equal(pulse.body.teamId, teamId);
      const killSwitch = await t.api<{ teamId: string }>('GET', '/api/teams/payments/automation');
      assert.equal(killSwitch.body.teamId, teamId);
      assert.equal((await t.api('GET', '/api/teams/nope/comp-time')).status, 404);
    });
  });
}
