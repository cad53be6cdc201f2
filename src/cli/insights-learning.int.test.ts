/**
 * `muster insights learning` against a real server, on both engines: a resolved P1 whose post-mortem is past its due
 * date (completion 0% against 90%, one post-mortem overdue, for the team), an overdue action item and a factor; --json
 * prints the API's answer; a bad --from fails naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { overdueActionItem, postmortemWithCapacityFactor, resolvedSearchP1 } from '../testing/fixtures.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster insights learning [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
    });
    after(async () => t.stop());

    it('prints completion, overdue post-mortems and action items per team, and the factors', async () => {
      const { teamId, incidentId } = await resolvedSearchP1(t);
      const pmId = await postmortemWithCapacityFactor(t, incidentId);
      const past = new Date(Date.now() - 60_000).toISOString();
      const overdue = await t.api('PATCH', `/api/postmortems/${pmId}`, { dueAt: past });
      assert.equal(overdue.status, 200, JSON.stringify(overdue.body));
      await overdueActionItem(t, incidentId, teamId);

      const human = await muster(['insights', 'learning'], env);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /target 90%; real incidents/);
      assert.match(human.stdout, /^overall\s+1\s+0\s+0\s+0%\s+below\s+1\s+1\s+1\s+0\s+-$/m);
      assert.match(human.stdout, /^Search\s+1\s+0\s+0\s+0%\s+below\s+1\s+1\s+1\s+0\s+-$/m);
      assert.match(human.stdout, /contributing factors:[\s\S]*capacity\s+Capacity\s+1/);

      const json = await muster(['insights', 'learning', '--team', teamId, '--json'], env);
      assert.equal(json.code, 0, json.stderr);
      const r = JSON.parse(json.stdout) as {
        target: number;
        filter: { teamId: string };
        overall: { completion: { eligible: number; rate: number }; postmortemsOverdue: number };
        byTeam: { name: string }[];
      };
      assert.equal(r.target, 0.9);
      assert.equal(r.filter.teamId, teamId);
      assert.deepEqual(
        [r.overall.completion.eligible, r.overall.completion.rate, r.overall.postmortemsOverdue],
        [1, 0, 1],
      );
      assert.deepEqual(
        r.byTeam.map((x) => x.name),
        ['Search'],
      );

      const bad = await muster(['insights', 'learning', '--from', 'yesterday'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /from/);
    });
  });
}
