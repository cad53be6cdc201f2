/**
 * Paging groups: the alerts an escalation run stands for (issue 14, "one page per problem"). A run's lead alert is
 * `escalation_runs.alert_id`; every alert of the run, the lead included, has a row in `escalation_run_alerts`. An
 * alert belongs to at most one run.
 */
import { sql } from 'kysely';
import type { PagingGroups } from '../catalog/index.js';
import { forgetMemo, memoInTransaction, type Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import type { EscalationRunsTable } from '../db/schema.js';
import { fromJsonText } from '../shared/json.js';
import { primedRun } from './page-claims.js';

export type EscalationRunRow = EscalationRunsTable;

/** Run statuses in which the run still pages (or may, after a hold). */
export const LIVE_RUN_STATUSES = ['active', 'held', 'exhausted'] as const;

// The page path's reads are prepared (src/db/prepared.ts): built and compiled once per shape.
const runOfMemberQ = prepared('escalation.runForAlert.member', (ex: Executor, alertId: string) =>
  ex
    .selectFrom('escalationRunAlerts as ra')
    .innerJoin('escalationRuns as r', 'r.id', 'ra.runId')
    .selectAll('r')
    .where('ra.alertId', '=', alertId)
    // The current run first: a reassigned run has ended and its successor pages (migration 0038).
    .orderBy(sql`case when r.status = 'reassigned' then 1 else 0 end`)
    .orderBy('r.startedAt', 'desc')
    .orderBy('r.id', 'desc'),
);

const runOfLeadQ = prepared('escalation.runForAlert.lead', (ex: Executor, alertId: string) =>
  ex.selectFrom('escalationRuns').selectAll().where('alertId', '=', alertId),
);

/**
 * The escalation run an alert belongs to, as its lead or as a member that joined it; null when it has none (not
 * paged yet, held by a silence, or an alert that never pages). Reads only: lock the run yourself (`select … for
 * update` on PostgreSQL) before changing it. Whether the run is still live is its `status` (`active`, `held`,
 * `exhausted`: it may still page; `acknowledged`, `resolved`: stopped) together with its alerts' statuses
 * (`runAlerts`).
 */
export async function runForAlert(ex: Executor, alertId: string): Promise<EscalationRunRow | null> {
  const [member] = await rowsOf(ex, runOfMemberQ(ex, alertId));
  if (member) return member;
  // A run whose lead row is missing from the join table (written by code older than migration 0035's backfill).
  return (await rowsOf(ex, runOfLeadQ(ex, alertId)))[0] ?? null;
}

const runAlertsQ = prepared('escalation.runAlerts', (ex: Executor, runId: string) =>
  ex
    .selectFrom('escalationRunAlerts as ra')
    .innerJoin('alerts as a', 'a.id', 'ra.alertId')
    .select(['a.id', 'a.status', 'a.summary', 'a.severity', 'ra.joinedAt'])
    .where('ra.runId', '=', runId)
    .orderBy('ra.joinedAt')
    .orderBy('a.id'),
);

/** The alerts a run stands for, lead first, then in the order they joined. */
export async function runAlerts(
  ex: Executor,
  run: Pick<EscalationRunRow, 'id' | 'alertId'>,
): Promise<{ id: string; status: string; summary: string; severity: string; joinedAt: number }[]> {
  const rows = await rowsOf(ex, runAlertsQ(ex, run.id));
  return [...rows.filter((r) => r.id === run.alertId), ...rows.filter((r) => r.id !== run.alertId)];
}

/**
 * The paging group an alert belongs to on its service, or null when it pages on its own (`per_alert`). Alerts of one
 * group share a run while any alert of the run is still triggered. Drill alerts never share a run with real ones.
 * - `alertmanager`: the alert's group key (Alertmanager's groupKey; for the other sources the alert's name, as the
 *   alert list groups them: groupKeyFor in src/alerts/model.ts);
 * - `labels`: the values of the chosen labels (a missing label counts as empty);
 * - `window`: every alert of the service (the run's start bounds it: see joinableRun).
 */
export function pagingKeyOf(
  groups: PagingGroups,
  alert: { labels: string; isDrill: number; groupKey: string | null },
): string | null {
  const drill = alert.isDrill === 1 ? 'drill|' : '';
  switch (groups.mode) {
    case 'per_alert':
      return null;
    case 'window':
      return `${drill}window`;
    case 'labels': {
      const labels = fromJsonText<Record<string, string>>(alert.labels, {});
      const values = groups.labels.map((name) => [name, Object.hasOwn(labels, name) ? (labels[name] ?? '') : '']);
      return `${drill}labels:${JSON.stringify(values)}`;
    }
    case 'alertmanager':
      return alert.groupKey === null ? null : `${drill}group:${alert.groupKey}`;
  }
}

/** Runs a new alert may join: a policy snapshotted, not stopped, and some alert of the run still triggered. */
const liveRuns = (ex: Executor) =>
  ex
    .selectFrom('escalationRuns as r')
    .selectAll('r')
    .where('r.policyId', '!=', '')
    .where('r.status', 'in', [...LIVE_RUN_STATUSES])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('escalationRunAlerts as ra')
          .innerJoin('alerts as a', 'a.id', 'ra.alertId')
          .select('ra.alertId')
          .whereRef('ra.runId', '=', 'r.id')
          .where('a.status', '=', 'triggered'),
      ),
    );

const joinableRunQ = prepared(
  'escalation.joinableRun',
  (ex: Executor, serviceId: string, pagingKey: string, urgency: string, startedAfter: number | null) => {
    let query = liveRuns(ex)
      .where('r.serviceId', '=', serviceId)
      .where('r.pagingKey', '=', pagingKey)
      .where('r.urgency', '=', urgency)
      .orderBy('r.startedAt', 'desc')
      .limit(1);
    if (startedAfter !== null) query = query.where('r.startedAt', '>=', startedAfter);
    return query;
  },
);

const liveRunsOfKeysQ = prepared(
  'escalation.liveRunsOfKeys',
  (ex: Executor, serviceIds: string[], pagingKeys: string[]) =>
    liveRuns(ex)
      .where('r.serviceId', 'in', serviceIds)
      .where('r.pagingKey', 'in', pagingKeys)
      .orderBy('r.startedAt', 'desc'),
);

/**
 * The live run of a paging group that a new alert joins: same service, group and urgency, a policy snapshotted, not
 * stopped, some alert of it still triggered and (mode `window`) started within the window. The newest such run.
 * The caller holds the service lock (intake does; others take it), which acknowledge and resolve take too, so the
 * run cannot stop between this check and the join.
 */
export async function joinableRun(
  ex: Executor,
  q: { serviceId: string; pagingKey: string; urgency: string; startedAfter: number | null },
): Promise<EscalationRunRow | null> {
  const [run] = await rowsOf(ex, joinableRunQ(ex, q.serviceId, q.pagingKey, q.urgency, q.startedAfter));
  return run ?? null;
}

const runStatusQ = prepared('escalation.runStatus', (ex: Executor, runId: string) =>
  ex.selectFrom('escalationRuns').select(['id', 'status']).where('id', '=', runId),
);

const anyTriggeredQ = prepared('escalation.anyTriggered', (ex: Executor, runId: string) =>
  ex
    .selectFrom('escalationRunAlerts as ra')
    .innerJoin('alerts as a', 'a.id', 'ra.alertId')
    .select('a.id')
    .where('ra.runId', '=', runId)
    .where('a.status', '=', 'triggered')
    // A snoozed alert is acknowledged; a re-trigger clears the snooze (retriggerAlert): belt and braces.
    .where('a.snoozedUntil', 'is', null)
    .limit(1),
);

const alertStatusQ = prepared('escalation.alertStatus', (ex: Executor, alertId: string) =>
  ex.selectFrom('alerts').select(['status', 'snoozedUntil']).where('id', '=', alertId),
);

/**
 * Is a page still wanted? A page of an escalation run (`runId`: the run it was planned for) is wanted while the run has
 * not been superseded (a reassigned run has ended: its successor pages, migration 0038) and some alert of it is still
 * triggered and not snoozed (paging groups: acknowledging or resolving one alert of a group leaves the page wanted for
 * the others). A page without its run is the alert's current run's (never a reassigned one), else the alert's own.
 * Read in a delivery's claim transaction after the claim lock (the run's lead alert row): src/server.ts wires it in.
 */
export async function isPageStillWanted(ex: Executor, alertId: string, runId: string | null = null): Promise<boolean> {
  // A claim batch read the run and its alerts already (src/escalation/page-claims.ts): the same answer, from them.
  const known = runId ? await primedRun(ex, runId) : undefined;
  if (known) {
    if (known.run.status === 'reassigned') return false;
    return known.alerts.some((a) => a.status === 'triggered' && a.snoozedUntil === null);
  }
  const run = runId ? (await rowsOf(ex, runStatusQ(ex, runId)))[0] : await runForAlert(ex, alertId);
  if (run) {
    if (run.status === 'reassigned') return false;
    const [hit] = await rowsOf(ex, anyTriggeredQ(ex, run.id));
    return hit !== undefined;
  }
  const [alert] = await rowsOf(ex, alertStatusQ(ex, alertId));
  return alert?.status === 'triggered' && alert.snoozedUntil === null;
}

/**
 * Intake's paging-key lookups, remembered for its transaction: the newest joinable run per (service, paging key,
 * urgency), null when there is none. Intake holds the service locks, so only the transaction itself changes these
 * runs: a run it creates becomes the key's run (`rememberJoinableRun`), and intake forgets them all
 * (`JOINABLE_RUNS_MEMO`) when it acknowledges or resolves an alert, which may stop a run.
 */
export const JOINABLE_RUNS_MEMO = 'escalation:joinable-runs';
type JoinableQuery = Parameters<typeof joinableRun>[1];
const joinableKey = (q: Pick<JoinableQuery, 'serviceId' | 'pagingKey' | 'urgency'>): string =>
  `${q.serviceId}\n${q.pagingKey}\n${q.urgency}`;
const joinableMemo = (ex: Executor) =>
  memoInTransaction(ex, JOINABLE_RUNS_MEMO, () => Promise.resolve(new Map<string, EscalationRunRow | null>()));

export async function joinableRunInIntake(ex: Executor, q: JoinableQuery): Promise<EscalationRunRow | null> {
  if (!ex.isTransaction) return joinableRun(ex, q);
  const known = await joinableMemo(ex);
  const key = joinableKey(q);
  let run = known.get(key);
  if (run === undefined) {
    run = await joinableRun(ex, q);
    known.set(key, run);
  }
  // The newest run is remembered: if the window has left it behind, it has left every older one behind too.
  if (run && q.startedAfter !== null && run.startedAt < q.startedAfter) return null;
  return run;
}

/**
 * Intake, before it applies a batch: the newest live run of every paging key the batch's new alerts may have, read in
 * one statement (per 100 keys) instead of one per alert, and remembered like `joinableRunInIntake`'s own reads. What
 * was remembered before is forgotten first: after a rolled-back delivery it may name a run that is gone.
 */
export async function primeJoinableRuns(
  ex: Executor,
  wanted: Pick<JoinableQuery, 'serviceId' | 'pagingKey' | 'urgency'>[],
): Promise<void> {
  if (!ex.isTransaction) return;
  forgetMemo(ex, JOINABLE_RUNS_MEMO);
  if (!wanted.length) return;
  const known = await joinableMemo(ex);
  const keys = new Map(wanted.map((w) => [joinableKey(w), w]));
  const list = [...keys.values()];
  for (let i = 0; i < list.length; i += 100) {
    const chunk = list.slice(i, i + 100);
    const rows = await rowsOf(
      ex,
      liveRunsOfKeysQ(ex, [...new Set(chunk.map((w) => w.serviceId))], [...new Set(chunk.map((w) => w.pagingKey))]),
    );
    for (const w of chunk) known.set(joinableKey(w), null);
    for (const row of rows) {
      if (row.serviceId === null || row.pagingKey === null) continue;
      const key = joinableKey({ serviceId: row.serviceId, pagingKey: row.pagingKey, urgency: row.urgency });
      // Newest first: the first row of a wanted key is its run (other rows of the cross product are not wanted).
      if (keys.has(key) && known.get(key) === null) known.set(key, row);
    }
  }
}

export async function rememberJoinableRun(ex: Executor, run: EscalationRunRow): Promise<void> {
  if (!ex.isTransaction || run.pagingKey === null || run.serviceId === null || run.policyId === '') return;
  const key = joinableKey({ serviceId: run.serviceId, pagingKey: run.pagingKey, urgency: run.urgency });
  (await joinableMemo(ex)).set(key, run);
}
