/**
 * Paging groups: the alerts an escalation run stands for (issue 14, "one page per problem"). A run's lead alert is
 * `escalation_runs.alert_id`; every alert of the run, the lead included, has a row in `escalation_run_alerts`. An
 * alert belongs to at most one run.
 */
import type { Executor } from '../db/index.js';
import type { EscalationRunsTable } from '../db/schema.js';

export type EscalationRunRow = EscalationRunsTable;

/** Run statuses in which the run still pages (or may, after a hold). */
export const LIVE_RUN_STATUSES = ['active', 'held', 'exhausted'] as const;

/**
 * The escalation run an alert belongs to, as its lead or as a member that joined it; null when it has none (not
 * paged yet, held by a silence, or an alert that never pages). Reads only: lock the run yourself (`select … for
 * update` on PostgreSQL) before changing it. Whether the run is still live is its `status` (`active`, `held`,
 * `exhausted`: it may still page; `acknowledged`, `resolved`: stopped) together with its alerts' statuses
 * (`runAlerts`).
 */
export async function runForAlert(ex: Executor, alertId: string): Promise<EscalationRunRow | null> {
  const member = await ex
    .selectFrom('escalationRunAlerts as ra')
    .innerJoin('escalationRuns as r', 'r.id', 'ra.runId')
    .selectAll('r')
    .where('ra.alertId', '=', alertId)
    .orderBy('r.startedAt', 'desc')
    .executeTakeFirst();
  if (member) return member;
  // A run whose lead row is missing from the join table (written by code older than migration 0035's backfill).
  return (await ex.selectFrom('escalationRuns').selectAll().where('alertId', '=', alertId).executeTakeFirst()) ?? null;
}

/** The alerts a run stands for, lead first, then in the order they joined. */
export async function runAlerts(
  ex: Executor,
  run: Pick<EscalationRunRow, 'id' | 'alertId'>,
): Promise<{ id: string; status: string; summary: string; severity: string; joinedAt: number }[]> {
  const rows = await ex
    .selectFrom('escalationRunAlerts as ra')
    .innerJoin('alerts as a', 'a.id', 'ra.alertId')
    .select(['a.id', 'a.status', 'a.summary', 'a.severity', 'ra.joinedAt'])
    .where('ra.runId', '=', run.id)
    .orderBy('ra.joinedAt')
    .orderBy('a.id')
    .execute();
  return [...rows.filter((r) => r.id === run.alertId), ...rows.filter((r) => r.id !== run.alertId)];
}
