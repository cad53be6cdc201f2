/**
 * SQL for action items and tracker connections. The board's page query reads action_items alone, in (due_at, id)
 * order through one of migration 0020's indexes (owner, team, status or due date first), and the page's names are
 * fetched afterwards with `in` lists: a join would let the planner pick a plan that sorts every item.
 */
import type { Executor } from '../db/index.js';
import type { ActionItemsTable, TrackerConnectionsTable } from '../db/schema.js';
import { ACTIVE_STATUSES, type Cursor } from './model.js';

export type ActionItemRow = ActionItemsTable;
export type TrackerConnectionRow = TrackerConnectionsTable;

export async function findItemRow(ex: Executor, id: string): Promise<ActionItemRow | null> {
  return (await ex.selectFrom('actionItems').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function insertItemRow(ex: Executor, row: ActionItemRow): Promise<void> {
  await ex
    .insertInto('actionItems')
    .values({
      id: row.id,
      postmortemId: row.postmortemId,
      incidentId: row.incidentId,
      title: row.title,
      description: row.description,
      ownerUserId: row.ownerUserId,
      teamId: row.teamId,
      dueAt: row.dueAt,
      priority: row.priority,
      kind: row.kind,
      runbookId: row.runbookId,
      status: row.status,
      statusReason: row.statusReason,
      verification: row.verification,
      verificationAlertRule: row.verificationAlertRule,
      sourceSection: row.sourceSection,
      sourceWhyId: row.sourceWhyId,
      trackerProvider: row.trackerProvider,
      trackerKey: row.trackerKey,
      trackerUrl: row.trackerUrl,
      createdByUserId: row.createdByUserId,
      createdByLabel: row.createdByLabel,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      doneAt: row.doneAt,
      verifiedAt: row.verifiedAt,
      remindedAt: row.remindedAt,
      overdueNotifiedAt: row.overdueNotifiedAt,
      trackerStatus: row.trackerStatus,
      trackerError: row.trackerError,
    })
    .execute();
}

/** The columns an update may change, each named. */
export type ItemPatch = Partial<
  Pick<
    ActionItemRow,
    | 'title'
    | 'description'
    | 'ownerUserId'
    | 'teamId'
    | 'dueAt'
    | 'priority'
    | 'kind'
    | 'runbookId'
    | 'status'
    | 'statusReason'
    | 'verification'
    | 'verificationAlertRule'
    | 'doneAt'
    | 'verifiedAt'
    | 'trackerProvider'
    | 'trackerKey'
    | 'trackerUrl'
    | 'trackerStatus'
    | 'trackerError'
    | 'remindedAt'
    | 'overdueNotifiedAt'
    | 'updatedAt'
  >
>;

export async function updateItemRow(ex: Executor, id: string, patch: ItemPatch): Promise<void> {
  const set: ItemPatch = {};
  for (const key of Object.keys(patch) as (keyof ItemPatch)[]) {
    if (patch[key] !== undefined) (set as Record<string, unknown>)[key] = patch[key];
  }
  if (Object.keys(set).length === 0) return;
  await ex.updateTable('actionItems').set(set).where('id', '=', id).execute();
}

export interface BoardFilter {
  ownerUserId?: string | undefined;
  teamId?: string | undefined;
  statuses?: string[] | undefined;
  /** dueAt < now and an active status. */
  overdueAt?: number | undefined;
  postmortemId?: string | undefined;
  incidentId?: string | undefined;
  cursor?: Cursor | null | undefined;
  limit: number;
}

/** One page of the board in (due_at, id) order; `limit + 1` rows are read to know whether another page follows. */
export async function listItemRows(ex: Executor, f: BoardFilter): Promise<ActionItemRow[]> {
  let q = ex.selectFrom('actionItems').selectAll();
  if (f.ownerUserId) q = q.where('ownerUserId', '=', f.ownerUserId);
  if (f.teamId) q = q.where('teamId', '=', f.teamId);
  if (f.postmortemId) q = q.where('postmortemId', '=', f.postmortemId);
  if (f.incidentId) q = q.where('incidentId', '=', f.incidentId);
  let statuses = f.statuses;
  if (f.overdueAt !== undefined) {
    q = q.where('dueAt', '<', f.overdueAt);
    statuses = (statuses ?? [...ACTIVE_STATUSES]).filter((s) => (ACTIVE_STATUSES as readonly string[]).includes(s));
    if (statuses.length === 0) return [];
  }
  if (statuses?.length === 1) q = q.where('status', '=', statuses[0]!);
  else if (statuses) q = q.where('status', 'in', statuses);
  if (f.cursor) {
    const c = f.cursor;
    // Spelled out rather than as a row value, so both planners use it as the index's range start.
    q = q.where((eb) => eb.or([eb('dueAt', '>', c.dueAt), eb.and([eb('dueAt', '=', c.dueAt), eb('id', '>', c.id)])]));
  }
  return q
    .orderBy('dueAt')
    .orderBy('id')
    .limit(f.limit + 1)
    .execute();
}

export async function userNames(ex: Executor, ids: string[]): Promise<Map<string, { id: string; name: string }>> {
  const out = new Map<string, { id: string; name: string }>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return out;
  const rows = await ex.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', unique).execute();
  for (const r of rows) out.set(r.id, { id: r.id, name: r.name || r.email });
  return out;
}

export async function teamNames(ex: Executor, ids: string[]): Promise<Map<string, { id: string; name: string }>> {
  const out = new Map<string, { id: string; name: string }>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return out;
  const rows = await ex.selectFrom('teams').select(['id', 'name']).where('id', 'in', unique).execute();
  for (const r of rows) out.set(r.id, r);
  return out;
}

export async function incidentHeads(
  ex: Executor,
  ids: string[],
): Promise<Map<string, { id: string; title: string; severity: string }>> {
  const out = new Map<string, { id: string; title: string; severity: string }>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return out;
  const rows = await ex.selectFrom('incidents').select(['id', 'title', 'severity']).where('id', 'in', unique).execute();
  for (const r of rows) out.set(r.id, r);
  return out;
}

/** A user by id, or by email when the reference has an @ (the CLI passes either). Disabled users count as absent. */
export async function findActiveUser(ex: Executor, ref: string): Promise<{ id: string; name: string } | null> {
  const row = await ex
    .selectFrom('users')
    .select(['id', 'name', 'email', 'disabledAt'])
    // Emails are stored normalised (lower case).
    .where(ref.includes('@') ? 'email' : 'id', '=', ref.includes('@') ? ref.trim().toLowerCase() : ref)
    .executeTakeFirst();
  if (!row || row.disabledAt !== null) return null;
  return { id: row.id, name: row.name || row.email };
}

export async function teamsOfUser(ex: Executor, userId: string): Promise<string[]> {
  const rows = await ex.selectFrom('teamMembers').select('teamId').where('userId', '=', userId).execute();
  return rows.map((r) => r.teamId);
}

export async function teamExists(ex: Executor, teamId: string): Promise<boolean> {
  return (await ex.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst()) !== undefined;
}

/** Admins (and owners) of a team: who gets its overdue digest. */
export async function teamAdmins(ex: Executor, teamId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('teamMembers')
    .innerJoin('users', 'users.id', 'teamMembers.userId')
    .select('teamMembers.userId')
    .where('teamMembers.teamId', '=', teamId)
    .where('teamMembers.role', 'in', ['admin', 'owner'])
    .where('users.disabledAt', 'is', null)
    .execute();
  return rows.map((r) => r.userId);
}

/** Every overdue item at `now` (for the digest), oldest due first, at most `limit`. */
export async function overdueItemRows(ex: Executor, now: number, limit: number): Promise<ActionItemRow[]> {
  return ex
    .selectFrom('actionItems')
    .selectAll()
    .where('status', 'in', [...ACTIVE_STATUSES])
    .where('dueAt', '<', now)
    .orderBy('dueAt')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function findConnectionRow(
  ex: Executor,
  teamId: string,
  provider: string,
): Promise<TrackerConnectionRow | null> {
  return (
    (await ex
      .selectFrom('trackerConnections')
      .selectAll()
      .where('teamId', '=', teamId)
      .where('provider', '=', provider)
      .executeTakeFirst()) ?? null
  );
}

export async function listConnectionRows(ex: Executor, teamId: string): Promise<TrackerConnectionRow[]> {
  return ex.selectFrom('trackerConnections').selectAll().where('teamId', '=', teamId).orderBy('provider').execute();
}
