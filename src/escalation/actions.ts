/**
 * What a responder can do about an alert's paging besides acknowledging and resolving it (docs/alerts.md, "Paging"):
 * - escalate now: the run's next level pages at once, through the run's own fenced step job (the generation is
 *   bumped, so the step that was scheduled for later exits as stale: nobody is paged twice). Pressing it again
 *   before that step ran changes nothing.
 * - reassign: the alert's run ends as `reassigned` and a new run starts for the chosen person or escalation policy
 *   (paging at once, high urgency: a person asked for it); an acknowledged alert is triggered again.
 * - snooze: an acknowledged alert pages again after N minutes (the `alerts.snoozeEnd` job, enqueued with the snooze;
 *   resolving the alert, or snoozing it again, cancels it: the job compares `alerts.snoozed_until`).
 * Each is recorded on the alert's history, in the escalation log and in the audit log.
 */
import { findAlertForPaging, insertAlertEvent, retriggerAlert } from '../alerts/index.js';
import type { Db, Executor } from '../db/index.js';
import type { EscalationRunsTable } from '../db/schema.js';
import { recordAudit, type Actor } from '../identity/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import type { Clock } from '../shared/clock.js';
import { AppError, conflict, forbidden, validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import { runForAlert } from './groups.js';
import type { PolicySnapshot } from './model.js';
import { snapshotOf, toPolicy } from './policies.js';
import { RUN_STEP_JOB, logStep } from './runs.js';

export const SNOOZE_END_JOB = 'alerts.snoozeEnd';
export const SNOOZE_MAX_MINUTES = 7 * 24 * 60;

export interface SnoozeEndPayload {
  alertId: string;
  /** The snooze this job ends: a later snooze or a resolve changes `alerts.snoozed_until` and so cancels it. */
  until: number;
}

export interface ReassignInput {
  userId?: string | undefined;
  escalationPolicyId?: string | undefined;
}

export interface PagingActionDeps {
  db: Db;
  clock: Clock;
  /** The alert stream's nudge (AlertService.live). */
  live: { publish(ex: Executor, id: string): Promise<void> };
  /** Responders of the team that owns the alert's service, administrators (AlertService.canAct); null: no alert. */
  canAct: (actor: Actor, alertId: string) => Promise<boolean | null>;
  onEnqueued?: (() => void) | undefined;
}

const alertNotFound = (id: string): AppError =>
  new AppError('alert_not_found', `No alert with id ${id}.`, { status: 404 });
const DEFAULT_WORKING_HOURS = { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

async function lockServiceRow(trx: Executor, engine: Db['engine'], serviceId: string): Promise<void> {
  let q = trx.selectFrom('services').select('id').where('id', '=', serviceId);
  if (engine === 'postgres') q = q.forUpdate();
  await q.executeTakeFirst();
}

async function lockRunRow(
  trx: Executor,
  engine: Db['engine'],
  runId: string,
): Promise<EscalationRunsTable | undefined> {
  let q = trx.selectFrom('escalationRuns').selectAll().where('id', '=', runId);
  if (engine === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

export class PagingActionService {
  constructor(private readonly deps: PagingActionDeps) {}

  private async requireResponder(actor: Actor, alertId: string): Promise<void> {
    const allowed = await this.deps.canAct(actor, alertId);
    if (allowed === null) throw alertNotFound(alertId);
    if (!allowed) throw forbidden('This needs the responder role in the team that owns the alert’s service.');
  }

  /** Page the run's next level now. Returns the level (1-based) that pages. */
  async escalateNow(actor: Actor, alertId: string): Promise<{ runId: string; level: number; isNew: boolean }> {
    await this.requireResponder(actor, alertId);
    const { db, clock } = this.deps;
    const now = clock.now();
    const out = await db.kysely.transaction().execute(async (trx) => {
      const alert = await findAlertForPaging(trx, alertId);
      if (!alert) throw alertNotFound(alertId);
      if (alert.status !== 'triggered') {
        throw conflict(
          'alert_not_triggered',
          alert.status === 'resolved'
            ? `Alert ${alertId} is resolved: nothing to escalate.`
            : `Alert ${alertId} is acknowledged: someone is on it. Reassign it to page someone else.`,
          { status: alert.status },
        );
      }
      const found = await runForAlert(trx, alertId);
      const run = found ? await lockRunRow(trx, db.engine, found.id) : undefined;
      if (!run) {
        throw conflict(
          'alert_not_paging',
          `Alert ${alertId} has no escalation run (held before paging, or never paged). Reassign it to page someone.`,
        );
      }
      const snapshot = fromJsonText<PolicySnapshot | null>(run.snapshot, null);
      if (!snapshot || (run.status !== 'active' && run.status !== 'held') || run.nextStepAt === null) {
        throw conflict(
          'escalation_exhausted',
          snapshot
            ? `The last level of ${snapshot.name} has paged: nobody is left to escalate to. Reassign the alert to page someone else.`
            : 'The service has no escalation policy. Reassign the alert to page someone.',
        );
      }
      const level = run.levelIndex + 1;
      if (run.status === 'held') {
        const last = await trx
          .selectFrom('escalationLog')
          .select(['kind', 'reason'])
          .where('runId', '=', run.id)
          .where('kind', 'in', ['held', 'suppressed'])
          .orderBy('id', 'desc')
          .executeTakeFirst();
        if (last?.kind === 'suppressed') {
          throw conflict(
            'paging_held',
            `Paging is held (${last.reason}). End the silence or maintenance window to page, or reassign the alert.`,
          );
        }
      } else if (run.nextStepAt <= now) {
        // The next step is already due (escalated a moment ago, or about to run): do not queue a second one.
        return { runId: run.id, level, isNew: false };
      }
      const generation = run.generation + 1;
      await trx
        .updateTable('escalationRuns')
        // A held low-urgency run pages now: the person asked for it, so the planner must not hold it again.
        .set({ status: 'active', urgency: 'high', generation, nextStepAt: now, updatedAt: now })
        .where('id', '=', run.id)
        .execute();
      await logStep(
        trx,
        run,
        {
          kind: 'escalated',
          levelIndex: run.levelIndex,
          pass: run.pass,
          reason: `${actor.label} escalated: level ${level} pages now`,
        },
        now,
      );
      await enqueueJob(
        trx,
        db.engine,
        { kind: RUN_STEP_JOB, payload: { runId: run.id, generation }, uniqueKey: `${run.id}:${generation}` },
        now,
      );
      await insertAlertEvent(
        trx,
        {
          alertId,
          kind: 'escalated',
          actorUserId: actor.userId,
          actorLabel: actor.label,
          details: { runId: run.id, level },
        },
        now,
      );
      await recordAudit(trx, actor, 'alert.escalated', { type: 'alert', id: alertId }, { runId: run.id, level }, now);
      await this.deps.live.publish(trx, alertId);
      return { runId: run.id, level, isNew: true };
    });
    if (out.isNew) this.deps.onEnqueued?.();
    return out;
  }

  /** End the alert's run as reassigned and start one that pages the chosen person or policy at once. */
  async reassign(actor: Actor, alertId: string, input: ReassignInput): Promise<{ runId: string; target: string }> {
    const userId = input.userId?.trim() || undefined;
    const policyId = input.escalationPolicyId?.trim() || undefined;
    if ((userId === undefined) === (policyId === undefined)) {
      throw validationError([
        {
          field: userId ? 'escalationPolicyId' : 'userId',
          message: 'give exactly one of userId or escalationPolicyId',
        },
      ]);
    }
    await this.requireResponder(actor, alertId);
    const { db, clock } = this.deps;
    const now = clock.now();
    const out = await db.kysely.transaction().execute(async (trx) => {
      const before = await findAlertForPaging(trx, alertId);
      if (!before) throw alertNotFound(alertId);
      await lockServiceRow(trx, db.engine, before.serviceId);
      const alert = (await findAlertForPaging(trx, alertId))!;
      if (alert.status === 'resolved') {
        throw conflict('alert_already_resolved', `Alert ${alertId} is resolved: there is nobody to page.`);
      }
      const found = await runForAlert(trx, alertId);
      const old = found ? await lockRunRow(trx, db.engine, found.id) : undefined;
      const oldSnapshot = old ? fromJsonText<PolicySnapshot | null>(old.snapshot, null) : null;

      let snapshot: PolicySnapshot;
      let target: { type: 'user' | 'policy'; id: string; name: string };
      if (userId !== undefined) {
        const user = await trx
          .selectFrom('users')
          .select(['id', 'name', 'email'])
          .where('id', '=', userId)
          .where('disabledAt', 'is', null)
          .executeTakeFirst();
        if (!user) throw validationError([{ field: 'userId', message: `no active user with id ${userId}` }]);
        target = { type: 'user', id: user.id, name: user.name || user.email };
        snapshot = {
          policyId: '',
          name: `Reassigned to ${target.name}`,
          repeat: 0,
          levels: [{ delayMinutes: 5, targets: [{ type: 'user', id: user.id }] }],
          workingHours: oldSnapshot?.workingHours ?? DEFAULT_WORKING_HOURS,
          ackTimeoutMinutes: oldSnapshot?.ackTimeoutMinutes ?? null,
        };
      } else {
        const row = await trx
          .selectFrom('escalationPolicies')
          .selectAll()
          .where('id', '=', policyId!)
          .executeTakeFirst();
        if (!row) {
          throw validationError([{ field: 'escalationPolicyId', message: `no escalation policy with id ${policyId}` }]);
        }
        const service = await trx
          .selectFrom('services')
          .select('teamId')
          .where('id', '=', alert.serviceId)
          .executeTakeFirst();
        if (row.teamId !== service?.teamId && Number(row.shared) !== 1) {
          throw validationError([
            { field: 'escalationPolicyId', message: `${row.name} is another team’s policy and not shared` },
          ]);
        }
        snapshot = snapshotOf(toPolicy(row));
        target = { type: 'policy', id: row.id, name: row.name };
      }

      // The alerts the old run stood for (a paging group's) move with it, unless resolved.
      let members = [alertId];
      if (old) {
        const rows = await trx
          .selectFrom('escalationRunAlerts as ra')
          .innerJoin('alerts as a', 'a.id', 'ra.alertId')
          .select('a.id')
          .where('ra.runId', '=', old.id)
          .where('a.status', '!=', 'resolved')
          .execute();
        members = [...new Set([alertId, ...rows.map((r) => r.id)])];
        await trx
          .updateTable('escalationRuns')
          .set({ status: 'reassigned', generation: old.generation + 1, nextStepAt: null, updatedAt: now })
          .where('id', '=', old.id)
          .execute();
        await logStep(trx, old, { kind: 'reassigned', reason: `${actor.label} reassigned to ${target.name}` }, now);
      }
      if (alert.status === 'acknowledged') {
        await retriggerAlert(trx, alertId, now).execute();
      }
      const runId = newId('run', now);
      const leadId = old?.alertId ?? alertId;
      await trx
        .insertInto('escalationRuns')
        .values({
          id: runId,
          alertId: leadId,
          policyId: snapshot.policyId,
          snapshot: toJsonText(snapshot),
          urgency: 'high',
          status: 'active',
          generation: 1,
          levelIndex: 0,
          pass: 0,
          nextStepAt: now,
          startedAt: now,
          updatedAt: now,
          serviceId: old?.serviceId ?? alert.serviceId,
          pagingKey: old?.pagingKey ?? null,
        })
        .execute();
      await trx
        .insertInto('escalationRunAlerts')
        .values(members.map((id) => ({ runId, alertId: id, joinedAt: now })))
        .execute();
      await logStep(
        trx,
        { id: runId, alertId: leadId },
        { kind: 'started', reason: `reassigned by ${actor.label} to ${target.name}` },
        now,
      );
      await enqueueJob(
        trx,
        db.engine,
        { kind: RUN_STEP_JOB, payload: { runId, generation: 1 }, uniqueKey: `${runId}:1` },
        now,
      );
      await insertAlertEvent(
        trx,
        {
          alertId,
          kind: 'reassigned',
          actorUserId: actor.userId,
          actorLabel: actor.label,
          details: { to: target, runId, previousRunId: old?.id ?? null },
        },
        now,
      );
      await recordAudit(
        trx,
        actor,
        'alert.reassigned',
        { type: 'alert', id: alertId },
        { to: target, runId, previousRunId: old?.id ?? null },
        now,
      );
      await this.deps.live.publish(trx, alertId);
      return { runId, target: target.name };
    });
    this.deps.onEnqueued?.();
    return out;
  }

  /** Snooze an acknowledged alert: it pages again after `minutes` unless resolved first. */
  async snooze(actor: Actor, alertId: string, input: { minutes: number }): Promise<{ until: number }> {
    const minutes = input.minutes;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > SNOOZE_MAX_MINUTES) {
      throw validationError([{ field: 'minutes', message: `must be 1 to ${SNOOZE_MAX_MINUTES} minutes (7 days)` }]);
    }
    await this.requireResponder(actor, alertId);
    const { db, clock } = this.deps;
    const now = clock.now();
    const until = now + minutes * 60_000;
    await db.kysely.transaction().execute(async (trx) => {
      const before = await findAlertForPaging(trx, alertId);
      if (!before) throw alertNotFound(alertId);
      await lockServiceRow(trx, db.engine, before.serviceId);
      const alert = (await findAlertForPaging(trx, alertId))!;
      if (alert.status !== 'acknowledged') {
        throw conflict(
          'alert_not_acknowledged',
          alert.status === 'resolved'
            ? `Alert ${alertId} is resolved: there is nothing to snooze.`
            : `Alert ${alertId} is not acknowledged: acknowledge it first, then snooze it.`,
          { status: alert.status },
        );
      }
      await trx.updateTable('alerts').set({ snoozedUntil: until, updatedAt: now }).where('id', '=', alertId).execute();
      await enqueueJob<SnoozeEndPayload>(
        trx,
        db.engine,
        {
          kind: SNOOZE_END_JOB,
          payload: { alertId, until },
          runAt: until,
          uniqueKey: `${SNOOZE_END_JOB}:${alertId}:${until}`,
        },
        now,
      );
      await insertAlertEvent(
        trx,
        {
          alertId,
          kind: 'snoozed',
          actorUserId: actor.userId,
          actorLabel: actor.label,
          details: { minutes, until },
        },
        now,
      );
      await recordAudit(trx, actor, 'alert.snoozed', { type: 'alert', id: alertId }, { minutes, until }, now);
      await this.deps.live.publish(trx, alertId);
    });
    this.deps.onEnqueued?.();
    return { until };
  }
}

/**
 * `alerts.snoozeEnd`: the snooze is over. If the alert is still acknowledged under this same snooze (not resolved,
 * not snoozed again), it is triggered again and its run restarts at level 1, as after an acknowledgement timeout.
 */
export function snoozeEndHandler(deps: Pick<PagingActionDeps, 'live'>): JobHandler<SnoozeEndPayload> {
  return async (ctx) => {
    const now = ctx.clock.now();
    const { alertId, until } = ctx.job.payload;
    await ctx.complete(async (trx) => {
      const before = await findAlertForPaging(trx, alertId);
      if (!before) return;
      await lockServiceRow(trx, ctx.db.engine, before.serviceId);
      const alert = (await findAlertForPaging(trx, alertId))!;
      if (alert.status !== 'acknowledged' || Number(alert.snoozedUntil) !== until) return; // resolved, or snoozed anew
      await retriggerAlert(trx, alertId, now).execute();
      await insertAlertEvent(trx, { alertId, kind: 'snooze_ended', actorLabel: 'snooze', details: { until } }, now);
      const found = await runForAlert(trx, alertId);
      const run = found ? await lockRunRow(trx, ctx.db.engine, found.id) : undefined;
      if (run && run.status !== 'reassigned' && fromJsonText<PolicySnapshot | null>(run.snapshot, null)) {
        const generation = run.generation + 1;
        await trx
          .updateTable('escalationRuns')
          .set({ status: 'active', generation, levelIndex: 0, pass: 0, nextStepAt: now, updatedAt: now })
          .where('id', '=', run.id)
          .execute();
        await logStep(trx, run, { kind: 'snooze_ended', reason: 'snooze over: paging again from level 1' }, now);
        await enqueueJob(
          trx,
          ctx.db.engine,
          { kind: RUN_STEP_JOB, payload: { runId: run.id, generation }, uniqueKey: `${run.id}:${generation}` },
          now,
        );
      }
      await deps.live.publish(trx, alertId);
    });
  };
}
