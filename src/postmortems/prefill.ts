/**
 * The pre-filled timeline and impact of a post-mortem, computed on read from the incident's own record (events,
 * linked alerts, milestones, notification deliveries, the status page) plus the author's marks and entries. Every
 * part is one set-based query, whatever the incident's size: 10,000 timeline events cost one select, not one each.
 */
import type { Executor } from '../db/index.js';
import type { Incident } from '../incidents/index.js';
import { CURATED_ENTRY_KINDS, MILESTONES } from '../incidents/index.js';
import { toIso, toIsoOrNull } from '../shared/clock.js';
import { fromJsonText } from '../shared/json.js';
import { metricsOf, type MilestoneTimes } from './model.js';
import { overridesOf, type ImpactOverrides, type PostmortemRow, type UserRef } from './repo.js';

/** Incident event kinds that belong in a post-mortem timeline (room joins, reminders and policy notes do not). */
export const TIMELINE_EVENT_KINDS = [
  'declared',
  'severity_changed',
  'severity_confirmed',
  'role_assigned',
  'role_unassigned',
  'alert_linked',
  'alert_acknowledged',
  'acknowledged',
  'note',
  'status_update',
  'status_changed',
  'reopened',
  'checklist_ticked',
  'change_suspected',
  'changes_reviewed',
  'milestone_changed',
  'service_added',
  'service_removed',
  'task_added',
  'channel_opened',
  'commander_missing',
  'details_updated',
  // The room's typed entries (src/incidents/entries.ts) and the ticket an incident left as.
  'hypothesis',
  'ruled_out',
  'finding',
  'decision',
  'ticket_created',
];

export interface TimelineItem {
  ref: string;
  at: string;
  kind: string;
  source: 'incident' | 'alert' | 'milestone' | 'entry';
  body: string;
  actor: { id: string | null; name: string } | null;
  starred: boolean;
  hidden: boolean;
  tag: string | null;
  narrative: string | null;
  entryId?: string;
}

const MILESTONE_LABELS: Record<string, string> = {
  impactStartedAt: 'Impact started',
  detectedAt: 'Detected',
  acknowledgedAt: 'Acknowledged',
  mitigatedAt: 'Mitigated',
  resolvedAt: 'Resolved',
};

export const milestonesOf = (i: Incident): MilestoneTimes => ({
  impactStartedAt: i.impactStartedAt,
  detectedAt: i.detectedAt,
  acknowledgedAt: i.acknowledgedAt,
  mitigatedAt: i.mitigatedAt,
  resolvedAt: i.resolvedAt,
});

export const milestonesView = (m: MilestoneTimes) => ({
  impactStartedAt: toIsoOrNull(m.impactStartedAt),
  detectedAt: toIsoOrNull(m.detectedAt),
  acknowledgedAt: toIsoOrNull(m.acknowledgedAt),
  mitigatedAt: toIsoOrNull(m.mitigatedAt),
  resolvedAt: toIsoOrNull(m.resolvedAt),
});

interface LinkedAlert {
  id: string;
  summary: string;
  firstSeenAt: number;
  acknowledgedAt: number | null;
  acknowledgedByUserId: string | null;
  acknowledgedByLabel: string | null;
}

export function linkedAlerts(ex: Executor, incidentId: string): Promise<LinkedAlert[]> {
  return ex
    .selectFrom('incidentAlerts')
    .innerJoin('alerts', 'alerts.id', 'incidentAlerts.alertId')
    .select([
      'alerts.id',
      'alerts.summary',
      'alerts.firstSeenAt',
      'alerts.acknowledgedAt',
      'alerts.acknowledgedByUserId',
      'alerts.acknowledgedByLabel',
    ])
    .where('incidentAlerts.incidentId', '=', incidentId)
    .execute();
}

/** When the first linked alert fired (null: none linked): where MTTA starts. */
export async function firstAlertFiredAt(ex: Executor, incidentId: string): Promise<number | null> {
  const r = await ex
    .selectFrom('incidentAlerts')
    .innerJoin('alerts', 'alerts.id', 'incidentAlerts.alertId')
    .select((eb) => eb.fn.min('alerts.firstSeenAt').as('first'))
    .where('incidentAlerts.incidentId', '=', incidentId)
    .executeTakeFirst();
  return r?.first === null || r?.first === undefined ? null : Number(r.first);
}

export async function buildTimeline(
  ex: Executor,
  pm: PostmortemRow,
  incident: Incident,
  opts: { curated?: boolean } = {},
) {
  const [events, alerts, marks, entries] = await Promise.all([
    ex
      .selectFrom('incidentEvents')
      .select(['id', 'seq', 'at', 'kind', 'actorUserId', 'actorLabel', 'body'])
      .where('incidentId', '=', incident.id)
      .where('kind', 'in', TIMELINE_EVENT_KINDS)
      .orderBy('seq')
      .execute(),
    linkedAlerts(ex, incident.id),
    ex
      .selectFrom('postmortemTimelineMarks')
      .select(['ref', 'starred', 'hidden', 'tag', 'narrative'])
      .where('postmortemId', '=', pm.id)
      .execute(),
    ex
      .selectFrom('postmortemTimelineEntries')
      .select(['id', 'at', 'body', 'tag', 'createdByLabel'])
      .where('postmortemId', '=', pm.id)
      .execute(),
  ]);
  const markOf = new Map(marks.map((m) => [m.ref, m]));
  const rows: { t: number; order: number; item: TimelineItem }[] = [];
  const push = (
    t: number,
    order: number,
    item: Omit<TimelineItem, 'starred' | 'hidden' | 'tag' | 'narrative'>,
    tag: string | null = null,
  ) => {
    const m = markOf.get(item.ref);
    rows.push({
      t,
      order,
      item: {
        ...item,
        starred: m?.starred === 1,
        hidden: m?.hidden === 1,
        tag: m?.tag ?? tag,
        narrative: m?.narrative ?? null,
      },
    });
  };
  for (const e of events) {
    push(e.at, e.seq, {
      ref: e.id,
      at: toIso(e.at),
      kind: e.kind,
      source: 'incident',
      body: e.body || e.kind.replace(/_/g, ' '),
      actor: { id: e.actorUserId, name: e.actorLabel },
    });
  }
  for (const a of alerts) {
    push(a.firstSeenAt, 0, {
      ref: `alert:${a.id}:fired`,
      at: toIso(a.firstSeenAt),
      kind: 'alert_fired',
      source: 'alert',
      body: `Alert fired: ${a.summary}`,
      actor: null,
    });
    if (a.acknowledgedAt !== null) {
      push(a.acknowledgedAt, 0, {
        ref: `alert:${a.id}:acknowledged`,
        at: toIso(a.acknowledgedAt),
        kind: 'alert_acknowledged',
        source: 'alert',
        body: `Alert acknowledged${a.acknowledgedByLabel ? ` by ${a.acknowledgedByLabel}` : ''}: ${a.summary}`,
        actor: a.acknowledgedByLabel ? { id: a.acknowledgedByUserId, name: a.acknowledgedByLabel } : null,
      });
    }
  }
  const m = milestonesOf(incident);
  for (const name of MILESTONES) {
    const at = m[name];
    if (at === null) continue;
    push(at, -1, {
      ref: `milestone:${name}`,
      at: toIso(at),
      kind: 'milestone',
      source: 'milestone',
      body: MILESTONE_LABELS[name] ?? name,
      actor: null,
    });
  }
  for (const e of entries) {
    push(
      e.at,
      Number.MAX_SAFE_INTEGER,
      {
        ref: `entry:${e.id}`,
        at: toIso(e.at),
        kind: 'entry',
        source: 'entry',
        body: e.body,
        actor: { id: null, name: e.createdByLabel },
        entryId: e.id,
      },
      e.tag,
    );
  }
  rows.sort((a, b) => a.t - b.t || a.order - b.order);
  let items = rows.map((r) => r.item);
  if (opts.curated) {
    // The room's findings, decisions and what was ruled out are curated by the responders who posted them.
    items = items.filter(
      (i) =>
        !i.hidden &&
        (i.starred ||
          i.source === 'entry' ||
          i.source === 'milestone' ||
          (i.source === 'incident' && CURATED_ENTRY_KINDS.includes(i.kind))),
    );
  }
  const first = alerts.length ? Math.min(...alerts.map((a) => a.firstSeenAt)) : null;
  return { events: items, milestones: milestonesView(m), metrics: metricsOf(m, first) };
}

export interface Impact {
  durationSeconds: number | null;
  impactStartedAt: string | null;
  detectedAt: string | null;
  acknowledgedAt: string | null;
  mitigatedAt: string | null;
  resolvedAt: string | null;
  mttdSeconds: number | null;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  services: UserRef[];
  alertCount: number;
  pageCount: number;
  peoplePaged: UserRef[];
  statusComponents: UserRef[];
  publicImpactMinutes: number | null;
  overrides: ImpactOverrides;
}

export async function buildImpact(ex: Executor, pm: PostmortemRow, incident: Incident, now: number): Promise<Impact> {
  const alertIds = ex.selectFrom('incidentAlerts').select('alertId').where('incidentId', '=', incident.id);
  const [services, alertAgg, pages, paged, publication] = await Promise.all([
    ex
      .selectFrom('incidentServices')
      .innerJoin('services', 'services.id', 'incidentServices.serviceId')
      .select(['services.id', 'services.name'])
      .where('incidentServices.incidentId', '=', incident.id)
      .orderBy('services.name')
      .execute(),
    ex
      .selectFrom('incidentAlerts')
      .innerJoin('alerts', 'alerts.id', 'incidentAlerts.alertId')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('alerts.firstSeenAt').as('first')])
      .where('incidentAlerts.incidentId', '=', incident.id)
      .executeTakeFirst(),
    ex
      .selectFrom('notificationDeliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('alertId', 'in', alertIds)
      .executeTakeFirst(),
    ex
      .selectFrom('notificationDeliveries')
      .innerJoin('users', 'users.id', 'notificationDeliveries.userId')
      .select(['users.id', 'users.name', 'users.email'])
      .distinct()
      .where('notificationDeliveries.alertId', 'in', alertIds)
      .execute(),
    ex
      .selectFrom('statusIncidents')
      .select(['components', 'publishedAt', 'resolvedAt'])
      .where('incidentId', '=', incident.id)
      .executeTakeFirst(),
  ]);
  let statusComponents: UserRef[] = [];
  if (publication) {
    const ids = fromJsonText<{ componentId: string }[]>(publication.components, []).map((c) => c.componentId);
    if (ids.length) {
      statusComponents = await ex
        .selectFrom('statusComponents')
        .select(['id', 'name'])
        .where('id', 'in', ids)
        .orderBy('displayOrder')
        .execute();
    }
  }
  const m = milestonesOf(incident);
  const first = alertAgg?.first === null || alertAgg?.first === undefined ? null : Number(alertAgg.first);
  const start = m.impactStartedAt ?? m.detectedAt ?? incident.declaredAt;
  const end = m.resolvedAt ?? now;
  return {
    durationSeconds: end >= start ? Math.round((end - start) / 1000) : null,
    ...milestonesView(m),
    ...metricsOf(m, first),
    services,
    alertCount: Number(alertAgg?.n ?? 0),
    pageCount: Number(pages?.n ?? 0),
    peoplePaged: paged.map((u) => ({ id: u.id, name: u.name || u.email })).sort((a, b) => a.name.localeCompare(b.name)),
    statusComponents,
    publicImpactMinutes: publication
      ? Math.max(0, Math.round(((publication.resolvedAt ?? now) - publication.publishedAt) / 60_000))
      : null,
    overrides: overridesOf(pm),
  };
}
