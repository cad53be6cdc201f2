/** IC, Technical Lead, Communications Lead: each assignment kept with its start and end in role_assignments. */
import { newId } from '../shared/ids.js';
import { audit, event, signal, type Ctx } from './context.js';
import { assigneeNotFound } from './errors.js';
import { ROLE_NAMES, roleWarnings, type IncidentRole, type RoleWarning } from './model.js';
import { currentRoles, holderIds, loadPolicy, type RoleHolders } from './repo.js';

async function activeUser(c: Ctx, userId: string): Promise<{ id: string; name: string }> {
  const u = await c.trx
    .selectFrom('users')
    .select(['id', 'name'])
    .where('id', '=', userId)
    .where('disabledAt', 'is', null)
    .executeTakeFirst();
  if (!u) throw assigneeNotFound(userId);
  return u;
}

async function endAssignment(c: Ctx, role: IncidentRole): Promise<void> {
  await c.trx
    .updateTable('roleAssignments')
    .set({ endedAt: c.now, endedByLabel: c.actor.label })
    .where('incidentId', '=', c.incident.id)
    .where('role', '=', role)
    .where('endedAt', 'is', null)
    .execute();
}

export async function warningsFor(c: Ctx, holders: RoleHolders): Promise<RoleWarning[]> {
  const policy = await loadPolicy(c.trx, c.incident.severity);
  return roleWarnings(policy, holderIds(holders), c.incident.status === 'resolved');
}

export async function assignRole(c: Ctx, role: IncidentRole, userId: string): Promise<RoleWarning[]> {
  const user = await activeUser(c, userId);
  const before = await currentRoles(c.trx, c.incident.id);
  const previous = before[role];
  if (previous?.userId === userId) return warningsFor(c, before);
  await endAssignment(c, role);
  await c.trx
    .insertInto('roleAssignments')
    .values({
      id: newId('rol', c.now),
      incidentId: c.incident.id,
      role,
      userId,
      startedAt: c.now,
      endedAt: null,
      assignedByLabel: c.actor.label,
      endedByLabel: null,
    })
    .execute();
  const holders = await currentRoles(c.trx, c.incident.id);
  const warnings = await warningsFor(c, holders);
  const others = (Object.keys(holders) as IncidentRole[]).filter((r) => r !== role && holders[r]?.userId === userId);
  await event(c, {
    kind: 'role_assigned',
    body: `${user.name} is ${ROLE_NAMES[role]}${previous ? ` (was ${previous.name})` : ''}.`,
    details: { role, userId, previousUserId: previous?.userId ?? null, alsoHolds: others, warnings },
  });
  await signal(c, { kind: 'roles_changed', holders: holderIds(holders) });
  await audit(c, 'incident.role_assigned', { role, userId, previousUserId: previous?.userId ?? null });
  return warnings;
}

export async function unassignRole(c: Ctx, role: IncidentRole): Promise<RoleWarning[]> {
  const before = await currentRoles(c.trx, c.incident.id);
  const previous = before[role];
  if (!previous) return warningsFor(c, before);
  await endAssignment(c, role);
  const holders = await currentRoles(c.trx, c.incident.id);
  const warnings = await warningsFor(c, holders);
  await event(c, {
    kind: 'role_unassigned',
    body: `${previous.name} is no longer ${ROLE_NAMES[role]}.`,
    details: { role, userId: previous.userId, warnings },
  });
  await audit(c, 'incident.role_unassigned', { role, userId: previous.userId });
  return warnings;
}

export interface RoleHistoryEntry {
  role: IncidentRole;
  userId: string;
  name: string;
  startedAt: number;
  endedAt: number | null;
}

export async function roleHistory(ex: Ctx['trx'], incidentId: string): Promise<RoleHistoryEntry[]> {
  const rows = await ex
    .selectFrom('roleAssignments')
    .innerJoin('users', 'users.id', 'roleAssignments.userId')
    .select([
      'roleAssignments.role',
      'roleAssignments.userId',
      'users.name',
      'roleAssignments.startedAt',
      'roleAssignments.endedAt',
    ])
    .where('roleAssignments.incidentId', '=', incidentId)
    .orderBy('roleAssignments.id')
    .execute();
  return rows.map((r) => ({ ...r, role: r.role as IncidentRole }));
}
