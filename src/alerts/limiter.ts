/**
 * Bounds the intake requests being processed at once. A few wait (briefly) for a slot; beyond that the caller is told
 * to come back later (503 or 429 with Retry-After) instead of piling up work and memory without end. A request is
 * answered 2xx only after its transaction commits, so nothing answered 2xx is ever dropped.
 *
 * Fairness: a request may name its bucket (the integration key it presented). One bucket holds at most
 * `maxPerBucket` of the slots and queue places together, so a single monitor in a storm is told to come back while
 * the other integrations still get in.
 */
export class IntakeLimiter {
  private inFlight = 0;
  /** Each waiter is told whether it got the slot (true) or must give up (false: closing). */
  private readonly waiting: ((granted: boolean) => void)[] = [];
  private isClosed = false;
  private readonly onIdle: (() => void)[] = [];
  /** Requests holding a slot or waiting, per bucket (buckets with none are removed). */
  private readonly perBucket = new Map<string, number>();
  private readonly maxPerBucket: number;

  constructor(
    private readonly opts: {
      maxInFlight: number;
      maxQueued: number;
      queueTimeoutMs: number;
      /** The share (percent) of slots plus queue places one bucket may hold; 100 turns fairness off. */
      maxSharePerKeyPercent?: number;
    },
  ) {
    const share = opts.maxSharePerKeyPercent ?? 100;
    this.maxPerBucket = Math.max(1, Math.ceil(((opts.maxInFlight + opts.maxQueued) * share) / 100));
  }

  /** Whether `bucket` already holds its share: a request for it would be refused now. */
  isOverShare(bucket: string | undefined): boolean {
    return bucket !== undefined && (this.perBucket.get(bucket) ?? 0) >= this.maxPerBucket;
  }

  get stats(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.waiting.length };
  }

  /** Take a slot without waiting; false when full or closed. Release with `release()`. */
  tryAcquire(): boolean {
    if (this.isClosed || this.inFlight >= this.opts.maxInFlight) return false;
    this.inFlight++;
    return true;
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) {
      next(true); // the slot passes straight to the next waiter
      return;
    }
    this.inFlight--;
    if (this.inFlight === 0) for (const done of this.onIdle.splice(0)) done();
  }

  /**
   * Shutting down: refuse new and waiting requests (their callers answer 503), and resolve once every request that
   * holds a slot has finished, so the database is not closed under a commit someone is waiting for.
   */
  close(): Promise<void> {
    this.isClosed = true;
    for (const w of this.waiting.splice(0)) w(false);
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.onIdle.push(resolve));
  }

  /** Run `fn` in a slot; null (fn not run) when no slot came free in time, or `bucket` holds its share already. */
  async run<T>(fn: () => Promise<T>, bucket?: string): Promise<{ value: T } | null> {
    if (this.isOverShare(bucket)) return null;
    if (bucket === undefined) return this.runInSlot(fn);
    this.perBucket.set(bucket, (this.perBucket.get(bucket) ?? 0) + 1);
    try {
      return await this.runInSlot(fn);
    } finally {
      const n = this.perBucket.get(bucket)! - 1;
      if (n > 0) this.perBucket.set(bucket, n);
      else this.perBucket.delete(bucket);
    }
  }

  private async runInSlot<T>(fn: () => Promise<T>): Promise<{ value: T } | null> {
    if (!this.tryAcquire()) {
      if (this.isClosed || this.waiting.length >= this.opts.maxQueued) return null;
      const got = await new Promise<boolean>((resolve) => {
        const grant = (granted: boolean): void => {
          clearTimeout(timer);
          resolve(granted);
        };
        const timer = setTimeout(() => {
          const i = this.waiting.indexOf(grant);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve(false);
        }, this.opts.queueTimeoutMs);
        this.waiting.push(grant);
      });
      if (!got) return null;
    }
    try {
      return { value: await fn() };
    } finally {
      this.release();
    }
  }
}
