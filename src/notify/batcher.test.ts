import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Batcher } from './batcher.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Batcher (group commit for the page path)', () => {
  it('does the items asked for in one turn as one batch, each getting its own result in order', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, string>({
      many: async (items) => {
        batches.push(items);
        return items.map((i) => `r${i}`);
      },
      one: () => Promise.reject(new Error('not used')),
    });
    const got = await Promise.all([1, 2, 3].map((i) => b.add(i)));
    assert.deepEqual(got, ['r1', 'r2', 'r3']);
    assert.deepEqual(batches, [[1, 2, 3]]);
    assert.deepEqual(b.stats, { batches: 1, items: 3, fallbacks: 0 });
  });

  it('gathers items that arrive while a batch is in flight into the next, with at most maxConcurrent in flight', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const b = new Batcher<number, number>({
      many: async (items) => {
        batches.push(items);
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((r) => release.push(r));
        inFlight--;
        return items;
      },
      one: (i) => Promise.resolve(i),
      maxConcurrent: 1,
      maxItems: 3,
    });
    const first = b.add(1);
    await tick();
    await tick();
    const rest = [2, 3, 4, 5].map((i) => b.add(i));
    await tick();
    assert.deepEqual(batches, [[1]], 'the next batch waits for the lane');
    release.shift()!();
    await first;
    while (batches.length < 2) await tick();
    assert.deepEqual(batches[1], [2, 3, 4], 'at most maxItems');
    release.shift()!();
    while (batches.length < 3) await tick();
    release.shift()!();
    assert.deepEqual(await Promise.all(rest), [2, 3, 4, 5]);
    assert.deepEqual(batches, [[1], [2, 3, 4], [5]]);
    assert.equal(most, 1);
  });

  it('does each item on its own after a failed batch: one bad item costs the others a retry, not their outcome', async () => {
    const errors: unknown[] = [];
    const b = new Batcher<number, number>({
      many: () => Promise.reject(new Error('deadlock detected')),
      one: (i) => (i === 2 ? Promise.reject(new Error(`bad ${i}`)) : Promise.resolve(i * 10)),
      onBatchError: (e) => errors.push(e),
    });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => b.add(i)));
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [10, 'bad 2', 30],
    );
    assert.equal(errors.length, 1);
    assert.equal(b.stats.fallbacks, 1);
  });
});
