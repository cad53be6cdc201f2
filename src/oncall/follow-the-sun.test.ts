/**
 * Follow the sun: layers with their own zones in one schedule. Hand-offs and restrictions of a layer are read on its
 * own wall clock, so the final schedule moves by an hour on each side's DST change, on a different date for each.
 * The figures below are worked by hand from the zone rules (2026: New York springs forward on Sunday 8 March at
 * 02:00 EST = 07:00Z; London on Sunday 29 March at 01:00 GMT = 01:00Z).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeSchedule, type ScheduleDef } from './model.js';
import { buildLayer } from './testing.js';

const iso = (s: string): number => Date.parse(s);
const hhmm = (ms: number, day: string): string => {
  const t = new Date(ms).toISOString();
  return t.slice(0, 10) === day ? t.slice(11, 16) : '24:00';
};

/** The final schedule of one UTC day as `HH:MM-HH:MM user` (UTC). */
function finalOn(def: ScheduleDef, day: string): string[] {
  const from = iso(`${day}T00:00:00Z`);
  const r = computeSchedule(def, [], from, from + 86400_000);
  return r.final.map((s) => `${hhmm(s.start, day)}-${hhmm(s.end, day)} ${s.userId}`);
}

/**
 * The schedule's zone is Asia/Tokyo (no DST); APAC covers everything underneath in that zone, EMEA is on in London
 * 08:00-16:00, AMER in New York 09:00-17:00 and wins where they overlap. Both rotate daily at the start of their day,
 * from Monday 2 March 2026.
 */
const followTheSun: ScheduleDef = {
  timezone: 'Asia/Tokyo',
  layers: [
    buildLayer({ id: 'apac', name: 'APAC', participants: ['apac'], startDate: '2026-03-02', handoffTime: '09:00' }),
    buildLayer({
      id: 'emea',
      name: 'EMEA',
      timeZone: 'Europe/London',
      participants: ['e1', 'e2'],
      startDate: '2026-03-02',
      handoffTime: '08:00',
      restrictions: [{ days: [], start: '08:00', end: '16:00' }],
    }),
    buildLayer({
      id: 'amer',
      name: 'AMER',
      timeZone: 'America/New_York',
      participants: ['a1', 'a2'],
      startDate: '2026-03-02',
      handoffTime: '09:00',
      restrictions: [{ days: [], start: '09:00', end: '17:00' }],
    }),
  ],
};

describe('follow the sun: layers in their own zones', () => {
  it('before any change (GMT and EST): EMEA 08-16Z, AMER 14-22Z', () => {
    // Saturday 7 March is day 5 of both rotations: the second person of each.
    assert.deepEqual(finalOn(followTheSun, '2026-03-07'), [
      '00:00-08:00 apac',
      '08:00-14:00 e2',
      '14:00-22:00 a2',
      '22:00-24:00 apac',
    ]);
  });

  it('New York springs forward on 8 March: AMER moves to 13-21Z, EMEA stays', () => {
    assert.deepEqual(finalOn(followTheSun, '2026-03-08'), [
      '00:00-08:00 apac',
      '08:00-13:00 e1',
      '13:00-21:00 a1',
      '21:00-24:00 apac',
    ]);
    assert.deepEqual(finalOn(followTheSun, '2026-03-09'), [
      '00:00-08:00 apac',
      '08:00-13:00 e2',
      '13:00-21:00 a2',
      '21:00-24:00 apac',
    ]);
  });

  it('the three weeks between the changes (GMT and EDT): the sides are four hours apart, not five', () => {
    assert.deepEqual(finalOn(followTheSun, '2026-03-28'), [
      '00:00-08:00 apac',
      '08:00-13:00 e1',
      '13:00-21:00 a1',
      '21:00-24:00 apac',
    ]);
  });

  it('London springs forward on 29 March: EMEA moves to 07-15Z, AMER stays', () => {
    assert.deepEqual(finalOn(followTheSun, '2026-03-29'), [
      '00:00-07:00 apac',
      '07:00-13:00 e2',
      '13:00-21:00 a2',
      '21:00-24:00 apac',
    ]);
    assert.deepEqual(finalOn(followTheSun, '2026-03-30'), [
      '00:00-07:00 apac',
      '07:00-13:00 e1',
      '13:00-21:00 a1',
      '21:00-24:00 apac',
    ]);
  });

  it("a layer without a zone keeps the schedule's; rotation hand-offs follow each layer's own clock", () => {
    const def: ScheduleDef = {
      timezone: 'Europe/London',
      layers: [
        buildLayer({ id: 'uk', participants: ['u1', 'u2'], startDate: '2026-03-02', handoffTime: '09:00' }),
        buildLayer({
          id: 'us',
          timeZone: 'America/New_York',
          participants: ['n1', 'n2'],
          startDate: '2026-03-02',
          handoffTime: '09:00',
        }),
      ],
    };
    const r = computeSchedule(def, [], iso('2026-03-06T12:00:00Z'), iso('2026-03-31T00:00:00Z'));
    const starts = (id: string): string[] =>
      r.layers.find((l) => l.layerId === id)!.shifts.map((s) => new Date(s.start).toISOString().slice(0, 16));
    // New York's 09:00: 14:00Z in EST, 13:00Z from 8 March.
    assert.deepEqual(starts('us').slice(0, 4), [
      '2026-03-05T14:00',
      '2026-03-06T14:00',
      '2026-03-07T14:00',
      '2026-03-08T13:00',
    ]);
    // London's 09:00: 09:00Z in GMT, 08:00Z from 29 March.
    assert.deepEqual(starts('uk').slice(-4), [
      '2026-03-27T09:00',
      '2026-03-28T09:00',
      '2026-03-29T08:00',
      '2026-03-30T08:00',
    ]);
  });

  it('a null zone is the same as none', () => {
    const withNull: ScheduleDef = {
      timezone: 'America/New_York',
      layers: [buildLayer({ timeZone: null, restrictions: [{ days: [], start: '09:00', end: '17:00' }] })],
    };
    const without: ScheduleDef = {
      timezone: 'America/New_York',
      layers: [buildLayer({ restrictions: [{ days: [], start: '09:00', end: '17:00' }] })],
    };
    assert.deepEqual(finalOn(withNull, '2026-03-09'), finalOn(without, '2026-03-09'));
    // 9 March is day 63 of the rotation from 5 January: 63 % 6 = 3, the fourth person.
    assert.deepEqual(finalOn(withNull, '2026-03-09'), ['13:00-21:00 usr_d']);
  });
});
