/**
 * A bulkhead and a circuit breaker per destination (a webhook's host, an ntfy server, a provider account), so one
 * endpoint that never answers costs its owner a failed delivery and costs everyone else nothing (issue 23).
 *
 *   - Bulkhead: sends to one destination use a bounded share of the job runner's slots. A destination that answers
 *     gets up to `maxInFlightHealthy` (all slots but a quarter; a burst at that limit waits up to `queueWaitMs` for a
 *     slot, since a send that answers frees one soon); a new one `maxInFlight` (2) until it first answers (a burst
 *     waits while those first sends are young); a slow or failing one — its last send
 *     timed out or took `slowMs` (3 s) or more, its breaker is open, or a send to it has been in flight that long —
 *     gets `maxInFlight` (2), and all slow or failing destinations together at most `maxInFlightUnhealthy` (half
 *     the slots), so several dead endpoints cannot fill the runner either. A send refused here fails fast as
 *     transient (the job retries later), so it never occupies a slot waiting on a dead host. "Slow" is seconds, not
 *     milliseconds, on purpose: an overloaded Muster makes every send slower, and that must not throttle them all.
 *   - Circuit breaker: after `failureThreshold` consecutive time-outs or connection failures the destination is
 *     "open" for `openMs`: sends to it fail fast (recorded in the delivery log). Then one trial send is let through
 *     (half-open): success closes the breaker, another failure opens it again.
 *
 * State is in-process: each Muster process keeps its own (several processes sharing PostgreSQL each bound their own
 * slots). Time comes from `now` (the server's clock), so tests drive it.
 */
import { DeliveryError } from './errors.js';

export interface BulkheadOptions {
  /** In-flight sends allowed to a destination that is slow or failing. */
  maxInFlight: number;
  /** In-flight sends allowed to a destination that is new or answers (e.g. all the runner's slots but a quarter). */
  maxInFlightHealthy: number;
  /** In-flight sends allowed to all slow or failing destinations together (e.g. half the runner's slots). */
  maxInFlightUnhealthy: number;
  /** Consecutive time-outs / connection failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker fails sends fast before one trial send. */
  openMs: number;
  /** A send slower than this (or in flight longer) makes the destination "slow": it gets `maxInFlight` only. */
  slowMs: number;
  /** How long a send to a healthy destination at its limit waits for a slot before failing fast. */
  queueWaitMs: number;
  /** A send's total time-out: a refused send comes back about when the oldest send in flight must have ended. */
  sendTimeoutMs: number;
  now: () => number;
}

export const DEFAULT_BULKHEAD: Omit<BulkheadOptions, 'now' | 'maxInFlightHealthy' | 'maxInFlightUnhealthy'> = {
  maxInFlight: 2,
  failureThreshold: 3,
  openMs: 60_000,
  slowMs: 3_000,
  queueWaitMs: 1_000,
  sendTimeoutMs: 10_000,
};

/** How a send ended, as the breaker counts it: only time-outs and unreachable hosts hold slots, so only they trip. */
export type SendOutcome = 'sent' | 'rejected' | 'unreachable';

interface Destination {
  key: string;
  /** Start times (Date.now()-based, from `now`) of the sends in flight, by ticket. */
  inFlight: Map<number, number>;
  consecutiveFailures: number;
  /** > 0 while the breaker is open or half-open. */
  openUntil: number;
  isTrialInFlight: boolean;
  lastOutcome: SendOutcome | null;
  lastLatencyMs: number;
  waiters: (() => void)[];
}

export interface BreakerState {
  destination: string;
  state: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  /** When an open breaker lets the next trial send through. */
  retryAt: number | null;
}

export interface Permit {
  /** Report the send's outcome (null: nothing was sent) and free the slot; later calls do nothing. */
  release(outcome: SendOutcome | null): void;
}

let nextTicket = 1;

export class Bulkhead {
  private readonly destinations = new Map<string, Destination>();

  constructor(private readonly opts: BulkheadOptions) {}

  private get(key: string): Destination {
    let d = this.destinations.get(key);
    if (!d) {
      d = {
        key,
        inFlight: new Map(),
        consecutiveFailures: 0,
        openUntil: 0,
        isTrialInFlight: false,
        lastOutcome: null,
        lastLatencyMs: 0,
        waiters: [],
      };
      this.destinations.set(key, d);
    }
    return d;
  }

  private hasStuckSend(d: Destination, now: number): boolean {
    for (const started of d.inFlight.values()) if (now - started >= this.opts.slowMs) return true;
    return false;
  }

  /** Slow or failing: its last send did not answer or answered slowly, or a send to it is in flight too long. */
  private isUnhealthy(d: Destination, now: number): boolean {
    return (
      d.lastOutcome === 'unreachable' ||
      (d.lastOutcome !== null && d.lastLatencyMs >= this.opts.slowMs) ||
      d.openUntil > 0 ||
      this.hasStuckSend(d, now)
    );
  }

  /** New or answering: not known to be slow or failing. */
  private isHealthy(d: Destination, now: number): boolean {
    return !this.isUnhealthy(d, now);
  }

  private unhealthyInFlight(now: number): number {
    let n = 0;
    for (const d of this.destinations.values())
      if (d.inFlight.size > 0 && this.isUnhealthy(d, now)) n += d.inFlight.size;
    return n;
  }

  /** Answering: its last send answered (quickly) and nothing to it is stuck. New and failing ones are not. */
  private isAnswering(d: Destination, now: number): boolean {
    return d.lastOutcome !== null && this.isHealthy(d, now);
  }

  private hasRoom(d: Destination, now: number): boolean {
    if (this.isAnswering(d, now)) {
      return d.inFlight.size < Math.max(this.opts.maxInFlight, this.opts.maxInFlightHealthy);
    }
    if (d.inFlight.size >= this.opts.maxInFlight) return false; // new (on probation), slow or failing: two
    return this.isHealthy(d, now) || this.unhealthyInFlight(now) < this.opts.maxInFlightUnhealthy;
  }

  private isWorthWaiting(d: Destination, now: number): boolean {
    if (this.isAnswering(d, now)) return true;
    if (!this.isHealthy(d, now)) return false;
    let oldest = now;
    for (const started of d.inFlight.values()) oldest = Math.min(oldest, started);
    return now - oldest < this.opts.queueWaitMs / 2; // new: its first sends are still young
  }

  /**
   * A slot for one send to `key` (channel: for the error), or a transient DeliveryError that says why not: the
   * breaker is open (retry once it half-opens) or the destination is at its limit.
   */
  async acquire(channel: string, key: string): Promise<Permit> {
    const d = this.get(key);
    let now = this.opts.now();
    let isTrial = false;
    if (d.openUntil > 0) {
      if (now < d.openUntil || d.isTrialInFlight) throw this.openError(channel, d, now);
      isTrial = true; // half-open: this one send tries the destination again
    }
    if (!isTrial && !this.hasRoom(d, now)) {
      // A destination that answers frees a slot soon: wait briefly rather than retrying in seconds. A new one only
      // while its first sends are young (a new dead endpoint must not hold job slots waiting).
      const deadline = Date.now() + this.opts.queueWaitMs;
      while (!this.hasRoom(d, now) && Date.now() < deadline && this.isWorthWaiting(d, now)) {
        await this.waitForSlot(d, deadline - Date.now());
        now = this.opts.now();
      }
      if (d.openUntil > 0 && (now < d.openUntil || d.isTrialInFlight)) throw this.openError(channel, d, now);
      if (!this.hasRoom(d, now)) {
        throw new DeliveryError(
          channel,
          `${key} is busy: ${d.inFlight.size} sends to it are still waiting for an answer; trying again shortly`,
          { isPermanent: false, isBulkhead: true, retryAfterMs: this.retryAfterBusy(d, now) },
        );
      }
    }
    if (isTrial) d.isTrialInFlight = true;
    const ticket = nextTicket++;
    d.inFlight.set(ticket, now);
    let isReleased = false;
    return {
      release: (outcome) => {
        if (isReleased) return;
        isReleased = true;
        const end = this.opts.now();
        d.inFlight.delete(ticket);
        if (isTrial) d.isTrialInFlight = false;
        if (outcome === null) {
          d.waiters.shift()?.();
          return;
        }
        d.lastOutcome = outcome;
        d.lastLatencyMs = end - now;
        if (outcome === 'unreachable') {
          d.consecutiveFailures++;
          if (isTrial || d.consecutiveFailures >= this.opts.failureThreshold) d.openUntil = end + this.opts.openMs;
        } else {
          d.consecutiveFailures = 0;
          d.openUntil = 0;
        }
        d.waiters.shift()?.();
      },
    };
  }

  /**
   * When a refused send should come back: a healthy destination frees a slot within a second; a slow or failing one
   * about when its oldest send in flight times out (spread by up to a second, so the refused sends do not return
   * as one wave). Coming back sooner would only be refused again, at the cost of a job run each time.
   */
  private retryAfterBusy(d: Destination, now: number): number {
    const jitter = Math.floor(Math.random() * 1_000);
    if (!this.isUnhealthy(d, now)) return 1_000 + jitter;
    let oldest = now;
    for (const started of d.inFlight.values()) oldest = Math.min(oldest, started);
    return Math.max(1_000, this.opts.sendTimeoutMs - (now - oldest)) + jitter;
  }

  private waitForSlot(d: Destination, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          const i = d.waiters.indexOf(wake);
          if (i >= 0) d.waiters.splice(i, 1);
          resolve();
        },
        Math.max(1, Math.min(ms, 100)), // look again at least every 100 ms (a new destination may have answered)
      );
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      d.waiters.push(wake);
    });
  }

  private openError(channel: string, d: Destination, now: number): DeliveryError {
    const retryAt = Math.max(d.openUntil, now + 1_000);
    return new DeliveryError(
      channel,
      `${d.key} is failing (${d.consecutiveFailures} time-outs or connection failures in a row); ` +
        `not trying it again before ${new Date(retryAt).toISOString()}`,
      { isPermanent: false, isBulkhead: true, retryAfterMs: retryAt - now },
    );
  }

  /** The breaker of one destination. */
  state(key: string): BreakerState {
    const d = this.destinations.get(key);
    const now = this.opts.now();
    if (!d || d.openUntil === 0) {
      return { destination: key, state: 'closed', consecutiveFailures: d?.consecutiveFailures ?? 0, retryAt: null };
    }
    return {
      destination: key,
      state: now < d.openUntil ? 'open' : 'half-open',
      consecutiveFailures: d.consecutiveFailures,
      retryAt: d.openUntil,
    };
  }

  /** Destinations whose breaker is open or half-open (for the `muster_notification_breakers_open` gauge). */
  openCount(): number {
    let n = 0;
    for (const d of this.destinations.values()) if (d.openUntil > 0) n++;
    return n;
  }

  /** Sends in flight to one destination. */
  inFlight(key: string): number {
    return this.destinations.get(key)?.inFlight.size ?? 0;
  }
}
