import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import type { IncidentEventsTable, IncidentsTable } from '../db/schema.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import {
  DEFAULT_POLICIES,
  ROLES,
  type ChecklistStep,
  type Incident,
  type IncidentRole,
  type IncidentStatus,
  type Severity,
  type SeverityPolicy,
} from './model.js';

/** PostgreSQL channel that carries `incidentId` on every timeline append, so rooms in every process update. */
export const INCIDENTS_CHANNEL = 'muster_incidents';

export const toIncident = (r: IncidentsTable): Incident => ({
  ...r,
  severity: r.severity as Severity,
  status: r.status as IncidentStatus,
});

export async function findIncident(ex: Executor, id: string): Promise<Incident | null> {
  const r = await ex.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toIncident(r) : null;
}

/** Lock the incident row for this transaction (PostgreSQL; SQLite has one writer): every change goes through here. */
export async function lockIncident(ex: Executor, engine: Db['engine'], id: string): Promise<Incident | null> {
  let q = ex.selectFrom('incidents').selectAll().where('id', '=', id);
  if (engine === 'postgres') q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? toIncident(r) : null;
}

export interface TimelineEvent {
  id: string;
  incidentId: string;
  seq: number;
  at: number;
  kind: string;
  actorUserId: string | null;
  actorLabel: string;
  body: string;
  details: Record<string, unknown>;
  isFlagged: boolean;
}

export const toEvent = (r: IncidentEventsTable): TimelineEvent => ({
  ...r,
  details: fromJsonText<Record<string, unknown>>(r.details, {}),
  isFlagged: r.isFlagged === 1,
});

export interface NewEvent {
  kind: string;
  actorUserId: string | null;
  actorLabel: string;
  body?: string;
  details?: Record<string, unknown>;
  isFlagged?: boolean;
}

/**
 * Append to the timeline in the caller's transaction, which must hold the incident row lock (lockIncident): the
 * per-incident sequence comes from the row, so the order is total even for events in the same millisecond.
 */
export async function appendEvent(
  ex: Executor,
  engine: Db['engine'],
  incidentId: string,
  e: NewEvent,
  now: number,
): Promise<TimelineEvent> {
  const row = await ex
    .updateTable('incidents')
    .set((eb) => ({ lastEventSeq: eb('lastEventSeq', '+', 1) }))
    .where('id', '=', incidentId)
    .returning('lastEventSeq')
    .executeTakeFirstOrThrow();
  const values: IncidentEventsTable = {
    id: newId('iev', now),
    incidentId,
    seq: Number(row.lastEventSeq),
    at: now,
    kind: e.kind,
    actorUserId: e.actorUserId,
    actorLabel: e.actorLabel,
    body: e.body ?? '',
    details: toJsonText(e.details ?? {}),
    isFlagged: e.isFlagged ? 1 : 0,
  };
  await ex.insertInto('incidentEvents').values(values).execute();
  if (engine === 'postgres') await sql`select pg_notify(${INCIDENTS_CHANNEL}, ${incidentId})`.execute(ex);
  return toEvent(values);
}

export async function listEvents(
  ex: Executor,
  incidentId: string,
  opts: { afterSeq?: number; limit?: number; kinds?: string[] | undefined } = {},
): Promise<TimelineEvent[]> {
  let q = ex
    .selectFrom('incidentEvents')
    .selectAll()
    .where('incidentId', '=', incidentId)
    .where('seq', '>', opts.afterSeq ?? 0);
  if (opts.kinds?.length) q = q.where('kind', 'in', opts.kinds);
  const rows = await q
    .orderBy('seq')
    .limit(opts.limit ?? 1000)
    .execute();
  return rows.map(toEvent);
}

export type RoleHolders = Record<IncidentRole, { userId: string; name: string; since: number } | null>;

export async function currentRoles(ex: Executor, incidentId: string): Promise<RoleHolders> {
  const rows = await ex
    .selectFrom('roleAssignments')
    .innerJoin('users', 'users.id', 'roleAssignments.userId')
    .select(['roleAssignments.role', 'roleAssignments.userId', 'users.name', 'roleAssignments.startedAt'])
    .where('roleAssignments.incidentId', '=', incidentId)
    .where('roleAssignments.endedAt', 'is', null)
    .execute();
  const out = Object.fromEntries(ROLES.map((r) => [r, null])) as RoleHolders;
  for (const r of rows) out[r.role as IncidentRole] = { userId: r.userId, name: r.name, since: r.startedAt };
  return out;
}

export const holderIds = (h: RoleHolders): Partial<Record<IncidentRole, string | null>> =>
  Object.fromEntries(ROLES.map((r) => [r, h[r]?.userId ?? null]));

/** Tick a step once: the first event that fulfils it keeps its time. Returns whether this call ticked it. */
export async function tickStep(
  ex: Executor,
  incidentId: string,
  step: ChecklistStep,
  by: { userId: string | null; label: string; source: string },
  at: number,
): Promise<boolean> {
  const r = await ex
    .updateTable('incidentChecklist')
    .set({ doneAt: at, doneByUserId: by.userId, doneByLabel: by.label, source: by.source })
    .where('incidentId', '=', incidentId)
    .where('step', '=', step)
    .where('doneAt', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function listChecklist(ex: Executor, incidentId: string) {
  return ex
    .selectFrom('incidentChecklist')
    .select(['step', 'doneAt', 'doneByLabel', 'source'])
    .where('incidentId', '=', incidentId)
    .execute();
}

export async function loadPolicy(ex: Executor, severity: Severity): Promise<SeverityPolicy> {
  const r = await ex
    .selectFrom('incidentSeverityPolicies')
    .selectAll()
    .where('severity', '=', severity)
    .executeTakeFirst();
  if (!r) return DEFAULT_POLICIES[severity];
  return {
    severity,
    requireDistinctRoles: r.requireDistinctRoles === 1,
    commanderDeadlineMinutes: r.commanderDeadlineMinutes,
    updateReminderMinutes: r.updateReminderMinutes,
    pagesOutOfHours: r.pagesOutOfHours === 1,
  };
}

export async function savePolicy(ex: Executor, p: SeverityPolicy, now: number): Promise<void> {
  const values = {
    severity: p.severity,
    requireDistinctRoles: p.requireDistinctRoles ? (1 as const) : (0 as const),
    commanderDeadlineMinutes: p.commanderDeadlineMinutes,
    updateReminderMinutes: p.updateReminderMinutes,
    pagesOutOfHours: p.pagesOutOfHours ? (1 as const) : (0 as const),
    updatedAt: now,
  };
  await ex
    .insertInto('incidentSeverityPolicies')
    .values(values)
    .onConflict((oc) => oc.column('severity').doUpdateSet(values))
    .execute();
}

export async function affectedServiceIds(ex: Executor, incidentId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('incidentServices')
    .select('serviceId')
    .where('incidentId', '=', incidentId)
    .orderBy('serviceId')
    .execute();
  return rows.map((r) => r.serviceId);
}

/** When the Communications Lead last posted a status update (or null): the reminder is due from there. */
export async function lastStatusUpdateAt(ex: Executor, incidentId: string): Promise<number | null> {
  const r = await ex
    .selectFrom('incidentEvents')
    .select('at')
    .where('incidentId', '=', incidentId)
    .where('kind', 'in', ['status_update', 'status_changed', 'declared'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.at ?? null;
}
