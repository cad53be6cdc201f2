import type { IntakeKey } from '../catalog/index.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';

/** A deploy, config change or release, recorded against a service so responders can ask "what changed?". */
export interface ChangeEvent {
  id: string;
  serviceId: string;
  summary: string;
  source: string;
  at: number;
  receivedAt: number;
  links: { href: string; text: string }[];
  details: Record<string, unknown>;
}

export interface NewChange {
  summary: string;
  source: string;
  at: number | null;
  links: { url: string; title: string }[];
  details: Record<string, unknown>;
}

export class ChangeService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  /** Record a change event with its raw payload; committed before the sender hears 202. */
  async record(key: IntakeKey, change: NewChange, rawBody: unknown): Promise<string> {
    const now = this.deps.clock.now();
    const id = newId('chg', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const payloadId = newId('pay', now);
      await trx
        .insertInto('intakePayloads')
        .values({
          id: payloadId,
          integrationKeyId: key.keyId,
          source: 'change',
          receivedAt: now,
          body: toJsonText(rawBody),
        })
        .execute();
      await trx
        .insertInto('changeEvents')
        .values({
          id,
          serviceId: key.serviceId,
          integrationKeyId: key.keyId,
          summary: change.summary,
          source: change.source,
          at: change.at ?? now,
          receivedAt: now,
          links: toJsonText(change.links.map((l) => ({ href: l.url, text: l.title }))),
          details: toJsonText(change.details),
          payloadId,
        })
        .execute();
    });
    return id;
  }

  async list(filter: { serviceId?: string; since?: number; limit: number }): Promise<ChangeEvent[]> {
    let q = this.deps.db.kysely.selectFrom('changeEvents').selectAll().orderBy('at', 'desc').limit(filter.limit);
    if (filter.serviceId) q = q.where('serviceId', '=', filter.serviceId);
    if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      serviceId: r.serviceId,
      summary: r.summary,
      source: r.source,
      at: r.at,
      receivedAt: r.receivedAt,
      links: fromJsonText<ChangeEvent['links']>(r.links, []),
      details: fromJsonText<Record<string, unknown>>(r.details, {}),
    }));
  }
}
