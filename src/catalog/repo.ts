import type { Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import { containsText } from '../db/text.js';
import type { IntegrationKeysTable, ServicesTable } from '../db/schema.js';
import { fromJsonText } from '../shared/json.js';
import type { Selectable } from 'kysely';
import {
  DEFAULT_PAGING_GROUPS,
  isPagingGroupMode,
  type Criticality,
  type IntegrationSource,
  type PagingGroups,
} from './model.js';

export interface Service {
  id: string;
  name: string;
  slug: string;
  description: string;
  teamId: string;
  criticality: Criticality;
  escalationPolicyId: string | null;
  /** Alerts of these severities declare an incident of `incidentSeverity` automatically; null: never. */
  incidentRule: IncidentRule | null;
  /** How its alerts share a page (migration 0035). */
  pagingGroups: PagingGroups;
  createdAt: number;
  updatedAt: number;
}

export interface IncidentRule {
  alertSeverities: string[];
  incidentSeverity: string;
}

export interface IntegrationKey {
  id: string;
  serviceId: string;
  source: IntegrationSource;
  name: string;
  prefix: string;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
  replacedById: string | null;
  /** A game day's drill key: its alerts page as drills (docs/gamedays.md). */
  isDrill: boolean;
}

export const toService = (row: Selectable<ServicesTable>): Service => {
  const { pagingGroupMode, pagingGroupLabels, pagingGroupWindowMinutes, ...rest } = row;
  return {
    ...rest,
    criticality: row.criticality as Criticality,
    incidentRule: fromJsonText<IncidentRule | null>(row.incidentRule, null),
    pagingGroups: {
      mode: isPagingGroupMode(pagingGroupMode) ? pagingGroupMode : DEFAULT_PAGING_GROUPS.mode,
      labels: fromJsonText<string[]>(pagingGroupLabels, []),
      windowMinutes: pagingGroupWindowMinutes ?? DEFAULT_PAGING_GROUPS.windowMinutes,
    },
  };
};

export function toIntegrationKey(row: IntegrationKeysTable): IntegrationKey {
  const { keyHash: _h, ...rest } = row;
  return { ...rest, source: row.source as IntegrationSource, isDrill: row.isDrill === 1 };
}

/** The transaction memo (src/db/tx-memo.ts) of a service's row by id: read once per transaction, or primed. */
export const serviceMemoKey = (serviceId: string): string => `service:${serviceId}`;

export async function findServiceRow(ex: Executor, idOrSlug: string): Promise<Service | null> {
  const [row] = await rowsOf(ex, findServiceQ(ex, idOrSlug));
  return row ? toService(row) : null;
}
const findServiceQ = prepared('catalog.findService', (ex: Executor, idOrSlug: string) =>
  ex
    .selectFrom('services')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)])),
);

export async function listServiceRows(ex: Executor, filter: { teamId?: string; q?: string }): Promise<Service[]> {
  let q = ex.selectFrom('services').selectAll().orderBy('name').orderBy('id');
  if (filter.teamId) q = q.where('teamId', '=', filter.teamId);
  if (filter.q) {
    const text = filter.q;
    q = q.where((eb) => eb.or([containsText('name', text), containsText('slug', text)]));
  }
  return (await q.execute()).map(toService);
}

export async function dependencyIds(ex: Executor, serviceId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('serviceDependencies')
    .select('dependsOnId')
    .where('serviceId', '=', serviceId)
    .orderBy('dependsOnId')
    .execute();
  return rows.map((r) => r.dependsOnId);
}

export async function dependentIds(ex: Executor, serviceId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('serviceDependencies')
    .select('serviceId')
    .where('dependsOnId', '=', serviceId)
    .orderBy('serviceId')
    .execute();
  return rows.map((r) => r.serviceId);
}

export async function replaceDependencies(ex: Executor, serviceId: string, ids: string[], now: number): Promise<void> {
  await ex.deleteFrom('serviceDependencies').where('serviceId', '=', serviceId).execute();
  if (ids.length) {
    await ex
      .insertInto('serviceDependencies')
      .values(ids.map((dependsOnId) => ({ serviceId, dependsOnId, createdAt: now })))
      .execute();
  }
}

export async function existingServiceIds(ex: Executor, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await ex.selectFrom('services').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

export async function findKeyRow(ex: Executor, id: string): Promise<IntegrationKeysTable | null> {
  return (await ex.selectFrom('integrationKeys').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** The keys behind several hashes in one statement, by hash (a hash with no key is absent). */
export async function findKeyRowsByHash(
  ex: Executor,
  keyHashes: readonly string[],
): Promise<Map<string, IntegrationKeysTable>> {
  if (!keyHashes.length) return new Map();
  const rows = await rowsOf(ex, findKeysQ(ex, [...new Set(keyHashes)]));
  return new Map(rows.map((r) => [r.keyHash, r]));
}
const findKeysQ = prepared('catalog.findKeysByHash', (ex: Executor, keyHashes: string[]) =>
  ex.selectFrom('integrationKeys').selectAll().where('keyHash', 'in', keyHashes),
);

export async function listKeyRows(ex: Executor, serviceId: string): Promise<IntegrationKey[]> {
  const rows = await ex
    .selectFrom('integrationKeys')
    .selectAll()
    .where('serviceId', '=', serviceId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toIntegrationKey);
}
