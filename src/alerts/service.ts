import { findServiceRow } from '../catalog/index.js';
import type { Db, Executor } from '../db/index.js';
import { LiveChannel } from '../db/live.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { decodeCursor, pageOf } from '../shared/cursor.js';
import { AppError, forbidden, validationError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { fromJsonText } from '../shared/json.js';
import { alertAlreadyResolved, alertNotFound, payloadNotFound } from './errors.js';
import { CLASSIFICATIONS, isClassification, type Classification } from './model.js';
import { lockPagingRun, pagingRunOf } from './paging-gate.js';
import { ALERTS_CHANNEL } from './suppression.js';
import {
  findAlertRow,
  findGroup,
  insertAlertEvent,
  listAlertEvents,
  listAlertRows,
  lockService,
  refreshGroup,
  toAlert,
  type Alert,
  type AlertEvent,
  type AlertFilter,
  type AlertGroup,
} from './repo.js';

export interface AlertDetail extends Alert {
  events: AlertEvent[];
  group: AlertGroup | null;
}

export interface ResolveInput {
  classification?: string | undefined;
  note?: string | undefined;
  /** Acknowledge or resolve this alert alone, not every alert of its escalation run (paging groups). */
  onlyThisAlert?: boolean | undefined;
}

function checkedJudgement(input: ResolveInput): { classification: Classification | undefined; note: string | null } {
  if (input.classification !== undefined && !isClassification(input.classification)) {
    throw validationError([{ field: 'classification', message: `must be one of ${CLASSIFICATIONS.join(', ')}` }]);
  }
  return { classification: input.classification, note: input.note?.trim() || null };
}

export type AcknowledgedHook = (
  trx: Executor,
  alertId: string,
  now: number,
  by: { userId: string | null; label: string },
) => Promise<void>;

/** People's view of alerts and their actions on them. Everyone signed in reads; responders of the owning team act. */
/** The alert list's name inside its cursors. */
const ALERT_LIST = 'alerts';

export class AlertService {
  /** Nudged (alert id) whenever an alert is created or changes: the alert list's live stream listens. */
  readonly live: LiveChannel;

  private onAcknowledged: AcknowledgedHook | null = null;

  /**
   * Other domains plug in here (src/server.ts), inside the acknowledging transaction: escalation starts the policy's
   * ack timeout; incidents tick "acknowledge" and flag an Incident Commander who acknowledges (a technical action).
   */
  setOnAcknowledged(fn: AcknowledgedHook | null): void {
    this.onAcknowledged = fn;
  }

  constructor(private readonly deps: { db: Db; clock: Clock; teams: TeamService; log: Logger }) {
    this.live = new LiveChannel({
      db: deps.db,
      log: deps.log.child({ component: 'alert-stream' }),
      channel: ALERTS_CHANNEL,
      label: 'the alert stream',
    });
  }

  /** Alerts created or changed at or after `since` (ms), oldest change first: what the live stream sends. */
  async changedSince(filter: { since: number; serviceId?: string | undefined; limit: number }): Promise<Alert[]> {
    let q = this.deps.db.kysely
      .selectFrom('alerts')
      .selectAll()
      .where('updatedAt', '>=', filter.since)
      .orderBy('updatedAt')
      .orderBy('id')
      .limit(filter.limit);
    if (filter.serviceId) q = q.where('serviceId', '=', filter.serviceId);
    return (await q.execute()).map(toAlert);
  }

  /**
   * A page of alerts, newest first (keyset pagination, docs/alerts.md "Listing"). `service` is an id or slug; an
   * unknown one filters to nothing rather than failing. `cursor` is a page's `next`; `before` (an alert id, the older
   * form) is read as the cursor of that alert.
   */
  async list(
    _actor: Actor,
    filter: Omit<AlertFilter, 'serviceId' | 'after'> & {
      service?: string | undefined;
      cursor?: string | undefined;
      before?: string | undefined;
    },
  ): Promise<{ alerts: Alert[]; next: string | null }> {
    const { service, cursor, before, limit, ...rest } = filter;
    const db = this.deps.db.kysely;
    const serviceId = service ? ((await findServiceRow(db, service))?.id ?? service) : undefined;
    let after = cursor !== undefined ? decodeCursor(ALERT_LIST, cursor) : undefined;
    if (!after && before !== undefined) {
      const row = await findAlertRow(db, before);
      if (!row) throw validationError([{ field: 'before', message: "names no alert: pass a page's next as cursor" }]);
      after = { at: row.createdAt, id: row.id };
    }
    const rows = await listAlertRows(db, { ...rest, serviceId, after, limit: limit + 1 });
    const page = pageOf(ALERT_LIST, rows, limit, (a) => ({ at: a.createdAt, id: a.id }));
    return { alerts: page.items, next: page.next };
  }

  async get(_actor: Actor, id: string): Promise<AlertDetail> {
    const db = this.deps.db.kysely;
    const row = await findAlertRow(db, id);
    if (!row) throw alertNotFound(id);
    return { ...toAlert(row), events: await listAlertEvents(db, id), group: await findGroup(db, row.groupId) };
  }

  /**
   * The body a monitor sent, as stored, for one of this alert's history entries (what exactly arrived). Bodies are
   * pruned after the retention period; the history entry keeps naming it.
   */
  async payload(
    _actor: Actor,
    alertId: string,
    payloadId: string,
  ): Promise<{ id: string; source: string; receivedAt: number; body: unknown }> {
    const db = this.deps.db.kysely;
    if (!(await findAlertRow(db, alertId))) throw alertNotFound(alertId);
    const named = await db
      .selectFrom('alertEvents')
      .select('id')
      .where('alertId', '=', alertId)
      .where('payloadId', '=', payloadId)
      .executeTakeFirst();
    if (!named) throw payloadNotFound(payloadId, 'no entry of its history names it');
    const row = await db.selectFrom('intakePayloads').selectAll().where('id', '=', payloadId).executeTakeFirst();
    if (!row) throw payloadNotFound(payloadId, 'it was pruned (see MUSTER_INTAKE_PAYLOAD_RETENTION_DAYS)');
    return {
      id: row.id,
      source: row.source,
      receivedAt: row.receivedAt,
      body: fromJsonText<unknown>(row.body, row.body),
    };
  }

  /**
   * Acknowledge, optionally judging the page (it can be judged later too). An alert that pages with others (one
   * escalation run for its paging group: docs/alerts.md, "Paging groups") acknowledges every triggered alert of the
   * run, as acknowledging the page does; `onlyThisAlert` acknowledges this one alone and leaves the run paging while
   * another of its alerts is still triggered.
   */
  async acknowledge(actor: Actor, id: string, input: ResolveInput = {}): Promise<AlertDetail> {
    const { classification, note } = checkedJudgement(input);
    await this.requireResponder(actor, id, { paged: true });
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const before = await findAlertRow(trx, id);
      if (!before) throw alertNotFound(id);
      await lockService(trx, this.deps.db.engine, before.serviceId);
      const run = await pagingRunOf(trx, id);
      await lockPagingRun(trx, this.deps.db.engine, run);
      const row = (await findAlertRow(trx, id))!;
      if (row.status === 'resolved') throw alertAlreadyResolved(id);
      if (classification) await this.judge(trx, actor, id, { classification, note }, now);
      const others = run && !input.onlyThisAlert ? run.alertIds.filter((a) => a !== id) : [];
      for (const alertId of [id, ...others]) {
        const target = alertId === id ? row : await findAlertRow(trx, alertId);
        // Already done (acknowledging twice is harmless), or resolved meanwhile.
        if (!target || target.status !== 'triggered') continue;
        await trx
          .updateTable('alerts')
          .set({
            status: 'acknowledged',
            acknowledgedAt: now,
            acknowledgedByUserId: actor.userId,
            acknowledgedByLabel: actor.label,
            updatedAt: now,
          })
          .where('id', '=', alertId)
          .execute();
        const via = alertId === id ? {} : { details: { withAlertId: id, runId: run!.runId } };
        await insertAlertEvent(
          trx,
          { alertId, kind: 'acknowledged', actorUserId: actor.userId, actorLabel: actor.label, ...via },
          now,
        );
        await recordAudit(
          trx,
          actor,
          'alert.acknowledged',
          { type: 'alert', id: alertId },
          { serviceId: target.serviceId, ...(alertId === id ? {} : { withAlertId: id }) },
          now,
        );
        await this.onAcknowledged?.(trx, alertId, now, { userId: actor.userId, label: actor.label });
        await this.live.publish(trx, alertId);
      }
    });
    return this.get(actor, id);
  }

  /**
   * Resolve, optionally judging the alert (actionable, not actionable, false positive) for alert-quality reports.
   * Resolving an alert that is already resolved only records the judgement. An alert that pages with others
   * resolves every alert of its escalation run (the judgement is this alert's); `onlyThisAlert` resolves it alone.
   */
  async resolve(actor: Actor, id: string, input: ResolveInput = {}): Promise<AlertDetail> {
    const { classification, note } = checkedJudgement(input);
    await this.requireResponder(actor, id, { paged: true });
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const before = await findAlertRow(trx, id);
      if (!before) throw alertNotFound(id);
      await lockService(trx, this.deps.db.engine, before.serviceId);
      const run = await pagingRunOf(trx, id);
      await lockPagingRun(trx, this.deps.db.engine, run);
      const row = (await findAlertRow(trx, id))!;
      if (row.status === 'resolved') {
        if (classification) await this.judge(trx, actor, id, { classification, note }, now);
        return;
      }
      const others = run && !input.onlyThisAlert ? run.alertIds.filter((a) => a !== id) : [];
      for (const alertId of [id, ...others]) {
        const target = alertId === id ? row : await findAlertRow(trx, alertId);
        if (!target || target.status === 'resolved') continue;
        const isThis = alertId === id;
        const judged = isThis && classification ? { classification, classificationNote: note } : {};
        await trx
          .updateTable('alerts')
          .set({
            status: 'resolved',
            openKey: null,
            resolvedAt: now,
            resolvedByUserId: actor.userId,
            resolvedByLabel: actor.label,
            ...judged,
            updatedAt: now,
          })
          .where('id', '=', alertId)
          .execute();
        await insertAlertEvent(
          trx,
          {
            alertId,
            kind: 'resolved',
            actorUserId: actor.userId,
            actorLabel: actor.label,
            details: isThis ? (classification ? { classification, note } : {}) : { withAlertId: id, runId: run!.runId },
          },
          now,
        );
        await refreshGroup(trx, target.groupId, now, false);
        await recordAudit(
          trx,
          actor,
          'alert.resolved',
          { type: 'alert', id: alertId },
          {
            serviceId: target.serviceId,
            ...(isThis && classification ? { classification } : {}),
            ...(isThis ? {} : { withAlertId: id }),
          },
          now,
        );
        await this.live.publish(trx, alertId);
      }
    });
    return this.get(actor, id);
  }

  /** Judge a page after the fact (or again): actionable, not actionable, false positive, with a note. */
  async classify(actor: Actor, id: string, input: ResolveInput): Promise<AlertDetail> {
    const { classification, note } = checkedJudgement(input);
    if (!classification) throw validationError([{ field: 'classification', message: 'is required' }]);
    await this.requireResponder(actor, id);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await findAlertRow(trx, id))) throw alertNotFound(id);
      await this.judge(trx, actor, id, { classification, note }, now);
    });
    return this.get(actor, id);
  }

  private async judge(
    trx: Executor,
    actor: Actor,
    id: string,
    j: { classification: Classification; note: string | null },
    now: number,
  ): Promise<void> {
    await trx
      .updateTable('alerts')
      .set({ classification: j.classification, classificationNote: j.note, updatedAt: now })
      .where('id', '=', id)
      .execute();
    await insertAlertEvent(
      trx,
      { alertId: id, kind: 'classified', actorUserId: actor.userId, actorLabel: actor.label, details: { ...j } },
      now,
    );
    await recordAudit(trx, actor, 'alert.classified', { type: 'alert', id }, { classification: j.classification }, now);
    await this.live.publish(trx, id);
  }

  /** The team that owns the alert's service. */
  async teamOf(alertId: string): Promise<string> {
    const row = await this.deps.db.kysely
      .selectFrom('alerts')
      .innerJoin('services', 'services.id', 'alerts.serviceId')
      .select('services.teamId')
      .where('alerts.id', '=', alertId)
      .executeTakeFirst();
    if (!row) throw alertNotFound(alertId);
    return row.teamId;
  }

  /**
   * Whether the actor may act on the alert: a responder of the team that owns its service (administrators always
   * may), and with `paged` (acknowledge, resolve) also whoever was paged for it, team member or not.
   * null: no such alert.
   */
  async canAct(actor: Actor, alertId: string, opts: { paged?: boolean } = {}): Promise<boolean | null> {
    let teamId: string;
    try {
      teamId = await this.teamOf(alertId);
    } catch (e) {
      if (e instanceof AppError && e.status === 404) return null;
      throw e;
    }
    if (await this.deps.teams.hasRole(actor, teamId, 'responder')) return true;
    if (!opts.paged || !actor.userId) return false;
    // A page of a paging group is its lead alert's: being paged for it counts for every alert of the run.
    const run = await pagingRunOf(this.deps.db.kysely, alertId);
    const page = await this.deps.db.kysely
      .selectFrom('notificationDeliveries')
      .select('id')
      .where('alertId', 'in', [...new Set([alertId, run?.leadAlertId ?? alertId])])
      .where('userId', '=', actor.userId)
      .executeTakeFirst();
    return page !== undefined;
  }

  /** Acting on an alert needs the responder role in the team that owns its service, or (`paged`) a page for it. */
  private async requireResponder(actor: Actor, alertId: string, opts: { paged?: boolean } = {}): Promise<void> {
    const allowed = await this.canAct(actor, alertId, opts);
    if (allowed === null) throw alertNotFound(alertId);
    if (!allowed) {
      throw forbidden(
        opts.paged
          ? 'This needs to have been paged for the alert, or the responder role in the team that owns its service.'
          : 'This needs the responder role in the team that owns the alert’s service.',
      );
    }
  }
}
