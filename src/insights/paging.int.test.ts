/**
 * Paging figures through the HTTP API and the CLI on both engines, over real pages: a daily rotation (ana in
 * Europe/London, ben in America/New_York, hand-off 09:00 London) paged by an escalation policy through real intake
 * under a fake clock, worked out by hand: a page at 03:00 London counts as outside working hours and during sleep, a
 * page never acknowledged counts in pages but not time to acknowledge, a page for a drill's alert is left out unless
 * asked for, weekly buckets in UTC and New York (Monday 00:30 UTC is Sunday evening there), on-call weeks, drill-down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock, toIso } from '../shared/clock.js';
import { runMuster } from '../testing/cli.js';
import { PagingInsights } from './paging.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import type { Stats } from './model.js';
import { until } from '../testing/fixtures.js';

interface Counts {
  pages: number;
  acknowledged: number;
  timeToAck: Stats;
  outsideWorkingHours?: number;
  duringSleep?: number;
  onCallWeeks?: number;
  pagesPerOnCallWeek?: number | null;
}
interface Figures {
  filter: { from: string; to: string; teamId: string | null; kinds: string[] };
  bucket: string;
  timeZone: string;
  timeZoneSource: string;
  overall: Counts;
  byPerson: (Counts & { userId: string; name: string })[];
  byRotation: (Counts & { scheduleId: string; name: string })[];
  byService: (Counts & { serviceId: string; name: string })[];
  buckets: { start: string; pages: number; outsideWorkingHours: number; duringSleep: number; timeToAck: Stats }[];
}
interface DrillPage {
  at: string;
  userId: string;
  userName: string;
  serviceName: string;
  alertId: string;
  alertTitle: string;
  incidentId: string | null;
  acknowledgedAt: string | null;
  timeToAckSeconds: number | null;
  outsideWorkingHours: boolean;
  duringSleep: boolean;
  scheduleIds: string[];
}

const WINDOW = 'from=2026-11-16T00:00:00Z&to=2026-11-30T00:00:00Z';

for (const engine of ENGINES) {
  describe(`insights: paging [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.parse('2026-11-16T08:00:00Z'));
    const users: Record<string, string> = {};
    const ids = { team: '', schedule: '', service: '', drill: '' };
    let key = '';

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    /** Fire an alert at `iso`, wait until the on-call person has been paged for it; acknowledge after `ackAfterS`. */
    const pageAt = async (
      iso: string,
      dedupKey: string,
      ackAfterS: number | null,
      through: string = key,
    ): Promise<string> => {
      clock.set(Date.parse(iso));
      const r = ok(
        await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${through}`,
          { status: 'firing', dedupKey, title: `Errors ${dedupKey}`, severity: 'critical' },
          null,
        ),
        'intake',
      );
      const alertId = r.alerts[0]!.alertId;
      t.muster.services.runner?.wake();
      await until(`page for ${dedupKey}`, async () => {
        const v = await t.api<{ log: { kind: string }[] }>('GET', `/api/alerts/${alertId}/escalation`);
        return v.status === 200 && v.body.log.some((l) => l.kind === 'paged');
      });
      if (ackAfterS !== null) {
        clock.set(Date.parse(iso) + ackAfterS * 1000);
        ok(await t.api('POST', `/api/alerts/${alertId}/acknowledge`), 'ack');
      }
      clock.advance(60 * 60_000);
      ok(await t.api('POST', `/api/alerts/${alertId}/resolve`, {}), 'resolve');
      return alertId;
    };
    const figures = async (q = '') => ok(await t.api<Figures>('GET', `/api/insights/paging?${WINDOW}${q}`), 'figures');
    const drill = async (q = '') =>
      ok(
        await t.api<{ pages: DrillPage[]; truncated: boolean; timeZone: string }>(
          'GET',
          `/api/insights/paging/pages?${WINDOW}${q}`,
        ),
        'drill-down',
      );

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      ids.team = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' }), 'team').id;
      for (const [name, timezone] of [
        ['ana', 'Europe/London'],
        ['ben', 'America/New_York'],
      ] as const) {
        const u = ok(
          await t.api<{ user: { id: string } }>('POST', '/api/users', {
            email: `${name}@example.test`,
            name,
            timezone,
            password: 'a long enough password',
          }),
          'user',
        );
        users[name] = u.user.id;
        ok(await t.api('PUT', `/api/teams/${ids.team}/members/${u.user.id}`, { role: 'responder' }), 'member');
      }
      ids.schedule = ok(
        await t.api<{ id: string }>('POST', '/api/schedules', {
          teamId: ids.team,
          name: 'Payments primary',
          timezone: 'Europe/London',
          layers: [
            {
              name: 'Daily',
              participants: [users.ana, users.ben],
              turn: { unit: 'days', count: 1 },
              startDate: '2026-11-16',
              handoffTime: '09:00',
            },
          ],
        }),
        'schedule',
      ).id;
      const policy = ok(
        await t.api<{ id: string }>('POST', '/api/escalation-policies', {
          teamId: ids.team,
          name: 'Payments',
          repeat: 0,
          workingHours: { timezone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
          levels: [{ delayMinutes: 5, targets: [{ type: 'schedule', id: ids.schedule }] }],
        }),
        'policy',
      );
      ids.service = ok(
        await t.api<{ id: string }>('POST', '/api/services', { name: 'Payments API', teamId: ids.team }),
        'service',
      ).id;
      ok(await t.api('PATCH', `/api/services/${ids.service}`, { escalationPolicyId: policy.id }), 'policy link');
      key = ok(
        await t.api<{ key: string }>('POST', `/api/services/${ids.service}/integration-keys`, { source: 'generic' }),
        'key',
      ).key;

      // Turns (09:00 London = UTC in November): ana Mon 16, ben Tue 17, ana Wed 18, ben Thu 19, ana Fri 20, …
      await pageAt('2026-11-17T03:00:00Z', 'night', 240); // ana (Monday's turn), 03:00 London: asleep
      await pageAt('2026-11-18T12:00:00Z', 'noon', null); // ana, Wednesday noon: working hours; never acknowledged
      await pageAt('2026-11-19T15:00:00Z', 'ny-morning', 90); // ben, 10:00 in New York: working hours
      const drillAlert = await pageAt('2026-11-20T10:00:00Z', 'drill', null); // ana; its alert is a drill's
      await pageAt('2026-11-23T00:30:00Z', 'monday', 30); // ana (Sunday's turn), Monday 00:30 London: asleep
      clock.set(Date.parse('2026-11-23T01:00:00Z'));
      ids.drill = ok(
        await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Game day',
          severity: 'P3',
          kind: 'drill',
          alertIds: [drillAlert],
        }),
        'drill',
      ).incident.id;
      clock.set(Date.parse('2026-12-01T12:00:00Z'));
    });
    after(async () => {
      await t.stop();
    });

    it('counts pages per person, rotation and service; times the acknowledged ones; leaves the drill out', async () => {
      const f = await figures();
      assert.deepEqual(f.filter.kinds, ['real']);
      assert.deepEqual([f.bucket, f.timeZone, f.timeZoneSource], ['week', 'UTC', 'default']);
      // Acknowledged after 240, 90 and 30 s; the noon page never; the drill's page left out.
      assert.deepEqual(f.overall, {
        pages: 4,
        acknowledged: 3,
        outsideWorkingHours: 2,
        duringSleep: 2,
        timeToAck: { median: 90, p90: 240, mean: 120, count: 3 },
      });
      // On-call weeks: each has a day or more in both weeks of the window (ana in London, ben in New York).
      assert.deepEqual(
        f.byPerson.map((p) => [
          p.name,
          p.pages,
          p.acknowledged,
          p.outsideWorkingHours,
          p.duringSleep,
          p.timeToAck.median,
          p.onCallWeeks,
          p.pagesPerOnCallWeek,
        ]),
        [
          ['ana', 3, 2, 2, 2, 135, 2, 1.5],
          ['ben', 1, 1, 0, 0, 90, 2, 0.5],
        ],
      );
      assert.deepEqual(f.byRotation, [
        {
          scheduleId: ids.schedule,
          name: 'Payments primary',
          pages: 4,
          acknowledged: 3,
          timeToAck: { median: 90, p90: 240, mean: 120, count: 3 },
          onCallWeeks: 4,
          pagesPerOnCallWeek: 1,
        },
      ]);
      assert.deepEqual(
        f.byService.map((s) => [s.serviceId, s.name, s.pages, s.acknowledged]),
        [[ids.service, 'Payments API', 4, 3]],
      );
      const withDrill = await figures('&includeKinds=drill');
      assert.deepEqual([withDrill.overall.pages, withDrill.overall.acknowledged], [5, 3]);
      assert.deepEqual(withDrill.filter.kinds, ['real', 'drill']);
    });

    it('buckets by week in the zone asked for: Monday 00:30 UTC is Sunday evening in New York', async () => {
      const utc = await figures();
      assert.deepEqual(
        utc.buckets.map((b) => [b.start, b.pages, b.outsideWorkingHours, b.duringSleep, b.timeToAck.count]),
        [
          ['2026-11-16T00:00:00.000Z', 3, 1, 1, 2],
          ['2026-11-23T00:00:00.000Z', 1, 1, 1, 1],
        ],
      );
      const ny = await figures('&timeZone=America/New_York');
      assert.deepEqual([ny.timeZone, ny.timeZoneSource], ['America/New_York', 'request']);
      assert.deepEqual(
        ny.buckets.map((b) => [b.start, b.pages]),
        [
          ['2026-11-09T05:00:00.000Z', 0],
          ['2026-11-16T05:00:00.000Z', 4],
          ['2026-11-23T05:00:00.000Z', 0],
        ],
      );
      const team = await figures(`&teamId=${ids.team}&bucket=month`);
      assert.deepEqual([team.timeZone, team.timeZoneSource, team.bucket], ['Europe/London', 'team', 'month']);
      assert.equal(team.overall.pages, 4);
      assert.deepEqual(
        team.buckets.map((b) => b.start),
        ['2026-11-01T00:00:00.000Z'],
      );
      const other = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Search' }), 'team').id;
      const none = await figures(`&teamId=${other}`);
      assert.deepEqual([none.overall.pages, none.byPerson.length, none.byRotation.length], [0, 0, 0]);
    });

    it('drills down to the pages, newest first', async () => {
      const d = await drill(`&userId=${users.ana}`);
      assert.equal(d.truncated, false);
      assert.deepEqual(
        d.pages.map((p) => [
          p.at,
          p.userName,
          p.alertTitle,
          p.timeToAckSeconds,
          p.outsideWorkingHours,
          p.duringSleep,
          p.incidentId,
        ]),
        [
          ['2026-11-23T00:30:00.000Z', 'ana', 'Errors monday', 30, true, true, null],
          ['2026-11-18T12:00:00.000Z', 'ana', 'Errors noon', null, false, false, null],
          ['2026-11-17T03:00:00.000Z', 'ana', 'Errors night', 240, true, true, null],
        ],
      );
      assert.equal(d.pages[1]!.acknowledgedAt, null);
      assert.equal(d.pages[2]!.acknowledgedAt, toIso(Date.parse('2026-11-17T03:04:00Z')));
      assert.deepEqual(d.pages[0]!.scheduleIds, [ids.schedule]);
      const withDrill = await drill(`&userId=${users.ana}&includeKinds=drill&bucket=2026-11-16T00:00:00Z`);
      assert.deepEqual(
        withDrill.pages.map((p) => [p.alertTitle, p.incidentId]),
        [
          ['Errors drill', ids.drill],
          ['Errors noon', null],
          ['Errors night', null],
        ],
      );
      const rotation = await drill(`&scheduleId=${ids.schedule}&serviceId=${ids.service}`);
      assert.equal(rotation.pages.length, 4);
    });

    it('reads the runs of many pages in one query, with the same figures', async () => {
      const filter = { from: Date.parse('2026-11-16T00:00:00Z'), to: Date.parse('2026-11-30T00:00:00Z') };
      const { db } = t.muster.services;
      const byId = await new PagingInsights(db, clock).figures(filter, 'week');
      const inOne = await new PagingInsights(db, clock, { runsByIdUpTo: 0 }).figures(filter, 'week');
      assert.deepEqual(inOne, byId);
      assert.equal(inOne.figures.byRotation[0]!.pages, 4, 'the pages still come through the rotation');
    });

    it("leaves out a live drill's page through a drill key (no incident yet) unless drills are asked for", async () => {
      const gameday = ok(
        await t.api<{ id: string }>('POST', '/api/gamedays', {
          teamId: ids.team,
          title: 'Checkout drill',
          mode: 'live',
          serviceIds: [ids.service],
        }),
        'game day',
      );
      const drillKey = ok(
        await t.api<{ key: string }>('POST', `/api/gamedays/${gameday.id}/drill-key`, {}),
        'drill key',
      ).key;
      await pageAt('2026-12-02T10:00:00Z', 'drill-key', 60, drillKey);
      const day = 'from=2026-12-02T00:00:00Z&to=2026-12-03T00:00:00Z';
      const real = ok(await t.api<Figures>('GET', `/api/insights/paging?${day}`), 'figures');
      assert.equal(real.overall.pages, 0);
      const withDrill = ok(await t.api<Figures>('GET', `/api/insights/paging?${day}&includeKinds=drill`), 'figures');
      assert.equal(withDrill.overall.pages, 1);
    });

    it('names the field of a bad filter', async () => {
      for (const [q, field] of [
        ['&timeZone=Mars/Olympus', 'timeZone'],
        ['&includeKinds=dream', 'includeKinds'],
        ['&bucket=fortnight', 'bucket'],
      ] as const) {
        const r = await t.api<{ error: { code: string; details?: unknown } }>(
          'GET',
          `/api/insights/paging?${WINDOW}${q}`,
        );
        assert.equal(r.status, 400, q);
        assert.match(JSON.stringify(r.body), new RegExp(field));
      }
      const inverted = await t.api('GET', '/api/insights/paging?from=2026-11-30T00:00:00Z&to=2026-11-16T00:00:00Z');
      assert.equal(inverted.status, 400);
      const badBucket = await t.api('GET', `/api/insights/paging/pages?${WINDOW}&bucket=someday`);
      assert.equal(badBucket.status, 400);
      assert.match(JSON.stringify(badBucket.body), /bucket/);
    });

    it('muster insights paging prints the figures per person, rotation or service, or JSON', async () => {
      const env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      const args = ['--from', '2026-11-16T00:00:00Z', '--to', '2026-11-30T00:00:00Z'];
      const people = await runMuster(['insights', 'paging', ...args], env);
      assert.equal(people.code, 0, people.stderr);
      assert.match(people.stdout, /^PERSON\s+PAGES\s+ACKED\s+OFF-HOURS\s+SLEEP\s+ACK MEDIAN\s+ACK P90/m);
      assert.match(people.stdout, /^overall\s+4\s+3\s+2\s+2\s+1m 30s\s+4m\b/m);
      assert.match(people.stdout, /^ana\s+3\s+2\s+2\s+2\s+2m 15s\s+4m\s+2\s+1\.5$/m);
      assert.match(people.stdout, /^ben\s+1\s+1\s+0\s+0\s+1m 30s\s+1m 30s\s+2\s+0\.5$/m);
      const rotation = await runMuster(['insights', 'paging', ...args, '--by', 'rotation'], env);
      assert.equal(rotation.code, 0, rotation.stderr);
      assert.match(rotation.stdout, /^Payments primary\s+4\s+3\s+1m 30s\s+4m\b\s+4\s+1$/m);
      const service = await runMuster(
        ['--json', 'insights', 'paging', ...args, '--by', 'service', '--team', ids.team],
        env,
      );
      assert.equal(service.code, 0, service.stderr);
      const json = JSON.parse(service.stdout) as Figures;
      assert.equal(json.byService[0]!.pages, 4);
      assert.equal(json.timeZone, 'Europe/London');
      const bad = await runMuster(['insights', 'paging', '--by', 'team'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /person, rotation or service/);
      const badFrom = await runMuster(['insights', 'paging', '--from', 'yesterday'], env);
      assert.notEqual(badFrom.code, 0);
      assert.match(badFrom.stderr, /from/);
    });
  });
}
