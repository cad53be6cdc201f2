/** Pure job maths: no I/O, time passed in. */

export type JobStatus = 'pending' | 'running' | 'succeeded' | 'dead';

export interface Job<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  status: JobStatus;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  /** Incremented at every claim; completing or failing a job needs the fence it was claimed with. */
  fence: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  lastError: string | null;
  uniqueKey: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface EnqueueOptions<P = unknown> {
  kind: string;
  payload: P;
  /** When the job becomes due; default now. */
  runAt?: number;
  maxAttempts?: number;
  /**
   * At most one job exists with this key (pending, running, succeeded or dead): enqueueing again is a no-op. Succeeded
   * jobs are pruned after a week, after which the key can be used again.
   */
  uniqueKey?: string;
}

export const DEFAULT_MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 60 * 60 * 1000;

/**
 * Exponential backoff with full jitter in its upper half: attempt 1 waits ~1-2 s, attempt 2 ~2-4 s, … capped at an
 * hour. `random` is injected so tests are deterministic.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(1, attempt));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** What happens to a job whose handler threw. */
export function nextAfterFailure(
  job: Pick<Job, 'attempts' | 'maxAttempts'>,
  isPermanent: boolean,
  now: number,
  random: () => number = Math.random,
): { status: 'pending'; runAt: number } | { status: 'dead' } {
  if (isPermanent || job.attempts >= job.maxAttempts) return { status: 'dead' };
  return { status: 'pending', runAt: now + backoffMs(job.attempts, random) };
}
