/**
 * Paging figures on a fixed history worked out by hand (docs/insights.md, "Paging"): ana in Europe/London and ben in
 * America/New_York; a page at 03:00 London time counts as outside working hours and during sleep; a page never
 * acknowledged counts in pages but not in time to acknowledge; weekly buckets in UTC and in New York (a page at
 * Monday 00:00 UTC is next week in UTC but Sunday evening in New York); rotations and on-call weeks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Shift } from '../oncall/model.js';
import { DEFAULT_WINDOWS, isSleepTime, isWorkingTime, onCallWeeks } from '../oncall/sustainability.js';
import { bucketStart } from './model.js';
import {
  classifyPages,
  drillPages,
  onCallWeekCounts,
  pageTiming,
  pagingFigures,
  perWeek,
  rotationIndex,
  rotationsOf,
  timeToAckMs,
  type Page,
  type Person,
} from './paging.js';

const MIN = 60_000;
const at = (d: number, h: number, m = 0, s = 0) => Date.UTC(2026, 2, d, h, m, s); // March 2026
const FROM = at(2, 0); // Monday 2 March 00:00 UTC
const TO = at(16, 0); // Monday 16 March 00:00 UTC

const people = new Map<string, Person>([
  ['ana', { name: 'Ana', timezone: 'Europe/London' }],
  ['ben', { name: 'Ben', timezone: 'America/New_York' }],
  ['cy', { name: 'Cy', timezone: '' }],
]);

// S1: ana Mon 2 Mar 09:00 → Mon 9 Mar 09:00, ben Mon 9 Mar 09:00 → the window's end. S2: nobody.
const shift = (userId: string, start: number, end: number): Shift => ({
  userId,
  start,
  end,
  source: 'layer',
  sourceKind: 'layer',
});
const S1: Shift[] = [shift('ana', at(2, 9), at(9, 9)), shift('ben', at(9, 9), TO)];
const shifts = new Map<string, Shift[]>([
  ['S1', S1],
  ['S2', []],
]);

const page = (
  id: string,
  userId: string,
  when: number,
  serviceId: 'checkout' | 'payments',
  ackAfterMs: number | null,
  levelTargets: string[] = ['S1'],
): Page => ({
  logId: id,
  at: when,
  userId,
  alertId: `alert-${id}`,
  alertTitle: `Alert ${id}`,
  serviceId,
  serviceName: serviceId === 'checkout' ? 'Checkout' : 'Payments',
  incidentId: null,
  acknowledgedAt: ackAfterMs === null ? null : when + ackAfterMs,
  scheduleIds: rotationsOf(userId, when, levelTargets, shifts),
});

const PAGES: Page[] = [
  page('p1', 'ana', at(3, 3), 'checkout', 5 * MIN), // Tue 03:00 London (GMT): asleep, off-hours
  page('p2', 'ana', at(4, 10), 'checkout', null), // Wed 10:00 London: working hours; never acknowledged
  page('p3', 'ben', at(4, 10), 'payments', 10 * MIN, ['S1']), // Wed 05:00 New York: asleep; not on call in S1
  page('p4', 'ana', at(8, 23, 59, 59), 'checkout', MIN), // Sunday 23:59:59 London: weekend, asleep
  page('p5', 'ana', at(9, 0), 'payments', 2 * MIN), // Monday 00:00 London: asleep, before working hours
];
const classified = classifyPages(PAGES, people);
const weeks = onCallWeekCounts(
  [
    { scheduleId: 'S1', final: S1 },
    { scheduleId: 'S2', final: [] },
  ],
  (u) => people.get(u)?.timezone || 'UTC',
  { start: FROM, end: TO },
);
const figures = (timeZone = 'UTC') =>
  pagingFigures(classified, {
    people,
    schedules: new Map([
      ['S1', 'Primary'],
      ['S2', 'Secondary'],
    ]),
    onCallWeeks: weeks,
    bucket: 'week',
    timeZone,
    from: FROM,
    to: TO,
  });

describe('paging: one page', () => {
  it('reads off-hours and sleep in the person’s own zone, with on-call health’s windows', () => {
    assert.deepEqual(pageTiming(at(3, 3), 'Europe/London'), { outsideWorkingHours: true, duringSleep: true });
    assert.deepEqual(pageTiming(at(4, 10), 'Europe/London'), { outsideWorkingHours: false, duringSleep: false });
    // The same instant is 05:00 in New York (EST).
    assert.deepEqual(pageTiming(at(4, 10), 'America/New_York'), { outsideWorkingHours: true, duringSleep: true });
    // Saturday noon: outside working hours (the weekend), awake.
    assert.deepEqual(pageTiming(at(7, 12), 'Europe/London'), { outsideWorkingHours: true, duringSleep: false });
    // 17:00 ends the working day; 23:00 starts the night; 07:00 ends it.
    assert.deepEqual(pageTiming(at(4, 17), 'Europe/London'), { outsideWorkingHours: true, duringSleep: false });
    assert.deepEqual(pageTiming(at(4, 23), 'Europe/London'), { outsideWorkingHours: true, duringSleep: true });
    assert.deepEqual(pageTiming(at(5, 7), 'Europe/London'), { outsideWorkingHours: true, duringSleep: false });
    // In summer (BST), 03:00 London is 02:00 UTC.
    assert.equal(pageTiming(Date.UTC(2026, 6, 1, 2), 'Europe/London').duringSleep, true);
    assert.equal(pageTiming(Date.UTC(2026, 6, 1, 7), 'Europe/London').duringSleep, false, '08:00 BST');
  });

  it('times the acknowledgement from the page; none, or one before the page, is null', () => {
    assert.equal(timeToAckMs({ at: 1000, acknowledgedAt: 4000 }), 3000);
    assert.equal(timeToAckMs({ at: 1000, acknowledgedAt: 1000 }), 0);
    assert.equal(timeToAckMs({ at: 1000, acknowledgedAt: null }), null);
    assert.equal(timeToAckMs({ at: 1000, acknowledgedAt: 999 }), null);
  });

  it('comes through a targeted schedule only when the person was on call in it then', () => {
    assert.deepEqual(
      PAGES.map((p) => p.scheduleIds),
      [['S1'], ['S1'], [], ['S1'], ['S1']],
    );
    assert.deepEqual(rotationsOf('ana', at(9, 9), ['S1'], shifts), [], 'the shift ends at 09:00 (exclusive)');
    assert.deepEqual(rotationsOf('ben', at(9, 9), ['S1', 'S1', 'S2'], shifts), ['S1']);
    assert.deepEqual(rotationsOf('ana', at(3, 3), [], shifts), [], 'paged as a user target');
  });

  it('takes UTC for a person without a zone', () => {
    const [c] = classifyPages([{ ...PAGES[0]!, userId: 'cy' }], people);
    assert.deepEqual([c!.outsideWorkingHours, c!.duringSleep], [true, true]);
  });
});

describe('paging: on-call weeks', () => {
  it('counts weeks with a day of on-call time in the person’s zone, and person-weeks per schedule', () => {
    // ana: the week of 2 March (6 d 15 h); the 9 h of Monday 9 March are less than a day.
    // ben (New York): his week of 9 March runs from 04:00 UTC (EDT) and holds 6 d 15 h.
    assert.deepEqual([...weeks.byPerson].sort(), [
      ['ana', 1],
      ['ben', 1],
    ]);
    assert.deepEqual(
      [...weeks.bySchedule],
      [
        ['S1', 2],
        ['S2', 0],
      ],
    );
    assert.equal(perWeek(4, 1), 4);
    assert.equal(perWeek(2, 3), 0.67);
    assert.equal(perWeek(3, 0), null);
  });

  it('counts a person on two schedules at once once', () => {
    const w = onCallWeekCounts(
      [
        { scheduleId: 'A', final: [shift('ana', at(2, 0), at(9, 0))] },
        { scheduleId: 'B', final: [shift('ana', at(2, 0), at(9, 0))] },
      ],
      () => 'UTC',
      { start: FROM, end: TO },
    );
    assert.equal(w.byPerson.get('ana'), 1);
    assert.equal(w.bySchedule.get('A'), 1);
    assert.equal(w.bySchedule.get('B'), 1);
  });
});

describe('paging: figures', () => {
  const f = figures();

  it('counts every page, and times the acknowledged ones', () => {
    // Acknowledged after 5 min, 10 min, 1 min and 2 min: [60, 120, 300, 600] s; p2 never.
    assert.deepEqual(f.overall, {
      pages: 5,
      acknowledged: 4,
      outsideWorkingHours: 4,
      duringSleep: 4,
      timeToAck: { median: 210, p90: 600, mean: 270, count: 4 },
    });
  });

  it('per person, with pages per on-call week', () => {
    assert.deepEqual(f.byPerson, [
      {
        userId: 'ana',
        name: 'Ana',
        pages: 4,
        acknowledged: 3,
        outsideWorkingHours: 3,
        duringSleep: 3,
        timeToAck: { median: 120, p90: 300, mean: 160, count: 3 },
        onCallWeeks: 1,
        pagesPerOnCallWeek: 4,
      },
      {
        userId: 'ben',
        name: 'Ben',
        pages: 1,
        acknowledged: 1,
        outsideWorkingHours: 1,
        duringSleep: 1,
        timeToAck: { median: 600, p90: 600, mean: 600, count: 1 },
        onCallWeeks: 1,
        pagesPerOnCallWeek: 1,
      },
    ]);
  });

  it('per rotation (a schedule without pages is listed) and per service', () => {
    assert.deepEqual(f.byRotation, [
      {
        scheduleId: 'S1',
        name: 'Primary',
        pages: 4,
        acknowledged: 3,
        timeToAck: { median: 120, p90: 300, mean: 160, count: 3 },
        onCallWeeks: 2,
        pagesPerOnCallWeek: 2,
      },
      {
        scheduleId: 'S2',
        name: 'Secondary',
        pages: 0,
        acknowledged: 0,
        timeToAck: { median: null, p90: null, mean: null, count: 0 },
        onCallWeeks: 0,
        pagesPerOnCallWeek: null,
      },
    ]);
    assert.deepEqual(f.byService, [
      {
        serviceId: 'checkout',
        name: 'Checkout',
        pages: 3,
        acknowledged: 2,
        timeToAck: { median: 180, p90: 300, mean: 180, count: 2 },
      },
      {
        serviceId: 'payments',
        name: 'Payments',
        pages: 2,
        acknowledged: 2,
        timeToAck: { median: 360, p90: 600, mean: 360, count: 2 },
      },
    ]);
  });

  it('buckets by week in UTC: Sunday 23:59:59 is this week, Monday 00:00 the next', () => {
    assert.deepEqual(f.buckets, [
      {
        start: at(2, 0),
        pages: 4,
        outsideWorkingHours: 3,
        duringSleep: 3,
        timeToAck: { median: 300, p90: 600, mean: 320, count: 3 },
      },
      {
        start: at(9, 0),
        pages: 1,
        outsideWorkingHours: 1,
        duringSleep: 1,
        timeToAck: { median: 120, p90: 120, mean: 120, count: 1 },
      },
    ]);
  });

  it('buckets in New York: Monday 00:00 UTC is still Sunday evening there, and every week is listed', () => {
    const ny = figures('America/New_York').buckets;
    // Mon 23 Feb 00:00 EST, Mon 2 Mar 00:00 EST, Mon 9 Mar 00:00 EDT (clocks went forward on 8 March).
    assert.deepEqual(
      ny.map((b) => [b.start, b.pages]),
      [
        [Date.UTC(2026, 1, 23, 5), 0],
        [at(2, 5), 5],
        [at(9, 4), 0],
      ],
    );
  });

  it('drills down newest first, by person, rotation, service and bucket, at most the limit', () => {
    const ids = (r: { pages: Page[] }) => r.pages.map((p) => p.logId);
    const base = { bucket: 'week' as const, timeZone: 'UTC' };
    assert.deepEqual(ids(drillPages(classified, { ...base, userId: 'ana' })), ['p5', 'p4', 'p2', 'p1']);
    assert.deepEqual(ids(drillPages(classified, { ...base, scheduleId: 'S1' })), ['p5', 'p4', 'p2', 'p1']);
    assert.deepEqual(ids(drillPages(classified, { ...base, serviceId: 'payments' })), ['p5', 'p3']);
    assert.deepEqual(ids(drillPages(classified, { ...base, bucketStart: at(9, 0) })), ['p5']);
    const cut = drillPages(classified, { ...base, limit: 2 });
    assert.deepEqual([ids(cut), cut.truncated], [['p5', 'p4'], true]);
    assert.equal(drillPages(classified, { ...base, limit: 5 }).truncated, false);
  });
});

/**
 * The fast paths of the loader (timing from the zone's offset, rotations by binary search, on-call weeks swept once
 * per zone, buckets by binary search) against the plain definitions they replace, on random histories.
 */
describe('paging: the fast paths agree with the definitions', () => {
  // A small deterministic generator (mulberry32), so a failure can be replayed.
  const rng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Auckland'];
  const DAY = 86_400_000;
  const START = Date.UTC(2021, 0, 1);

  it('timing: outside working hours and during sleep as isWorkingTime and isSleepTime say, in any zone', () => {
    const r = rng(7);
    const windows = [
      DEFAULT_WINDOWS,
      { ...DEFAULT_WINDOWS, workDays: [2, 3, 7], workStart: '22:00', workEnd: '06:30' },
    ];
    for (let n = 0; n < 20_000; n++) {
      const when = START + Math.floor(r() * 5 * 365 * DAY);
      const tz = ZONES[Math.floor(r() * ZONES.length)]!;
      const w = windows[n % 2]!;
      assert.deepEqual(pageTiming(when, tz, w), {
        outsideWorkingHours: !isWorkingTime(when, tz, w),
        duringSleep: isSleepTime(when, tz, w),
      });
    }
  });

  it('rotations: the index answers as rotationsOf, overlapping shifts and repeated targets included', () => {
    const r = rng(11);
    const users = ['ana', 'ben', 'cy'];
    const shifts = new Map<string, Shift[]>();
    for (const id of ['S1', 'S2', 'S3']) {
      const list: Shift[] = [];
      for (let n = 0; n < 60; n++) {
        const s = START + Math.floor(r() * 60 * DAY);
        list.push(shift(users[Math.floor(r() * 3)]!, s, s + Math.floor(r() * 9 * DAY)));
      }
      shifts.set(id, list);
    }
    const index = rotationIndex(shifts);
    for (let n = 0; n < 5_000; n++) {
      const when = START - DAY + Math.floor(r() * 72 * DAY);
      const userId = users[Math.floor(r() * 3)]!;
      const targets = ['S1', 'S2', 'S3', 'S4'].filter(() => r() < 0.5);
      if (r() < 0.2) targets.push(...targets);
      assert.deepEqual(index(userId, when, targets), rotationsOf(userId, when, targets, shifts));
    }
  });

  it("on-call weeks: counted as on-call health's onCallWeeks counts them, per person and per schedule", () => {
    const r = rng(13);
    const tzOf = new Map([
      ['ana', 'Europe/London'],
      ['ben', 'America/New_York'],
      ['cy', 'Australia/Lord_Howe'],
    ]);
    for (let round = 0; round < 20; round++) {
      const range = { start: START + Math.floor(r() * 30 * DAY), end: START + (40 + Math.floor(r() * 400)) * DAY };
      const schedules = ['S1', 'S2'].map((scheduleId) => {
        const final: Shift[] = [];
        let t = range.start - 3 * DAY;
        while (t < range.end) {
          const len = Math.floor(r() * 10 * DAY);
          final.push(shift([...tzOf.keys()][Math.floor(r() * 3)]!, t, t + len));
          t += len + (r() < 0.3 ? Math.floor(r() * 5 * DAY) : 0);
        }
        return { scheduleId, final };
      });
      const tz = (u: string) => tzOf.get(u)!;
      const got = onCallWeekCounts(schedules, tz, range);
      const weeksOf = (list: Shift[], u: string) => onCallWeeks(list, tz(u), range).onCall.filter(Boolean).length;
      for (const u of tzOf.keys()) {
        const all = schedules.flatMap((s) => s.final.filter((x) => x.userId === u));
        if (all.length) assert.equal(got.byPerson.get(u), weeksOf(all, u), `${u} in round ${round}`);
      }
      for (const s of schedules) {
        const users = [...new Set(s.final.map((x) => x.userId))];
        const want = users.reduce(
          (n, u) =>
            n +
            weeksOf(
              s.final.filter((x) => x.userId === u),
              u,
            ),
          0,
        );
        assert.equal(got.bySchedule.get(s.scheduleId), want, `${s.scheduleId} in round ${round}`);
      }
    }
  });

  it('buckets: each page in the bucket bucketStart gives it, in a zone with DST, by week and by month', () => {
    const r = rng(17);
    for (const bucket of ['week', 'month'] as const) {
      const from = START + Math.floor(r() * 100 * DAY);
      const to = from + 700 * DAY;
      const pages = classifyPages(
        Array.from({ length: 3_000 }, (_, n) =>
          page(`r${n}`, 'ana', from + Math.floor(r() * (to - from)), 'checkout', null),
        ),
        people,
      );
      const fig = pagingFigures(pages, {
        people,
        schedules: new Map(),
        onCallWeeks: { byPerson: new Map(), bySchedule: new Map() },
        bucket,
        timeZone: 'America/New_York',
        from,
        to,
      });
      const want = new Map<number, number>();
      for (const p of pages) {
        const s = bucketStart(p.at, bucket, 'America/New_York');
        want.set(s, (want.get(s) ?? 0) + 1);
      }
      assert.deepEqual(
        fig.buckets.filter((b) => b.pages > 0).map((b) => [b.start, b.pages]),
        [...want].sort((a, b) => a[0] - b[0]),
      );
    }
  });
});
