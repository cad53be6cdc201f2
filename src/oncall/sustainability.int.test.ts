/**
 * The on-call health and compensation API on a small known schedule (two people, daily hand-off at 09:00 UTC) with
 * known pages sent through real intake and escalation under a fake clock: hours, pages by local time in each person's
 * zone, streaks, the rotation-size warning and the CSV shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { until } from '../testing/fixtures.js';

interface Person {
  name: string;
  timezone: string;
  hours: { total: number; working: number; offHours: number; weekend: number; sleep: number };
  pages: number;
  pagesOutsideWorkingHours: number;
  pagesDuringSleep: number;
  longestStreakWeeks: number;
  currentStreakWeeks: number;
}

for (const engine of ENGINES) {
  describe(`on-call health report [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.parse('2026-11-16T08:00:00Z'));
    const users: Record<string, string> = {};
    let scheduleId: string;
    let key: string;
    const range = 'from=2026-11-16T09:00:00Z&to=2026-11-23T09:00:00Z';

    /** Fire an alert at `iso` and wait until the schedule's on-call person has been paged for it. */
    const pageAt = async (iso: string, dedupKey: string): Promise<void> => {
      clock.set(Date.parse(iso));
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey, title: `Errors ${dedupKey}`, severity: 'critical' },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const alertId = r.body.alerts[0]!.alertId;
      t.muster.services.runner?.wake();
      await until(`page for ${dedupKey}`, async () => {
        const v = await t.api<{ log: { kind: string }[] }>('GET', `/api/alerts/${alertId}/escalation`);
        return v.status === 200 && v.body.log.some((l) => l.kind === 'paged');
      });
      await t.api('POST', `/api/alerts/${alertId}/resolve`, {});
    };

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      for (const [name, timezone] of [
        ['ana', 'UTC'],
        ['ben', 'Asia/Tokyo'],
      ] as const) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name,
          timezone,
          password: 'a long enough password',
        });
        assert.equal(u.status, 201, JSON.stringify(u.body));
        users[name] = u.body.user.id;
        await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role: 'responder' });
      }
      const s = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Payments primary',
        timezone: 'UTC',
        layers: [
          {
            name: 'Daily',
            participants: [users.ana, users.ben],
            turn: { unit: 'days', count: 1 },
            startDate: '2026-11-16',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      scheduleId = s.body.id;
      const p = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Payments',
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
        levels: [{ delayMinutes: 5, targets: [{ type: 'schedule', id: scheduleId }] }],
      });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Payments API',
        teamId,
      });
      await t.api('PATCH', `/api/services/${svc.body.id}`, { escalationPolicyId: p.body.id });
      key = (
        await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source: 'generic' })
      ).body.key;
      await pageAt('2026-11-17T03:00:00Z', 'night'); // ana's Monday shift; 03:00 UTC: asleep
      await pageAt('2026-11-18T10:00:00Z', 'morning'); // ana, Wednesday 10:00: working hours
      await pageAt('2026-11-19T20:00:00Z', 'evening'); // ben; Friday 05:00 in Tokyo: asleep
      clock.set(Date.parse('2026-11-24T12:00:00Z'));
    });
    after(async () => {
      await t.stop();
    });

    it('reports hours, pages by local time, streaks and the small-rotation warning', async () => {
      const r = await t.api<{ people: Person[]; warnings: { code: string; people: number }[] }>(
        'GET',
        `/api/oncall/report?${range}&scheduleId=${scheduleId}`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const by = Object.fromEntries(r.body.people.map((p) => [p.name, p]));
      // Mon, Wed, Fri, Sun for ana (4 × 24 h); Tue, Thu, Sat for ben.
      assert.equal(by.ana!.hours.total, 96);
      assert.equal(by.ben!.hours.total, 72);
      // ana (UTC): 8 working hours on Mon, Wed and Fri; Sat 00–09 and Sun 09–24 are weekend; 8 h of sleep a shift.
      assert.deepEqual(by.ana!.hours, { total: 96, working: 24, offHours: 48, weekend: 24, sleep: 32 });
      assert.deepEqual([by.ana!.pages, by.ana!.pagesOutsideWorkingHours, by.ana!.pagesDuringSleep], [2, 1, 1]);
      assert.equal(by.ben!.timezone, 'Asia/Tokyo');
      assert.deepEqual([by.ben!.pages, by.ben!.pagesOutsideWorkingHours, by.ben!.pagesDuringSleep], [1, 1, 1]);
      assert.equal(by.ana!.longestStreakWeeks, 1, 'the 9 h of Monday 23 are less than a day: one week');
      assert.equal(by.ben!.longestStreakWeeks, 1);
      assert.deepEqual(
        r.body.warnings.map((w) => [w.code, w.people]),
        [['rotation_too_small', 2]],
      );
    });

    it('takes the working and sleep windows from the request', async () => {
      const r = await t.api<{ people: Person[] }>(
        'GET',
        `/api/oncall/report?${range}&workStart=02:00&workEnd=11:00&sleepStart=01:00&sleepEnd=02:00`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const ana = r.body.people.find((p) => p.name === 'ana')!;
      assert.deepEqual([ana.pagesOutsideWorkingHours, ana.pagesDuringSleep], [0, 0]);
      const bad = await t.api('GET', `/api/oncall/report?${range}&workDays=8`);
      assert.equal(bad.status, 400);
    });

    it('prices the hours and exports the same rows as CSV', async () => {
      const rates = 'baseHourlyRate=10&offHoursMultiplier=1.5&weekendMultiplier=2&perPageBonus=5';
      const r = await t.api<{ rows: { name: string; hoursPay: number; pageBonus: number; total: number }[] }>(
        'GET',
        `/api/oncall/compensation?${range}&scheduleId=${scheduleId}&${rates}`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const ana = r.body.rows.find((x) => x.name === 'ana')!;
      assert.equal(ana.hoursPay, 10 * (24 + 48 * 1.5 + 24 * 2));
      assert.equal(ana.pageBonus, 10);
      const csv = await fetch(`${t.url}/api/oncall/compensation.csv?${range}&${rates}`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
      const lines = (await csv.text()).split('\r\n');
      assert.equal(lines[0]!.split(',')[0], 'user_id');
      assert.equal(lines.length, 2 + r.body.rows.length, 'header, one line per person, final CRLF');
      assert.ok(lines.some((l) => l.startsWith(`${users.ana},ana,ana@example.test,24,48,24,96,2,`)));
      const missing = await t.api('GET', `/api/oncall/compensation?${range}`);
      assert.equal(missing.status, 400, 'a base rate is required');
    });
  });
}
