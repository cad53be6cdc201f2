/**
 * The one conversion of a local date and time in a zone to an instant, shared by the server (schedules, working
 * hours) and the web forms (web/src/pages/oncall/zone.ts: the override and swap forms): on a fall-back day a time
 * that happens twice is its first occurrence, on a spring-forward day a time that does not exist is the time after
 * the gap. Checked in two zones that change on different days.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromLocalInput, zonedToInstant } from '../../web/src/pages/oncall/zone.js';
import { localToUtc, parseLocalDate } from './tz.js';

const server = (tz: string, date: string, time: string): string => {
  const [h, m] = time.split(':').map(Number);
  return new Date(localToUtc(tz, parseLocalDate(date)!, h! * 60 + m!)).toISOString();
};
const web = (tz: string, date: string, time: string): string => new Date(zonedToInstant(date, time, tz)).toISOString();
const webInput = (tz: string, value: string): string => new Date(fromLocalInput(value, tz)).toISOString();

describe('a local time on a DST change day, read by the server and by the web forms', () => {
  it('America/New_York, 1 November 2026 (02:00 EDT → 01:00 EST): 01:30 is the first 01:30, in EDT', () => {
    const first = '2026-11-01T05:30:00.000Z'; // 01:30 EDT (UTC−4); the second 01:30 (EST) is 06:30Z
    assert.equal(server('America/New_York', '2026-11-01', '01:30'), first);
    assert.equal(web('America/New_York', '2026-11-01', '01:30'), first);
    assert.equal(webInput('America/New_York', '2026-11-01T01:30'), first);
    // Either side of the repeated hour is unambiguous.
    assert.equal(web('America/New_York', '2026-11-01', '00:59'), '2026-11-01T04:59:00.000Z');
    assert.equal(web('America/New_York', '2026-11-01', '02:00'), '2026-11-01T07:00:00.000Z');
  });

  it('Europe/London, 25 October 2026 (02:00 BST → 01:00 GMT): 01:30 is the first 01:30, in BST', () => {
    const first = '2026-10-25T00:30:00.000Z'; // 01:30 BST (UTC+1); the second 01:30 (GMT) is 01:30Z
    assert.equal(server('Europe/London', '2026-10-25', '01:30'), first);
    assert.equal(web('Europe/London', '2026-10-25', '01:30'), first);
    assert.equal(webInput('Europe/London', '2026-10-25T01:30'), first);
    assert.equal(web('Europe/London', '2026-10-25', '01:00'), '2026-10-25T00:00:00.000Z');
  });

  it('a time that does not exist (spring forward) is the time after the gap, in both', () => {
    // New York, 8 March 2026: 02:30 does not exist; 03:30 EDT = 07:30Z.
    assert.equal(server('America/New_York', '2026-03-08', '02:30'), '2026-03-08T07:30:00.000Z');
    assert.equal(web('America/New_York', '2026-03-08', '02:30'), '2026-03-08T07:30:00.000Z');
    // London, 29 March 2026: 01:30 does not exist; 02:30 BST = 01:30Z.
    assert.equal(server('Europe/London', '2026-03-29', '01:30'), '2026-03-29T01:30:00.000Z');
    assert.equal(web('Europe/London', '2026-03-29', '01:30'), '2026-03-29T01:30:00.000Z');
  });

  it('the web forms agree with the server at every half hour around both changes', () => {
    for (const [tz, date] of [
      ['America/New_York', '2026-11-01'],
      ['America/New_York', '2026-03-08'],
      ['Europe/London', '2026-10-25'],
      ['Europe/London', '2026-03-29'],
    ] as const) {
      for (let m = 0; m < 24 * 60; m += 30) {
        const time = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        assert.equal(web(tz, date, time), server(tz, date, time), `${tz} ${date} ${time}`);
      }
    }
  });

  it('a malformed date, time or zone is NaN in the web forms', () => {
    assert.ok(Number.isNaN(zonedToInstant('2026-02-30', '09:00', 'Europe/London')));
    assert.ok(Number.isNaN(zonedToInstant('2026-03-01', '9am', 'Europe/London')));
    assert.ok(Number.isNaN(zonedToInstant('2026-03-01', '09:00', 'Mars/Olympus')));
    assert.ok(Number.isNaN(fromLocalInput('', 'Europe/London')));
  });
});
