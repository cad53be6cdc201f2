import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bulkhead, DEFAULT_BULKHEAD } from './bulkhead.js';
import { isDatabaseUnavailable } from '../db/health.js';
import { DeliveryError, unreachableFailure } from './errors.js';

function bulkhead(now: { t: number }, over: Partial<ConstructorParameters<typeof Bulkhead>[0]> = {}): Bulkhead {
  return new Bulkhead({
    ...DEFAULT_BULKHEAD,
    maxInFlightHealthy: 4,
    maxInFlightUnhealthy: 3,
    queueWaitMs: 0,
    now: () => now.t,
    ...over,
  });
}

const refusal = async (p: Promise<unknown>): Promise<DeliveryError> => {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DeliveryError && e.isBulkhead && !e.isPermanent, String(e));
    return e;
  }
  assert.fail('expected the bulkhead to refuse');
};

describe('bulkhead and circuit breaker per destination', () => {
  it('holds a new destination to two sends until it answers, then gives it its share', async () => {
    const now = { t: 1_000 };
    const b = bulkhead(now);
    const first = await b.acquire('webhook', 'dest:1');
    await b.acquire('webhook', 'dest:1');
    await refusal(b.acquire('webhook', 'dest:1')); // new: on probation
    first.release('sent'); // it answers
    const held = await Promise.all([1, 2, 3].map(() => b.acquire('webhook', 'dest:1')));
    await refusal(b.acquire('webhook', 'dest:1')); // the answering share (4 here) is used up
    // Another destination is not affected.
    (await b.acquire('webhook', 'other:2')).release('sent');
    now.t += DEFAULT_BULKHEAD.slowMs; // its sends have been in flight 3 s: slow
    for (const p of held) p.release('sent');
    await b.acquire('webhook', 'dest:1'); // one stuck (3 s) + this one = two
    const e = await refusal(b.acquire('webhook', 'dest:1'));
    assert.match(e.message, /dest:1 is busy/);
    assert.ok((e.retryAfterMs ?? 0) >= 1_000);
  });

  it('treats a destination whose last send timed out as failing: two in flight', async () => {
    const now = { t: 1_000 };
    const b = bulkhead(now);
    (await b.acquire('webhook', 'dead')).release('unreachable');
    await b.acquire('webhook', 'dead');
    await b.acquire('webhook', 'dead');
    await refusal(b.acquire('webhook', 'dead'));
  });

  it('caps all slow or failing destinations together', async () => {
    const now = { t: 1_000 };
    const b = bulkhead(now);
    (await b.acquire('webhook', 'a')).release('unreachable');
    (await b.acquire('webhook', 'b')).release('unreachable');
    await b.acquire('webhook', 'a');
    await b.acquire('webhook', 'a');
    await b.acquire('webhook', 'b');
    await refusal(b.acquire('webhook', 'b')); // 3 slow or failing sends in flight already
    // A destination with no history still gets its own share.
    await b.acquire('webhook', 'c');
  });

  it('opens after three time-outs in a row, fails fast, then lets one trial through', async () => {
    const now = { t: 1_000 };
    const b = bulkhead(now);
    for (let i = 0; i < 3; i++) (await b.acquire('webhook', 'dead')).release('unreachable');
    assert.equal(b.state('dead').state, 'open');
    assert.equal(b.openCount(), 1);
    const e = await refusal(b.acquire('webhook', 'dead'));
    assert.match(e.message, /dead is failing \(3 time-outs/);
    assert.ok((e.retryAfterMs ?? 0) >= 59_000);
    now.t += DEFAULT_BULKHEAD.openMs;
    assert.equal(b.state('dead').state, 'half-open');
    const trial = await b.acquire('webhook', 'dead');
    await refusal(b.acquire('webhook', 'dead')); // one trial at a time
    trial.release('unreachable');
    assert.equal(b.state('dead').state, 'open'); // failed again: open for another period
    now.t += DEFAULT_BULKHEAD.openMs;
    (await b.acquire('webhook', 'dead')).release('sent');
    assert.equal(b.state('dead').state, 'closed');
    assert.equal(b.openCount(), 0);
  });

  it('does not count rejections (the host answered) toward the breaker', async () => {
    const now = { t: 1_000 };
    const b = bulkhead(now);
    for (let i = 0; i < 5; i++) (await b.acquire('webhook', 'h')).release(i % 2 ? 'rejected' : 'unreachable');
    assert.equal(b.state('h').state, 'closed');
  });

  it('a healthy destination at its limit waits briefly for a slot instead of failing', async () => {
    const now = { t: 1_000 };
    const b = bulkhead(now, { queueWaitMs: 1_000 });
    (await b.acquire('webhook', 'fast')).release('sent');
    const held = await Promise.all([1, 2, 3, 4].map(() => b.acquire('webhook', 'fast')));
    const waiting = b.acquire('webhook', 'fast');
    setTimeout(() => held[0]!.release('sent'), 20);
    (await waiting).release('sent');
  });
});

describe('a failed send is not a database outage', () => {
  it('keeps the network error out of the cause chain the job runner reads (src/db/health.ts)', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT']) {
      const e = unreachableFailure('webhook', 'could not reach 127.0.0.1:9', Object.assign(new Error(code), { code }));
      assert.equal(isDatabaseUnavailable(e), false, code);
      assert.equal((e.networkError as { code: string }).code, code); // still there for the logs
    }
  });
});
