import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameServer } from './cli-config.js';
import { parseTurn } from './oncall.js';
import { matcherText, parseDuration, parseMatcherText } from './silences.js';

describe('CLI argument readers', () => {
  it('reads matchers of every operator and prints them back the same way', () => {
    for (const [text, want, printed] of [
      [
        'alertname=DiskFull',
        { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        'alertname="DiskFull"',
      ],
      ['env != staging', { name: 'env', value: 'staging', isRegex: false, isEqual: false }, 'env!="staging"'],
      ['pod=~"api-[0-9]+"', { name: 'pod', value: 'api-[0-9]+', isRegex: true, isEqual: true }, 'pod=~"api-[0-9]+"'],
      ['team!~"a, b"', { name: 'team', value: 'a, b', isRegex: true, isEqual: false }, 'team!~"a, b"'],
    ] as const) {
      const m = parseMatcherText(text);
      assert.deepEqual(m, want, text);
      assert.equal(matcherText(m), printed);
      assert.deepEqual(parseMatcherText(matcherText(m)), m, 'printed text reads back');
    }
    assert.throws(() => parseMatcherText('no operator'), /--matcher: "no operator"/);
  });

  it('reads durations and turns, and names a bad one', () => {
    assert.equal(parseDuration('90m'), 90 * 60_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1w'), 7 * 86_400_000);
    assert.throws(() => parseDuration('0h'), /--duration/);
    assert.throws(() => parseDuration('2 hours'), /--duration/);
    assert.deepEqual(parseTurn('1w'), { unit: 'weeks', count: 1 });
    assert.deepEqual(parseTurn('12H'), { unit: 'hours', count: 12 });
    assert.deepEqual(parseTurn('3600s'), { unit: 'duration', seconds: 3600 });
    assert.throws(() => parseTurn('weekly'), /--turn/);
  });

  it('sends a stored token only to the server it was made for', () => {
    assert.ok(sameServer('https://muster.example.com', 'https://muster.example.com/'));
    assert.ok(sameServer('https://muster.example.com:443/', 'https://muster.example.com'));
    assert.ok(!sameServer('https://muster.example.com', 'http://muster.example.com'));
    assert.ok(!sameServer('https://muster.example.com', 'https://muster.example.com.evil.test'));
    assert.ok(!sameServer('https://muster.example.com/a', 'https://muster.example.com/b'));
  });
});
