/**
 * Recent changes for an incident: change events of its services and their dependencies around the start of impact,
 * ranked (changes.ts). Reads the catalog's dependency edges and the change_events table directly; when src/changes
 * exports a query for them, swap these two reads for it.
 */
import type { Executor } from '../db/index.js';
import { HOUR, MINUTE } from '../shared/clock.js';
import { fromJsonText } from '../shared/json.js';
import { rankChanges, serviceDistances, type ChangeEvent, type RankedChange } from './changes.js';
import { audit, event, signal, type Ctx } from './context.js';
import { changeNotFound } from './errors.js';
import type { Incident } from './model.js';
import { affectedServiceIds, appendEvent, currentRoles } from './repo.js';
import { engineOf } from './signals.js';

export const DEFAULT_CHANGE_WINDOW_MS = 2 * HOUR;

async function dependencyEdges(ex: Executor): Promise<Map<string, string[]>> {
  const rows = await ex.selectFrom('serviceDependencies').select(['serviceId', 'dependsOnId']).execute();
  const m = new Map<string, string[]>();
  for (const r of rows) m.set(r.serviceId, [...(m.get(r.serviceId) ?? []), r.dependsOnId]);
  return m;
}

async function changesOf(ex: Executor, serviceIds: string[], from: number, to: number): Promise<ChangeEvent[]> {
  if (!serviceIds.length) return [];
  const rows = await ex
    .selectFrom('changeEvents')
    .select(['id', 'serviceId', 'summary', 'source', 'at', 'details', 'links'])
    .where('serviceId', 'in', serviceIds)
    .where('at', '>=', from)
    .where('at', '<=', to)
    .orderBy('at', 'desc')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    ...r,
    details: fromJsonText<Record<string, unknown>>(r.details, {}),
    links: fromJsonText<unknown>(r.links, []),
  }));
}

export interface RecentChanges {
  windowMs: number;
  referenceAt: number;
  from: number;
  to: number;
  suspectedChangeId: string | null;
  changes: RankedChange[];
}

/** Changes from `windowMs` before the start of impact (or detection) until now. */
export async function recentChanges(
  ex: Executor,
  incident: Incident,
  windowMs: number,
  now: number,
): Promise<RecentChanges> {
  const referenceAt = incident.impactStartedAt ?? incident.detectedAt ?? incident.declaredAt;
  const from = referenceAt - windowMs;
  const to = Math.max(now, referenceAt);
  const edges = await dependencyEdges(ex);
  const distance = serviceDistances(await affectedServiceIds(ex, incident.id), (s) => edges.get(s) ?? []);
  const found = await changesOf(ex, [...distance.keys()], from, to);
  const changes = rankChanges(found, { serviceDistance: distance, referenceAt, windowMs });
  return { windowMs, referenceAt, from, to, suspectedChangeId: incident.suspectedChangeId, changes };
}

export const clampWindowMs = (minutes: number | undefined): number =>
  minutes === undefined ? DEFAULT_CHANGE_WINDOW_MS : Math.min(7 * 24 * HOUR, Math.max(MINUTE, minutes * MINUTE));

/** Mark a change as the suspected cause: recorded on the timeline and on the incident. */
export async function suspectChange(c: Ctx, changeId: string, note: string | undefined): Promise<void> {
  const ch = await c.trx
    .selectFrom('changeEvents')
    .select(['id', 'summary', 'serviceId', 'at'])
    .where('id', '=', changeId)
    .executeTakeFirst();
  if (!ch) throw changeNotFound(changeId);
  await c.trx
    .updateTable('incidents')
    .set({ suspectedChangeId: changeId, updatedAt: c.now })
    .where('id', '=', c.incident.id)
    .execute();
  await event(c, {
    kind: 'change_suspected',
    body: `Suspected cause: ${ch.summary}${note?.trim() ? ` — ${note.trim()}` : ''}`,
    details: { changeId, serviceId: ch.serviceId, changeAt: ch.at, note: note?.trim() ?? null },
  });
  await signal(c, { kind: 'change_suspected' });
  await audit(c, 'incident.change_suspected', { changeId });
}

/** "Checked, nothing relevant": ticks the step without naming a cause. */
export async function markChangesReviewed(c: Ctx, note: string | undefined): Promise<void> {
  await event(c, { kind: 'changes_reviewed', body: note?.trim() || 'Recent changes reviewed.', details: {} });
  await signal(c, { kind: 'changes_reviewed' });
  await audit(c, 'incident.changes_reviewed', {});
}

/** A change just recorded, as the room shows it (src/changes calls this in the change's transaction). */
export interface RecordedChange {
  id: string;
  serviceId: string;
  summary: string;
  source: string;
  kind: string;
  author: string | null;
  at: number;
  versions: string[];
  links: { href: string; text: string }[];
}

/** An open incident a change touched: for the intake's warning and the IC page. */
export interface TouchedIncident {
  incidentId: string;
  title: string;
  severity: string;
  /** Whether the change was made after the incident began (impact, detection or declaration): "during the incident". */
  during: boolean;
  commander: { userId: string; name: string } | null;
}

/**
 * Issue 22 item 3: a change to a service of an open incident. When it was made after the incident began, the room's
 * timeline gets a flagged `change_during_incident` entry with who made it (the live stream carries it to every
 * viewer). Returns every open incident of the service, for the caller's warning and page. Use the change's `trx`.
 */
export async function noteChangeDuringIncidents(
  trx: Executor,
  change: RecordedChange,
  serviceName: string,
  now: number,
): Promise<TouchedIncident[]> {
  const rows = await trx
    .selectFrom('incidentServices')
    .innerJoin('incidents', 'incidents.id', 'incidentServices.incidentId')
    .select([
      'incidents.id',
      'incidents.title',
      'incidents.severity',
      'incidents.declaredAt',
      'incidents.impactStartedAt',
      'incidents.detectedAt',
    ])
    .where('incidentServices.serviceId', '=', change.serviceId)
    .where('incidents.status', '!=', 'resolved')
    .orderBy('incidents.id')
    .execute();
  const out: TouchedIncident[] = [];
  for (const r of rows) {
    const began = Math.min(r.declaredAt, r.impactStartedAt ?? r.declaredAt, r.detectedAt ?? r.declaredAt);
    const during = change.at >= began;
    const roles = await currentRoles(trx, r.id);
    const commander = roles.commander ? { userId: roles.commander.userId, name: roles.commander.name } : null;
    if (during) {
      const who = change.author ?? 'someone (not said)';
      await appendEvent(
        trx,
        engineOf(trx),
        r.id,
        {
          kind: 'change_during_incident',
          actorUserId: null,
          actorLabel: change.author ?? change.source,
          body: `Change during the incident on ${serviceName} by ${who}: ${change.summary}`,
          details: {
            changeId: change.id,
            serviceId: change.serviceId,
            serviceName,
            summary: change.summary,
            source: change.source,
            kind: change.kind,
            author: change.author,
            changeAt: change.at,
            versions: change.versions,
            links: change.links,
          },
          isFlagged: true,
        },
        now,
      );
    }
    out.push({ incidentId: r.id, title: r.title, severity: r.severity, during, commander });
  }
  return out;
}
