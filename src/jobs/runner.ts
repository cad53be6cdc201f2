import { hostname } from 'node:os';
import type pg from 'pg';
import { isDatabaseUnavailable, retryWhileUnavailable } from '../db/health.js';
import type { Db, Executor } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { isAppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { StaleJobError } from './errors.js';
import { nextAfterFailure, type Job } from './model.js';
import {
  JOBS_CHANNEL,
  claimJobs,
  completeJob,
  completeJobs,
  extendLease,
  failJob,
  nextDueAt,
  pruneFinishedJobs,
  releaseOrphanedJobs,
} from './repo.js';

export interface JobContext<P> {
  job: Job<P>;
  /** The runner that claimed this run (`host:pid:suffix`), as recorded in the job's locked_by. */
  runnerId: string;
  db: Db;
  clock: Clock;
  log: Logger;
  /**
   * Do the job's one step in a transaction that also marks the job done, fenced: if another runner has claimed the
   * job since (this run's lease ran out), the transaction rolls back and nothing this run did is kept.
   */
  complete<T>(fn: (trx: Executor) => Promise<T>): Promise<T>;
  /**
   * Mark the job done, fenced, inside a transaction the handler runs itself (when the step's transaction is not one
   * `complete` can open, e.g. a delivery's paging gate). Throws StaleJobError if another runner owns the job now.
   * The handler must return only after that transaction committed; if it throws, the completion rolled back with it.
   */
  completeIn(trx: Executor): Promise<void>;
  /**
   * For a handler that completed many runs in one statement (`completeJobsIn`, e.g. a batch of deliveries recorded
   * together): this run's completion committed with that transaction. Call it only after the commit.
   */
  noteCompletionStaged(): void;
}

/**
 * Complete several runs in one statement inside the caller's transaction (fenced, like completeIn). Returns, per
 * run, whether it was completed; a run that another runner owns now is left alone (its own completion will report it
 * stale), as completeIn's StaleJobError would be caught and ignored. After the transaction commits, the caller calls
 * `noteCompletionStaged` on each completed run (not before: a rolled-back batch completed nothing).
 */
export async function completeJobsIn(
  trx: Executor,
  runs: readonly Pick<JobContext<unknown>, 'job' | 'clock'>[],
): Promise<boolean[]> {
  const first = runs[0];
  if (!first) return [];
  const done = await completeJobs(
    trx,
    runs.map((r) => ({ id: r.job.id, fence: r.job.fence })),
    first.clock.now(),
  );
  return runs.map((r) => done.has(r.job.id));
}

export type JobHandler<P = unknown> = (ctx: JobContext<P>) => Promise<void>;

export interface JobRunnerOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  onOutcome?: (kind: string, outcome: 'succeeded' | 'retried' | 'dead' | 'stale', ms: number) => void;
  /** A claimed job is about to run, `lateMs` after its `run_at` (for the lateness metrics). */
  onStart?: (job: Job, lateMs: number) => void;
}

const PRUNE_EVERY_MS = 10 * 60 * 1000;
/** While the database is away: the first retry of a claim after this long, doubling up to the cap. */
const DB_RETRY_MIN_MS = 250;
const DB_RETRY_MAX_MS = 2000;
/** A job that failed because the database was away runs again this soon after the failure is recorded. */
const DB_OUTAGE_RETRY_MS = 500;
const KEEP_SUCCEEDED_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Claims due jobs from the database and runs their handlers. Many runners (processes) may share one PostgreSQL:
 * claims use SKIP LOCKED, completion is fenced, and an expired lease hands a job to another runner.
 */
export class JobRunner {
  readonly id = `${hostname()}:${process.pid}:${newId('run').slice(-8)}`;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly active = new Set<Promise<void>>();
  private running = false;
  private loopPromise: Promise<void> | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeResolve: (() => void) | null = null;
  /** A wake() that arrived while the loop was busy: the next sleep returns at once instead of losing it. */
  private wakePending = false;
  private listener: { client: pg.PoolClient; close(err?: Error): void } | null = null;
  private lastPrune = 0;
  /**
   * PostgreSQL: the last claim took as many jobs as it asked for, so more may be due: a finishing job then wakes the
   * loop at once. Otherwise new work wakes it (NOTIFY at every enqueue's commit) or its timer does (the next due job).
   */
  private mayHaveMore = true;
  /** The database was away at the last claim: wait this long before the next (0: it answered). */
  private dbRetryMs = 0;

  constructor(private readonly opts: JobRunnerOptions) {}

  register<P>(kind: string, handler: JobHandler<P>): void {
    if (this.handlers.has(kind)) throw new Error(`Job handler for ${kind} registered twice`);
    this.handlers.set(kind, handler as JobHandler);
  }

  get kinds(): string[] {
    return [...this.handlers.keys()];
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { db } = this.opts;
    if (db.engine === 'sqlite') {
      const n = await releaseOrphanedJobs(db, this.opts.clock.now());
      if (n > 0) this.opts.log.warn({ jobs: n }, 'released jobs left running by a previous process');
    } else {
      await this.listen();
    }
    this.loopPromise = this.loop();
  }

  /**
   * PostgreSQL: hold one connection that LISTENs, so an enqueue in any process wakes this runner at commit. If the
   * connection is lost the runner falls back to polling and the loop listens again on a new connection.
   */
  private async listen(): Promise<void> {
    const pool = this.opts.db.pgPool;
    if (!pool || this.listener) return;
    const client = await pool.connect();
    let isClosed = false;
    const onNotification = (): void => this.wake();
    const onError = (err: Error): void => {
      // A database outage is logged once, by db.health; anything else is worth a line of its own.
      if (isDatabaseUnavailable(err))
        this.opts.log.debug({ err }, 'lost the LISTEN connection; polling until it is back');
      else this.opts.log.warn({ err }, 'lost the LISTEN connection; polling until it is back');
      listener.close(err);
      this.wake(); // the loop listens again on its next pass
    };
    const listener = {
      client,
      close: (err?: Error): void => {
        if (isClosed) return;
        isClosed = true;
        if (this.listener === listener) this.listener = null;
        client.off('notification', onNotification);
        client.off('error', onError);
        client.release(err);
      },
    };
    client.on('error', onError);
    client.on('notification', onNotification);
    try {
      await client.query(`LISTEN ${JOBS_CHANNEL}`);
    } catch (e) {
      listener.close(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    // The connection can be lost between LISTEN's answer and this line (both in one read from the socket): then the
    // listener is already closed, and keeping it would leave the runner deaf to NOTIFY for good.
    if (isClosed) throw new Error('lost the LISTEN connection as it started listening');
    this.listener = listener;
  }

  /** Stop claiming, let running handlers finish, release the LISTEN connection. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopPromise;
    await Promise.allSettled([...this.active]);
    const listener = this.listener;
    if (listener) {
      try {
        await listener.client.query(`UNLISTEN ${JOBS_CHANNEL}`);
        listener.close();
      } catch (e) {
        listener.close(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  /** Look for due work now instead of at the next poll. */
  wake(): void {
    if (this.wakeResolve) this.wakeResolve();
    else this.wakePending = true;
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakePending || !this.running) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wakeResolve = () => {
        if (this.wakeTimer) clearTimeout(this.wakeTimer);
        this.wakeTimer = null;
        this.wakeResolve = null;
        resolve();
      };
      this.wakeTimer = setTimeout(() => this.wakeResolve?.(), ms);
    });
  }

  private async loop(): Promise<void> {
    const { opts } = this;
    while (this.running) {
      this.wakePending = false;
      let claimed = 0;
      let free = opts.concurrency - this.active.size;
      if (opts.db.engine === 'postgres' && !this.listener && this.dbRetryMs === 0) {
        await this.listen().catch((e: unknown) => {
          // While the database is away, its outage is logged once (db.health); the next pass listens again.
          if (!isDatabaseUnavailable(e)) opts.log.warn({ err: e }, 'could not LISTEN; polling');
        });
      }
      try {
        if (free > 0) {
          const jobs = await claimJobs(opts.db, {
            runner: this.id,
            limit: free,
            leaseMs: opts.leaseMs,
            now: opts.clock.now(),
            kinds: this.kinds,
          });
          claimed = jobs.length;
          this.mayHaveMore = claimed === free;
          this.dbRetryMs = 0;
          opts.db.health.noteSuccess();
          for (const job of jobs) {
            const p: Promise<void> = this.execute(job)
              .catch((e: unknown) => opts.log.error({ err: e, jobId: job.id }, 'job runner failed to run a job'))
              .finally(() => {
                this.active.delete(p);
                // SQLite has no NOTIFY: a job this one enqueued (due now) is found by looking again at once.
                if (this.mayHaveMore || opts.db.engine === 'sqlite') this.wake();
              });
            this.active.add(p);
          }
          free -= claimed;
        }
      } catch (e) {
        this.mayHaveMore = true;
        if (opts.db.health.noteFailure(e)) {
          // The database is away (restart, failover): nothing is lost, the jobs wait in it. Claim again with backoff;
          // the outage itself is logged once, by db.health.
          this.dbRetryMs = Math.min(Math.max(this.dbRetryMs * 2, DB_RETRY_MIN_MS), DB_RETRY_MAX_MS);
          if (this.running) await this.sleep(this.dbRetryMs);
          continue;
        }
        opts.log.error({ err: e }, 'job claim failed; retrying after the poll interval');
      }
      try {
        await this.maybePrune();
      } catch (e) {
        if (!isDatabaseUnavailable(e)) opts.log.error({ err: e }, 'pruning finished jobs failed; trying again later');
      }
      if (!this.running) break;
      if (claimed > 0 && free > 0) continue; // there may be more due work right now
      await this.sleep(await this.idleDelay());
    }
  }

  private async idleDelay(): Promise<number> {
    const { opts } = this;
    if (opts.concurrency - this.active.size <= 0) return opts.pollIntervalMs;
    try {
      const next = await nextDueAt(opts.db, this.kinds);
      if (next === null) return opts.pollIntervalMs;
      return Math.max(0, Math.min(opts.pollIntervalMs, next - opts.clock.now()));
    } catch {
      return opts.pollIntervalMs;
    }
  }

  private async maybePrune(): Promise<void> {
    const now = this.opts.clock.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await pruneFinishedJobs(this.opts.db, now - KEEP_SUCCEEDED_MS);
  }

  /** `fn`, waiting out a database outage (src/db/health.ts) until it answers or the runner stops. */
  private whenDatabaseAnswers<T>(fn: () => Promise<T>): Promise<T> {
    return retryWhileUnavailable(fn, { health: this.opts.db.health, shouldStop: () => !this.running });
  }

  /** Run one claimed job to an outcome. Never throws: every failure is recorded on the job row. */
  private async execute(job: Job): Promise<void> {
    const { db, clock, log } = this.opts;
    const started = clock.now();
    this.opts.onStart?.(job, Math.max(0, started - job.runAt));
    const jobLog = log.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const handler = this.handlers.get(job.kind);
    let completedInHandler = false;
    let completionStaged = false;
    // Three heartbeats per lease, so one slow or lost update does not let a live run's lease expire.
    const heartbeat = setInterval(
      () => {
        extendLease(db, job.id, job.fence, clock.now() + this.opts.leaseMs).catch((e: unknown) => {
          if (!db.health.noteFailure(e)) jobLog.warn({ err: e }, 'could not extend job lease');
        });
      },
      Math.max(1, Math.floor(this.opts.leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      if (!handler) throw new Error(`no handler for ${job.kind}`);
      if (job.attempts > job.maxAttempts) throw new Error('attempts exhausted (the runner died while running it)');
      await handler({
        job,
        runnerId: this.id,
        db,
        clock,
        log: jobLog,
        complete: async (fn) => {
          const result = await db.kysely.transaction().execute(async (trx) => {
            const r = await fn(trx);
            if (!(await completeJob(trx, job.id, job.fence, clock.now()))) throw new StaleJobError(job.id, job.fence);
            return r;
          });
          completedInHandler = true;
          return result;
        },
        completeIn: async (trx) => {
          if (!(await completeJob(trx, job.id, job.fence, clock.now()))) throw new StaleJobError(job.id, job.fence);
          completionStaged = true;
        },
        noteCompletionStaged: () => {
          completionStaged = true;
        },
      });
      if (completionStaged) completedInHandler = true;
      if (!completedInHandler) {
        // The handler's work is done: marking it done waits out a database outage rather than running it again.
        const done = await this.whenDatabaseAnswers(() => completeJob(db.kysely, job.id, job.fence, clock.now()));
        if (!done) throw new StaleJobError(job.id, job.fence);
        completedInHandler = true;
      }
      this.opts.onOutcome?.(job.kind, 'succeeded', clock.now() - started);
    } catch (e) {
      if (e instanceof StaleJobError) {
        jobLog.warn('job was claimed by another runner while this one ran it; its work was rolled back');
        this.opts.onOutcome?.(job.kind, 'stale', clock.now() - started);
        return;
      }
      if (completedInHandler) {
        // The step and the job's completion already committed together; there is nothing left to retry.
        jobLog.error({ err: e }, 'job handler threw after completing its step; the job stays succeeded');
        this.opts.onOutcome?.(job.kind, 'succeeded', clock.now() - started);
        return;
      }
      // The database went away under the run: not the job's fault. It runs again soon after the database is back,
      // without using up an attempt (a delivery that was mid-send may repeat once, as after a crash).
      const dbAway = isDatabaseUnavailable(e);
      if (dbAway) db.health.noteFailure(e);
      // A handler that declined to run now (a send refused by its destination's bulkhead or open breaker: nothing
      // was attempted) is deferred: no attempt used, no warning per job (a storm to a dead host refuses hundreds).
      const deferred = !dbAway && isDeferral(e);
      const isPermanent = !handler || (isAppError(e) && e.isPermanent) || job.attempts > job.maxAttempts;
      let next = dbAway
        ? { status: 'pending' as const, runAt: clock.now() + DB_OUTAGE_RETRY_MS }
        : nextAfterFailure(job, isPermanent, clock.now());
      // The provider said when to come back (Retry-After): not before then.
      const retryAfterMs = isAppError(e) ? e.retryAfterMs : undefined;
      if (next.status === 'pending' && retryAfterMs !== undefined) {
        next = { status: 'pending', runAt: Math.max(next.runAt, clock.now() + retryAfterMs) };
      }
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      const deferredNext = { status: 'pending' as const, runAt: clock.now() + (retryAfterMs ?? 1000) };
      try {
        // While the database is away, keep trying (the heartbeat keeps the lease meanwhile): the job runs again
        // within seconds of its return instead of after its lease expires.
        await this.whenDatabaseAnswers(() =>
          failJob(
            db.kysely,
            job.id,
            job.fence,
            dbAway ? { status: 'pending', runAt: clock.now() + DB_OUTAGE_RETRY_MS } : deferred ? deferredNext : next,
            message,
            clock.now(),
            { refundAttempt: dbAway || deferred },
          ),
        );
      } catch (e2) {
        jobLog.error({ err: e2 }, 'could not record job failure; its lease will expire and it will run again');
      }
      if (deferred)
        jobLog.debug({ reason: message, retryAt: new Date(deferredNext.runAt).toISOString() }, 'job deferred');
      else if (next.status === 'dead') jobLog.error({ err: e }, 'job failed permanently and is dead');
      else if (dbAway) jobLog.info({ err: e }, 'job interrupted by a database outage; it runs again');
      else jobLog.warn({ err: e, retryAt: new Date(next.runAt).toISOString() }, 'job failed; retrying with backoff');
      this.opts.onOutcome?.(job.kind, next.status === 'dead' ? 'dead' : 'retried', clock.now() - started);
    } finally {
      clearInterval(heartbeat);
    }
  }
}

/** An error by which a handler says "not now, nothing was attempted" (`isDeferral: true`), e.g. a full bulkhead. */
function isDeferral(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { isDeferral?: unknown }).isDeferral === true;
}
