/**
 * Group commit for alert intake. Concurrent deliveries are gathered for a very short time (`lingerMs`, or until
 * `maxBatchItems` / `maxBatchSize` are reached, or until the previous commit finishes — "commit whoever is waiting")
 * and applied in ONE transaction, in arrival order; each caller's promise settles only after that transaction has
 * committed, so a 2xx still means "durable". One fsync then serves the whole batch instead of one per delivery.
 *
 * One GroupCommitter commits one batch at a time. On PostgreSQL, `LanedCommitter` runs several of them side by side
 * (`lanes`), each taking whole services: every delivery for a service goes to the lane that already holds that
 * service's deliveries (in arrival order), and a service with none waiting goes to the least busy lane. So batches
 * for different services commit at the same time on the pool, while one service's deliveries stay in order and its
 * lock (taken by each batch) is never contended inside the process; across processes that lock serialises one
 * service's batches as before. SQLite has one connection, so it keeps one lane. When the batch transaction itself
 * fails, its deliveries are applied again one by one, each in its own transaction, so one bad delivery cannot fail
 * the others.
 *
 * Deadlines: a delivery may carry one (epoch ms). If its batch has not started by then, it leaves the queue and is
 * refused with GroupCommitDeadlineError (the route answers 503/429 with Retry-After) instead of making its client
 * wait past its own time-out. Once its batch has started it is never refused for time: it commits or fails with its
 * own error, so nothing refused is committed and nothing answered 2xx is left uncommitted.
 */

import { systemTimers, type DeadlineTimers } from './deadline.js';

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitRunner<T, R> {
  /**
   * Apply every item in one transaction, in order; one result per item (an item that failed is rolled back on its
   * own, e.g. to a savepoint). Throws (nothing committed) when the transaction as a whole failed.
   */
  batch(items: T[]): Promise<Settled<R>[]>;
  /** Apply one item in its own transaction. */
  one(item: T): Promise<R>;
}

export interface GroupCommitOptions {
  /** Longest wait for company when the committer is idle; later arrivals join the next batch. */
  lingerMs: number;
  /** Deliveries per batch. */
  maxBatchItems: number;
  /** Events per batch (a delivery may carry many); a single larger delivery still goes through alone. */
  maxBatchSize: number;
  /** Deliveries waiting for a commit; beyond this `submit` fails with GroupCommitFullError at once. */
  maxQueued: number;
  /** Batches committed at once, for different partitions (services); LanedCommitter only. Default 1. */
  lanes?: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = {
  lingerMs: 1,
  maxBatchItems: 128,
  maxBatchSize: 1000,
  maxQueued: 4096,
};

export class GroupCommitFullError extends Error {
  constructor() {
    super('The intake commit queue is full');
    this.name = 'GroupCommitFullError';
  }
}

export class GroupCommitDeadlineError extends Error {
  constructor() {
    super('The delivery waited for a commit past its deadline');
    this.name = 'GroupCommitDeadlineError';
  }
}

interface Pending<T, R> {
  item: T;
  size: number;
  /** Epoch ms by which its batch must have started (Infinity: none). */
  deadline: number;
  /** Cancels the deadline's timer. */
  cancel: () => void;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitStats {
  queued: number;
  batches: number;
  items: number;
  largestBatch: number;
  fallbacks: number;
  /** Deliveries refused because their batch had not started by their deadline. */
  expired: number;
  /** Lanes (batches that may commit at once) and the most that did at the same time. */
  lanes: number;
  mostAtOnce: number;
}

/** What IntakeService needs of a committer: GroupCommitter, or LanedCommitter for several lanes. */
export interface Committer<T, R> {
  submit(item: T, deadline?: number): Promise<R>;
  readonly stats: GroupCommitStats;
}

export class GroupCommitter<T, R> implements Committer<T, R> {
  private queue: Pending<T, R>[] = [];
  /** Deliveries in the batch being committed (0 when idle). */
  private inBatch = 0;
  private queuedSize = 0;
  private isFlushing = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly counters = { batches: 0, items: 0, largestBatch: 0, fallbacks: 0, expired: 0 };

  constructor(
    private readonly runner: GroupCommitRunner<T, R>,
    private readonly opts: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
    private readonly sizeOf: (item: T) => number = () => 1,
    private readonly timers: DeadlineTimers = systemTimers,
  ) {}

  get stats(): GroupCommitStats {
    return { queued: this.queue.length, ...this.counters, lanes: 1, mostAtOnce: Math.min(1, this.counters.batches) };
  }

  /** Deliveries waiting or being committed: how busy this committer is. */
  get load(): number {
    return this.queue.length + this.inBatch;
  }

  /** Whether a batch is being committed now. */
  get isCommitting(): boolean {
    return this.inBatch > 0;
  }

  /**
   * Settles after the transaction holding `item` has committed (or with the item's own error). With a `deadline`
   * (epoch ms), an item whose batch has not started by then is taken out of the queue and rejected with
   * GroupCommitDeadlineError; it is never applied.
   */
  submit(item: T, deadline = Infinity): Promise<R> {
    if (this.queue.length >= this.opts.maxQueued) return Promise.reject(new GroupCommitFullError());
    if (deadline <= this.timers.now()) return this.refuseLate();
    return new Promise<R>((resolve, reject) => {
      const size = Math.max(1, this.sizeOf(item));
      const p: Pending<T, R> = { item, size, deadline, cancel: () => undefined, resolve, reject };
      if (deadline !== Infinity) p.cancel = this.timers.after(deadline - this.timers.now(), () => this.expire(p));
      this.queue.push(p);
      this.queuedSize += size;
      this.schedule();
    });
  }

  private refuseLate(): Promise<R> {
    this.counters.expired++;
    return Promise.reject(new GroupCommitDeadlineError());
  }

  /** The deadline passed: refuse the item if it is still waiting (an item whose batch has started stays in it). */
  private expire(p: Pending<T, R>): void {
    const i = this.queue.indexOf(p);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.queuedSize -= p.size;
    this.counters.expired++;
    p.reject(new GroupCommitDeadlineError());
  }

  private schedule(): void {
    if (this.isFlushing) return; // the running flush takes whoever is waiting when its commit finishes
    const isFull = this.queue.length >= this.opts.maxBatchItems || this.queuedSize >= this.opts.maxBatchSize;
    if (isFull || this.opts.lingerMs <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.opts.lingerMs);
  }

  private async flush(): Promise<void> {
    if (this.isFlushing) return;
    this.isFlushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        if (batch.length) await this.commit(batch);
      }
    } finally {
      this.isFlushing = false;
    }
  }

  /** The oldest waiting deliveries, up to the batch limits (always at least one); none past its deadline. */
  private take(): Pending<T, R>[] {
    // A timer that has not fired yet (a busy event loop) must not let a late item slip into the batch.
    const now = this.timers.now();
    for (const p of this.queue.filter((q) => q.deadline <= now)) this.expire(p);
    let n = 0;
    let size = 0;
    while (n < this.queue.length && n < this.opts.maxBatchItems) {
      const next = this.queue[n]!.size;
      if (n > 0 && size + next > this.opts.maxBatchSize) break;
      size += next;
      n++;
    }
    const batch = this.queue.splice(0, n);
    this.queuedSize -= size;
    for (const p of batch) p.cancel(); // started: from here it commits or fails on its own, never for time
    return batch;
  }

  /** Never throws: every pending promise is settled. */
  private async commit(batch: Pending<T, R>[]): Promise<void> {
    this.inBatch = batch.length;
    try {
      await this.commitBatch(batch);
    } finally {
      this.inBatch = 0;
    }
  }

  private async commitBatch(batch: Pending<T, R>[]): Promise<void> {
    this.counters.batches++;
    this.counters.items += batch.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    if (batch.length > 1) {
      let results: Settled<R>[] | null = null;
      try {
        results = await this.runner.batch(batch.map((p) => p.item));
      } catch {
        results = null; // the transaction failed as a whole: apply one by one below
      }
      if (results && results.length === batch.length) {
        batch.forEach((p, i) => settle(p, results[i]!));
        return;
      }
      this.counters.fallbacks++;
    }
    for (const p of batch) {
      try {
        p.resolve(await this.runner.one(p.item));
      } catch (e) {
        p.reject(e);
      }
    }
  }
}

function settle<T, R>(p: Pending<T, R>, r: Settled<R>): void {
  if (r.ok) p.resolve(r.value);
  else p.reject(r.error);
}

/**
 * Several GroupCommitters side by side (PostgreSQL): a partition's (service's) deliveries all go to the lane that
 * holds any of its deliveries still waiting or committing, so they keep their arrival order; a partition with none
 * goes to the lane with the fewest deliveries. Lanes commit independently, so batches for different services run at
 * the same time, each in its own transaction on the pool.
 */
export class LanedCommitter<T, R> implements Committer<T, R> {
  private readonly lanes: GroupCommitter<T, R>[];
  /** Partitions with deliveries waiting or committing: their lane and how many. */
  private readonly placed = new Map<string, { lane: GroupCommitter<T, R>; pending: number }>();
  private mostAtOnce = 0;

  constructor(
    runner: GroupCommitRunner<T, R>,
    private readonly opts: GroupCommitOptions,
    sizeOf: (item: T) => number,
    private readonly partitionOf: (item: T) => string,
    timers: DeadlineTimers = systemTimers,
  ) {
    const n = Math.max(1, Math.floor(opts.lanes ?? 1));
    // Count how many lanes commit at once (for the stats): wrap the runner.
    const counted: GroupCommitRunner<T, R> = {
      batch: (items) => this.counting(() => runner.batch(items)),
      one: (item) => this.counting(() => runner.one(item)),
    };
    this.lanes = Array.from({ length: n }, () => new GroupCommitter(counted, opts, sizeOf, timers));
  }

  private committing = 0;
  private async counting<V>(fn: () => Promise<V>): Promise<V> {
    this.committing++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.committing);
    try {
      return await fn();
    } finally {
      this.committing--;
    }
  }

  get stats(): GroupCommitStats {
    const all = this.lanes.map((l) => l.stats);
    const sum = (k: 'queued' | 'batches' | 'items' | 'fallbacks' | 'expired') => all.reduce((a, s) => a + s[k], 0);
    return {
      queued: sum('queued'),
      batches: sum('batches'),
      items: sum('items'),
      largestBatch: Math.max(...all.map((s) => s.largestBatch)),
      fallbacks: sum('fallbacks'),
      expired: sum('expired'),
      lanes: this.lanes.length,
      mostAtOnce: this.mostAtOnce,
    };
  }

  submit(item: T, deadline = Infinity): Promise<R> {
    if (this.lanes.reduce((a, l) => a + l.stats.queued, 0) >= this.opts.maxQueued) {
      return Promise.reject(new GroupCommitFullError());
    }
    const key = this.partitionOf(item);
    let place = this.placed.get(key);
    if (!place) {
      let lane = this.lanes[0]!;
      for (const l of this.lanes) if (l.load < lane.load) lane = l;
      place = { lane, pending: 0 };
      this.placed.set(key, place);
    }
    place.pending++;
    const settled = place.lane.submit(item, deadline);
    const done = (): void => {
      if (--place.pending === 0 && this.placed.get(key) === place) this.placed.delete(key);
    };
    settled.then(done, done);
    return settled;
  }
}

/** One committer (one lane) or LanedCommitter, as `opts.lanes` says. */
export function createCommitter<T, R>(
  runner: GroupCommitRunner<T, R>,
  opts: GroupCommitOptions,
  sizeOf: (item: T) => number,
  partitionOf: (item: T) => string,
  timers: DeadlineTimers = systemTimers,
): Committer<T, R> {
  return (opts.lanes ?? 1) > 1
    ? new LanedCommitter(runner, opts, sizeOf, partitionOf, timers)
    : new GroupCommitter(runner, opts, sizeOf, timers);
}
