/**
 * Group commit for alert intake. Concurrent deliveries are gathered for a very short time (`lingerMs`, or until
 * `maxBatchItems` / `maxBatchSize` are reached, or until the previous commit finishes — "commit whoever is waiting")
 * and applied in ONE transaction, in arrival order; each caller's promise settles only after that transaction has
 * committed, so a 2xx still means "durable". One fsync then serves the whole batch instead of one per delivery.
 *
 * One batch commits at a time per process (SQLite has one connection anyway; on PostgreSQL the per-service lock
 * would serialise concurrent batches for the same service). When the batch transaction itself fails, its deliveries
 * are applied again one by one, each in its own transaction, so one bad delivery cannot fail the others.
 */

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

interface Pending<T, R> {
  item: T;
  size: number;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitStats {
  queued: number;
  batches: number;
  items: number;
  largestBatch: number;
  fallbacks: number;
}

export class GroupCommitter<T, R> {
  private queue: Pending<T, R>[] = [];
  private queuedSize = 0;
  private isFlushing = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly counters = { batches: 0, items: 0, largestBatch: 0, fallbacks: 0 };

  constructor(
    private readonly runner: GroupCommitRunner<T, R>,
    private readonly opts: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
    private readonly sizeOf: (item: T) => number = () => 1,
  ) {}

  get stats(): GroupCommitStats {
    return { queued: this.queue.length, ...this.counters };
  }

  /** Settles after the transaction holding `item` has committed (or with the item's own error). */
  submit(item: T): Promise<R> {
    if (this.queue.length >= this.opts.maxQueued) return Promise.reject(new GroupCommitFullError());
    return new Promise<R>((resolve, reject) => {
      const size = Math.max(1, this.sizeOf(item));
      this.queue.push({ item, size, resolve, reject });
      this.queuedSize += size;
      this.schedule();
    });
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
      while (this.queue.length > 0) await this.commit(this.take());
    } finally {
      this.isFlushing = false;
    }
  }

  /** The oldest waiting deliveries, up to the batch limits (always at least one). */
  private take(): Pending<T, R>[] {
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
    return batch;
  }

  /** Never throws: every pending promise is settled. */
  private async commit(batch: Pending<T, R>[]): Promise<void> {
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
