/**
 * A game day's drill key: an integration key (generic webhook source) on one of its target services with
 * is_drill = 1. Alerts that arrive through it are drills (alerts.is_drill): they page the real on-call through the
 * real schedules and escalation, every notification says DRILL, and they never declare a real incident. Only the
 * SHA-256 is stored; the plaintext is returned once.
 */
import { randomBytes } from 'node:crypto';
import { integrationKeyFromBytes, integrationKeyPrefix } from '../../catalog/model.js';
import { toIntegrationKey, type IntegrationKey } from '../../catalog/repo.js';
import type { IntakeKey } from '../../catalog/keys.js';
import type { Executor } from '../../db/index.js';
import { sha256Hex } from '../../shared/crypto.js';
import { newId } from '../../shared/ids.js';

export const drillKeyName = (title: string): string => `Drill: ${title}`.slice(0, 100);

export async function insertDrillKey(
  trx: Executor,
  input: { serviceId: string; title: string; createdBy: string },
  now: number,
): Promise<{ key: string; integrationKey: IntegrationKey }> {
  const key = integrationKeyFromBytes(randomBytes(32));
  const row = {
    id: newId('ikey', now),
    serviceId: input.serviceId,
    source: 'generic',
    name: drillKeyName(input.title),
    keyHash: sha256Hex(key),
    prefix: integrationKeyPrefix(key),
    createdAt: now,
    createdBy: input.createdBy,
    lastUsedAt: null,
    revokedAt: null,
    replacedById: null,
    isDrill: 1 as const,
  };
  await trx.insertInto('integrationKeys').values(row).execute();
  return { key, integrationKey: toIntegrationKey(row) };
}

/** The newest live drill key on one of these services (generic source), as intake knows a key. */
export async function findDrillKey(ex: Executor, serviceIds: string[]): Promise<IntakeKey | null> {
  if (!serviceIds.length) return null;
  const r = await ex
    .selectFrom('integrationKeys')
    .select(['id', 'serviceId'])
    .where('serviceId', 'in', serviceIds)
    .where('isDrill', '=', 1)
    .where('source', '=', 'generic')
    .where('revokedAt', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return r ? { keyId: r.id, serviceId: r.serviceId, source: 'generic', isDrill: true } : null;
}
