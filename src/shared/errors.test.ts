import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from './errors.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Tue, 24 Nov 2026 12:00:30 GMT', now), 30_000);
  });
  it('caps at an hour and ignores what it cannot use', () => {
    assert.equal(parseRetryAfter('86400', now), 3_600_000);
    for (const v of [null, undefined, '', 'soon', '-5', 'Tue, 24 Nov 2026 11:00:00 GMT']) {
      assert.equal(parseRetryAfter(v, now), undefined, String(v));
    }
  });
});
