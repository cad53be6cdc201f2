import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { loadConfig } from '../../config-as-code/load.js';
import type { ScheduleDoc } from '../../config-as-code/schema.js';
import { computeSchedule } from '../../oncall/model.js';
import { parseLocalDate } from '../../shared/tz.js';
import { GrafanaOnCallStandIn, grafanaOnCallFixture, type GoShift } from '../../testing/standins/grafana-oncall.js';
import { createImportHttp } from '../http.js';
import type { RenderedEntry, SourceSnapshot } from '../model.js';
import { IMPORTERS } from '../sources.js';
import { apiBase, grafanaOnCallImporter, onBase } from './index.js';
import { mapChain, mapShift } from './map.js';

const TOKEN = 'go-token-3f9a';
const WEEK = 7 * 86_400_000;
const MINUTE = 60_000;

/** Muster's own final schedule of a schedule doc (the pure planner), as emails over time. */
function musterFinal(s: ScheduleDoc, from: number, to: number): RenderedEntry[] {
  const result = computeSchedule(
    {
      timezone: s.timezone,
      layers: (s.layers ?? []).map((l, i) => ({
        id: `l${i}`,
        name: l.name,
        participants: l.participants,
        turn: l.turn,
        startDate: l.startDate,
        handoffTime: l.handoffTime,
        restrictions: (l.restrictions ?? []).map((r) => ({ days: r.days ?? [], start: r.start, end: r.end })),
        endsAt: l.endsAt ? Date.parse(l.endsAt) : null,
        timeZone: l.timeZone ?? null,
      })),
    },
    (s.overrides ?? []).map((o, i) => ({
      id: `o${i}`,
      userId: o.user,
      start: Date.parse(o.start),
      end: Date.parse(o.end),
      createdAt: i,
    })),
    from,
    to,
  );
  return result.final.map((f) => ({ start: f.start, end: f.end, users: [f.userId] }));
}

/** Minutes of [from, to) where both sides have the same people on call. */
function matchingMinutes(a: RenderedEntry[], b: RenderedEntry[], from: number, to: number): number {
  const cuts = [...new Set([from, to, ...[...a, ...b].flatMap((e) => [e.start, e.end])])]
    .filter((t) => t >= from && t <= to)
    .sort((x, y) => x - y);
  const at = (list: RenderedEntry[], t: number) =>
    list
      .filter((e) => e.start <= t && e.end > t)
      .flatMap((e) => e.users)
      .sort()
      .join();
  let same = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    if (at(a, cuts[i]!) === at(b, cuts[i]!)) same += (cuts[i + 1]! - cuts[i]!) / MINUTE;
  }
  return same;
}

describe('Grafana OnCall import: read() against the stand-in', () => {
  const now = Date.now();
  const from = Math.floor(now / MINUTE) * MINUTE;
  const to = from + 8 * WEEK;
  const standIn = new GrafanaOnCallStandIn({
    token: TOKEN,
    data: grafanaOnCallFixture(now),
    pageSize: 2,
    finalShiftsPageSize: 20,
    rateLimitEvery: 9,
  });
  let snap: SourceSnapshot;

  before(async () => {
    await standIn.start();
    snap = await grafanaOnCallImporter.read({
      baseUrl: standIn.url,
      token: TOKEN,
      now,
      renderedFrom: from,
      renderedTo: to,
      historyMonths: 0,
      http: createImportHttp({ allowPrivateAddress: true }),
    });
  });
  after(() => standIn.close());

  it('is registered for grafana-oncall and finds the API under /api/v1', () => {
    assert.equal(IMPORTERS['grafana-oncall'], grafanaOnCallImporter);
    assert.equal(apiBase('https://oncall.example.com/'), 'https://oncall.example.com/api/v1');
    assert.equal(
      apiBase('https://g.example.com/api/plugins/grafana-oncall-app/resources/api/v1'),
      'https://g.example.com/api/plugins/grafana-oncall-app/resources/api/v1',
    );
  });

  it('produces a config the config-as-code loader accepts', () => {
    const desired = loadConfig([{ path: 'grafana-oncall.yaml', content: stringify(snap.doc) }]);
    assert.equal(desired.schedules.size, 3);
    assert.deepEqual([...desired.users.keys()].sort(), [
      'alice@example.com',
      'bob@example.com',
      'carol@example.com',
      'dave@example.com',
      'erin@example.com',
    ]);
    assert.deepEqual((snap.doc.teams ?? []).map((t) => t.slug).sort(), ['grafana-oncall', 'platform-team', 'sre']);
  });

  it('followed the pagination and waited out the 429s', () => {
    const paged = standIn.requests.filter((r) => /[?&]page=2/.test(r.path));
    assert.ok(paged.length >= 3, `pages followed: ${paged.length}`);
    assert.ok(snap.requests.rateLimited >= 2, `rate limited: ${snap.requests.rateLimited}`);
    assert.ok(snap.requests.total > snap.requests.rateLimited);
    assert.ok(standIn.requests.some((r) => r.path.includes('/final_shifts') && /[?&]page=2/.test(r.path)));
    for (const r of standIn.requests.filter((x) => x.path.startsWith('/api/v1/'))) {
      assert.equal(r.headers.authorization, TOKEN);
    }
    assert.ok(
      standIn.requests.some((r) => r.path === '/ical/follow.ics'),
      'the iCal feed was read',
    );
  });

  it('maps the web, calendar and iCal schedules into layers that render as the source does', () => {
    const s = new Map((snap.doc.schedules ?? []).map((x) => [x.slug, x]));
    const primary = s.get('primary')!;
    assert.equal(primary.timezone, 'Europe/Berlin');
    assert.equal(primary.team, 'sre');
    assert.deepEqual(
      primary.layers?.map((l) => l.name),
      ['Weekdays'],
    );
    const weekdays = primary.layers[0]!;
    assert.deepEqual(weekdays.turn, { unit: 'weeks', count: 1 });
    assert.deepEqual(weekdays.participants, ['alice@example.com', 'bob@example.com']);
    assert.deepEqual(weekdays.restrictions, [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
    ]);
    assert.equal(primary.overrides?.length, 1, 'the level-5 single event is an override');
    assert.equal(primary.overrides[0]!.user, 'carol@example.com');

    const nights = s.get('nights')!;
    assert.deepEqual(
      nights.layers?.map((l) => l.name),
      ['Nightly', 'Weekend days'],
      'level 1 above level 0',
    );
    assert.deepEqual(nights.layers[0]!.participants, ['dave@example.com', 'carol@example.com'], 'starts from index 1');
    assert.deepEqual(nights.layers[0]!.restrictions, [{ start: '22:00', end: '08:00' }]);
    assert.equal(nights.layers[1]!.timeZone, 'America/Chicago');

    const ical = s.get('follow-ical')!;
    assert.equal(ical.team, 'grafana-oncall');
    assert.equal(ical.timezone, 'Europe/London');
    assert.equal(ical.layers?.length, 2);
    assert.deepEqual(ical.layers[1]!.restrictions, [{ days: ['tue', 'thu'], start: '20:00', end: '08:00' }]);

    assert.equal(snap.rendered.length, 3);
    for (const r of snap.rendered) {
      const doc = s.get(r.slug)!;
      assert.ok(
        r.entries.some((e) => e.users.length > 0),
        `${r.slug} has someone on call`,
      );
      const total = (to - from) / MINUTE;
      assert.equal(
        matchingMinutes(r.entries, musterFinal(doc, from, to), from, to),
        total,
        `${r.slug}: every minute matches`,
      );
    }
  });

  it('keeps escalation waits to the minute and the repeat', () => {
    const p = new Map((snap.doc.escalationPolicies ?? []).map((x) => [x.slug, x]));
    const primary = p.get('primary-chain')!;
    assert.deepEqual(
      primary.levels.map((l) => l.delayMinutes),
      [1, 7, 17],
    );
    assert.deepEqual(primary.levels[0]!.targets, [{ schedule: 'primary' }]);
    assert.deepEqual(primary.levels[1]!.targets, [{ user: 'alice@example.com' }, { user: 'bob@example.com' }]);
    assert.deepEqual(primary.levels[2]!.targets, [{ schedule: 'nights' }]);
    assert.equal(primary.repeat, 5);
    const odd = p.get('odd-chain')!;
    assert.deepEqual(
      odd.levels.map((l) => l.delayMinutes),
      [2, 5],
    );
    assert.ok(
      snap.unmapped.some(
        (u) => u.object.includes('Odd chain') && u.outcome === 'approximated' && u.reason.includes('90 s'),
      ),
    );
  });

  it('maps integrations to services with keys of the matching source', () => {
    const svc = new Map((snap.doc.services ?? []).map((x) => [x.slug, x]));
    assert.deepEqual(svc.get('prometheus')?.integrationKeys, [{ name: 'Prometheus', source: 'alertmanager' }]);
    assert.deepEqual(svc.get('grafana-alerting')?.integrationKeys, [{ name: 'Grafana Alerting', source: 'grafana' }]);
    assert.equal(svc.get('prometheus')?.escalationPolicy, 'primary-chain');
    assert.equal(svc.get('deploy-hook')?.team, 'platform-team');
    assert.equal(svc.get('deploy-hook')?.escalationPolicy, null);
    assert.equal(svc.get('zabbix')?.integrationKeys?.[0]?.source, 'generic');
    assert.equal(svc.get('zabbix')?.escalationPolicy, 'odd-chain');
  });

  it('reports what it cannot carry over, each with a reason', () => {
    const has = (object: string, outcome: string, text: string) =>
      snap.unmapped.some((u) => u.object.includes(object) && u.outcome === outcome && u.reason.includes(text));
    assert.ok(has('Old monthly review', 'dropped', 'ended'), 'the ended monthly shift');
    assert.ok(has('Follow ical', 'dropped', 'ended'), 'the ended monthly iCal event');
    assert.ok(has('Primary chain', 'dropped', 'notify_whole_channel'));
    assert.ok(has('Odd chain', 'dropped', 'notify_user_group'));
    assert.ok(has('Deploy hook', 'approximated', 'generic'));
    assert.ok(has('Zabbix', 'approximated', 'generic'));
    assert.ok(has('personal notification rules', 'dropped', 'contact methods'));
    for (const u of snap.unmapped) assert.ok(u.reason.length > 5, JSON.stringify(u));
    assert.deepEqual(snap.history, []);
  });

  it('history: resolved alert groups of the last N months, once each', async () => {
    const h = await grafanaOnCallImporter.read({
      baseUrl: standIn.url,
      token: TOKEN,
      now,
      renderedFrom: from,
      renderedTo: from + WEEK,
      historyMonths: 3,
      http: createImportHttp({ allowPrivateAddress: true }),
    });
    assert.deepEqual(h.history.map((i) => [i.externalId, i.service, i.severity, i.acknowledgedAt === null]).sort(), [
      ['IG1', 'prometheus', 'P3', false],
      ['IG2', 'zabbix', 'P3', true],
      ['IG3', 'grafana-alerting', 'P3', false],
    ]);
    const ig1 = h.history.find((i) => i.externalId === 'IG1')!;
    assert.equal(ig1.resolvedAt! - ig1.createdAt, 42 * MINUTE);
    assert.equal(ig1.acknowledgedAt! - ig1.createdAt, 4 * MINUTE);
    assert.equal(ig1.url, 'https://oncall.example.com/alert-groups/IG1');
    assert.ok(standIn.requests.some((r) => r.path.startsWith('/api/v1/alert_groups/?state=resolved')));
  });

  it('a wrong token is a clear error', async () => {
    await assert.rejects(
      grafanaOnCallImporter.read({
        baseUrl: standIn.url,
        token: 'wrong',
        now,
        renderedFrom: from,
        renderedTo: to,
        historyMonths: 0,
        http: createImportHttp({ allowPrivateAddress: true }),
      }),
      (e: Error) => /401/.test(e.message) && /users/.test(e.message) && !e.message.includes('wrong'),
    );
  });
});

describe('Grafana OnCall import: an iCal feed that cannot be read', () => {
  it('drops that schedule with the status, naming neither the URL nor its secret path, and imports the rest', async () => {
    const now = Date.now();
    const data = grafanaOnCallFixture(now);
    data.schedules = data.schedules.map((s) =>
      s.type === 'ical' ? { ...s, ical_url_primary: '{{URL}}/ical/private-s3cr3t.ics' } : s,
    );
    const standIn = await new GrafanaOnCallStandIn({ token: TOKEN, data }).start();
    try {
      const snap = await grafanaOnCallImporter.read({
        baseUrl: `${standIn.url}/api/v1/`,
        token: TOKEN,
        now,
        renderedFrom: now,
        renderedTo: now + WEEK,
        historyMonths: 3,
        http: createImportHttp({ allowPrivateAddress: true }),
      });
      assert.deepEqual(snap.doc.schedules?.map((x) => x.slug).sort(), ['nights', 'primary']);
      const u = snap.unmapped.find((x) => x.object.includes('Follow ical'));
      assert.equal(u?.outcome, 'dropped');
      assert.match(u.reason, /answered 404/);
      assert.ok(!JSON.stringify(snap.unmapped).includes('s3cr3t'));
      assert.equal(snap.rendered.length, 2);
    } finally {
      await standIn.close();
    }
  });
});

describe('Grafana OnCall import: more shift shapes render as the source does', () => {
  // Now, and two dates whose next 8 weeks hold the clock changes of New York, Berlin, London and Sydney.
  for (const now of [Date.now(), Date.parse('2027-03-01T10:17:00Z'), Date.parse('2027-09-20T03:00:00Z')]) {
    it(`the fixture organisation from ${new Date(now).toISOString()}: every minute matches`, async () => {
      const standIn = await new GrafanaOnCallStandIn({ token: TOKEN, data: grafanaOnCallFixture(now) }).start();
      try {
        const from = Math.floor(now / MINUTE) * MINUTE;
        const to = from + 8 * WEEK;
        const snap = await grafanaOnCallImporter.read({
          baseUrl: standIn.url,
          token: TOKEN,
          now,
          renderedFrom: from,
          renderedTo: to,
          historyMonths: 0,
          http: createImportHttp({ allowPrivateAddress: true }),
        });
        assert.equal(snap.rendered.length, 3);
        for (const r of snap.rendered) {
          const doc = snap.doc.schedules!.find((x) => x.slug === r.slug)!;
          assert.equal(matchingMinutes(r.entries, musterFinal(doc, from, to), from, to), (to - from) / MINUTE, r.slug);
        }
      } finally {
        await standIn.close();
      }
    });
  }

  it('a rotation starting mid-week, a weekend span, 12-hour turns and weekday days', async () => {
    const now = Date.parse('2027-03-20T00:00:00Z');
    const base = grafanaOnCallFixture(now);
    const today = Math.floor(now / 86_400_000);
    const day = (d: number) => new Date((today + d) * 86_400_000).toISOString().slice(0, 10);
    const shift = (id: string, fields: Partial<GoShift>): GoShift => ({
      id,
      schedule: 'SX',
      name: id,
      type: 'rolling_users',
      team_id: null,
      time_zone: null,
      level: 0,
      start: `${day(-30)}T09:00:00`,
      duration: 3600,
      ...fields,
    });
    const data = {
      ...base,
      schedules: [{ id: 'SX', name: 'Shapes', type: 'web' as const, team_id: null, time_zone: 'Australia/Sydney' }],
      shifts: [
        // Weekly on Mon/Wed/Fri, weeks from Monday, the rotation's start a Wednesday (or whichever day it is).
        shift('A', {
          start: `${day(-40)}T08:30:00`,
          duration: 4 * 3600,
          frequency: 'weekly',
          week_start: 'MO',
          by_day: ['MO', 'WE', 'FR'],
          rolling_users: [['UALICE'], ['UBOB'], ['UCAROL']],
        }),
        // 12-hour turns, continuous, at level 1 on top only on weekdays' evenings via a daily restricted shift.
        shift('B', {
          level: 1,
          start: `${day(-20)}T18:00:00`,
          duration: 5 * 3600,
          frequency: 'daily',
          by_day: ['MO', 'TU', 'WE', 'TH', 'FR'],
          rolling_users: [['UDAVE'], ['UERIN']],
        }),
        // A weekend span Friday 18:00 for 54 hours, weekly, two people.
        shift('C', {
          level: 2,
          start: `${day(-35 - ((new Date((today - 35) * 86_400_000).getUTCDay() + 2) % 7))}T18:00:00`,
          duration: 54 * 3600,
          frequency: 'weekly',
          rolling_users: [['UBOB'], ['UALICE']],
        }),
        shift('D', {
          level: -1,
          start: `${day(-10)}T07:00:00`,
          duration: 12 * 3600,
          frequency: 'hourly',
          interval: 12,
          rolling_users: [['UCAROL'], ['UDAVE']],
        }),
      ],
    };
    const standIn = await new GrafanaOnCallStandIn({ token: TOKEN, data }).start();
    try {
      const from = Math.floor(now / MINUTE) * MINUTE;
      const to = from + 8 * WEEK;
      const snap = await grafanaOnCallImporter.read({
        baseUrl: standIn.url,
        token: TOKEN,
        now,
        renderedFrom: from,
        renderedTo: to,
        historyMonths: 0,
        http: createImportHttp({ allowPrivateAddress: true }),
      });
      const doc = snap.doc.schedules![0]!;
      assert.deepEqual(
        doc.layers?.map((l) => l.name),
        ['D', 'A', 'B', 'C'],
      );
      const r = snap.rendered[0]!;
      assert.ok(r.entries.filter((e) => e.users.length > 0).length > 50);
      assert.equal(matchingMinutes(r.entries, musterFinal(doc, from, to), from, to), (to - from) / MINUTE);
    } finally {
      await standIn.close();
    }
  });
});

describe('Grafana OnCall mapping', () => {
  const emailOf = new Map([
    ['U1', 'a@example.com'],
    ['U2', 'b@example.com'],
  ]);
  const ctx = { scheduleZone: 'UTC', now: Date.parse('2026-06-01T00:00:00Z'), emailOf, object: 's', topOtherLevel: 0 };

  it('a weekly shift longer than a day becomes per-day restrictions', () => {
    const out = mapShift(
      {
        id: 'O1',
        name: 'Long weekend',
        type: 'rolling_users',
        start: '2026-05-01T18:00:00',
        duration: 2 * 86_400 + 6 * 3600,
        frequency: 'weekly',
        interval: 1,
        rolling_users: [['U1'], ['U2']],
      },
      ctx,
    );
    assert.equal(parseLocalDate(out.layer!.startDate), parseLocalDate('2026-05-01'));
    assert.deepEqual(out.layer!.restrictions, [
      { days: ['fri'], start: '18:00', end: '24:00' },
      { days: ['sat', 'sun'], start: '00:00', end: '24:00' },
    ]);
  });

  it('a group on call together keeps its first person, reported', () => {
    const out = mapShift(
      {
        id: 'O2',
        name: 'Pair',
        type: 'recurrent_event',
        start: '2026-05-01T00:00:00',
        duration: 86_400,
        frequency: 'daily',
        users: ['U1', 'U2'],
      },
      ctx,
    );
    assert.deepEqual(out.layer!.participants, ['a@example.com']);
    assert.ok(out.unmapped.some((u) => u.outcome === 'approximated' && u.reason.includes('together')));
  });

  it('a monthly shift is dropped with the reason', () => {
    const out = mapShift(
      {
        id: 'O3',
        name: 'Monthly',
        type: 'recurrent_event',
        start: '2026-05-01T00:00:00',
        duration: 3600,
        frequency: 'monthly',
        users: ['U1'],
      },
      ctx,
    );
    assert.equal(out.layer, undefined);
    assert.ok(out.unmapped.some((u) => u.outcome === 'dropped' && u.reason.includes('monthly')));
  });

  it('waits sum into the level before them; a leading wait is reported', () => {
    const { policy, unmapped } = mapChain(
      { id: 'F', name: 'C', team_id: null },
      [
        { id: '1', escalation_chain_id: 'F', position: 0, type: 'wait', duration: 300 },
        { id: '2', escalation_chain_id: 'F', position: 1, type: 'notify_persons', persons_to_notify: ['U1'] },
        { id: '3', escalation_chain_id: 'F', position: 2, type: 'wait', duration: 300 },
        { id: '4', escalation_chain_id: 'F', position: 3, type: 'wait', duration: 3600 },
        { id: '5', escalation_chain_id: 'F', position: 4, type: 'notify_persons', persons_to_notify: ['U2'] },
      ],
      { slug: 'c', team: 't', emailOf, scheduleSlug: new Map() },
    );
    assert.deepEqual(
      policy!.levels.map((l) => l.delayMinutes),
      [65, 1],
    );
    assert.equal(policy!.repeat, 0);
    assert.ok(unmapped.some((u) => u.reason.includes('300 s wait before anyone')));
  });
});

describe('following a next page', () => {
  it('keeps to the base URL’s origin: a next naming another host never receives the token', () => {
    const opts = { baseUrl: 'https://oncall.example.com/api/plugins/grafana-oncall-app/resources/api/v1' };
    assert.equal(
      onBase(opts, 'https://evil.example.net/api/v1/users/?page=2'),
      'https://oncall.example.com/api/v1/users/?page=2',
    );
    assert.equal(
      onBase(opts, 'https://oncall.example.com/api/plugins/grafana-oncall-app/resources/api/v1/users/?page=3'),
      'https://oncall.example.com/api/plugins/grafana-oncall-app/resources/api/v1/users/?page=3',
    );
    assert.equal(onBase(opts, '/api/v1/schedules/?page=2'), 'https://oncall.example.com/api/v1/schedules/?page=2');
    assert.equal(onBase(opts, null), null);
  });
});
