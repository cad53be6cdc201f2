/**
 * Time for intake's deadlines (IntakeLimiter, GroupCommitter): the current time and one-shot timers, passed in so
 * that unit tests drive them by hand (ManualTimers) instead of waiting and asserting on how long something took.
 */
export interface DeadlineTimers {
  now(): number;
  /** Call `fn` once after `ms` (at once, on the next turn, when `ms` ≤ 0); the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemTimers: DeadlineTimers = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/** Timers that fire only when the test advances the time (in due order). */
export class ManualTimers implements DeadlineTimers {
  private t: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const id = this.seq++;
    this.pending.set(id, { at: this.t + Math.max(0, ms), fn });
    return () => this.pending.delete(id);
  }

  /** Timers still waiting to fire. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Move the time on by `ms`, firing every timer that falls due, oldest due first. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = until;
  }
}
