/**
 * Silences (label matchers, optionally scoped to one service) and maintenance windows (a whole service): alerts that
 * match are recorded as usual but do not page while the silence or window is active (src/alerts/suppression.ts).
 * Ending one early (expire, delete) looks again at the alerts it held, so paging starts at once for those still firing.
 */
import type { Selectable } from 'kysely';
import { findServiceRow, serviceNotFound, type Service } from '../catalog/index.js';
import type { Db, Executor } from '../db/index.js';
import type { MaintenanceWindowsTable, SilencesTable } from '../db/schema.js';
import { forbidden, validationError, type FieldProblem } from '../shared/errors.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import { maintenanceWindowNotFound, silenceNotFound } from './errors.js';
import { matcherProblems, silenceStatus, type Matcher, type SilenceStatus } from './noise-model.js';
import { recheckHeldBy } from './suppression.js';

export interface Silence {
  id: string;
  serviceId: string | null;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
  createdByUserId: string | null;
  /** The author. */
  createdByLabel: string;
  expiredByLabel: string | null;
  status: SilenceStatus;
  createdAt: number;
  updatedAt: number;
}

export type MaintenanceWindow = Selectable<MaintenanceWindowsTable> & { status: SilenceStatus };

export interface NewSilence {
  matchers: Matcher[];
  service?: string | undefined;
  startsAt?: number | undefined;
  endsAt: number;
  comment: string;
}

export interface NewMaintenanceWindow {
  startsAt?: number | undefined;
  endsAt: number;
  comment?: string | undefined;
}

const toSilence = (r: Selectable<SilencesTable>, now: number): Silence => ({
  ...r,
  matchers: fromJsonText<Matcher[]>(r.matchers, []),
  status: silenceStatus(r, now),
});

function timeProblems(startsAt: number, endsAt: number, now: number): FieldProblem[] {
  if (endsAt <= startsAt) return [{ field: 'endsAt', message: 'must be after startsAt' }];
  if (endsAt <= now) return [{ field: 'endsAt', message: 'must be in the future' }];
  return [];
}

export class SilenceService {
  constructor(private readonly deps: { db: Db; clock: Clock; teams: TeamService; onEnqueued?: () => void }) {}

  async listSilences(filter: { status?: SilenceStatus | undefined; service?: string | undefined }): Promise<Silence[]> {
    const now = this.deps.clock.now();
    let q = this.deps.db.kysely.selectFrom('silences').selectAll().orderBy('id', 'desc').limit(1000);
    if (filter.service) q = q.where('serviceId', '=', (await this.service(this.deps.db.kysely, filter.service)).id);
    if (filter.status === 'active') q = q.where('startsAt', '<=', now).where('endsAt', '>', now);
    if (filter.status === 'pending') q = q.where('startsAt', '>', now);
    if (filter.status === 'expired') q = q.where('endsAt', '<=', now);
    return (await q.execute()).map((r) => toSilence(r, now));
  }

  async getSilence(id: string): Promise<Silence> {
    const row = await this.deps.db.kysely.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw silenceNotFound(id);
    return toSilence(row, this.deps.clock.now());
  }

  /** Service-scoped silences: responders of the owning team. Silences across every service: administrators. */
  async createSilence(actor: Actor, input: NewSilence): Promise<Silence> {
    const now = this.deps.clock.now();
    const startsAt = Math.max(input.startsAt ?? now, now);
    // Only the four matcher fields are stored, whatever else the body held.
    const matchers = input.matchers.map(({ name, value, isRegex, isEqual }) => ({ name, value, isRegex, isEqual }));
    const problems = [...matcherProblems(matchers, !!input.service), ...timeProblems(startsAt, input.endsAt, now)];
    if (!input.comment.trim()) problems.push({ field: 'comment', message: 'must say why' });
    if (problems.length > 0) throw validationError(problems);
    const service = input.service ? await this.service(this.deps.db.kysely, input.service) : null;
    if (service) await this.deps.teams.requireRole(actor, service.teamId, 'responder');
    else if (!actor.isAdmin) throw forbidden('Only administrators may silence alerts across every service.');
    const id = newId('sil', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('silences')
        .values({
          id,
          serviceId: service?.id ?? null,
          matchers: toJsonText(matchers),
          startsAt,
          endsAt: input.endsAt,
          comment: input.comment.trim(),
          createdByUserId: actor.userId,
          createdByLabel: actor.label,
          expiredByLabel: null,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      const details = { serviceId: service?.id ?? null, matchers, startsAt, endsAt: input.endsAt };
      await recordAudit(trx, actor, 'silence.created', { type: 'silence', id }, details, now);
    });
    return this.getSilence(id);
  }

  /** End a silence now (a pending one never starts); alerts it held page at once if still firing. Idempotent. */
  async expireSilence(actor: Actor, id: string): Promise<Silence> {
    const silence = await this.getSilence(id);
    if (silence.serviceId) {
      const service = await this.service(this.deps.db.kysely, silence.serviceId);
      await this.deps.teams.requireRole(actor, service.teamId, 'responder');
    } else if (!actor.isAdmin) throw forbidden('Only administrators may expire a silence across every service.');
    if (silence.status === 'expired') return silence;
    const now = this.deps.clock.now();
    let held = 0;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('silences')
        .set({ endsAt: now, startsAt: Math.min(silence.startsAt, now), expiredByLabel: actor.label, updatedAt: now })
        .where('id', '=', id)
        .execute();
      held = await recheckHeldBy(trx, this.deps.db.engine, id, now);
      await recordAudit(trx, actor, 'silence.expired', { type: 'silence', id }, { heldAlerts: held }, now);
    });
    if (held > 0) this.deps.onEnqueued?.();
    return this.getSilence(id);
  }

  async listWindows(service: string): Promise<MaintenanceWindow[]> {
    const svc = await this.service(this.deps.db.kysely, service);
    const now = this.deps.clock.now();
    const rows = await this.deps.db.kysely
      .selectFrom('maintenanceWindows')
      .selectAll()
      .where('serviceId', '=', svc.id)
      .orderBy('startsAt', 'desc')
      .limit(1000)
      .execute();
    return rows.map((r) => ({ ...r, status: silenceStatus(r, now) }));
  }

  /** Responders of the owning team. The whole service stops paging between startsAt and endsAt. */
  async createWindow(actor: Actor, service: string, input: NewMaintenanceWindow): Promise<MaintenanceWindow> {
    const svc = await this.service(this.deps.db.kysely, service);
    await this.deps.teams.requireRole(actor, svc.teamId, 'responder');
    const now = this.deps.clock.now();
    const startsAt = input.startsAt ?? now;
    const problems = timeProblems(startsAt, input.endsAt, now);
    if (problems.length > 0) throw validationError(problems);
    const row = {
      id: newId('mnt', now),
      serviceId: svc.id,
      startsAt,
      endsAt: input.endsAt,
      comment: input.comment?.trim() ?? '',
      createdByUserId: actor.userId,
      createdByLabel: actor.label,
      createdAt: now,
    };
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('maintenanceWindows').values(row).execute();
      const details = { serviceId: svc.id, startsAt, endsAt: input.endsAt };
      await recordAudit(
        trx,
        actor,
        'maintenance_window.created',
        { type: 'maintenance_window', id: row.id },
        details,
        now,
      );
    });
    return { ...row, status: silenceStatus(row, now) };
  }

  /** Remove a window (ending it early); alerts it held page at once if still firing. */
  async deleteWindow(actor: Actor, service: string, id: string): Promise<void> {
    const svc = await this.service(this.deps.db.kysely, service);
    await this.deps.teams.requireRole(actor, svc.teamId, 'responder');
    const now = this.deps.clock.now();
    let held = 0;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('maintenanceWindows')
        .where('id', '=', id)
        .where('serviceId', '=', svc.id)
        .executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) throw maintenanceWindowNotFound(id);
      held = await recheckHeldBy(trx, this.deps.db.engine, id, now);
      const details = { serviceId: svc.id, heldAlerts: held };
      await recordAudit(trx, actor, 'maintenance_window.deleted', { type: 'maintenance_window', id }, details, now);
    });
    if (held > 0) this.deps.onEnqueued?.();
  }

  private async service(ex: Executor, idOrSlug: string): Promise<Service> {
    const svc = await findServiceRow(ex, idOrSlug);
    if (!svc) throw serviceNotFound(idOrSlug);
    return svc;
  }
}
