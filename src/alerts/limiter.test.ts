import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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

  it("caps one key's share of slots and queue places, so another key still gets in", async () => {
    // 2 slots + 2 queue places, 50% each: one key may hold 2 of the 4.
    const limiter = new IntakeLimiter({
      maxInFlight: 2,
      maxQueued: 2,
      queueTimeoutMs: 5000,
      maxSharePerKeyPercent: 50,
    });
    const gate = deferred();
    const noisy = [limiter.run(() => gate.promise, 'noisy'), limiter.run(() => gate.promise, 'noisy')];
    assert.equal(limiter.isOverShare('noisy'), true);
    assert.equal(await limiter.run(() => Promise.resolve('refused'), 'noisy'), null, 'the noisy key holds its share');
    assert.equal(limiter.isOverShare('quiet'), false);
    const quiet = limiter.run(() => Promise.resolve('quiet'), 'quiet'); // queued behind the two running ones
    assert.deepEqual(limiter.stats, { inFlight: 2, queued: 1 });
    gate.resolve();
    assert.deepEqual(await quiet, { value: 'quiet' });
    await Promise.all(noisy);
    assert.equal(limiter.isOverShare('noisy'), false, 'the share is given back when its requests finish');
    assert.deepEqual(await limiter.run(() => Promise.resolve('again'), 'noisy'), { value: 'again' });
    assert.deepEqual(limiter.stats, { inFlight: 0, queued: 0 });
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
});
