/**
 * `muster people …` and the people-health endpoints against a real server, on both engines: a team with one service,
 * a resolved P1 and an overdue action item of it. Worked by hand: the card shows 0 open incidents (it is resolved),
 * 1 overdue action item, no runbook, and no knowledge flag (1 incident is under the minimum of 5); every figure
 * answers 200; a settings change out of range is a 400 and a valid one is saved; `muster people ranking` prints it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { overdueActionItem, resolvedSearchP1 } from '../testing/fixtures.js';
import { ADMIN_EMAIL, startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster people [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
    });
    after(async () => t.stop());

    it('answers every figure and prints the card and the ranking', async () => {
      const { teamId, serviceId, incidentId } = await resolvedSearchP1(t);
      await overdueActionItem(t, incidentId, teamId);

      for (const path of [
        `/api/people/heroes?teamId=${teamId}`,
        `/api/people/heroes/incidents?teamId=${teamId}&userId=nobody&measure=incidents`,
        `/api/people/knowledge?teamId=${teamId}`,
        `/api/people/load?teamId=${teamId}`,
        '/api/me/recovery',
        `/api/teams/${teamId}/people-settings`,
      ]) {
        const r = await t.api('GET', path);
        assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      }
      const card = await t.api<{
        openIncidents: number;
        overdueActionItems: number;
        knowledgeFlag: boolean;
        runbookCoverage: { hasRunbook: boolean };
        owningTeam: { id: string };
      }>('GET', `/api/services/${serviceId}/health-card`);
      assert.equal(card.status, 200, JSON.stringify(card.body));
      assert.equal(card.body.openIncidents, 0);
      assert.equal(card.body.overdueActionItems, 1);
      assert.equal(card.body.knowledgeFlag, false);
      assert.equal(card.body.runbookCoverage.hasRunbook, false);
      assert.equal(card.body.owningTeam.id, teamId);

      const bad = await t.api('PUT', `/api/teams/${teamId}/people-settings`, { heroMedianFactor: 0 });
      assert.equal(bad.status, 400);
      const ok = await t.api<{ heroMinCount: number }>('PUT', `/api/teams/${teamId}/people-settings`, {
        heroMinCount: 3,
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.heroMinCount, 3);

      const ranking = await muster(['people', 'ranking', teamId], env);
      assert.equal(ranking.code, 0, ranking.stderr);
      assert.match(ranking.stdout, /^search\s+Search\s+0\s/m);
      const heroes = await muster(['people', 'heroes', '--team', teamId, '--json'], env);
      assert.equal(heroes.code, 0, heroes.stderr);

      // Months are read in the team's zone (its schedules'): 1 July in London is 30 June 23:00 UTC, and the table
      // says 2026-07, not 2026-06 twice. The admin is on call all summer: every month above one week in four.
      const users = await t.api<{ users: { id: string; email: string }[] }>('GET', '/api/users');
      const adminId = users.body.users.find((u) => u.email === ADMIN_EMAIL)!.id;
      const sched = await t.api('POST', '/api/schedules', {
        teamId: teamId,
        name: 'Search primary',
        timezone: 'Europe/London',
        layers: [
          {
            name: 'Everyone',
            participants: [adminId],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-05-01',
            handoffTime: '00:00',
          },
        ],
      });
      assert.equal(sched.status, 201, JSON.stringify(sched.body));
      const window = ['--from', '2026-06-01T00:00:00+01:00', '--to', '2026-09-01T00:00:00+01:00'];
      const load = await muster(['people', 'load', '--team', teamId, ...window], env);
      assert.equal(load.code, 0, load.stderr);
      const months = load.stdout.split('\n').flatMap((l) => /\s(\d{4}-\d{2})\s/.exec(l)?.[1] ?? []);
      assert.deepEqual(months, ['2026-06', '2026-07', '2026-08'], load.stdout);
      assert.equal(load.stdout.match(/more than a week in four/g)?.length, 3, load.stdout);
    });
  });
}
