/**
 * Declaring incidents from alerts: a service's rule names the alert severities that declare an incident, and the
 * incident's severity. The trigger job enqueues `incidents.autoDeclare` in its transaction (silenced or held alerts
 * never reach it); the handler declares through the incidents service, linking the alert and its service.
 */
import type { IncidentRule } from '../catalog/index.js';
import { findServiceRow, type Service } from '../catalog/index.js';
import type { Db, Executor } from '../db/index.js';
import { systemActor } from '../identity/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';

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

export interface Declarer {
  declare(
    actor: ReturnType<typeof systemActor>,
    input: { title: string; severity: 'P1' | 'P2' | 'P3' | 'P4'; serviceIds: string[]; alertIds: string[] },
  ): Promise<unknown>;
}

export function autoDeclareHandler(deps: { declarer: () => Declarer }): JobHandler<AutoDeclarePayload> {
  return async (ctx) => {
    const { alertId } = ctx.job.payload;
    const db = ctx.db.kysely;
    const alert = await db
      .selectFrom('alerts')
      .select(['id', 'serviceId', 'summary', 'status'])
      .where('id', '=', alertId)
      .executeTakeFirst();
    const linked = await db
      .selectFrom('incidentAlerts')
      .select('incidentId')
      .where('alertId', '=', alertId)
      .executeTakeFirst();
    const service = alert ? await findServiceRow(db, alert.serviceId) : null;
    // Already linked (a re-run after a crash), resolved meanwhile, or the rule was removed: nothing to declare.
    if (alert && !linked && alert.status !== 'resolved' && service?.incidentRule) {
      await deps.declarer().declare(systemActor('auto-declare'), {
        title: alert.summary,
        severity: service.incidentRule.incidentSeverity as 'P1' | 'P2' | 'P3' | 'P4',
        serviceIds: [alert.serviceId],
        alertIds: [alert.id],
      });
    }
    await ctx.complete(async () => undefined);
  };
}
