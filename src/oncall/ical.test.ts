import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeText, foldLine, formatUtc, renderCalendar, unfold } from './ical.js';

describe('iCalendar rendering (RFC 5545)', () => {
  it('escapes backslash, semicolon, comma and newlines in TEXT values', () => {
    assert.equal(escapeText('a\\b;c,d\ne\r\nf'), 'a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('folds at 75 octets with CRLF + space and never splits a UTF-8 sequence', () => {
    const line = `SUMMARY:${'é'.repeat(100)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    assert.ok(parts.length > 1);
    for (const [i, p] of parts.entries()) {
      assert.ok(Buffer.byteLength(p) <= 75, `part ${i} is ${Buffer.byteLength(p)} octets`);
      if (i > 0) assert.equal(p[0], ' ');
      assert.ok(!p.includes('\uFFFD'));
    }
    assert.deepEqual(unfold(`${folded}\r\n`), [line]);
  });

  it('writes UTC times, CRLF everywhere, and the required VERSION, PRODID, UID and DTSTAMP', () => {
    const text = renderCalendar({
      name: 'Payments, primary',
      now: Date.parse('2026-11-24T12:00:00Z'),
      events: [
        {
          uid: 'sch_1-lay_1-u-20261130T090000Z@h',
          start: Date.parse('2026-11-30T09:00:00Z'),
          end: Date.parse('2026-12-07T09:00:00Z'),
          summary: 'On call; Alice',
        },
      ],
    });
    assert.ok(!/[^\r]\n/.test(text));
    const lines = unfold(text);
    for (const l of [
      'VERSION:2.0',
      'X-WR-CALNAME:Payments\\, primary',
      'DTSTAMP:20261124T120000Z',
      'DTSTART:20261130T090000Z',
      'SUMMARY:On call\\; Alice',
    ]) {
      assert.ok(lines.includes(l), l);
    }
    assert.ok(lines.some((l) => l.startsWith('PRODID:')));
    assert.equal(formatUtc(0), '19700101T000000Z');
  });
});
