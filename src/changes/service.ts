import { findServiceRow, serviceNotFound, withoutIntegrationKey, type IntakeKey } from '../catalog/index.js';
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
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
}

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

export class ChangeService {
  constructor(private readonly deps: { db: Db; clock: Clock; teams?: TeamService }) {}

  /** From an integration (change webhook, PagerDuty change events): committed before the sender hears 202. */
  async record(key: IntakeKey, change: NewChange, rawBody: unknown): Promise<string> {
    const now = this.deps.clock.now();
    return this.deps.db.kysely.transaction().execute(async (trx) => {
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
      return this.insert(trx, { serviceId: key.serviceId, integrationKeyId: key.keyId, payloadId }, change, now);
    });
  }

  /** From a person or a CI token (`muster change record`): responders of the owning team. Audited. */
  async recordByUser(actor: Actor, service: string, change: NewChange): Promise<ChangeEvent> {
    const svc = await findServiceRow(this.deps.db.kysely, service);
    if (!svc) throw serviceNotFound(service);
    await this.deps.teams?.requireRole(actor, svc.teamId, 'responder');
    if (change.kind !== undefined && !isChangeKind(change.kind)) {
      throw validationError([{ field: 'kind', message: 'must be deploy, config, infrastructure or other' }]);
    }
    const now = this.deps.clock.now();
    const id = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const changeId = await this.insert(
        trx,
        { serviceId: svc.id, integrationKeyId: null, payloadId: null },
        change,
        now,
      );
      const details = { serviceId: svc.id, summary: change.summary, kind: change.kind ?? 'other' };
      await recordAudit(trx, actor, 'change.recorded', { type: 'change', id: changeId }, details, now);
      return changeId;
    });
    return (await this.list({ limit: 1, ids: [id] }))[0]!;
  }

  private async insert(trx: Executor, row: Row, change: NewChange, now: number): Promise<string> {
    const id = newId('chg', now);
    await trx
      .insertInto('changeEvents')
      .values({
        id,
        ...row,
        summary: change.summary,
        source: change.source,
        kind: change.kind ?? 'other',
        author: change.author?.trim() || null,
        at: change.at ?? now,
        receivedAt: now,
        links: toJsonText(normalizeLinks(change.links)),
        details: toJsonText(change.details),
      })
      .execute();
    return id;
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
