/**
 * `muster postmortem completion` and `muster factors list` against a real server, on both engines: a resolved P1
 * with a draft post-mortem is in progress until its due date, then eligible and missing (0% against 90%), and a tagged factor is counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { postmortemWithCapacityFactor, resolvedSearchP1 } from '../testing/fixtures.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster postmortem completion and factors [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
    });
    after(async () => t.stop());

    it('prints the completion rate and what is missing, and the factors with their counts', async () => {
      const { teamId, incidentId } = await resolvedSearchP1(t);
      const pmId = await postmortemWithCapacityFactor(t, incidentId);

      // Not due yet: in progress, not counted.
      const writing = await muster(['postmortem', 'completion'], env);
      assert.equal(writing.code, 0, writing.stderr);
      assert.match(writing.stdout, /overall\s+0\s+0\s+1\s+-\s+-\s+90%\s+-/);
      // Past its due date: counted, and missing.
      const overdue = await t.api('PATCH', `/api/postmortems/${pmId}`, {
        dueAt: new Date(Date.now() - 60_000).toISOString(),
      });
      assert.equal(overdue.status, 200, JSON.stringify(overdue.body));
      const human = await muster(['postmortem', 'completion'], env);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /overall\s+1\s+0\s+0\s+0%\s+0%\s+90%\s+no/);
      assert.match(human.stdout, /Search\s+1\s+0\s+0\s+0%/);
      assert.match(human.stdout, /missing:[\s\S]*Search is down/);

      const json = await muster(['--json', 'postmortem', 'completion', '--team', teamId], env);
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as { target: number; overall: { eligible: number; rate: number } };
      assert.equal(report.target, 0.9);
      assert.equal(report.overall.eligible, 1);
      assert.equal(report.overall.rate, 0);

      const bad = await muster(['postmortem', 'completion', '--from', 'yesterday'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /from/);

      const list = await muster(['factors', 'list'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /change_management\s+Change management/);
      const counts = await muster(['--json', 'factors', 'list', '--counts'], env);
      const rows = JSON.parse(counts.stdout) as { key: string; count: number }[];
      assert.deepEqual(rows[0], { ...rows[0], key: 'capacity', count: 1 });
    });
  });
}
