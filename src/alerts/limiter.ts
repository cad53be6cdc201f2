/**
 * Bounds the intake requests being processed at once. A few wait (briefly) for a slot; beyond that the caller is told
 * to come back later (503 or 429 with Retry-After) instead of piling up work and memory without end. A request is
 * answered 2xx only after its transaction commits, so nothing answered 2xx is ever dropped.
 */
export class IntakeLimiter {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly opts: { maxInFlight: number; maxQueued: number; queueTimeoutMs: number }) {}

  get stats(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.waiting.length };
  }

  /** Take a slot without waiting; false when full. Release with `release()`. */
  tryAcquire(): boolean {
    if (this.inFlight >= this.opts.maxInFlight) return false;
    this.inFlight++;
    return true;
  }

  release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else this.inFlight--;
  }

  /** Run `fn` in a slot; null (fn not run) when no slot came free in time. */
  async run<T>(fn: () => Promise<T>): Promise<{ value: T } | null> {
    if (!this.tryAcquire()) {
      if (this.waiting.length >= this.opts.maxQueued) return null;
      const got = await new Promise<boolean>((resolve) => {
        const grant = (): void => {
          clearTimeout(timer);
          resolve(true);
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
