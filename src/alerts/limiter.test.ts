import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualTimers } from './deadline.js';
import { IntakeLimiter } from './limiter.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('IntakeLimiter', () => {
  it('runs up to maxInFlight at once, queues a few and refuses the rest', async () => {
    const limiter = new IntakeLimiter({ maxInFlight: 1, maxQueued: 1, queueTimeoutMs: 5000 });
    const gate = deferred();
    const first = limiter.run(() => gate.promise.then(() => 'first'));
    const second = limiter.run(() => Promise.resolve('second'));
    assert.equal(await limiter.run(() => Promise.resolve('third')), null, 'the queue is full');
    gate.resolve();
    assert.deepEqual(await first, { value: 'first' });
    assert.deepEqual(await second, { value: 'second' });
  });

  it('gives a freed slot to the key with the fewest running, not to the noisy key that queued first', async () => {
    const limiter = new IntakeLimiter({ maxInFlight: 2, maxQueued: 4, queueTimeoutMs: 5000 });
    const gate = deferred();
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(name);
      await gate.promise;
    };
    const all = [
      limiter.run(job('noisy-1'), 'noisy'),
      limiter.run(job('noisy-2'), 'noisy'),
      limiter.run(job('noisy-3'), 'noisy'), // waits
      limiter.run(job('noisy-4'), 'noisy'), // waits
      limiter.run(job('quiet-1'), 'quiet'), // waits, arrived last
    ];
    assert.deepEqual(limiter.stats, { inFlight: 2, queued: 3 });
    gate.resolve();
    await Promise.all(all);
    assert.deepEqual(order.slice(0, 3), ['noisy-1', 'noisy-2', 'quiet-1'], 'the quiet key goes first');
    assert.deepEqual(limiter.stats, { inFlight: 0, queued: 0 });
  });

  it("when the queue is full, a quieter key takes the noisy key's newest place; a lone noisy key still waits", async () => {
    const limiter = new IntakeLimiter({ maxInFlight: 1, maxQueued: 2, queueTimeoutMs: 5000 });
    const gate = deferred();
    const running = limiter.run(() => gate.promise, 'noisy');
    const older = limiter.run(() => Promise.resolve('older'), 'noisy');
    const newer = limiter.run(() => Promise.resolve('newer'), 'noisy');
    assert.deepEqual(limiter.stats, { inFlight: 1, queued: 2 }, 'a lone noisy key is queued, not refused');
    assert.equal(await limiter.run(() => Promise.resolve('x'), 'noisy'), null, 'the queue is full for the noisy key');
    const quiet = limiter.run(() => Promise.resolve('quiet'), 'quiet');
    assert.equal(await newer, null, "the noisy key's newest waiter gave up its place");
    assert.deepEqual(limiter.stats, { inFlight: 1, queued: 2 });
    gate.resolve();
    assert.deepEqual(await quiet, { value: 'quiet' });
    assert.deepEqual(await older, { value: 'older' });
    await running;
  });

  it('on close refuses waiting and new requests and resolves only when the running ones have finished', async () => {
    const limiter = new IntakeLimiter({ maxInFlight: 1, maxQueued: 4, queueTimeoutMs: 5000 });
    const gate = deferred();
    let finished = false;
    const running = limiter.run(async () => {
      await gate.promise;
      finished = true;
    });
    const waiting = limiter.run(() => Promise.resolve('never'));
    let closed = false;
    const closing = limiter.close().then(() => (closed = true));
    assert.equal(await waiting, null, 'the waiting request is refused at once');
    assert.equal(await limiter.run(() => Promise.resolve('late')), null);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(closed, false, 'still waiting for the running request');
    gate.resolve();
    await closing;
    assert.equal(finished, true);
    assert.deepEqual(await running, { value: undefined });
  });

  it('refuses a waiter that was not admitted within queueTimeoutMs, and only then', async () => {
    const timers = new ManualTimers(0);
    const limiter = new IntakeLimiter({ maxInFlight: 1, maxQueued: 4, queueTimeoutMs: 3000 }, timers);
    const gate = deferred();
    const running = limiter.run(() => gate.promise);
    let ran = false;
    const waiting = limiter.run(() => {
      ran = true;
      return Promise.resolve('late');
    });
    timers.advance(2999);
    assert.deepEqual(limiter.stats, { inFlight: 1, queued: 1 }, 'still waiting just before the time-out');
    timers.advance(1);
    assert.equal(await waiting, null, 'refused at the time-out');
    assert.equal(ran, false);
    assert.deepEqual(limiter.stats, { inFlight: 1, queued: 0 });
    gate.resolve();
    await running;
    assert.equal(timers.waiting, 0);
  });

  it('cuts the wait at the delivery deadline and hands the deadline to the work', async () => {
    const timers = new ManualTimers(1000);
    const limiter = new IntakeLimiter({ maxInFlight: 1, maxQueued: 4, queueTimeoutMs: 5000, deadlineMs: 2000 }, timers);
    const gate = deferred();
    const deadlines: number[] = [];
    const running = limiter.run(async (deadline) => {
      deadlines.push(deadline);
      await gate.promise;
    });
    timers.advance(500);
    const admitted = limiter.run((deadline) => {
      deadlines.push(deadline);
      return Promise.resolve('admitted');
    });
    timers.advance(500);
    const third = limiter.run(() => Promise.resolve('third'));
    assert.deepEqual(limiter.stats, { inFlight: 1, queued: 2 });
    gate.resolve();
    assert.deepEqual(await admitted, { value: 'admitted' }, 'a slot came free before its deadline');
    await running;
    assert.deepEqual(deadlines, [3000, 3500], 'each deadline is its own start + deadlineMs');
    assert.deepEqual(limiter.stats, { inFlight: 0, queued: 0 }, 'the third took the freed slot');
    assert.deepEqual(await third, { value: 'third' });

    // Now a waiter whose deadline (2 s) comes before queueTimeoutMs (5 s) is refused at the deadline.
    const gate2 = deferred();
    const busy = limiter.run(() => gate2.promise);
    const waiter = limiter.run(() => Promise.resolve('never'));
    timers.advance(1999);
    assert.deepEqual(limiter.stats, { inFlight: 1, queued: 1 });
    timers.advance(1);
    assert.equal(await waiter, null);
    gate2.resolve();
    await busy;
  });
});
