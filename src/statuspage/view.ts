/**
 * What the public sees, built once per request for both GET /status (HTML) and GET /api/public/status (JSON): the
 * components with their effective status, open incidents with their updates, maintenance that is upcoming or in
 * progress, and the last 90 days. Only public fields: no incident ids, internal text, severities or people.
 */
import type { Db } from '../db/index.js';
import { DAY, type Clock } from '../shared/clock.js';
import {
  HISTORY_DAYS,
  effectiveStatus,
  historyDays,
  historySummary,
  maintenancePhase,
  overallStatus,
  type AffectedComponent,
  type ComponentStatus,
  type HistoryDay,
  type MaintenanceStatus,
  type PublicStatus,
} from './model.js';
import {
  listComponents,
  listMaintenances,
  listPublicIncidents,
  listUpdatesFor,
  loadSettingsRow,
  type PublicIncident,
  type PublicUpdate,
} from './repo.js';

export interface PublicUpdateView {
  id: string;
  status: string;
  body: string;
  postedAt: number;
}

export interface PublicIncidentView {
  id: string;
  title: string;
  impact: string;
  status: PublicStatus;
  components: (AffectedComponent & { name: string })[];
  publishedAt: number;
  resolvedAt: number | null;
  updates: PublicUpdateView[];
}

export interface PublicMaintenanceView {
  id: string;
  title: string;
  description: string;
  status: MaintenanceStatus;
  components: { componentId: string; name: string }[];
  startsAt: number;
  endsAt: number;
  updates: PublicUpdateView[];
}

export interface PublicStatusView {
  page: { title: string; description: string; url: string };
  generatedAt: number;
  overall: { status: ComponentStatus; text: string };
  components: { id: string; name: string; description: string; status: ComponentStatus; displayOrder: number }[];
  incidents: PublicIncidentView[];
  maintenance: PublicMaintenanceView[];
  /** `summary`: the sentence under the bar, computed from `days` (model.ts historySummary). */
  history: { days: HistoryDay[]; incidents: PublicIncidentView[]; summary: string };
}

const updateView = (u: { id: string; status: string; body: string; postedAt: number }): PublicUpdateView => ({
  id: u.id,
  status: u.status,
  body: u.body,
  postedAt: u.postedAt,
});

function incidentView(i: PublicIncident, names: Map<string, string>, updates: PublicUpdate[]): PublicIncidentView {
  return {
    id: i.id,
    title: i.title,
    impact: i.impact,
    status: i.status,
    components: i.components
      .filter((c) => names.has(c.componentId))
      .map((c) => ({ ...c, name: names.get(c.componentId)! })),
    publishedAt: i.publishedAt,
    resolvedAt: i.resolvedAt,
    updates: updates.filter((u) => u.statusIncidentId === i.id).map(updateView),
  };
}

export async function buildPublicView(deps: {
  db: Db;
  clock: Clock;
  publicUrl: () => string;
}): Promise<PublicStatusView> {
  const now = deps.clock.now();
  const ex = deps.db.kysely;
  const since = now - HISTORY_DAYS * DAY;
  const settings = await loadSettingsRow(ex, now);
  const [components, incidents, windows] = await Promise.all([
    listComponents(ex),
    listPublicIncidents(ex, since),
    listMaintenances(ex, now),
  ]);
  const maintenance = windows.filter((m) => m.cancelledAt === null);
  const updates = await listUpdatesFor(
    ex,
    incidents.map((i) => i.id),
    maintenance.map((m) => m.id),
  );
  const names = new Map(components.map((c) => [c.id, c.name]));
  const open = incidents.filter((i) => i.resolvedAt === null);
  const inProgress = maintenance.filter((m) => maintenancePhase(m, now) === 'in_progress');
  const componentViews = components.map((c) => ({
    id: c.id,
    name: c.name,
    description: c.description,
    status: effectiveStatus(c.id, c.status, open, inProgress),
    displayOrder: c.displayOrder,
  }));
  const incidentViews = incidents.map((i) => incidentView(i, names, updates));
  return {
    page: { title: settings.title, description: settings.description, url: `${deps.publicUrl()}/status` },
    generatedAt: now,
    overall: overallStatus(componentViews.map((c) => c.status)),
    components: componentViews,
    incidents: incidentViews.filter((i) => i.resolvedAt === null),
    maintenance: maintenance.map((m) => ({
      id: m.id,
      title: m.title,
      description: m.description,
      status: maintenancePhase(m, now),
      components: m.componentIds.filter((id) => names.has(id)).map((id) => ({ componentId: id, name: names.get(id)! })),
      startsAt: m.startsAt,
      endsAt: m.endsAt,
      updates: updates.filter((u) => u.maintenanceId === m.id).map(updateView),
    })),
    history: historyView(
      historyDays(incidents, now),
      incidentViews.filter((i) => i.resolvedAt !== null),
    ),
  };
}

function historyView(days: HistoryDay[], past: PublicIncidentView[]): PublicStatusView['history'] {
  return { days, incidents: past, summary: historySummary(days, past.length) };
}
