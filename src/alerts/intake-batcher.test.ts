import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualTimers, type DeadlineTimers } from './deadline.js';
import {
  GroupCommitDeadlineError,
  GroupCommitFullError,
  GroupCommitter,
  LanedCommitter,
  type GroupCommitRunner,
  type Settled,
} from './intake-batcher.js';

/** A runner that records its calls; a batch can be held open until `release()` to simulate a slow commit. */
function recorder(opts: { failBatch?: boolean; badItem?: number } = {}) {
  const batches: number[][] = [];
  const ones: number[] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  const runner: GroupCommitRunner<number, string> = {
    async batch(items) {
      batches.push(items);
      await gate;
      if (opts.failBatch) throw new Error('commit failed');
      return items.map((i): Settled<string> =>
        i === opts.badItem ? { ok: false, error: new Error(`bad ${i}`) } : { ok: true, value: `b${i}` },
      );
    },
    one(item) {
      ones.push(item);
      return item === opts.badItem ? Promise.reject(new Error(`bad ${item}`)) : Promise.resolve(`o${item}`);
    },
  };
  return {
    runner,
    batches,
    ones,
    hold: () => {
      gate = new Promise((r) => (open = r));
    },
    release: () => open(),
  };
}

const settle = <T>(ps: Promise<T>[]) => Promise.allSettled(ps);

describe('GroupCommitter', () => {
  it('commits deliveries that arrive together in one batch, in arrival order', async () => {
    const r = recorder();
    const c = new GroupCommitter(r.runner, { lingerMs: 1, maxBatchItems: 100, maxBatchSize: 1000, maxQueued: 100 });
    const out = await Promise.all([1, 2, 3, 4, 5].map((i) => c.submit(i)));
    assert.deepEqual(out, ['b1', 'b2', 'b3', 'b4', 'b5']);
    assert.deepEqual(r.batches, [[1, 2, 3, 4, 5]]);
    assert.deepEqual(c.stats, {
      queued: 0,
      batches: 1,
      items: 5,
      largestBatch: 5,
      fallbacks: 0,
      expired: 0,
      lanes: 1,
      mostAtOnce: 1,
    });
  });

  it('a lone delivery goes through its own transaction; later arrivals wait for the running commit, then go together', async () => {
    const r = recorder();
    const c = new GroupCommitter(r.runner, { lingerMs: 1, maxBatchItems: 100, maxBatchSize: 1000, maxQueued: 100 });
    r.hold();
    const first = [c.submit(1), c.submit(2)];
    while (r.batches.length === 0) await new Promise((res) => setTimeout(res, 1));
    const later = [3, 4, 5].map((i) => c.submit(i));
    r.release();
    assert.deepEqual(await Promise.all([...first, ...later]), ['b1', 'b2', 'b3', 'b4', 'b5']);
    assert.deepEqual(r.batches, [
      [1, 2],
      [3, 4, 5],
    ]);
    assert.deepEqual(await c.submit(6), 'o6');
  });

  it('respects the batch limits by deliveries and by size', async () => {
    const r = recorder();
    const c = new GroupCommitter(
      r.runner,
      { lingerMs: 1, maxBatchItems: 3, maxBatchSize: 5, maxQueued: 100 },
      (i) => i,
    );
    await Promise.all([1, 1, 1, 1, 4, 2, 9].map((i) => c.submit(i)));
    // [1,1,1] by count; then [1,4] by size (5); [2] (2+9 > 5); [9] alone, though larger than the limit.
    assert.deepEqual(r.batches, [
      [1, 1, 1],
      [1, 4],
    ]);
    assert.deepEqual(r.ones, [2, 9]);
  });

  it('rejects only the failing delivery of a batch', async () => {
    const r = recorder({ badItem: 2 });
    const c = new GroupCommitter(r.runner, { lingerMs: 1, maxBatchItems: 100, maxBatchSize: 1000, maxQueued: 100 });
    const out = await settle([1, 2, 3].map((i) => c.submit(i)));
    assert.deepEqual(
      out.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(r.ones, []);
  });

  it('applies one by one when the batch transaction fails, so one bad delivery cannot fail the others', async () => {
    const r = recorder({ failBatch: true, badItem: 2 });
    const c = new GroupCommitter(r.runner, { lingerMs: 1, maxBatchItems: 100, maxBatchSize: 1000, maxQueued: 100 });
    const out = await settle([1, 2, 3].map((i) => c.submit(i)));
    assert.deepEqual(
      out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
      ['o1', 'bad 2', 'o3'],
    );
    assert.deepEqual(r.ones, [1, 2, 3]);
    assert.equal(c.stats.fallbacks, 1);
  });

  it('refuses at once when the queue is full', async () => {
    const r = recorder();
    const c = new GroupCommitter(r.runner, { lingerMs: 1, maxBatchItems: 100, maxBatchSize: 1000, maxQueued: 2 });
    r.hold();
    const held = [c.submit(1), c.submit(2)];
    await assert.rejects(c.submit(3), GroupCommitFullError);
    r.release();
    assert.deepEqual(await Promise.all(held), ['b1', 'b2']);
  });

  describe('deadlines', () => {
    const opts = { lingerMs: 1, maxBatchItems: 100, maxBatchSize: 1000, maxQueued: 100 };
    const outcome = (o: PromiseSettledResult<string>) =>
      o.status === 'fulfilled' ? o.value : o.reason instanceof GroupCommitDeadlineError ? 'refused' : 'error';
    const started = async (r: ReturnType<typeof recorder>, n: number) => {
      while (r.batches.length < n) await new Promise((res) => setTimeout(res, 1));
    };

    it('refuses an item whose batch has not started by its deadline; the running batch still commits', async () => {
      const r = recorder();
      const timers = new ManualTimers(1000);
      const c = new GroupCommitter(r.runner, opts, () => 1, timers);
      r.hold();
      // 1 and 2 start their batch with deadlines that pass while it runs: once started, time never refuses them.
      const running = [c.submit(1, 1050), c.submit(2, 1050)];
      await started(r, 1);
      const late = c.submit(3, 1100);
      const patient = c.submit(4);
      timers.advance(99);
      assert.equal(c.stats.queued, 2, 'nothing refused before the deadline');
      timers.advance(1);
      await assert.rejects(late, GroupCommitDeadlineError);
      assert.equal(c.stats.queued, 1);
      r.release();
      assert.deepEqual((await settle([...running, patient])).map(outcome), ['b1', 'b2', 'o4']);
      assert.deepEqual(r.batches, [[1, 2]]);
      assert.deepEqual(r.ones, [4], 'the refused item was never applied');
      assert.equal(c.stats.expired, 1);
      assert.equal(timers.waiting, 0, 'every deadline timer was cancelled or fired');
    });

    it('refuses at once an item whose deadline has already passed', async () => {
      const r = recorder();
      const timers = new ManualTimers(1000);
      const c = new GroupCommitter(r.runner, opts, () => 1, timers);
      await assert.rejects(c.submit(1, 1000), GroupCommitDeadlineError);
      assert.deepEqual(r.batches, []);
      assert.deepEqual(r.ones, []);
    });

    it('a deadline timer that has not fired yet (a busy event loop) does not let a late item into a batch', async () => {
      const r = recorder();
      let now = 0;
      const silent: DeadlineTimers = { now: () => now, after: () => () => undefined }; // timers that never fire
      const c = new GroupCommitter(r.runner, opts, () => 1, silent);
      r.hold();
      const running = [c.submit(1, 10), c.submit(2, 10)];
      await started(r, 1);
      const queued = [c.submit(3, 10), c.submit(4, 30), c.submit(5)];
      now = 20;
      r.release();
      assert.deepEqual((await settle([...running, ...queued])).map(outcome), ['b1', 'b2', 'refused', 'b4', 'b5']);
      assert.deepEqual(r.batches, [
        [1, 2],
        [4, 5],
      ]);
    });
  });

  describe('lanes (PostgreSQL: batches for different services at once)', () => {
    interface Item {
      service: string;
      n: number;
    }
    /** Each batch (or lone item) is held until the test releases it. */
    function heldRunner() {
      const calls: { items: string[]; release: () => void }[] = [];
      let running = 0;
      let most = 0;
      const run = async (items: Item[]): Promise<Settled<string>[]> => {
        running++;
        most = Math.max(most, running);
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        calls.push({ items: items.map((i) => `${i.service}${i.n}`), release });
        await gate;
        running--;
        return items.map((i) => ({ ok: true, value: `${i.service}${i.n}` }));
      };
      const runner: GroupCommitRunner<Item, string> = {
        batch: run,
        one: async (item) => {
          const [r] = await run([item]);
          return r!.ok ? r!.value : '';
        },
      };
      return { runner, calls, most: () => most };
    }
    const until = async (cond: () => boolean) => {
      while (!cond()) await new Promise((res) => setTimeout(res, 1));
    };
    const opts = { lingerMs: 1, maxBatchItems: 100, maxBatchSize: 1000, maxQueued: 100, lanes: 2 };

    it("commits different services' batches at the same time and keeps one service's deliveries in order in one lane", async () => {
      const r = heldRunner();
      const c = new LanedCommitter(
        r.runner,
        opts,
        () => 1,
        (i: Item) => i.service,
      );
      const a1 = c.submit({ service: 'a', n: 1 });
      const b1 = c.submit({ service: 'b', n: 1 });
      await until(() => r.calls.length === 2);
      assert.deepEqual(r.calls.map((x) => x.items).sort(), [['a1'], ['b1']], 'two services, two transactions at once');
      // Service a's lane is busy and b's too: a's later deliveries wait behind a1, in order, never beside it.
      const later = [c.submit({ service: 'a', n: 2 }), c.submit({ service: 'a', n: 3 })];
      r.calls.find((x) => x.items[0] === 'b1')!.release();
      assert.equal(await b1, 'b1');
      await new Promise((res) => setTimeout(res, 5));
      assert.equal(r.calls.length, 2, "a's deliveries did not move to the idle lane while a1 was committing");
      r.calls.find((x) => x.items[0] === 'a1')!.release();
      assert.equal(await a1, 'a1');
      await until(() => r.calls.length === 3);
      assert.deepEqual(r.calls[2]!.items, ['a2', 'a3']);
      r.calls[2]!.release();
      assert.deepEqual(await Promise.all(later), ['a2', 'a3']);
      assert.equal(r.most(), 2);
      const stats = c.stats;
      assert.deepEqual(
        { lanes: stats.lanes, mostAtOnce: stats.mostAtOnce, batches: stats.batches, items: stats.items },
        { lanes: 2, mostAtOnce: 2, batches: 3, items: 4 },
      );
    });

    it('sends a service with nothing pending to the least busy lane', async () => {
      const r = heldRunner();
      const c = new LanedCommitter(
        r.runner,
        opts,
        () => 1,
        (i: Item) => i.service,
      );
      const a = [1, 2, 3].map((n) => c.submit({ service: 'a', n }));
      await until(() => r.calls.length === 1);
      const b = c.submit({ service: 'b', n: 1 });
      await until(() => r.calls.length === 2);
      assert.deepEqual(r.calls[1]!.items, ['b1'], 'b did not wait behind a');
      const d = c.submit({ service: 'd', n: 1 });
      r.calls[1]!.release();
      await b;
      // d arrived while both lanes were busy: it went to b's (fewer deliveries), so it commits before a's batch ends.
      await until(() => r.calls.length === 3);
      assert.deepEqual(r.calls[2]!.items, ['d1']);
      r.calls[2]!.release();
      assert.equal(await d, 'd1');
      r.calls[0]!.release();
      assert.deepEqual(await Promise.all(a), ['a1', 'a2', 'a3']);
    });
  });
});
