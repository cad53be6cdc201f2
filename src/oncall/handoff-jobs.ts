/**
 * The hand-off summary as a durable job chain: one `oncall.handoff` job per schedule, due at its next hand-off, unique
 * per schedule × instant so every path that schedules it (a schedule edit, an override, start-up, the previous run)
 * converges on one job. The handler follows the escalation step's shape: re-check that the instant is still a
 * hand-off (an edit may have moved it), notify both sides once (keyed), and schedule the next one in the same
 * transaction.
 */
import type { Db, Executor } from '../db/index.js';
import { activeJobPayloads, enqueueJob, type JobHandler } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import { handoffAt, handoffMessage, nextHandoff, upcomingShift, HANDOFF_CONTEXT_MS, type Handoff } from './handoff.js';
import { schedulePageUrl } from './links.js';
import { findScheduleRow, listScheduleRows, userNames, type Schedule } from './repo.js';
import { loadSchedules } from './shifts.js';
import type { PagesBetween } from './sustainability-service.js';

export const HANDOFF_JOB = 'oncall.handoff';
/** A run this late (the server was down) skips the summary: it would describe a hand-off long past. */
const LATE_MS = 6 * 3_600_000;

export interface HandoffPayload {
  scheduleId: string;
  at: number;
}

export interface HandoffDeps {
  db: Db;
  notify: Pick<NotifyService, 'notifyUser'>;
  pagesBetween: PagesBetween;
  openAlerts: (
    ex: Executor,
    teamId: string,
  ) => Promise<{ id: string; summary: string; severity: string; status: string }[]>;
  publicUrl: () => string;
}

export const handoffKey = (scheduleId: string, at: number): string => `${HANDOFF_JOB}:${scheduleId}:${at}`;

/**
 * Enqueue the job for the schedule's first hand-off after `after` (or a look-again job at the horizon when nothing
 * changes hands before it), in the caller's transaction. Returns when it is due, or null for a deleted schedule.
 */
export async function scheduleNextHandoff(
  trx: Executor,
  engine: Db['engine'],
  scheduleId: string,
  after: number,
  now: number,
): Promise<number | null> {
  const row = await findScheduleRow(trx, scheduleId);
  if (!row) return null;
  const [l] = await loadSchedules(trx, [row], after - HANDOFF_CONTEXT_MS, after + 2 * HANDOFF_CONTEXT_MS);
  const at = nextHandoff(l!.def, l!.overrides, after)?.at ?? after + HANDOFF_CONTEXT_MS;
  await enqueueJob(
    trx,
    engine,
    {
      kind: HANDOFF_JOB,
      payload: { scheduleId, at } satisfies HandoffPayload,
      runAt: at,
      uniqueKey: handoffKey(scheduleId, at),
    },
    now,
  );
  return at;
}

/** On start-up: every schedule without a pending hand-off job gets one. Returns how many were scheduled. */
export async function ensureHandoffJobs(db: Db, now: number): Promise<number> {
  const pending = await activeJobPayloads<HandoffPayload>(db.kysely, HANDOFF_JOB);
  const covered = new Set(pending.map((p) => p.scheduleId));
  const missing = (await listScheduleRows(db.kysely)).filter((s) => !covered.has(s.id));
  for (const s of missing) {
    await db.kysely.transaction().execute((trx) => scheduleNextHandoff(trx, db.engine, s.id, now, now));
  }
  return missing.length;
}

async function sendSummaries(
  deps: HandoffDeps,
  trx: Executor,
  row: Schedule,
  h: Handoff,
  now: number,
): Promise<number> {
  const [l] = await loadSchedules(trx, [row], h.at - HANDOFF_CONTEXT_MS, h.at + HANDOFF_CONTEXT_MS);
  const { def, overrides } = l!;
  const sides = [
    { role: 'outgoing' as const, shift: h.outgoing },
    { role: 'incoming' as const, shift: h.incoming },
  ].filter((s) => s.shift !== null);
  const people = await userNames(
    trx,
    sides.map((s) => s.shift!.userId),
  );
  const names = Object.fromEntries(Object.entries(people).map(([id, p]) => [id, p.name]));
  const pages = h.outgoing
    ? (await deps.pagesBetween(trx, h.outgoing.start, h.at)).filter((p) => p.userId === h.outgoing!.userId)
    : [];
  const openAlerts = await deps.openAlerts(trx, row.teamId);
  for (const side of sides) {
    const userId = side.shift!.userId;
    const message = handoffMessage({
      scheduleName: row.name,
      role: side.role,
      handoff: h,
      names,
      pages,
      openAlerts,
      upcoming: upcomingShift(def, overrides, userId, h.at),
      url: schedulePageUrl(deps.publicUrl(), row.id),
    });
    const key = `${handoffKey(row.id, h.at)}:${side.role}:${userId}`;
    await deps.notify.notifyUser(trx, { userId, urgency: 'low', message, key }, now);
  }
  return sides.length;
}

/** `oncall.handoff`: one hand-off's summaries, then the next hand-off's job. */
export function handoffHandler(deps: HandoffDeps): JobHandler<HandoffPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const { scheduleId, at } = ctx.job.payload;
      const now = ctx.clock.now();
      const row = await findScheduleRow(trx, scheduleId);
      if (!row) return; // the schedule was deleted: the chain ends
      const [l] = await loadSchedules(trx, [row], at - HANDOFF_CONTEXT_MS, at + HANDOFF_CONTEXT_MS);
      const h = handoffAt(l!.def, l!.overrides, at);
      if (!h) ctx.log.debug({ scheduleId, at }, 'no hand-off at this instant any more: exited quietly');
      else if (now - at > LATE_MS) ctx.log.info({ scheduleId, at }, 'hand-off summary skipped: ran too late');
      else await sendSummaries(deps, trx, row, h, now);
      await scheduleNextHandoff(trx, deps.db.engine, scheduleId, Math.max(at, now - LATE_MS), now);
    });
  };
}
