/**
 * Who gets paged (GET /api/services/:service/escalation-preview) on a real server with a fake clock, on both engines:
 * the preview names, level by level, who a real alert then pages at the same instants (the run is driven through the
 * same clock and compared with its escalation log), schedules resolved at each level's own time (across a hand-off),
 * a working-hours condition skipping a level, the low-urgency hold (at the start and in the middle of a run), repeats,
 * a service without a policy, access (the service's team and administrators) and the closed query.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { systemActor } from '../identity/index.js';
import { FakeClock } from '../shared/clock.js';
import { runMuster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { until } from '../testing/fixtures.js';

interface TargetJson {
  type: string;
  id: string;
  name: string | null;
  userIds: string[];
}
type StepJson =
  | { kind: 'hold'; at: string; until: string; reason: string }
  | {
      kind: 'page' | 'skipped';
      at: string;
      level: number;
      pass: number;
      delayMinutes: number;
      condition: { kind: string };
      conditionHolds: boolean;
      targets: TargetJson[];
      userIds?: string[];
      nextAt?: string | null;
      reason?: string;
    };
interface PreviewJson {
  urgency: string;
  policy: { name: string; repeat: number } | null;
  steps: StepJson[];
  end: { kind: string; at: string };
  people: Record<string, { name: string }>;
}
interface LogJson {
  at: string;
  kind: string;
  levelIndex: number | null;
  pass: number | null;
  userIds: string[];
}

const iso = (s: string): string => new Date(s).toISOString();

for (const engine of ENGINES) {
  describe(`escalation preview [${engine}]`, () => {
    let t: TestMuster;
    // Tuesday 24 November 2026, 08:45 in London (GMT): a quarter of an hour before the schedule's 09:00 hand-off.
    const clock = new FakeClock(Date.parse('2026-11-24T08:45:00Z'));
    const users: Record<string, string> = {};
    const tokens: Record<string, string> = {};
    let teamId = '';
    let scheduleId = '';

    const service = async (name: string, policy: Record<string, unknown> | null) => {
      let escalationPolicyId: string | undefined;
      if (policy) {
        const p = await t.api<{ id: string }>('POST', '/api/escalation-policies', { teamId, name, ...policy });
        assert.equal(p.status, 201, JSON.stringify(p.body));
        escalationPolicyId = p.body.id;
      }
      const s = await t.api<{ id: string; slug: string }>('POST', '/api/services', {
        name,
        teamId,
        ...(escalationPolicyId ? { escalationPolicyId } : {}),
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      const key = await t.api<{ key: string }>('POST', `/api/services/${s.body.id}/integration-keys`, {
        source: 'generic',
      });
      return { id: s.body.id, slug: s.body.slug, key: key.body.key };
    };
    const preview = async (ref: string, query: string, token?: string) =>
      t.api<PreviewJson>('GET', `/api/services/${ref}/escalation-preview?${query}`, undefined, token);
    const trigger = async (key: string, severity: string): Promise<string> => {
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey: `k-${severity}-${Math.random()}`, title: 'Checkout errors', severity },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts[0]!.alertId;
    };
    const log = async (alertId: string): Promise<LogJson[]> =>
      (await t.api<{ log: LogJson[] }>('GET', `/api/alerts/${alertId}/escalation`)).body.log ?? [];
    const moveTo = (instant: string): void => {
      clock.set(Date.parse(instant));
      t.muster.services.runner?.wake();
    };
    /** Drive a real run through the preview's instants and return its pages as the preview spells them. */
    const runPages = async (alertId: string, instants: string[], lastKind: string) => {
      for (const at of instants) {
        moveTo(at);
        await until(`the step at ${at}`, async () => (await log(alertId)).some((l) => l.at === at));
      }
      const entries = await until(`the run to end (${lastKind})`, async () => {
        const l = await log(alertId);
        return l.some((e) => e.kind === lastKind) && l;
      });
      return entries
        .filter((e) => e.kind === 'paged')
        .map((e) => `${e.at} level ${e.levelIndex! + 1} pass ${e.pass} ${e.userIds.join(',')}`);
    };
    const previewPages = (p: PreviewJson): string[] =>
      p.steps.flatMap((s) =>
        s.kind === 'page' ? [`${s.at} level ${s.level} pass ${s.pass} ${(s.userIds ?? []).join(',')}`] : [],
      );

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
      const other = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Search' })).body.id;
      for (const [name, team, role] of [
        ['ana', teamId, 'responder'],
        ['ben', teamId, 'responder'],
        ['cy', teamId, 'responder'],
        ['dee', teamId, 'responder'],
        ['vic', teamId, 'viewer'],
        ['oz', other, 'admin'],
      ] as const) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name,
        });
        users[name] = u.body.user.id;
        await t.api('PUT', `/api/teams/${team}/members/${u.body.user.id}`, { role });
        tokens[name] = (
          await t.muster.services.tokens.create(systemActor('test'), { userId: u.body.user.id, name: 't' })
        ).token;
      }
      const s = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Checkout primary',
        timezone: 'Europe/London',
        layers: [
          {
            name: 'Daily',
            participants: [users.ana, users.ben],
            turn: { unit: 'days', count: 1 },
            startDate: '2026-11-23',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      scheduleId = s.body.id;
    });
    after(async () => {
      await t.stop();
    });

    const workingHours = { timezone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

    it('high urgency: each level at its own time, the schedule after its hand-off, a condition skipping, a repeat; a real alert pages the same', async () => {
      const svc = await service('Checkout API', {
        repeat: 1,
        workingHours,
        levels: [
          { delayMinutes: 30, targets: [{ type: 'user', id: users.cy }] },
          { delayMinutes: 10, targets: [{ type: 'schedule', id: scheduleId }] },
          {
            delayMinutes: 5,
            targets: [{ type: 'user', id: users.dee }],
            condition: { kind: 'outside_working_hours' },
          },
        ],
      });
      const r = await preview(svc.slug, 'at=2026-11-24T08:45:00Z');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const p = r.body;
      assert.equal(p.urgency, 'high');
      // cy at once; the schedule at 09:15 is ben's (the 09:00 hand-off passed it from ana); dee's level holds only
      // outside working hours, so it is skipped and the repeat starts over; after the second pass nobody is left.
      assert.deepEqual(
        p.steps.map((s) =>
          s.kind === 'hold'
            ? `hold ${s.until}`
            : `${s.kind} ${s.at} level ${s.level} pass ${s.pass} ${s.targets.map((x) => `${x.name}:${x.userIds.map((u) => p.people[u]?.name).join('+')}`).join(' ')}`,
        ),
        [
          `page ${iso('2026-11-24T08:45Z')} level 1 pass 0 cy:cy`,
          `page ${iso('2026-11-24T09:15Z')} level 2 pass 0 Checkout primary:ben`,
          `skipped ${iso('2026-11-24T09:25Z')} level 3 pass 0 dee:dee`,
          `page ${iso('2026-11-24T09:25Z')} level 1 pass 1 cy:cy`,
          `page ${iso('2026-11-24T09:55Z')} level 2 pass 1 Checkout primary:ben`,
          `skipped ${iso('2026-11-24T10:05Z')} level 3 pass 1 dee:dee`,
        ],
      );
      const skipped = p.steps.find((s) => s.kind === 'skipped');
      assert.ok(skipped && skipped.kind === 'skipped');
      assert.equal(skipped.reason, 'condition_not_met');
      assert.equal(skipped.conditionHolds, false);
      assert.deepEqual(p.end, { kind: 'exhausted', at: iso('2026-11-24T10:05Z') });
      const first = p.steps[0]!;
      assert.ok(first.kind === 'page' && first.nextAt === iso('2026-11-24T09:15Z'));

      // The same service, an alert raised at that instant: the run pages exactly as previewed.
      const alertId = await trigger(svc.key, 'critical');
      const pages = await runPages(
        alertId,
        [
          '2026-11-24T09:15:00.000Z',
          '2026-11-24T09:25:00.000Z',
          '2026-11-24T09:55:00.000Z',
          '2026-11-24T10:05:00.000Z',
        ],
        'exhausted',
      );
      assert.deepEqual(pages, previewPages(p));
      assert.equal(pages.length, 4);
    });

    it('low urgency: held outside working hours (at the start or between levels), then paged as the run pages', async () => {
      const svc = await service('Search API', {
        repeat: 0,
        workingHours,
        levels: [
          { delayMinutes: 30, targets: [{ type: 'user', id: users.cy }] },
          { delayMinutes: 5, targets: [{ type: 'schedule', id: scheduleId }] },
        ],
      });
      // Saturday 03:00: held until Monday 09:00; Monday's 09:00 hand-off makes the schedule ana's at 09:30.
      const weekend = await preview(svc.id, 'at=2026-11-28T03:00:00Z&urgency=low');
      assert.equal(weekend.status, 200, JSON.stringify(weekend.body));
      const w = weekend.body;
      assert.deepEqual(w.steps[0], {
        kind: 'hold',
        at: iso('2026-11-28T03:00Z'),
        until: iso('2026-11-30T09:00Z'),
        reason: 'low_urgency_outside_working_hours',
      });
      assert.deepEqual(previewPages(w), [
        `${iso('2026-11-30T09:00Z')} level 1 pass 0 ${users.cy}`,
        // 30 November is day 7 from Monday 23rd: 7 % 2 = 1, ben.
        `${iso('2026-11-30T09:30Z')} level 2 pass 0 ${users.ben}`,
      ]);
      assert.deepEqual(w.end, { kind: 'last_level_paged', at: iso('2026-11-30T09:30Z') });
      // The same at high urgency is not held.
      const high = await preview(svc.id, 'at=2026-11-28T03:00:00Z&urgency=high');
      assert.equal(high.body.steps[0]!.kind, 'page');

      // Tuesday 16:50: cy at once; level 2 would fire at 17:20, after hours: held until Wednesday 09:00, when the
      // schedule has just passed to ana (day 2).
      const late = await preview(svc.id, 'at=2026-11-24T16:50:00Z&urgency=low');
      const l = late.body;
      assert.deepEqual(
        l.steps.map((s) =>
          s.kind === 'hold' ? `hold ${s.at} until ${s.until}` : `${s.kind} ${s.at} level ${s.level}`,
        ),
        [
          `page ${iso('2026-11-24T16:50Z')} level 1`,
          `hold ${iso('2026-11-24T17:20Z')} until ${iso('2026-11-25T09:00Z')}`,
          `page ${iso('2026-11-25T09:00Z')} level 2`,
        ],
      );
      assert.deepEqual(previewPages(l).at(-1), `${iso('2026-11-25T09:00Z')} level 2 pass 0 ${users.ana}`);

      // A warning (low urgency) raised at Tuesday 16:50 pages just that way.
      moveTo('2026-11-24T16:50:00Z');
      const alertId = await trigger(svc.key, 'warning');
      const pages = await runPages(alertId, ['2026-11-24T17:20:00.000Z', '2026-11-25T09:00:00.000Z'], 'exhausted');
      assert.deepEqual(pages, previewPages(l));
      assert.ok((await log(alertId)).some((e) => e.kind === 'held' && e.at === iso('2026-11-24T17:20Z')));
    });

    it('muster services escalation-preview answers the same, as a table or with --json', async () => {
      const svc = await service('Billing API', {
        repeat: 0,
        workingHours,
        levels: [
          { delayMinutes: 30, targets: [{ type: 'user', id: users.cy }] },
          { delayMinutes: 5, targets: [{ type: 'schedule', id: scheduleId }] },
        ],
      });
      const env = { MUSTER_URL: t.url, MUSTER_TOKEN: tokens.vic! };
      const args = ['services', 'escalation-preview', svc.slug, '--at', '2026-11-28T03:00:00Z', '--urgency', 'low'];
      const asJson = await runMuster([...args, '--json'], env);
      assert.equal(asJson.code, 0, asJson.stderr);
      const api = await preview(svc.slug, 'at=2026-11-28T03:00:00Z&urgency=low', tokens.vic);
      assert.deepEqual(JSON.parse(asJson.stdout), api.body);
      const table = await runMuster(args, env);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /Billing API: an alert at 2026-11-28T03:00:00.000Z, low urgency/);
      assert.match(table.stdout, /held .*paging starts at 2026-11-30T09:00:00.000Z/);
      assert.match(table.stdout, /2026-11-30T09:30:00.000Z +2 +page +ben +Checkout primary: ben/);
      assert.match(table.stdout, /after the last level nobody is left to escalate to/);
      const bad = await runMuster(['services', 'escalation-preview', svc.slug, '--urgency', 'medium'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /medium/);
      const outsider = await runMuster(['services', 'escalation-preview', svc.slug], {
        MUSTER_URL: t.url,
        MUSTER_TOKEN: tokens.oz!,
      });
      assert.notEqual(outsider.code, 0, "another team's admin is refused");
    });

    it('a service without a policy pages nobody; at defaults to now', async () => {
      const svc = await service('Docs site', null);
      const r = await preview(svc.slug, '');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.policy, null);
      assert.deepEqual(r.body.steps, []);
      assert.deepEqual(r.body.end, { kind: 'no_policy', at: new Date(clock.now()).toISOString() });
    });

    it("answers members of the service's team and administrators only", async () => {
      const svc = await service('Payments API', {
        repeat: 0,
        workingHours,
        levels: [{ delayMinutes: 5, targets: [{ type: 'user', id: users.cy }] }],
      });
      assert.equal((await preview(svc.id, '', tokens.vic)).status, 200, 'a viewer of the team');
      assert.equal((await preview(svc.id, '', tokens.cy)).status, 200, 'a responder of the team');
      assert.equal((await preview(svc.id, '')).status, 200, 'an organisation administrator');
      assert.equal((await preview(svc.id, '', tokens.oz)).status, 403, "another team's admin");
      const anonymous = await fetch(`${t.url}/api/services/${svc.id}/escalation-preview`);
      assert.equal(anonymous.status, 401);
      assert.equal((await preview('no-such-service', '')).status, 404);
    });

    it('refuses unknown or malformed query parameters, naming them', async () => {
      const svc = await service('Ledger API', null);
      const field = async (q: string): Promise<string[]> => {
        const r = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
          'GET',
          `/api/services/${svc.id}/escalation-preview?${q}`,
        );
        assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'validation_failed');
        return r.body.error.details.problems.map((p) => p.field);
      };
      assert.deepEqual(await field('urgncy=low'), ['query.urgncy']);
      assert.deepEqual(await field('urgency=low&teamId=x&at=2026-11-24T12:00:00Z'), ['query.teamId']);
      assert.ok((await field('urgency=medium')).includes('query.urgency'));
      assert.deepEqual(await field('at=tomorrow'), ['query.at']);
    });
  });
}
