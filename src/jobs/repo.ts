import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import { insertDeferred, notifyDeferred } from '../db/statements.js';
import type { JobsTable } from '../db/schema.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import { DEFAULT_MAX_ATTEMPTS, type EnqueueOptions, type Job, type JobStatus } from './model.js';

export const JOBS_CHANNEL = 'muster_jobs';

function toJob(row: JobsTable): Job {
  return { ...row, status: row.status as JobStatus, payload: fromJsonText<unknown>(row.payload, null) };
}

/** A new pending job's row. */
function pendingJobRow<P>(opts: EnqueueOptions<P>, now: number): JobsTable {
  return {
    id: newId<'job'>('job', now),
    kind: opts.kind,
    payload: toJsonText(opts.payload),
    status: 'pending',
    runAt: opts.runAt ?? now,
    attempts: 0,
    maxAttempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    fence: 0,
    lockedBy: null,
    lockedUntil: null,
    lastError: null,
    uniqueKey: opts.uniqueKey ?? null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
}

// The queries every job (and every page) runs are prepared (src/db/prepared.ts): built and compiled once per shape.
const insertJobQ = prepared(
  'jobs.insert',
  (ex: Executor, row: JobsTable) =>
    ex
      .insertInto('jobs')
      .values(row)
      .onConflict((oc) => oc.column('uniqueKey').doNothing()),
  { nullIsValue: true },
);

const claimJobsQ = prepared(
  'jobs.claim',
  (
    ex: Executor,
    kinds: string[],
    now: number,
    limit: number,
    runner: string,
    lockedUntil: number,
    isPostgres: boolean,
  ) => {
    let candidates = ex
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', kinds)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('runAt', '<=', now)]),
          eb.and([eb('status', '=', 'running'), eb('lockedUntil', '<', now)]),
        ]),
      )
      .orderBy('runAt')
      .limit(limit);
    if (isPostgres) candidates = candidates.forUpdate().skipLocked();
    return ex
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        lockedBy: runner,
        lockedUntil,
        attempts: eb('attempts', '+', 1),
        fence: eb('fence', '+', 1),
        updatedAt: now,
      }))
      .where('id', 'in', candidates)
      .returningAll();
  },
);

const completeJobsQ = prepared(
  'jobs.completeMany',
  (ex: Executor, runs: { id: string; fence: number }[], now: number) =>
    ex
      .updateTable('jobs')
      .set({ status: 'succeeded', finishedAt: now, updatedAt: now, lockedBy: null, lockedUntil: null, lastError: null })
      .where('status', '=', 'running')
      .where((eb) => eb.or(runs.map((r) => eb.and([eb('id', '=', r.id), eb('fence', '=', r.fence)]))))
      .returning('id'),
);

const nextDueAtQ = prepared('jobs.nextDueAt', (ex: Executor, kinds: string[]) =>
  ex
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('runAt').as('next'))
    .where('status', '=', 'pending')
    .where('kind', 'in', kinds),
);

/** A job due now wakes the runners: at once, or once for the transaction when `deferRunnerNotify` asked for that. */
async function wakeRunnersIfDue(executor: Executor, engine: Db['engine'], runAt: number, now: number): Promise<void> {
  if (runAt > now + 50) return;
  const deferred = deferredNotify.get(executor);
  if (deferred) deferred.isNeeded = true;
  else await notifyRunners(executor, engine);
}

/**
 * Enqueue inside the caller's transaction, so the job exists if and only if the state change commits.
 * On PostgreSQL a NOTIFY (delivered at commit) wakes idle runners in every process at once.
 */
export async function enqueueJob<P>(
  executor: Executor,
  engine: Db['engine'],
  opts: EnqueueOptions<P>,
  now: number,
): Promise<string | null> {
  const row = pendingJobRow(opts, now);
  const result = await executor.executeQuery(insertJobQ(executor, row));
  if (Number(result.numAffectedRows ?? 0n) === 0) return null;
  await wakeRunnersIfDue(executor, engine, row.runAt, now);
  return row.id;
}

/**
 * `enqueueJob` for a unique key nobody can have taken yet (it names a row created in this transaction): the row may
 * wait and go out with the transaction's other new jobs in one insert (src/db/statements.ts). Inside a transaction only.
 */
export async function enqueueJobDeferred<P>(
  executor: Executor,
  engine: Db['engine'],
  opts: EnqueueOptions<P>,
  now: number,
): Promise<string> {
  const row = pendingJobRow(opts, now);
  await insertDeferred(executor, 'jobs', row);
  await wakeRunnersIfDue(executor, engine, row.runAt, now);
  return row.id;
}

const deferredNotify = new WeakMap<object, { isNeeded: boolean }>();

/**
 * Enqueues in this transaction wake runners once, at `flushRunnerNotify`, instead of one NOTIFY round trip each
 * (intake enqueues the first pages of every alert in a batch). Call the flush before the transaction commits.
 */
export function deferRunnerNotify(executor: Executor): void {
  if (!deferredNotify.has(executor)) deferredNotify.set(executor, { isNeeded: false });
}

export async function flushRunnerNotify(executor: Executor, engine: Db['engine']): Promise<void> {
  const deferred = deferredNotify.get(executor);
  deferredNotify.delete(executor);
  if (deferred?.isNeeded) await notifyRunners(executor, engine);
}

/** PostgreSQL: wake idle runners in every process (delivered when the caller's transaction commits). */
export async function notifyRunners(executor: Executor, engine: Db['engine']): Promise<void> {
  if (engine === 'postgres') await notifyDeferred(executor, JOBS_CHANNEL, '');
}

/**
 * Claim up to `limit` due jobs: pending ones whose time has come, and running ones whose lease expired (their
 * runner died). PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent runners never claim the same row. SQLite: one
 * writer per database, so the update is already exclusive.
 */
export async function claimJobs(
  db: Db,
  opts: { runner: string; limit: number; leaseMs: number; now: number; kinds: string[] },
): Promise<Job[]> {
  if (opts.limit <= 0 || opts.kinds.length === 0) return [];
  const { now } = opts;
  const rows = await rowsOf(
    db.kysely,
    claimJobsQ(db.kysely, opts.kinds, now, opts.limit, opts.runner, now + opts.leaseMs, db.engine === 'postgres'),
  );
  return rows.map(toJob).sort((a, b) => a.runAt - b.runAt);
}

/** Mark a claimed job done; false when the fence moved on (someone else owns it now). */
export async function completeJob(executor: Executor, id: string, fence: number, now: number): Promise<boolean> {
  return (await completeJobs(executor, [{ id, fence }], now)).has(id);
}

/**
 * Mark several runs done in one statement (a batch of deliveries recorded together), each fenced like completeJob.
 * Returns the ids that were completed; a run missing from it belongs to another runner now (stale).
 */
export async function completeJobs(
  executor: Executor,
  runs: readonly { id: string; fence: number }[],
  now: number,
): Promise<Set<string>> {
  if (runs.length === 0) return new Set();
  const rows = await rowsOf(
    executor,
    completeJobsQ(
      executor,
      runs.map((r) => ({ id: r.id, fence: r.fence })),
      now,
    ),
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Record a failed run, fenced. `refundAttempt`: the run failed because the database was away, not because of the job,
 * so it does not count against the job's attempts (an outage must not turn jobs dead).
 */
export async function failJob(
  executor: Executor,
  id: string,
  fence: number,
  next: { status: 'pending'; runAt: number } | { status: 'dead' },
  error: string,
  now: number,
  opts: { refundAttempt?: boolean } = {},
): Promise<boolean> {
  const r = await executor
    .updateTable('jobs')
    .set((eb) => ({
      ...(opts.refundAttempt ? { attempts: eb('attempts', '-', 1) } : {}),
      status: next.status,
      runAt: next.status === 'pending' ? next.runAt : sql<number>`run_at`,
      finishedAt: next.status === 'dead' ? now : null,
      lastError: error.slice(0, 4000),
      lockedBy: null,
      lockedUntil: null,
      updatedAt: now,
    }))
    .where('id', '=', id)
    .where('fence', '=', fence)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function extendLease(db: Db, id: string, fence: number, until: number): Promise<boolean> {
  const r = await db.kysely
    .updateTable('jobs')
    .set({ lockedUntil: until })
    .where('id', '=', id)
    .where('fence', '=', fence)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** SQLite only: one process per data directory, so at start every `running` job belongs to a dead process. */
export async function releaseOrphanedJobs(db: Db, now: number): Promise<number> {
  const r = await db.kysely
    .updateTable('jobs')
    .set({ status: 'pending', lockedBy: null, lockedUntil: null, updatedAt: now })
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function nextDueAt(db: Db, kinds: string[]): Promise<number | null> {
  if (kinds.length === 0) return null;
  const [row] = await rowsOf(db.kysely, nextDueAtQ(db.kysely, kinds));
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

export async function pruneFinishedJobs(db: Db, olderThan: number): Promise<number> {
  const r = await db.kysely
    .deleteFrom('jobs')
    .where('status', '=', 'succeeded')
    .where('finishedAt', '<', olderThan)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The payloads of this kind's jobs still to run (pending or running): for "is one scheduled already?" checks. */
export async function activeJobPayloads<P>(executor: Executor, kind: string): Promise<P[]> {
  const rows = await executor
    .selectFrom('jobs')
    .select('payload')
    .where('kind', '=', kind)
    .where('status', 'in', ['pending', 'running'])
    .execute();
  return rows.map((r) => fromJsonText<P>(r.payload, {} as P));
}

export async function findJob(executor: Executor, id: string): Promise<Job | null> {
  const row = await executor.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toJob(row) : null;
}

export async function listJobs(
  executor: Executor,
  filter: { status?: JobStatus; kind?: string; limit: number; before?: string },
): Promise<Job[]> {
  let q = executor.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.before) q = q.where('id', '<', filter.before);
  return (await q.execute()).map(toJob);
}

export async function countJobsByStatus(executor: Executor): Promise<Record<string, number>> {
  const rows = await executor
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** A dead job goes back to pending, now, with a fresh attempt budget. */
export async function retryDeadJob(executor: Executor, id: string, now: number): Promise<boolean> {
  const r = await executor
    .updateTable('jobs')
    .set({ status: 'pending', runAt: now, attempts: 0, finishedAt: null, updatedAt: now })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** One kind's backlog, for the Prometheus gauges (src/http/metrics.ts): see `jobBacklog`. */
export interface JobBacklog {
  kind: string;
  /** Waiting to run (not yet claimed), whatever their time. */
  pending: number;
  /** Pending and their time has come. */
  due: number;
  /** Pending and due for longer than `overdueAfterMs`: the runners are not keeping up (or none runs). */
  overdue: number;
  /** The earliest `run_at` of a due job, or null. */
  oldestDueAt: number | null;
  running: number;
  dead: number;
}

/**
 * Every kind's pending, due, overdue, running and dead jobs in one grouped read. It walks `jobs_due_idx`
 * (status, run_at) for the three statuses only, never the succeeded rows; on PostgreSQL it sees every process's jobs.
 */
export async function jobBacklog(executor: Executor, now: number, overdueAfterMs: number): Promise<JobBacklog[]> {
  const rows = await executor
    .selectFrom('jobs')
    .select((eb) => [
      'kind',
      'status',
      eb.fn.countAll().as('n'),
      eb.fn.sum<number | string | null>(eb.case().when('runAt', '<=', now).then(1).else(0).end()).as('due'),
      eb.fn
        .sum<number | string | null>(
          eb
            .case()
            .when('runAt', '<=', now - overdueAfterMs)
            .then(1)
            .else(0)
            .end(),
        )
        .as('overdue'),
      eb.fn.min<number | string | null>('runAt').as('oldest'),
    ])
    .where('status', 'in', ['pending', 'running', 'dead'])
    .groupBy(['kind', 'status'])
    .execute();
  const byKind = new Map<string, JobBacklog>();
  for (const r of rows) {
    let b = byKind.get(r.kind);
    if (!b) {
      b = { kind: r.kind, pending: 0, due: 0, overdue: 0, oldestDueAt: null, running: 0, dead: 0 };
      byKind.set(r.kind, b);
    }
    const n = Number(r.n);
    if (r.status === 'running') b.running = n;
    else if (r.status === 'dead') b.dead = n;
    else {
      b.pending = n;
      b.due = Number(r.due ?? 0);
      b.overdue = Number(r.overdue ?? 0);
      // min(run_at) of the pending rows is the oldest due one whenever any is due.
      b.oldestDueAt = b.due > 0 && r.oldest !== null ? Number(r.oldest) : null;
    }
  }
  return [...byKind.values()];
}
