/**
 * Group commit for the page path (issue 18): the transactions of concurrent `notify.deliver` runs — the claim and the
 * record (their first read, a plain one, is coalesced by src/db/coalesce.ts) — are queued and done for all of them at
 * once, a few statements and one transaction per batch instead of per page. A batch starts on the next turn of the event loop after its first item
 * (or as soon as a running batch finishes), so at low load a batch holds one item and costs what a single step did.
 * If a batch fails as a whole (a deadlock, a constraint no single item would meet), each of its items is done again
 * on its own, so one bad item costs the others a retry, never their outcome.
 */
export interface BatcherOptions<I, O> {
  /** Do every item's step in one go; the results in the items' order. */
  many: (items: I[]) => Promise<O[]>;
  /** Do one item's step on its own: after a failed batch. */
  one: (item: I) => Promise<O>;
  /** Items per batch, at most. */
  maxItems?: number;
  /** Batches in flight at once (PostgreSQL: more than one; SQLite has one connection anyway). */
  maxConcurrent?: number;
  /** A batch failed as a whole and its items are being done one by one (for the log). */
  onBatchError?: (e: unknown, size: number) => void;
}

interface Waiting<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class Batcher<I, O> {
  private queue: Waiting<I, O>[] = [];
  private running = 0;
  private scheduled = false;
  private readonly maxItems: number;
  private readonly maxConcurrent: number;
  /** Batches done and items in them, for tests and the benchmark. */
  readonly stats = { batches: 0, items: 0, fallbacks: 0 };

  constructor(private readonly opts: BatcherOptions<I, O>) {
    this.maxItems = opts.maxItems ?? 64;
    this.maxConcurrent = opts.maxConcurrent ?? 1;
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.maxConcurrent || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.running >= this.maxConcurrent || this.queue.length === 0) return;
      const batch = this.queue.splice(0, this.maxItems);
      this.running += 1;
      void this.flush(batch).finally(() => {
        this.running -= 1;
        this.schedule();
      });
      this.schedule(); // more waiting than one batch takes, and a free lane: start the next one too
    });
  }

  private async flush(batch: Waiting<I, O>[]): Promise<void> {
    this.stats.batches += 1;
    this.stats.items += batch.length;
    let results: O[];
    try {
      results = await this.opts.many(batch.map((w) => w.item));
    } catch (e) {
      this.stats.fallbacks += 1;
      this.opts.onBatchError?.(e, batch.length);
      await Promise.all(
        batch.map((w) =>
          this.opts.one(w.item).then(
            (o) => w.resolve(o),
            (err: unknown) => w.reject(err),
          ),
        ),
      );
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }
}
