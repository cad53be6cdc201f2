import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWithinWorkingHours, nextWorkingHoursStart, zonedParts, zonedToInstant, type WorkingHours } from './time.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('zoned time', () => {
  it('reads wall-clock parts and ISO weekdays in a zone', () => {
    const p = zonedParts(Date.parse('2026-03-29T00:30:00Z'), 'Europe/London'); // a Sunday, before the change
    assert.deepEqual([p.hour, p.minute, p.weekday], [0, 30, 7]);
    assert.equal(zonedParts(Date.parse('2026-03-29T01:30:00Z'), 'Europe/London').hour, 2); // BST from 01:00 UTC
  });

  it('maps local times to instants across DST in London, New York, Lord Howe and Kolkata', () => {
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 3, day: 28, hour: 9 }, 'Europe/London')),
      '2026-03-28T09:00:00.000Z',
    );
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 3, day: 30, hour: 9 }, 'Europe/London')),
      '2026-03-30T08:00:00.000Z',
    );
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 11, day: 2, hour: 9 }, 'America/New_York')),
      '2026-11-02T14:00:00.000Z',
    );
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 10, day: 30, hour: 9 }, 'America/New_York')),
      '2026-10-30T13:00:00.000Z',
    );
    // Lord Howe: +10:30 standard, +11:00 summer (a 30-minute shift), summer starts 2026-10-04 02:00 local.
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 10, day: 3, hour: 9 }, 'Australia/Lord_Howe')),
      '2026-10-02T22:30:00.000Z',
    );
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 10, day: 5, hour: 9 }, 'Australia/Lord_Howe')),
      '2026-10-04T22:00:00.000Z',
    );
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 7, day: 1, hour: 9 }, 'Asia/Kolkata')),
      '2026-07-01T03:30:00.000Z',
    );
  });

  it('shifts a time in a DST gap forward and picks the earlier of an overlap', () => {
    // London 2026-03-29 01:30 does not exist (01:00 → 02:00): read as 02:30 BST = 01:30Z.
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, 'Europe/London')),
      '2026-03-29T01:30:00.000Z',
    );
    // London 2026-10-25 01:30 happens twice: first at 00:30Z (BST).
    assert.equal(
      iso(zonedToInstant({ year: 2026, month: 10, day: 25, hour: 1, minute: 30 }, 'Europe/London')),
      '2026-10-25T00:30:00.000Z',
    );
  });
});

describe('working hours', () => {
  const wh: WorkingHours = { timezone: 'America/New_York', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

  it('knows when it is inside working hours in the zone', () => {
    assert.equal(isWithinWorkingHours(Date.parse('2026-11-24T15:00:00Z'), wh), true); // Tue 10:00 EST
    assert.equal(isWithinWorkingHours(Date.parse('2026-11-24T23:00:00Z'), wh), false); // Tue 18:00 EST
    assert.equal(isWithinWorkingHours(Date.parse('2026-11-28T15:00:00Z'), wh), false); // Saturday
  });

  it('finds the next start, skipping the weekend', () => {
    assert.equal(iso(nextWorkingHoursStart(Date.parse('2026-11-24T23:00:00Z'), wh)!), '2026-11-25T14:00:00.000Z');
    assert.equal(iso(nextWorkingHoursStart(Date.parse('2026-11-27T23:00:00Z'), wh)!), '2026-11-30T14:00:00.000Z');
    const inside = Date.parse('2026-11-24T15:00:00Z');
    assert.equal(nextWorkingHoursStart(inside, wh), inside);
  });

  it('handles windows that span midnight', () => {
    const night: WorkingHours = { timezone: 'UTC', days: [1], start: '22:00', end: '06:00' };
    assert.equal(isWithinWorkingHours(Date.parse('2026-11-23T23:00:00Z'), night), true); // Mon 23:00
    assert.equal(isWithinWorkingHours(Date.parse('2026-11-24T05:00:00Z'), night), true); // Tue 05:00, Monday's window
    assert.equal(isWithinWorkingHours(Date.parse('2026-11-24T23:00:00Z'), night), false); // Tue 23:00
  });
});
