/**
 * Declaring incidents from alerts: a service's rule names the alert severities that declare an incident, and the
 * incident's severity. The trigger job enqueues `incidents.autoDeclare` in its transaction (silenced or held alerts
 * never reach it); the handler declares through the incidents service, linking the alert and its service.
 *
 * Paging groups: an alert that joins a run (src/escalation/runs.ts) is linked to the incidents its lead alert is
 * linked to, by the same job enqueued for the joining alert. The lead's declaration links every alert of the run,
 * and, once committed, links again any that joined meanwhile; a member's job that runs after that finds the
 * incident. Either way every alert of the run ends up in the lead's incident.
 */
import type { IncidentRule } from '../catalog/index.js';
import { findServiceRow, type Service } from '../catalog/index.js';
import type { Db, Executor } from '../db/index.js';
import { systemActor } from '../identity/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import { runForAlert } from './groups.js';

export const AUTO_DECLARE_JOB = 'incidents.autoDeclare';

export interface AutoDeclarePayload {
  alertId: string;
}

export function ruleMatches(rule: IncidentRule | null, alertSeverity: string): boolean {
  return !!rule && rule.alertSeverities.includes(alertSeverity);
}

export async function maybeAutoDeclare(
  trx: Executor,
  engine: Db['engine'],
  alert: { id: string; serviceId: string; severity: string; isDrill?: boolean | 0 | 1 | undefined },
  now: number,
  /** The alert's service, if the caller has just read it in this transaction. */
  serviceRow?: Service,
): Promise<void> {
  if (alert.isDrill) return; // a game day's drill alert pages for real but never declares a real incident
  const service = serviceRow?.id === alert.serviceId ? serviceRow : await findServiceRow(trx, alert.serviceId);
  if (!ruleMatches(service?.incidentRule ?? null, alert.severity)) return;
  await enqueueJob<AutoDeclarePayload>(
    trx,
    engine,
    { kind: AUTO_DECLARE_JOB, payload: { alertId: alert.id }, uniqueKey: `${AUTO_DECLARE_JOB}:${alert.id}` },
    now,
  );
}

/**
 * An alert joined the run led by `leadAlertId` (in the join's transaction): link it to the lead's incident by a job,
 * when the lead has one, or may get one from the service's rule (its declaration job may not have run yet).
 */
export async function maybeLinkJoinedAlert(
  trx: Executor,
  engine: Db['engine'],
  q: { alertId: string; leadAlertId: string; isDrill: number; incidentRule: IncidentRule | null },
  now: number,
): Promise<void> {
  const mayHaveIncident =
    q.incidentRule !== null && q.isDrill !== 1
      ? true
      : (await trx
          .selectFrom('incidentAlerts')
          .select('incidentId')
          .where('alertId', '=', q.leadAlertId)
          .executeTakeFirst()) !== undefined;
  if (!mayHaveIncident) return;
  await enqueueJob<AutoDeclarePayload>(
    trx,
    engine,
    { kind: AUTO_DECLARE_JOB, payload: { alertId: q.alertId }, uniqueKey: `${AUTO_DECLARE_JOB}:${q.alertId}` },
    now,
  );
}

export interface Declarer {
  declare(
    actor: ReturnType<typeof systemActor>,
    input: { title: string; severity: 'P1' | 'P2' | 'P3' | 'P4'; serviceIds: string[]; alertIds: string[] },
  ): Promise<{ incident: { id: string } }>;
  linkAlert(actor: ReturnType<typeof systemActor>, incidentId: string, alertId: string): Promise<unknown>;
}

/** The open incidents an alert is linked to (a drill alert's drills included). */
async function openIncidentsOf(ex: Executor, alertId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('incidentAlerts as ia')
    .innerJoin('incidents as i', 'i.id', 'ia.incidentId')
    .select('i.id')
    .where('ia.alertId', '=', alertId)
    .where('i.status', '!=', 'resolved')
    .orderBy('i.id')
    .execute();
  return rows.map((r) => r.id);
}

/** The other alerts of the alert's run that are not resolved (paging groups). */
async function otherRunAlerts(ex: Executor, alertId: string): Promise<string[]> {
  const run = await runForAlert(ex, alertId);
  if (!run) return [];
  const rows = await ex
    .selectFrom('escalationRunAlerts as ra')
    .innerJoin('alerts as a', 'a.id', 'ra.alertId')
    .select('a.id')
    .where('ra.runId', '=', run.id)
    .where('a.id', '!=', alertId)
    .where('a.status', '!=', 'resolved')
    .orderBy('ra.joinedAt')
    .orderBy('a.id')
    .execute();
  return rows.map((r) => r.id);
}

export function autoDeclareHandler(deps: { declarer: () => Declarer }): JobHandler<AutoDeclarePayload> {
  return async (ctx) => {
    const { alertId } = ctx.job.payload;
    const db = ctx.db.kysely;
    const actor = systemActor('auto-declare');
    const alert = await db
      .selectFrom('alerts')
      .select(['id', 'serviceId', 'summary', 'status'])
      .where('id', '=', alertId)
      .executeTakeFirst();
    const run = alert ? await runForAlert(db, alertId) : null;
    if (alert && run && run.alertId !== alertId) {
      // An alert that joined a paging group's run: into the lead's incidents, as the lead is.
      if (alert.status !== 'resolved') {
        for (const incidentId of await openIncidentsOf(db, run.alertId)) {
          await deps.declarer().linkAlert(actor, incidentId, alertId);
        }
      }
      await ctx.complete(async () => undefined);
      return;
    }
    const linked = await db
      .selectFrom('incidentAlerts')
      .select('incidentId')
      .where('alertId', '=', alertId)
      .executeTakeFirst();
    const service = alert ? await findServiceRow(db, alert.serviceId) : null;
    // Already linked (a re-run after a crash), resolved meanwhile, or the rule was removed: nothing to declare.
    if (alert && !linked && alert.status !== 'resolved' && service?.incidentRule) {
      const declared = await deps.declarer().declare(actor, {
        title: alert.summary,
        severity: service.incidentRule.incidentSeverity as 'P1' | 'P2' | 'P3' | 'P4',
        serviceIds: [alert.serviceId],
        alertIds: [alert.id, ...(await otherRunAlerts(db, alert.id))],
      });
      // Alerts that joined the run while it was being declared (each one's own job may have run before it committed).
      for (const other of await otherRunAlerts(db, alert.id)) {
        await deps.declarer().linkAlert(actor, declared.incident.id, other);
      }
    }
    await ctx.complete(async () => undefined);
  };
}
