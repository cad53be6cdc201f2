import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryAfterMs } from './rate-limit.js';

describe('retryAfterMs', () => {
  const HOUR = 3_600_000;
  const now = 10 * HOUR;
  it('has room below the limit, counting only the window', () => {
    assert.equal(retryAfterMs([], 3, HOUR, now), 0);
    assert.equal(retryAfterMs([now - 10, now - 20], 3, HOUR, now), 0);
    assert.equal(retryAfterMs([now - 2 * HOUR, now - HOUR, now - 10, now - 20], 3, HOUR, now), 0);
  });
  it('at the limit, waits until the oldest hit that keeps it full leaves the window', () => {
    assert.equal(retryAfterMs([now - 30 * 60_000, now - 10, now - 20], 3, HOUR, now), 30 * 60_000);
    assert.equal(retryAfterMs([now - 50 * 60_000, now - 40 * 60_000, now - 10, now - 20], 3, HOUR, now), 20 * 60_000);
  });
});
