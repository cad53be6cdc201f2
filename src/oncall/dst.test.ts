/** Wall-clock hand-offs and restrictions across DST changes, in zones with 1 h, 30 min and no DST. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeSchedule, layerShifts } from './model.js';
import { buildLayer } from './testing.js';
import { localToUtc, offsetAt, parseLocalDate, utcToLocal } from '../shared/tz.js';

const iso = (s: string): number => Date.parse(s);
const isoOf = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const HOUR = 3600_000;

function handoffs(tz: string, startDate: string, from: string, to: string, time = '09:00'): string[] {
  const layer = buildLayer({ startDate, handoffTime: time, participants: ['a', 'b'] });
  return layerShifts(tz, layer, iso(from), iso(to)).map((s) => isoOf(s.start));
}

function local(tz: string, date: string, time: string): string {
  const [h, m] = time.split(':').map(Number);
  return isoOf(localToUtc(tz, parseLocalDate(date)!, h! * 60 + m!));
}

describe('daily 09:00 hand-off across DST', () => {
  it('Europe/London: stays at 09:00 local on the days around spring forward and fall back', () => {
    assert.deepEqual(handoffs('Europe/London', '2026-03-01', '2026-03-27T09:00:00Z', '2026-03-31T00:00:00Z'), [
      '2026-03-27T09:00:00Z',
      '2026-03-28T09:00:00Z',
      '2026-03-29T08:00:00Z',
      '2026-03-30T08:00:00Z',
    ]);
    assert.deepEqual(handoffs('Europe/London', '2026-03-01', '2026-10-24T08:00:00Z', '2026-10-27T00:00:00Z'), [
      '2026-10-24T08:00:00Z',
      '2026-10-25T09:00:00Z',
      '2026-10-26T09:00:00Z',
    ]);
  });

  it('Europe/London: the turn that contains the change is 23 h in spring and 25 h in autumn', () => {
    const layer = buildLayer({ startDate: '2026-03-01', participants: ['a', 'b'] });
    const spring = layerShifts('Europe/London', layer, iso('2026-03-28T12:00:00Z'), iso('2026-03-28T13:00:00Z'));
    assert.equal(spring.length, 1);
    assert.equal((spring[0]!.end - spring[0]!.start) / HOUR, 23);
    const autumn = layerShifts('Europe/London', layer, iso('2026-10-24T12:00:00Z'), iso('2026-10-24T13:00:00Z'));
    assert.equal((autumn[0]!.end - autumn[0]!.start) / HOUR, 25);
  });

  it('America/New_York: 09:00 EST is 14:00Z, 09:00 EDT is 13:00Z, on both sides of each change', () => {
    assert.deepEqual(handoffs('America/New_York', '2026-01-01', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z'), [
      '2026-03-06T14:00:00Z',
      '2026-03-07T14:00:00Z',
      '2026-03-08T13:00:00Z',
      '2026-03-09T13:00:00Z',
    ]);
    assert.deepEqual(handoffs('America/New_York', '2026-01-01', '2026-10-31T14:00:00Z', '2026-11-03T00:00:00Z'), [
      '2026-10-31T13:00:00Z',
      '2026-11-01T14:00:00Z',
      '2026-11-02T14:00:00Z',
    ]);
  });

  it('Australia/Lord_Howe: a 30-minute change makes 24.5 h and 23.5 h turns, hand-offs stay at 09:00', () => {
    // DST (+11) ends 2026-04-05 02:00 → 01:30 (+10:30); starts 2026-10-04 02:00 → 02:30.
    assert.deepEqual(handoffs('Australia/Lord_Howe', '2026-01-01', '2026-04-03T00:00:00Z', '2026-04-06T00:00:00Z'), [
      '2026-04-02T22:00:00Z',
      '2026-04-03T22:00:00Z',
      '2026-04-04T22:30:00Z',
      '2026-04-05T22:30:00Z',
    ]);
    assert.deepEqual(handoffs('Australia/Lord_Howe', '2026-01-01', '2026-10-02T00:00:00Z', '2026-10-05T00:00:00Z'), [
      '2026-10-01T22:30:00Z',
      '2026-10-02T22:30:00Z',
      '2026-10-03T22:00:00Z',
      '2026-10-04T22:00:00Z',
    ]);
    const layer = buildLayer({ startDate: '2026-01-01', participants: ['a', 'b'] });
    const [t] = layerShifts('Australia/Lord_Howe', layer, iso('2026-04-04T12:00:00Z'), iso('2026-04-04T12:01:00Z'));
    assert.equal((t!.end - t!.start) / HOUR, 24.5);
  });

  it('Asia/Kolkata: no DST, 09:00 IST is always 03:30Z and every turn is 24 h', () => {
    const layer = buildLayer({ startDate: '2026-01-01', participants: ['a', 'b', 'c'] });
    for (const month of ['03', '10']) {
      const shifts = layerShifts(
        'Asia/Kolkata',
        layer,
        iso(`2026-${month}-01T00:00:00Z`),
        iso(`2026-${month}-28T00:00:00Z`),
      );
      for (const s of shifts.slice(1, -1)) {
        assert.equal(isoOf(s.start).slice(11), '03:30:00Z');
        assert.equal(s.end - s.start, 24 * HOUR);
      }
    }
  });
});

describe('wall-clock edge cases', () => {
  it('a hand-off time skipped by spring forward happens after the gap; a repeated one at its first occurrence', () => {
    assert.equal(local('Europe/London', '2026-03-29', '01:30'), '2026-03-29T01:30:00Z'); // 02:30 BST
    assert.equal(local('Europe/London', '2026-10-25', '01:30'), '2026-10-25T00:30:00Z'); // 01:30 BST, not GMT
    assert.equal(local('America/New_York', '2026-03-08', '02:30'), '2026-03-08T07:30:00Z'); // 03:30 EDT
    assert.equal(local('Australia/Lord_Howe', '2026-10-04', '02:15'), '2026-10-03T15:45:00Z'); // 02:45 +11
    assert.equal(local('Australia/Lord_Howe', '2026-04-05', '01:45'), '2026-04-04T14:45:00Z'); // first 01:45 (+11)
  });

  it('weekly turns keep the local hand-off: the week with spring forward is 167 h', () => {
    const layer = buildLayer({ startDate: '2026-03-02', turn: { unit: 'weeks', count: 1 }, participants: ['a', 'b'] });
    const [week] = layerShifts('Europe/London', layer, iso('2026-03-25T00:00:00Z'), iso('2026-03-25T00:01:00Z'));
    assert.equal(isoOf(week!.start), '2026-03-23T09:00:00Z');
    assert.equal(isoOf(week!.end), '2026-03-30T08:00:00Z');
  });

  it('12-hour turns stay at 09:00 and 21:00 local across a change', () => {
    const layer = buildLayer({ startDate: '2026-03-27', turn: { unit: 'hours', count: 12 }, participants: ['d', 'n'] });
    const shifts = layerShifts('Europe/London', layer, iso('2026-03-28T00:00:00Z'), iso('2026-03-30T00:00:00Z'));
    const locals = shifts.map((s) => {
      const l = utcToLocal('Europe/London', s.start);
      return `${l.minute / 60}:${s.userId}`;
    });
    assert.deepEqual(locals, ['21:n', '9:d', '21:n', '9:d', '21:n']);
  });

  it('duration turns are fixed elapsed time and drift on the wall clock across a change', () => {
    const layer = buildLayer({ startDate: '2026-03-27', turn: { unit: 'duration', seconds: 86400 } });
    const s = layerShifts('Europe/London', layer, iso('2026-03-30T00:00:00Z'), iso('2026-03-30T00:01:00Z'));
    assert.equal(isoOf(s[0]!.start), '2026-03-29T09:00:00Z'); // 10:00 BST
  });

  it('restrictions follow the local clock: 09:00-17:00 weekdays in New York across the March change', () => {
    const layer = buildLayer({
      startDate: '2026-03-02',
      turn: { unit: 'weeks', count: 1 },
      restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
    });
    const r = computeSchedule(
      { timezone: 'America/New_York', layers: [layer] },
      [],
      iso('2026-03-06T00:00:00Z'),
      iso('2026-03-10T00:00:00Z'),
    );
    assert.deepEqual(
      r.final.map((s) => `${isoOf(s.start)}/${isoOf(s.end)}`),
      ['2026-03-06T14:00:00Z/2026-03-06T22:00:00Z', '2026-03-09T13:00:00Z/2026-03-09T21:00:00Z'],
    );
  });

  it('an overnight restriction (17:00-09:00) runs past midnight into the next day', () => {
    const layer = buildLayer({
      startDate: '2026-01-05',
      restrictions: [{ days: ['fri'], start: '17:00', end: '09:00' }],
    });
    const r = computeSchedule(
      { timezone: 'Asia/Kolkata', layers: [layer] },
      [],
      iso('2026-01-05T00:00:00Z'),
      iso('2026-01-12T00:00:00Z'),
    );
    assert.deepEqual(
      r.final.map((s) => `${isoOf(s.start)}/${isoOf(s.end)}`),
      ['2026-01-09T11:30:00Z/2026-01-10T03:30:00Z'],
    );
  });

  it('offsets match ICU at every instant sampled, including seconds around transitions', () => {
    for (const tz of ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata']) {
      const fmt = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz,
        hourCycle: 'h23',
        hour: '2-digit',
        minute: '2-digit',
      });
      for (let t = iso('2026-01-01T00:00:00Z'); t < iso('2027-01-01T00:00:00Z'); t += 97 * 60_000 + 13_000) {
        const l = utcToLocal(tz, t);
        const parts = fmt.format(t);
        const mins = (l.minute / 60) | 0;
        assert.equal(
          `${String(mins).padStart(2, '0')}:${String(l.minute % 60).padStart(2, '0')}`,
          parts,
          `${tz} ${isoOf(t)}`,
        );
        assert.ok(Number.isFinite(offsetAt(tz, t)));
      }
    }
  });
});
