/**
 * Bounds the intake requests being processed at once. A few wait (briefly) for a slot; beyond that the caller is told
 * to come back later (503 or 429 with Retry-After) instead of piling up work and memory without end. A request is
 * answered 2xx only after its transaction commits, so nothing answered 2xx is ever dropped.
 *
 * Fair queueing: a request names its bucket (the integration key it presented). A freed slot goes to the waiting
 * bucket with the fewest requests running (the oldest waiter on a tie), and when the queue is full a newcomer from a
 * quieter bucket takes the place of the newest waiter of the busiest one, which is told to come back. So one monitor
 * in a storm cannot crowd out the others, yet on its own it still gets every slot and queue place: its extra
 * requests wait, as before, instead of being refused at once (an instant refusal invites a client to hammer).
 */
import { systemTimers, type DeadlineTimers } from './deadline.js';

export interface IntakeLimiterOptions {
  maxInFlight: number;
  maxQueued: number;
  /** Longest wait for a slot; a waiter not admitted by then is refused (the caller answers 503/429, Retry-After). */
  queueTimeoutMs: number;
  /**
   * The delivery's whole budget from the moment it asks for a slot: the slot wait is cut short at it, and `run`
   * hands it to `fn` so the commit queue can refuse the delivery too if its batch has not started by then (see
   * GroupCommitter). Without it there is no deadline beyond `queueTimeoutMs`.
   */
  deadlineMs?: number;
}

interface Waiter {
  bucket: string;
  seq: number;
  /** Told whether it got the slot (true) or must give up (false: evicted, timed out or closing). */
  grant: (granted: boolean) => void;
}

export class IntakeLimiter {
  private inFlight = 0;
  private queued = 0;
  private seq = 0;
  /** Requests holding a slot, per bucket (absent: none). */
  private readonly running = new Map<string, number>();
  /** Waiters per bucket, oldest first (absent: none). */
  private readonly queues = new Map<string, Waiter[]>();
  private isClosed = false;
  private readonly onIdle: (() => void)[] = [];

  constructor(
    private readonly opts: IntakeLimiterOptions,
    private readonly timers: DeadlineTimers = systemTimers,
  ) {}

  get stats(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.queued };
  }

  /** Take a slot without waiting (bucket "" by default); false when full or closed. Release with `release()`. */
  tryAcquire(bucket = ''): boolean {
    if (this.isClosed || this.inFlight >= this.opts.maxInFlight) return false;
    this.take(bucket);
    return true;
  }

  release(bucket = ''): void {
    const n = (this.running.get(bucket) ?? 1) - 1;
    if (n > 0) this.running.set(bucket, n);
    else this.running.delete(bucket);
    this.inFlight--;
    const next = this.nextWaiter();
    if (next) {
      this.take(next.bucket); // the slot passes straight to the next waiter
      next.grant(true);
      return;
    }
    if (this.inFlight === 0) for (const done of this.onIdle.splice(0)) done();
  }

  /**
   * Shutting down: refuse new and waiting requests (their callers answer 503), and resolve once every request that
   * holds a slot has finished, so the database is not closed under a commit someone is waiting for.
   */
  close(): Promise<void> {
    this.isClosed = true;
    for (const q of this.queues.values()) for (const w of q) w.grant(false);
    this.queues.clear();
    this.queued = 0;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.onIdle.push(resolve));
  }

  /**
   * Run `fn` in a slot; null (fn not run) when no slot came free in time or its place in the queue was given up.
   * `fn` receives the delivery's deadline (epoch ms; Infinity without `deadlineMs`): work that has not started by
   * then should be refused rather than done for a client that has given up.
   */
  async run<T>(fn: (deadline: number) => Promise<T>, bucket = ''): Promise<{ value: T } | null> {
    const now = this.timers.now();
    const deadline = this.opts.deadlineMs === undefined ? Infinity : now + this.opts.deadlineMs;
    if (!this.tryAcquire(bucket)) {
      const waitMs = Math.min(this.opts.queueTimeoutMs, deadline - now);
      if (this.isClosed || waitMs <= 0 || !this.makeRoom(bucket)) return null;
      const got = await new Promise<boolean>((resolve) => {
        const waiter: Waiter = {
          bucket,
          seq: this.seq++,
          grant: (granted) => {
            cancel();
            resolve(granted);
          },
        };
        const cancel = this.timers.after(waitMs, () => {
          this.removeWaiter(waiter);
          resolve(false);
        });
        const q = this.queues.get(bucket);
        if (q) q.push(waiter);
        else this.queues.set(bucket, [waiter]);
        this.queued++;
      });
      if (!got) return null;
    }
    try {
      return { value: await fn(deadline) };
    } finally {
      this.release(bucket);
    }
  }

  private take(bucket: string): void {
    this.inFlight++;
    this.running.set(bucket, (this.running.get(bucket) ?? 0) + 1);
  }

  private load(bucket: string): number {
    return (this.running.get(bucket) ?? 0) + (this.queues.get(bucket)?.length ?? 0);
  }

  /** A queue place for `bucket`: free, or the newest waiter of a busier bucket gives up its place. */
  private makeRoom(bucket: string): boolean {
    if (this.queued < this.opts.maxQueued) return true;
    let busiest: string | null = null;
    for (const b of this.queues.keys()) {
      if (busiest === null || this.load(b) > this.load(busiest)) busiest = b;
    }
    if (busiest === null || busiest === bucket || this.load(busiest) <= this.load(bucket) + 1) return false;
    const evicted = this.queues.get(busiest)!.at(-1)!;
    this.removeWaiter(evicted);
    evicted.grant(false);
    return true;
  }

  /** The head of the waiting bucket with the fewest running; the oldest head on a tie. */
  private nextWaiter(): Waiter | undefined {
    let best: Waiter | undefined;
    for (const [b, q] of this.queues) {
      const head = q[0]!;
      if (
        !best ||
        (this.running.get(b) ?? 0) < (this.running.get(best.bucket) ?? 0) ||
        ((this.running.get(b) ?? 0) === (this.running.get(best.bucket) ?? 0) && head.seq < best.seq)
      ) {
        best = head;
      }
    }
    if (best) this.removeWaiter(best);
    return best;
  }

  private removeWaiter(w: Waiter): void {
    const q = this.queues.get(w.bucket);
    const i = q?.indexOf(w) ?? -1;
    if (!q || i < 0) return;
    q.splice(i, 1);
    if (!q.length) this.queues.delete(w.bucket);
    this.queued--;
  }
}
