import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import { prepared } from '../db/prepared.js';

/**
 * The paging gate: "once an acknowledgement commits, no page for that alert is claimed after it". Each delivery is
 * claimed in a short transaction (src/notify/jobs.ts) that first takes this lock, then checks that the alert is
 * still triggered and marks the delivery `sending`; the send happens after that transaction commits, holding no
 * database connection or lock (issue 23). Every status change of the alert takes the same lock: on PostgreSQL the
 * alert's row lock (`FOR UPDATE`; acknowledge and resolve update that row), on SQLite the database's single
 * connection, which any transaction holds (one process per data directory). So each claim either sees an
 * acknowledgement that committed before it and skips, or commits first: that one send in flight may finish after
 * the acknowledgement, and nothing claimed after it goes out.
 */
export type PagingGate = (trx: Executor, alertIds: readonly string[]) => Promise<void>;

// The locks are prepared (src/db/prepared.ts): compiled once per number of alerts, not per claim.
const lockAlertsQ = prepared(
  'alerts.lockAlerts',
  (_ex: Executor, ids: string[]) => sql`select id from alerts where id in (${sql.join(ids)}) order by id for update`,
);

const lockAlertQ = prepared(
  'alerts.lockAlert',
  (_ex: Executor, alertId: string) => sql`select id from alerts where id = ${alertId} for update`,
);

const lockRunOfAlertQ = prepared(
  'alerts.lockRunOfAlert',
  (_ex: Executor, alertId: string) =>
    sql`select a.id from alerts a where a.id = (
      select r.alert_id from escalation_run_alerts mine join escalation_runs r on r.id = mine.run_id
      where mine.alert_id = ${alertId}
      order by case when r.status = 'reassigned' then 1 else 0 end, r.started_at desc, r.id desc limit 1)
    for update`,
);

/** `alertIds`: one claim's alert, or a claim batch's alerts, locked in one statement in id order (no deadlocks). */
export function pagingGate(db: Db): PagingGate {
  return async (trx, alertIds) => {
    if (db.engine !== 'postgres' || alertIds.length === 0) return;
    const ids = [...new Set(alertIds)].sort();
    await trx.executeQuery(lockAlertsQ(trx, ids));
  };
}

/**
 * The escalation run an alert pages with (paging groups, issue 14): its lead alert, whose row is the run's claim lock
 * (every page of the run is a delivery for the lead), and every alert of it in the order they joined. null: the
 * alert has no run (not paged yet, or held). Escalation owns the table; this domain only reads it.
 */
export interface PagingRun {
  runId: string;
  leadAlertId: string;
  alertIds: string[];
}

export async function pagingRunOf(ex: Executor, alertId: string): Promise<PagingRun | null> {
  // The alert's current run (a reassigned run has ended and its successor pages: migration 0038).
  const run = await ex
    .selectFrom('escalationRunAlerts as mine')
    .innerJoin('escalationRuns as r', 'r.id', 'mine.runId')
    .select(['r.id', 'r.alertId'])
    .where('mine.alertId', '=', alertId)
    .orderBy(sql`case when r.status = 'reassigned' then 1 else 0 end`)
    .orderBy('r.startedAt', 'desc')
    .orderBy('r.id', 'desc')
    .executeTakeFirst();
  if (!run) return null;
  const members = await ex
    .selectFrom('escalationRunAlerts')
    .select('alertId')
    .where('runId', '=', run.id)
    .orderBy('joinedAt')
    .orderBy('alertId')
    .execute();
  return { runId: run.id, leadAlertId: run.alertId, alertIds: members.map((m) => m.alertId) };
}

/**
 * Take the claim lock of the alert's run before changing the status of any alert of it: the claim of the run's
 * pages locks the lead alert's row and checks that some alert of the run is still triggered, so acknowledging or
 * resolving any member must take that same row first (PostgreSQL; SQLite's single connection already orders them).
 * Callers lock the service first (lockService), so the order is always service, lead alert, member alerts.
 */
export async function lockPagingRun(trx: Executor, engine: Db['engine'], run: PagingRun | null): Promise<void> {
  if (engine === 'postgres' && run) await trx.executeQuery(lockAlertQ(trx, run.leadAlertId));
}

/** lockPagingRun for an alert, in one statement (PostgreSQL; nothing on SQLite): intake's hot path. */
export async function lockPagingRunOf(trx: Executor, engine: Db['engine'], alertId: string): Promise<void> {
  if (engine !== 'postgres') return;
  await trx.executeQuery(lockRunOfAlertQ(trx, alertId));
}
