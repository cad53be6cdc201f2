import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, nextAfterFailure } from './model.js';

const HOUR = 60 * 60 * 1000;
const low = (): number => 0;
const high = (): number => 1;

describe('backoffMs', () => {
  it('waits 1-2 s after the first attempt and doubles with every attempt', () => {
    assert.equal(backoffMs(1, low), 1000);
    assert.equal(backoffMs(1, high), 2000);
    assert.equal(backoffMs(2, low), 2000);
    assert.equal(backoffMs(2, high), 4000);
    for (let attempt = 1; attempt < 11; attempt++) {
      assert.equal(backoffMs(attempt + 1, low), 2 * backoffMs(attempt, low), `attempt ${attempt + 1}`);
      assert.equal(backoffMs(attempt + 1, high), 2 * backoffMs(attempt, high), `attempt ${attempt + 1}`);
    }
  });

  it('is capped at an hour however many attempts failed', () => {
    for (const attempt of [12, 13, 20, 100, 5000]) {
      assert.equal(backoffMs(attempt, high), HOUR, `attempt ${attempt}`);
      assert.equal(backoffMs(attempt, low), HOUR / 2, `attempt ${attempt}`);
    }
  });

  it('places the delay inside its window with the injected random', () => {
    assert.equal(
      backoffMs(3, () => 0.5),
      6000,
    ); // window 4-8 s
    assert.equal(
      backoffMs(3, () => 0.25),
      5000,
    );
    let calls = 0;
    backoffMs(4, () => {
      calls++;
      return 0.5;
    });
    assert.equal(calls, 1);
  });

  it('treats attempt 0 like attempt 1 rather than waiting less', () => {
    assert.equal(backoffMs(0, low), backoffMs(1, low));
    assert.equal(backoffMs(0, high), backoffMs(1, high));
  });
});

describe('nextAfterFailure', () => {
  const now = Date.UTC(2026, 2, 29, 1, 30);

  it('makes a job dead at once on a permanent error, even with attempts left', () => {
    assert.deepEqual(nextAfterFailure({ attempts: 1, maxAttempts: 10 }, true, now, low), { status: 'dead' });
  });

  it('makes a job dead when its last attempt failed', () => {
    assert.deepEqual(nextAfterFailure({ attempts: 10, maxAttempts: 10 }, false, now, low), { status: 'dead' });
    assert.deepEqual(nextAfterFailure({ attempts: 11, maxAttempts: 10 }, false, now, low), { status: 'dead' });
  });

  it('retries a transient failure at now plus the backoff for the attempt that failed', () => {
    assert.deepEqual(nextAfterFailure({ attempts: 1, maxAttempts: 10 }, false, now, low), {
      status: 'pending',
      runAt: now + 1000,
    });
    assert.deepEqual(
      nextAfterFailure({ attempts: 9, maxAttempts: 10 }, false, now, () => 0.5),
      {
        status: 'pending',
        runAt: now + backoffMs(9, () => 0.5),
      },
    );
    const a = nextAfterFailure({ attempts: 3, maxAttempts: 5 }, false, now, high);
    assert.equal(a.status, 'pending');
    assert.equal(a.status === 'pending' && a.runAt, now + 8000);
  });
});
