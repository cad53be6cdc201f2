/**
 * Imported history (issue 16 item 4, docs/import.md, migration 0049): past incidents of the source written as
 * incidents of kind 'imported', in the import's apply transaction. They are written straight into the incident
 * tables, not declared: nothing is paged, no room, timers, checklist, chat channel or post-mortem is made (the
 * post-mortem job runs only when an incident resolves in Muster), and the completion rate counts real incidents only.
 * They count in response times (MTTA, MTTR) and recurrence when the insights include imported incidents
 * (`includeKinds=imported`). Each is unique per (source, external id): importing it again changes nothing.
 */
import type { Executor } from '../db/index.js';
import { newId } from '../shared/ids.js';
import type { ImportedIncident, ImportSource } from './model.js';

export interface HistoryOutcome {
  found: number;
  imported: number;
  alreadyImported: number;
}

const SOURCE_NAMES: Record<ImportSource, string> = {
  pagerduty: 'PagerDuty',
  opsgenie: 'Opsgenie',
  'grafana-oncall': 'Grafana OnCall',
};

export const sourceName = (s: ImportSource): string => SOURCE_NAMES[s];

/** The external ids of this source already imported. */
export async function knownExternalIds(ex: Executor, source: ImportSource, ids: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await ex
      .selectFrom('incidents')
      .select('externalId')
      .where('importSource', '=', source)
      .where('externalId', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) if (r.externalId) known.add(r.externalId);
  }
  return known;
}

/** What a dry run would do with the history: how many are new and how many were imported before. */
export async function previewHistory(
  ex: Executor,
  source: ImportSource,
  incidents: ImportedIncident[],
): Promise<HistoryOutcome> {
  const resolved = incidents.filter((i) => i.resolvedAt !== null);
  const ids = [...new Set(resolved.map((r) => r.externalId))];
  const known = await knownExternalIds(ex, source, ids);
  return { found: incidents.length, imported: 0, alreadyImported: ids.filter((id) => known.has(id)).length };
}

/** Write the resolved incidents not imported before; `now` is when the import ran. */
export async function importHistory(
  trx: Executor,
  source: ImportSource,
  incidents: ImportedIncident[],
  now: number,
): Promise<HistoryOutcome> {
  const outcome: HistoryOutcome = { found: incidents.length, imported: 0, alreadyImported: 0 };
  // Only resolved incidents are history; one the source still has open is not carried over.
  const resolved = incidents.filter((i) => i.resolvedAt !== null);
  if (resolved.length === 0) return outcome;
  const known = await knownExternalIds(
    trx,
    source,
    resolved.map((r) => r.externalId),
  );
  const slugs = [...new Set(resolved.map((r) => r.service).filter((s): s is string => s !== null))];
  const serviceIdBySlug = new Map<string, string>();
  if (slugs.length) {
    const rows = await trx.selectFrom('services').select(['id', 'slug']).where('slug', 'in', slugs).execute();
    for (const r of rows) serviceIdBySlug.set(r.slug, r.id);
  }
  const seen = new Set<string>();
  for (const inc of resolved) {
    if (known.has(inc.externalId) || seen.has(inc.externalId)) {
      outcome.alreadyImported++;
      continue;
    }
    seen.add(inc.externalId);
    const id = newId('inc', inc.createdAt);
    const label = `Imported from ${SOURCE_NAMES[source]}`;
    const resolvedAt = Math.max(inc.resolvedAt!, inc.createdAt);
    await trx
      .insertInto('incidents')
      .values({
        id,
        title: inc.title.trim().slice(0, 500) || `${SOURCE_NAMES[source]} incident ${inc.externalId}`,
        summary: '',
        severity: inc.severity,
        status: 'resolved',
        declaredByUserId: null,
        declaredByLabel: label,
        declaredAt: inc.createdAt,
        updatedAt: now,
        impactStartedAt: null,
        detectedAt: inc.createdAt,
        acknowledgedAt: inc.acknowledgedAt,
        mitigatedAt: null,
        resolvedAt,
        suspectedChangeId: null,
        timerGeneration: 0,
        lastEventSeq: 1,
        kind: 'imported',
        importSource: source,
        externalId: inc.externalId,
        externalUrl: inc.url,
      })
      .execute();
    const serviceId = inc.service ? serviceIdBySlug.get(inc.service) : undefined;
    if (serviceId) {
      await trx.insertInto('incidentServices').values({ incidentId: id, serviceId, createdAt: now }).execute();
    }
    await trx
      .insertInto('incidentEvents')
      .values({
        id: newId('iev', now),
        incidentId: id,
        seq: 1,
        at: now,
        kind: 'imported',
        actorUserId: null,
        actorLabel: label,
        body: `${label}${inc.url ? `: ${inc.url}` : ''}`,
        details: JSON.stringify({ source, externalId: inc.externalId, url: inc.url }),
        isFlagged: 0,
      })
      .execute();
    outcome.imported++;
  }
  return outcome;
}
