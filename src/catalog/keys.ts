import { randomBytes } from 'node:crypto';
import { CoalescedReader } from '../db/coalesce.js';
import type { Db, Executor } from '../db/index.js';
import type { IntegrationKeysTable } from '../db/schema.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { sha256Hex } from '../shared/crypto.js';
import { validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { integrationKeyNotFound, integrationKeyRevoked } from './errors.js';
import {
  INTEGRATION_SOURCES,
  integrationKeyFromBytes,
  integrationKeyPrefix,
  isIntegrationSource,
  looksLikeIntegrationKey,
  type IntegrationSource,
} from './model.js';
import { findKeyRow, findKeyRowsByHash, listKeyRows, toIntegrationKey, type IntegrationKey } from './repo.js';
import type { CatalogService } from './service.js';

/** What intake knows about the caller once its key checks out. */
export interface IntakeKey {
  keyId: string;
  serviceId: string;
  source: IntegrationSource;
  /** A game day's drill key (0027): its alerts are drills (alerts.is_drill). */
  isDrill?: boolean;
}

const TOUCH_EVERY_MS = 60 * 1000;

/**
 * Integration keys: one per service and source. Only the SHA-256 and a short prefix are stored; the plaintext is
 * returned once, at creation or rotation. Rotation issues a new key and revokes the old one in one transaction.
 */
export class IntegrationKeyService {
  constructor(private readonly deps: { db: Db; clock: Clock; catalog: CatalogService }) {}

  async list(actor: Actor, serviceIdOrSlug: string): Promise<IntegrationKey[]> {
    const service = await this.deps.catalog.get(actor, serviceIdOrSlug);
    return listKeyRows(this.deps.db.kysely, service.id);
  }

  async create(
    actor: Actor,
    serviceIdOrSlug: string,
    input: { source: string; name?: string | undefined },
  ): Promise<{ key: string; integrationKey: IntegrationKey }> {
    if (!isIntegrationSource(input.source)) {
      throw validationError([{ field: 'source', message: `must be one of ${INTEGRATION_SOURCES.join(', ')}` }]);
    }
    const source = input.source;
    const name = input.name?.trim() || source;
    if (name.length > 100) throw validationError([{ field: 'name', message: 'must be at most 100 characters' }]);
    const service = await this.deps.catalog.get(actor, serviceIdOrSlug);
    await this.deps.catalog.requireManage(actor, service.teamId);
    const now = this.deps.clock.now();
    return this.deps.db.kysely.transaction().execute(async (trx) => {
      const created = await this.insertKey(trx, actor, service.id, source, name, now);
      await recordAudit(
        trx,
        actor,
        'integration_key.created',
        { type: 'integration_key', id: created.integrationKey.id },
        { serviceId: service.id, source, name, prefix: created.integrationKey.prefix },
        now,
      );
      return created;
    });
  }

  async rotate(
    actor: Actor,
    serviceIdOrSlug: string,
    keyId: string,
  ): Promise<{ key: string; integrationKey: IntegrationKey }> {
    const service = await this.deps.catalog.get(actor, serviceIdOrSlug);
    await this.deps.catalog.requireManage(actor, service.teamId);
    const now = this.deps.clock.now();
    return this.deps.db.kysely.transaction().execute(async (trx) => {
      const old = await findKeyRow(trx, keyId);
      if (!old || old.serviceId !== service.id) throw integrationKeyNotFound(keyId);
      if (old.revokedAt !== null) throw integrationKeyRevoked(keyId);
      const created = await this.insertKey(trx, actor, service.id, old.source as IntegrationSource, old.name, now);
      await trx
        .updateTable('integrationKeys')
        .set({ revokedAt: now, replacedById: created.integrationKey.id })
        .where('id', '=', keyId)
        .execute();
      await recordAudit(
        trx,
        actor,
        'integration_key.rotated',
        { type: 'integration_key', id: keyId },
        { serviceId: service.id, replacedById: created.integrationKey.id, prefix: created.integrationKey.prefix },
        now,
      );
      return created;
    });
  }

  async revoke(actor: Actor, serviceIdOrSlug: string, keyId: string): Promise<void> {
    const service = await this.deps.catalog.get(actor, serviceIdOrSlug);
    await this.deps.catalog.requireManage(actor, service.teamId);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await findKeyRow(trx, keyId);
      if (!row || row.serviceId !== service.id) throw integrationKeyNotFound(keyId);
      if (row.revokedAt !== null) return;
      await trx.updateTable('integrationKeys').set({ revokedAt: now }).where('id', '=', keyId).execute();
      await recordAudit(
        trx,
        actor,
        'integration_key.revoked',
        { type: 'integration_key', id: keyId },
        { serviceId: service.id, source: row.source },
        now,
      );
    });
  }

  /**
   * Intake's key lookups, coalesced: the lookups asked for before the next turn of the event loop share one
   * `key_hash in (…)` statement (src/db/coalesce.ts). Nothing is cached: each lookup is read after it was asked, so a
   * key revoked before a request arrived is refused for it, in every process.
   */
  private readonly byHash = new CoalescedReader<string, IntegrationKeysTable>(
    (hashes) => findKeyRowsByHash(this.deps.db.kysely, hashes),
    { maxBatch: 500 },
  );

  /** The key behind a plaintext, if it is live and valid for one of `sources`; null otherwise (never says why). */
  async authenticate(plaintext: string, sources: readonly IntegrationSource[]): Promise<IntakeKey | null> {
    const key = plaintext.trim();
    if (!looksLikeIntegrationKey(key)) return null;
    const row = await this.byHash.read(sha256Hex(key));
    if (!row || row.revokedAt !== null || !sources.includes(row.source as IntegrationSource)) return null;
    return {
      keyId: row.id,
      serviceId: row.serviceId,
      source: row.source as IntegrationSource,
      isDrill: row.isDrill === 1,
    };
  }

  /** When this process last recorded each key's use: the row is written at most once a minute per key. */
  private readonly touchedAt = new Map<string, number>();

  /** Record use, at most once a minute per key; called inside the intake transaction. */
  async touch(trx: Executor, keyId: string, now: number): Promise<void> {
    const last = this.touchedAt.get(keyId);
    if (last !== undefined && last >= now - TOUCH_EVERY_MS) return;
    if (this.touchedAt.size >= 10_000) this.touchedAt.clear(); // bounded; at worst one extra write per key
    this.touchedAt.set(keyId, now);
    await trx
      .updateTable('integrationKeys')
      .set({ lastUsedAt: now })
      .where('id', '=', keyId)
      .where((eb) => eb.or([eb('lastUsedAt', 'is', null), eb('lastUsedAt', '<', now - TOUCH_EVERY_MS)]))
      .execute();
  }

  private async insertKey(
    trx: Executor,
    actor: Actor,
    serviceId: string,
    source: IntegrationSource,
    name: string,
    now: number,
  ): Promise<{ key: string; integrationKey: IntegrationKey }> {
    const key = integrationKeyFromBytes(randomBytes(32));
    const row = {
      id: newId('ikey', now),
      serviceId,
      source,
      name,
      keyHash: sha256Hex(key),
      prefix: integrationKeyPrefix(key),
      createdAt: now,
      createdBy: actor.label,
      lastUsedAt: null,
      revokedAt: null,
      replacedById: null,
      isDrill: 0 as const,
    };
    await trx.insertInto('integrationKeys').values(row).execute();
    return { key, integrationKey: toIntegrationKey(row) };
  }
}
