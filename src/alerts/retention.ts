/**
 * Raw received bodies (`intake_payloads`) are kept for the alert history's "what exactly arrived" and then pruned:
 * an alert storm stores one row per delivery, and without pruning the table only grows. Alerts, their history and
 * change events stay; a history entry whose body was pruned keeps its `payloadId`, and reading it answers 404.
 *
 * `alerts.prunePayloads` runs once a day (a durable job that schedules its successor when it completes) and deletes
 * in chunks by id, which is time-ordered, so each statement is short and holds SQLite's one connection only briefly.
 */
import type { Db, Executor } from '../db/index.js';
import { activeJobPayloads, enqueueJob, type JobHandler } from '../jobs/index.js';
import { idFloor } from '../shared/ids.js';
import { pruneIntakeErrors } from './intake-errors.js';

export const PRUNE_PAYLOADS_JOB = 'alerts.prunePayloads';
const DAY_MS = 24 * 60 * 60 * 1000;
const CHUNK = 5000;

/** Delete bodies received before `before`; returns how many went. */
export async function prunePayloads(db: Db, before: number, chunk = CHUNK): Promise<number> {
  const floor = idFloor('pay', before);
  let total = 0;
  for (;;) {
    const ids = (
      await db.kysely
        .selectFrom('intakePayloads')
        .select('id')
        .where('id', '<', floor)
        .orderBy('id')
        .limit(chunk)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) return total;
    await db.kysely.deleteFrom('intakePayloads').where('id', 'in', ids).execute();
    total += ids.length;
    if (ids.length < chunk) return total;
  }
}

async function scheduleNext(ex: Executor, engine: Db['engine'], at: number, now: number): Promise<void> {
  const day = Math.floor(at / DAY_MS);
  await enqueueJob(
    ex,
    engine,
    { kind: PRUNE_PAYLOADS_JOB, payload: {}, runAt: at, uniqueKey: `${PRUNE_PAYLOADS_JOB}:${day}` },
    now,
  );
}

/** At start-up: make sure the daily prune is scheduled (the first run is an hour after a fresh start). */
export async function ensurePayloadPruning(db: Db, now: number): Promise<void> {
  const scheduled = await activeJobPayloads(db.kysely, PRUNE_PAYLOADS_JOB);
  if (!scheduled.length) await scheduleNext(db.kysely, db.engine, now + 60 * 60 * 1000, now);
}

export function prunePayloadsHandler(opts: { retentionDays: number }): JobHandler {
  return async (ctx) => {
    const now = ctx.clock.now();
    const n = await prunePayloads(ctx.db, now - opts.retentionDays * DAY_MS);
    if (n > 0) ctx.log.info({ pruned: n, retentionDays: opts.retentionDays }, 'pruned received intake bodies');
    // The intake error log keeps raw items too: it goes with the bodies.
    const errors = await pruneIntakeErrors(ctx.db.kysely, now - opts.retentionDays * DAY_MS);
    if (errors > 0) ctx.log.info({ pruned: errors, retentionDays: opts.retentionDays }, 'pruned intake errors');
    await ctx.complete((trx) => scheduleNext(trx, ctx.db.engine, now + DAY_MS, now));
  };
}
