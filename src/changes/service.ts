import { findServiceRow, serviceNotFound, withoutIntegrationKey, type IntakeKey } from '../catalog/index.js';
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import { noteChangeDuringIncidents, type RecordedChange, type TouchedIncident } from '../incidents/recent-changes.js';
import type { NotifyService } from '../notify/index.js';
import { isChangeKind, normalizeLinks, type ChangeKind, type ChangeLink } from './model.js';

/** A deploy, config change or release, recorded against a service so responders can ask "what changed?". */
export interface ChangeEvent {
  id: string;
  serviceId: string;
  summary: string;
  source: string;
  kind: ChangeKind;
  author: string | null;
  at: number;
  receivedAt: number;
  links: ChangeLink[];
  details: Record<string, unknown>;
}

export interface NewChange {
  summary: string;
  source: string;
  at: number | null;
  /** PagerDuty's {url, title}, the change webhook's {href, text}, or plain URLs. */
  links: unknown[];
  details: Record<string, unknown>;
  kind?: ChangeKind | undefined;
  author?: string | null | undefined;
  /** Change hooks: the hook, and the tool's own id of the change (one row per service for it). */
  hookId?: string | null | undefined;
  externalId?: string | null | undefined;
  /** Image tags, versions, revisions (kept in details.versions too). */
  versions?: string[] | undefined;
}

/** Issue 22 item 3: the service has an open P1 or P2; the intake answers with this beside the change. */
export interface ChangeWarning {
  code: 'open_incident';
  message: string;
  incidentId: string;
  severity: string;
  serviceId: string;
}

export interface Recorded {
  id: string;
  warnings: ChangeWarning[];
  /** Open incidents whose room got the change as "during the incident" (the caller nudges their viewers). */
  duringIncidentIds: string[];
}

/** Whether a team pages the IC of an open P1/P2 when a change to one of its services arrives (change_settings). */
async function pagesCommander(ex: Executor, teamId: string): Promise<boolean> {
  const row = await ex
    .selectFrom('changeSettings')
    .select('pageCommander')
    .where('teamId', '=', teamId)
    .executeTakeFirst();
  return row?.pageCommander === 1;
}

const HIGH_SEVERITIES = new Set(['P1', 'P2']);

export interface ChangeFilter {
  service?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  limit: number;
}

interface Row {
  serviceId: string;
  integrationKeyId: string | null;
  payloadId: string | null;
}

export interface ChangeDeps {
  db: Db;
  clock: Clock;
  teams?: TeamService;
  /** Pages the IC (durable deliveries in the change's transaction); without it no page is sent. */
  notify?: Pick<NotifyService, 'notifyUser'>;
  publicUrl?: () => string;
  /** After a commit: incidents whose room got a change (the live rooms' nudge). */
  onIncidentsTouched?: (incidentIds: string[]) => void;
}

export class ChangeService {
  constructor(private readonly deps: ChangeDeps) {}

  /** Nudge live rooms after the commit (the timeline entry is already in). */
  touched(r: Recorded | Recorded[]): void {
    const ids = [...new Set((Array.isArray(r) ? r : [r]).flatMap((x) => x.duringIncidentIds))];
    if (ids.length) this.deps.onIncidentsTouched?.(ids);
  }

  /** From an integration (change webhook, PagerDuty change events): committed before the sender hears 202. */
  async record(key: IntakeKey, change: NewChange, rawBody: unknown): Promise<Recorded> {
    const now = this.deps.clock.now();
    const recorded = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const payloadId = newId('pay', now);
      await trx
        .insertInto('intakePayloads')
        .values({
          id: payloadId,
          integrationKeyId: key.keyId,
          source: 'change',
          receivedAt: now,
          body: toJsonText(withoutIntegrationKey(rawBody)),
        })
        .execute();
      return this.insert(trx, { serviceId: key.serviceId, integrationKeyId: key.keyId, payloadId }, change, now, null);
    });
    this.touched(recorded);
    return recorded;
  }

  /** From a person or a CI token (`muster change record`): responders of the owning team. Audited. */
  async recordByUser(
    actor: Actor,
    service: string,
    change: NewChange,
  ): Promise<{ change: ChangeEvent; warnings: ChangeWarning[] }> {
    const svc = await findServiceRow(this.deps.db.kysely, service);
    if (!svc) throw serviceNotFound(service);
    await this.deps.teams?.requireRole(actor, svc.teamId, 'responder');
    if (change.kind !== undefined && !isChangeKind(change.kind)) {
      throw validationError([{ field: 'kind', message: 'must be deploy, config, infrastructure or other' }]);
    }
    const now = this.deps.clock.now();
    const recorded = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const r = await this.insert(
        trx,
        { serviceId: svc.id, integrationKeyId: null, payloadId: null },
        change,
        now,
        actor.userId ?? null,
      );
      const details = { serviceId: svc.id, summary: change.summary, kind: change.kind ?? 'other' };
      await recordAudit(trx, actor, 'change.recorded', { type: 'change', id: r.id }, details, now);
      return r;
    });
    this.touched(recorded);
    return { change: (await this.list({ limit: 1, ids: [recorded.id] }))[0]!, warnings: recorded.warnings };
  }

  /**
   * Record a change in the caller's transaction (change hooks): the row, the room entry of every open incident it
   * falls in, the warnings, and the IC's page when the team asks for it. The caller nudges rooms after its commit.
   */
  async recordIn(trx: Executor, serviceId: string, change: NewChange, now: number): Promise<Recorded> {
    return this.insert(trx, { serviceId, integrationKeyId: null, payloadId: null }, change, now, null);
  }

  private async insert(
    trx: Executor,
    row: Row,
    change: NewChange,
    now: number,
    actorUserId: string | null,
  ): Promise<Recorded> {
    const id = newId('chg', now);
    const at = change.at ?? now;
    const author = change.author?.trim() || null;
    const links = normalizeLinks(change.links);
    const versions = change.versions ?? [];
    const details = versions.length ? { ...change.details, versions } : change.details;
    await trx
      .insertInto('changeEvents')
      .values({
        id,
        ...row,
        summary: change.summary,
        source: change.source,
        kind: change.kind ?? 'other',
        author,
        at,
        receivedAt: now,
        links: toJsonText(links),
        details: toJsonText(details),
        hookId: change.hookId ?? null,
        externalId: change.externalId ?? null,
      })
      .execute();
    const svc = await trx
      .selectFrom('services')
      .select(['name', 'teamId'])
      .where('id', '=', row.serviceId)
      .executeTakeFirst();
    const recorded: RecordedChange = {
      id,
      serviceId: row.serviceId,
      summary: change.summary,
      source: change.source,
      kind: change.kind ?? 'other',
      author,
      at,
      versions,
      links,
    };
    const touched = await noteChangeDuringIncidents(trx, recorded, svc?.name ?? row.serviceId, now);
    const high = touched.filter((t) => HIGH_SEVERITIES.has(t.severity));
    const serviceName = svc?.name ?? row.serviceId;
    const warnings: ChangeWarning[] = high.map((t) => ({
      code: 'open_incident',
      message:
        `${serviceName} has an open ${t.severity} incident, "${t.title}"` +
        (t.commander
          ? `: tell its Incident Commander, ${t.commander.name}, about this change.`
          : ': tell the incident room about this change.'),
      incidentId: t.incidentId,
      severity: t.severity,
      serviceId: row.serviceId,
    }));
    if (high.length && svc && this.deps.notify && (await pagesCommander(trx, svc.teamId))) {
      for (const t of high) await this.pageCommander(trx, t, recorded, serviceName, actorUserId, now);
    }
    return { id, warnings, duringIncidentIds: touched.filter((t) => t.during).map((t) => t.incidentId) };
  }

  /** The team's option: the IC of an open P1/P2 hears of a change to its service (not the IC's own change). */
  private async pageCommander(
    trx: Executor,
    t: TouchedIncident,
    c: RecordedChange,
    serviceName: string,
    actorUserId: string | null,
    now: number,
  ): Promise<void> {
    if (!t.commander || t.commander.userId === actorUserId) return;
    const base = this.deps.publicUrl?.() ?? '';
    await this.deps.notify!.notifyUser(
      trx,
      {
        userId: t.commander.userId,
        urgency: 'high',
        key: `change:${t.incidentId}:${c.id}`,
        message: {
          subject: `[Muster] Change to ${serviceName} during ${t.severity} "${t.title}"`,
          body:
            `${c.author ?? 'Someone'} changed ${serviceName} while the ${t.severity} incident "${t.title}" is open:\n` +
            `${c.summary}\n${c.versions.length ? `Versions: ${c.versions.join(', ')}\n` : ''}` +
            'You are its Incident Commander. The change is in the room.',
          url: `${base}/incidents/${t.incidentId}`,
        },
      },
      now,
    );
  }

  /** Newest first. `service` is an id or slug (an unknown one is a 404). */
  async list(filter: ChangeFilter & { serviceId?: string; ids?: string[] }): Promise<ChangeEvent[]> {
    let serviceId = filter.serviceId;
    if (filter.service) {
      const svc = await findServiceRow(this.deps.db.kysely, filter.service);
      if (!svc) throw serviceNotFound(filter.service);
      serviceId = svc.id;
    }
    let q = this.deps.db.kysely
      .selectFrom('changeEvents')
      .selectAll()
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit);
    if (serviceId) q = q.where('serviceId', '=', serviceId);
    if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
    if (filter.until !== undefined) q = q.where('at', '<=', filter.until);
    if (filter.ids) q = q.where('id', 'in', filter.ids);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      serviceId: r.serviceId,
      summary: r.summary,
      source: r.source,
      kind: isChangeKind(r.kind) ? r.kind : 'other',
      author: r.author,
      at: r.at,
      receivedAt: r.receivedAt,
      links: fromJsonText<ChangeLink[]>(r.links, []),
      details: fromJsonText<Record<string, unknown>>(r.details, {}),
    }));
  }
}
