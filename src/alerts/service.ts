import { findServiceRow } from '../catalog/index.js';
import type { Db } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { validationError } from '../shared/errors.js';
import { alertAlreadyResolved, alertNotFound } from './errors.js';
import { CLASSIFICATIONS, isClassification } from './model.js';
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
}

/** People's view of alerts and their actions on them. Everyone signed in reads; responders of the owning team act. */
export class AlertService {
  constructor(private readonly deps: { db: Db; clock: Clock; teams: TeamService }) {}

  /** `service` is an id or slug; an unknown one filters to nothing rather than failing. */
  async list(
    _actor: Actor,
    filter: Omit<AlertFilter, 'serviceId'> & { service?: string | undefined },
  ): Promise<Alert[]> {
    const { service, ...rest } = filter;
    const db = this.deps.db.kysely;
    const serviceId = service ? ((await findServiceRow(db, service))?.id ?? service) : undefined;
    return listAlertRows(db, { ...rest, serviceId });
  }

  async get(_actor: Actor, id: string): Promise<AlertDetail> {
    const db = this.deps.db.kysely;
    const row = await findAlertRow(db, id);
    if (!row) throw alertNotFound(id);
    return { ...toAlert(row), events: await listAlertEvents(db, id), group: await findGroup(db, row.groupId) };
  }

  async acknowledge(actor: Actor, id: string): Promise<AlertDetail> {
    await this.requireResponder(actor, id);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const before = await findAlertRow(trx, id);
      if (!before) throw alertNotFound(id);
      await lockService(trx, this.deps.db.engine, before.serviceId);
      const row = (await findAlertRow(trx, id))!;
      if (row.status === 'resolved') throw alertAlreadyResolved(id);
      if (row.status === 'acknowledged') return; // already done: acknowledging twice is harmless
      await trx
        .updateTable('alerts')
        .set({
          status: 'acknowledged',
          acknowledgedAt: now,
          acknowledgedByUserId: actor.userId,
          acknowledgedByLabel: actor.label,
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      await insertAlertEvent(
        trx,
        { alertId: id, kind: 'acknowledged', actorUserId: actor.userId, actorLabel: actor.label },
        now,
      );
      await recordAudit(trx, actor, 'alert.acknowledged', { type: 'alert', id }, { serviceId: row.serviceId }, now);
    });
    return this.get(actor, id);
  }

  /**
   * Resolve, optionally judging the alert (actionable, not actionable, false positive) for alert-quality reports.
   * Resolving an alert that is already resolved only records the judgement.
   */
  async resolve(actor: Actor, id: string, input: ResolveInput = {}): Promise<AlertDetail> {
    if (input.classification !== undefined && !isClassification(input.classification)) {
      throw validationError([{ field: 'classification', message: `must be one of ${CLASSIFICATIONS.join(', ')}` }]);
    }
    const classification = input.classification;
    const note = input.note?.trim() || null;
    await this.requireResponder(actor, id);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const before = await findAlertRow(trx, id);
      if (!before) throw alertNotFound(id);
      await lockService(trx, this.deps.db.engine, before.serviceId);
      const row = (await findAlertRow(trx, id))!;
      const judged = classification ? { classification, classificationNote: note } : {};
      if (row.status === 'resolved') {
        if (!classification) return;
        await trx
          .updateTable('alerts')
          .set({ ...judged, updatedAt: now })
          .where('id', '=', id)
          .execute();
        await insertAlertEvent(
          trx,
          {
            alertId: id,
            kind: 'classified',
            actorUserId: actor.userId,
            actorLabel: actor.label,
            details: { classification, note },
          },
          now,
        );
        await recordAudit(trx, actor, 'alert.classified', { type: 'alert', id }, { classification }, now);
        return;
      }
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
        .where('id', '=', id)
        .execute();
      await insertAlertEvent(
        trx,
        {
          alertId: id,
          kind: 'resolved',
          actorUserId: actor.userId,
          actorLabel: actor.label,
          details: classification ? { classification, note } : {},
        },
        now,
      );
      await refreshGroup(trx, row.groupId, now, false);
      await recordAudit(
        trx,
        actor,
        'alert.resolved',
        { type: 'alert', id },
        { serviceId: row.serviceId, ...(classification ? { classification } : {}) },
        now,
      );
    });
    return this.get(actor, id);
  }

  /** Acting on an alert needs the responder role in the team that owns its service (administrators always may). */
  private async requireResponder(actor: Actor, alertId: string): Promise<void> {
    const row = await this.deps.db.kysely
      .selectFrom('alerts')
      .innerJoin('services', 'services.id', 'alerts.serviceId')
      .select('services.teamId')
      .where('alerts.id', '=', alertId)
      .executeTakeFirst();
    if (!row) throw alertNotFound(alertId);
    await this.deps.teams.requireRole(actor, row.teamId, 'responder');
  }
}
