/** The on-call health and compensation maths on hand-checked cases, including a DST day and RFC 4180 quoting. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compensationCsv, compensationRow, csvField, DEFAULT_RATES } from './compensation.js';
import {
  DEFAULT_WINDOWS,
  mergeIntervals,
  personReport,
  rotationWarnings,
  splitHours,
  weekStreaks,
  windowProblems,
} from './sustainability.js';

const H = 3_600_000;
const D = 24 * H;
const at = (iso: string): number => Date.parse(iso);
const MON = at('2026-11-23T00:00:00Z'); // a Monday

describe('splitHours', () => {
  it('splits a weekday into working, off-hours and sleep hours in UTC', () => {
    assert.deepEqual(splitHours([{ start: MON, end: MON + D }], 'UTC', DEFAULT_WINDOWS), {
      total: 24,
      working: 8,
      offHours: 16,
      weekend: 0,
      sleep: 8,
    });
  });

  it('counts Saturday and Sunday as weekend hours whatever the time of day', () => {
    const sat = MON + 5 * D;
    const s = splitHours([{ start: sat, end: sat + 2 * D }], 'UTC', DEFAULT_WINDOWS);
    assert.equal(s.weekend, 48);
    assert.equal(s.working + s.offHours, 0);
    assert.equal(s.sleep, 16);
  });

  it('uses the person’s zone: 14:00–22:00 UTC is a New York working day', () => {
    const s = splitHours([{ start: MON + 14 * H, end: MON + 22 * H }], 'America/New_York', DEFAULT_WINDOWS);
    assert.equal(s.working, 8);
    assert.equal(s.offHours, 0);
  });

  it('has a 23-hour Sunday when London springs forward', () => {
    const start = at('2026-03-29T00:00:00Z'); // 00:00 GMT, Sunday
    const end = at('2026-03-29T23:00:00Z'); // 00:00 BST, Monday
    const s = splitHours([{ start, end }], 'Europe/London', DEFAULT_WINDOWS);
    assert.equal(s.total, 23);
    assert.equal(s.weekend, 23);
    assert.equal(s.sleep, 7, '00:00–07:00 local is 6 real hours, plus 23:00–24:00');
  });

  it('does not count overlapping shifts (two schedules at once) twice', () => {
    assert.deepEqual(
      mergeIntervals([
        { start: 0, end: 10 },
        { start: 5, end: 20 },
        { start: 30, end: 40 },
      ]),
      [
        { start: 0, end: 20 },
        { start: 30, end: 40 },
      ],
    );
    const s = splitHours(
      [
        { start: MON + 9 * H, end: MON + 13 * H },
        { start: MON + 11 * H, end: MON + 17 * H },
      ],
      'UTC',
      DEFAULT_WINDOWS,
    );
    assert.equal(s.total, 8);
  });

  it('honours configured windows (a 10:00–18:00 Monday–Thursday week)', () => {
    const w = { ...DEFAULT_WINDOWS, workDays: [1, 2, 3, 4], workStart: '10:00', workEnd: '18:00' };
    const fri = MON + 4 * D;
    assert.equal(splitHours([{ start: MON, end: MON + D }], 'UTC', w).working, 8);
    assert.equal(splitHours([{ start: fri, end: fri + D }], 'UTC', w).working, 0);
  });
});

describe('personReport', () => {
  it('classifies pages by working hours and sleep in the person’s zone', () => {
    const pages = [
      MON + 10 * H, // working
      MON + 20 * H, // evening: outside, awake
      MON + D + 3 * H, // 03:00: outside and asleep
      MON + 5 * D + 12 * H, // Saturday noon: outside, awake
      MON + 40 * D, // outside the range: not counted
    ];
    const r = personReport(
      { userId: 'u1', timezone: 'UTC', shifts: [], pages },
      DEFAULT_WINDOWS,
      { start: MON, end: MON + 28 * D },
      MON,
    );
    assert.equal(r.pages, 4);
    assert.equal(r.pagesOutsideWorkingHours, 3);
    assert.equal(r.pagesDuringSleep, 1);
    // The same instants in Tokyo (UTC+9): 19:00, 05:00 (asleep), 12:00 Tue, 21:00 Sat.
    const tokyo = personReport(
      { userId: 'u1', timezone: 'Asia/Tokyo', shifts: [], pages },
      DEFAULT_WINDOWS,
      { start: MON, end: MON + 28 * D },
      MON,
    );
    assert.equal(tokyo.pagesOutsideWorkingHours, 3);
    assert.equal(tokyo.pagesDuringSleep, 1);
  });
});

describe('weekStreaks', () => {
  const week = (i: number) => ({ start: MON + i * 7 * D + D, end: MON + i * 7 * D + 2 * D + H });
  const range = { start: MON, end: MON + 6 * 7 * D };
  const shifts = [week(0), week(1), week(3), week(4), week(5)];

  it('finds the longest run and the run up to the current week', () => {
    assert.deepEqual(weekStreaks(shifts, 'UTC', range, MON + 5 * 7 * D + 3 * D), { longest: 3, current: 3 });
    assert.deepEqual(weekStreaks(shifts, 'UTC', range, MON + 1 * 7 * D), { longest: 3, current: 2 });
  });

  it('reports no current streak in a week off', () => {
    assert.deepEqual(weekStreaks(shifts, 'UTC', range, MON + 2 * 7 * D + D), { longest: 3, current: 0 });
  });

  it('counts a week-long shift that crosses into the next week as two weeks', () => {
    const s = [{ start: MON + 3 * D, end: MON + 10 * D }];
    assert.equal(weekStreaks(s, 'UTC', range, MON).longest, 2);
  });

  it('does not count the morning a weekly turn hands over in as another week', () => {
    const alternate = [0, 2, 4].map((i) => ({ start: MON + i * 7 * D + 9 * H, end: MON + (i + 1) * 7 * D + 9 * H }));
    assert.deepEqual(weekStreaks(alternate, 'UTC', range, MON + 4 * 7 * D + D), { longest: 1, current: 1 });
    assert.deepEqual(weekStreaks(alternate, 'UTC', range, MON + 5 * 7 * D + D), { longest: 1, current: 0 });
  });
});

describe('rotationWarnings', () => {
  it('warns under six people and not at six or for an empty layer', () => {
    const layer = (id: string, n: number) => ({ id, name: id, participants: [...Array(n).keys()].map(String) });
    const w = rotationWarnings([
      { scheduleId: 's', scheduleName: 'Primary', layers: [layer('five', 5), layer('six', 6), layer('none', 0)] },
    ]);
    assert.deepEqual(
      w.map((x) => [x.layerId, x.people]),
      [['five', 5]],
    );
    assert.match(w[0]!.message, /at least 6/);
  });

  it('rejects malformed windows', () => {
    assert.deepEqual(
      windowProblems({ ...DEFAULT_WINDOWS, workStart: '9am', workDays: [0] }).map((p) => p.field),
      ['workStart', 'workDays'],
    );
  });
});

describe('compensation', () => {
  const report = {
    userId: 'u1',
    timezone: 'UTC',
    hours: { total: 48, working: 8, offHours: 16, weekend: 24, sleep: 16 },
    pages: 3,
    pagesOutsideWorkingHours: 2,
    pagesDuringSleep: 1,
    longestStreakWeeks: 1,
    currentStreakWeeks: 1,
  };

  it('multiplies off-hours and weekend hours and adds the page bonus', () => {
    const row = compensationRow(
      report,
      { name: 'Ana', email: 'ana@example.test' },
      { ...DEFAULT_RATES, baseHourlyRate: 10, offHoursMultiplier: 1.5, weekendMultiplier: 2, perPageBonus: 5 },
    );
    assert.equal(row.hoursPay, 80 + 240 + 480);
    assert.equal(row.pageBonus, 15);
    assert.equal(row.total, 815);
  });

  it('writes RFC 4180 CSV: header, CRLF, quoted commas and doubled quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    const row = compensationRow(report, { name: 'Smith, "Jo"', email: 'jo@example.test' }, DEFAULT_RATES);
    const csv = compensationCsv([row], 'EUR');
    const lines = csv.split('\r\n');
    assert.equal(
      lines[0],
      'user_id,name,email,working_hours,off_hours,weekend_hours,total_hours,pages,hours_pay,page_bonus,total,currency',
    );
    assert.equal(lines[1], 'u1,"Smith, ""Jo""",jo@example.test,8,16,24,48,3,0.00,0.00,0.00,EUR');
    assert.equal(lines[2], '');
    assert.equal(lines.length, 3);
  });
});
