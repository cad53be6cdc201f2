import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SIGNIN_MAX_PER_EMAIL,
  SIGNIN_MAX_PER_EMAIL_AND_IP,
  SIGNIN_MAX_PER_IP,
  SIGNIN_WINDOW_MS,
  signInWaitMs,
} from './model.js';

const now = 10 * SIGNIN_WINDOW_MS;
const failures = (n: number, ip: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => ({ at: now - 60_000 + i, ip: ip(i) }));

describe('signInWaitMs', () => {
  it('throttles an account per address: a storm from one address leaves the others free', () => {
    const storm = failures(SIGNIN_MAX_PER_EMAIL_AND_IP, () => '198.51.100.9');
    assert.ok(signInWaitMs(storm, [], '198.51.100.9', now) > 0, 'the storming address waits');
    assert.equal(signInWaitMs(storm, [], '203.0.113.4', now), 0, 'the owner elsewhere does not');
    assert.equal(signInWaitMs(storm.slice(1), [], '198.51.100.9', now), 0, 'one below the limit passes');
  });

  it('keeps a much looser ceiling per account, against guessing spread over many addresses', () => {
    assert.ok(SIGNIN_MAX_PER_EMAIL >= 10 * SIGNIN_MAX_PER_EMAIL_AND_IP);
    const spread = failures(SIGNIN_MAX_PER_EMAIL, (i) => `10.0.${Math.floor(i / 250)}.${i % 250}`);
    assert.ok(signInWaitMs(spread, [], '203.0.113.4', now) > 0);
    assert.equal(signInWaitMs(spread.slice(1), [], '203.0.113.4', now), 0);
  });

  it('throttles an address guessing many accounts, and reopens when the window passes', () => {
    const byAddress = Array.from({ length: SIGNIN_MAX_PER_IP }, (_, i) => now - 1000 + i);
    assert.ok(signInWaitMs([], byAddress, '198.51.100.9', now) > 0);
    const storm = failures(SIGNIN_MAX_PER_EMAIL_AND_IP, () => '198.51.100.9');
    const wait = signInWaitMs(storm, [], '198.51.100.9', now);
    assert.ok(wait > 0 && wait <= SIGNIN_WINDOW_MS);
    assert.equal(signInWaitMs(storm, [], '198.51.100.9', now + wait), 0);
  });
});
