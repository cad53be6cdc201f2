/** The status page's own tables. Rows in, domain objects out; JSON columns parsed here. */
import type { Executor } from '../db/index.js';
import type {
  StatusComponentsTable,
  StatusIncidentsTable,
  StatusMaintenancesTable,
  StatusSubscribersTable,
  StatusTemplatesTable,
  StatusUpdatesTable,
} from '../db/schema.js';
import { newSecret } from '../shared/ids.js';
import { fromJsonText } from '../shared/json.js';
import type { AffectedComponent, ComponentStatus, PublicStatus, Template } from './model.js';

export interface Settings {
  title: string;
  slug: string;
  description: string;
  updatedAt: number;
}

export interface Component {
  id: string;
  name: string;
  description: string;
  serviceIds: string[];
  /** The status an administrator set (the page shows `effectiveStatus`). */
  status: ComponentStatus;
  displayOrder: number;
  createdAt: number;
  updatedAt: number;
}

export interface PublicIncident {
  id: string;
  incidentId: string;
  title: string;
  impact: string;
  status: PublicStatus;
  components: AffectedComponent[];
  publishedAt: number;
  resolvedAt: number | null;
  updatedAt: number;
}

export interface Maintenance {
  id: string;
  title: string;
  description: string;
  componentIds: string[];
  startsAt: number;
  endsAt: number;
  cancelledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type PublicUpdate = StatusUpdatesTable;
export type Subscriber = StatusSubscribersTable;

export const toComponent = (r: StatusComponentsTable): Component => ({
  ...r,
  serviceIds: fromJsonText<string[]>(r.serviceIds, []),
  status: r.status as ComponentStatus,
});

export const toPublicIncident = (r: StatusIncidentsTable): PublicIncident => ({
  ...r,
  status: r.status as PublicStatus,
  components: fromJsonText<AffectedComponent[]>(r.components, []),
});

export const toMaintenance = (r: StatusMaintenancesTable): Maintenance => ({
  ...r,
  componentIds: fromJsonText<string[]>(r.componentIds, []),
});

export const toTemplate = (r: StatusTemplatesTable): Template => ({
  id: r.id,
  name: r.name,
  status: r.status as PublicStatus,
  publicText: r.publicText,
  internalText: r.internalText,
  isBuiltIn: false,
});

const DEFAULT_SETTINGS = { title: 'Service status', slug: 'status', description: '' };

/** The one settings row, created on first use with a fresh signing secret for subscriber links. */
export async function loadSettingsRow(ex: Executor, now: number) {
  const row = await ex.selectFrom('statusPageSettings').selectAll().where('id', '=', 'default').executeTakeFirst();
  if (row) return row;
  const fresh = { id: 'default', ...DEFAULT_SETTINGS, signingSecret: newSecret(32), updatedAt: now };
  await ex
    .insertInto('statusPageSettings')
    .values(fresh)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return await ex.selectFrom('statusPageSettings').selectAll().where('id', '=', 'default').executeTakeFirstOrThrow();
}

export async function listComponents(ex: Executor): Promise<Component[]> {
  const rows = await ex.selectFrom('statusComponents').selectAll().orderBy('displayOrder').orderBy('id').execute();
  return rows.map(toComponent);
}

export async function findComponent(ex: Executor, id: string): Promise<Component | null> {
  const r = await ex.selectFrom('statusComponents').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toComponent(r) : null;
}

/** A published incident by its own id (`status_incidents.id`, as status updates name it). */
export async function findStatusIncident(ex: Executor, id: string): Promise<PublicIncident | null> {
  const r = await ex.selectFrom('statusIncidents').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toPublicIncident(r) : null;
}

export async function findPublicIncident(ex: Executor, incidentId: string): Promise<PublicIncident | null> {
  const r = await ex.selectFrom('statusIncidents').selectAll().where('incidentId', '=', incidentId).executeTakeFirst();
  return r ? toPublicIncident(r) : null;
}

/** Whether a publication belongs to a drill incident (a game day's sandbox: never public, never to subscribers). */
export async function isDrillPublication(ex: Executor, statusIncidentId: string): Promise<boolean> {
  const r = await ex
    .selectFrom('statusIncidents')
    .innerJoin('incidents', 'incidents.id', 'statusIncidents.incidentId')
    .select('incidents.kind')
    .where('statusIncidents.id', '=', statusIncidentId)
    .executeTakeFirst();
  return r?.kind === 'drill';
}

/** Published incidents still open, or resolved at or after `since`, newest first. */
export async function listPublicIncidents(ex: Executor, since: number): Promise<PublicIncident[]> {
  const rows = await ex
    .selectFrom('statusIncidents')
    .selectAll()
    .where((eb) => eb.or([eb('resolvedAt', 'is', null), eb('resolvedAt', '>=', since)]))
    // A drill's publication is its sandbox: the public page never shows it (docs/gamedays.md).
    .where('incidentId', 'not in', (eb) => eb.selectFrom('incidents').select('id').where('kind', '=', 'drill'))
    .orderBy('publishedAt', 'desc')
    .execute();
  return rows.map(toPublicIncident);
}

export async function listUpdatesFor(ex: Executor, statusIncidentIds: string[], maintenanceIds: string[]) {
  if (!statusIncidentIds.length && !maintenanceIds.length) return [];
  return ex
    .selectFrom('statusUpdates')
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(statusIncidentIds.length ? [eb('statusIncidentId', 'in', statusIncidentIds)] : []),
        ...(maintenanceIds.length ? [eb('maintenanceId', 'in', maintenanceIds)] : []),
      ]),
    )
    .orderBy('postedAt', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Maintenance not cancelled that ends at or after `since`, soonest first. */
export async function listMaintenances(ex: Executor, since: number): Promise<Maintenance[]> {
  const rows = await ex
    .selectFrom('statusMaintenances')
    .selectAll()
    .where('endsAt', '>=', since)
    .orderBy('startsAt')
    .execute();
  return rows.map(toMaintenance);
}

export async function findMaintenance(ex: Executor, id: string): Promise<Maintenance | null> {
  const r = await ex.selectFrom('statusMaintenances').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toMaintenance(r) : null;
}

export async function listTemplates(ex: Executor): Promise<Template[]> {
  const rows = await ex.selectFrom('statusTemplates').selectAll().orderBy('name').execute();
  return rows.map(toTemplate);
}

export async function findSubscriber(ex: Executor, id: string): Promise<Subscriber | null> {
  return (await ex.selectFrom('statusSubscribers').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}
