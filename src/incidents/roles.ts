/** IC, Technical Lead, Communications Lead: each assignment kept with its start and end in role_assignments. */
import { enqueueJob } from '../jobs/index.js';
import { conflict } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { audit, event, signal, type Ctx } from './context.js';
import { JOB_DOUBLE_COMMAND, type DoubleCommandPayload } from './engagements.js';
import { assigneeNotFound } from './errors.js';
import { ROLE_NAMES, ROLES, roleWarnings, type IncidentRole, type RoleWarning } from './model.js';
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

/**
 * Where the severity policy requires distinct roles (P1 by default), one person holding a second role is refused
 * (409 `roles_not_distinct`) unless the caller gives a reason; the override lands on the timeline, flagged.
 */
async function checkSeparation(
  c: Ctx,
  role: IncidentRole,
  user: { id: string; name: string },
  before: RoleHolders,
  overrideReason: string | undefined,
): Promise<{ alsoHolds: IncidentRole[]; reason: string } | null> {
  const alsoHolds = ROLES.filter((r) => r !== role && before[r]?.userId === user.id);
  if (!alsoHolds.length || c.incident.status === 'resolved') return null;
  const policy = await loadPolicy(c.trx, c.incident.severity);
  if (!policy.requireDistinctRoles) return null;
  const reason = overrideReason?.trim() ?? '';
  if (!reason) {
    throw conflict(
      'roles_not_distinct',
      `${policy.severity} needs three different people: ${user.name} is already ${alsoHolds.map((r) => ROLE_NAMES[r]).join(' and ')}. ` +
        `Choose someone else, or give a reason to make ${user.name} ${ROLE_NAMES[role]} as well.`,
      { role, userId: user.id, alsoHolds },
    );
  }
  return { alsoHolds, reason };
}

/** An Incident Commander of an open P1/P2: a job looks for a second one they command (src/people/ledger). */
export async function checkDoubleCommand(c: Ctx, commanderUserId?: string): Promise<void> {
  const { incident } = c;
  if (incident.kind === 'drill' || incident.status === 'resolved') return;
  if (incident.severity !== 'P1' && incident.severity !== 'P2') return;
  const userId = commanderUserId ?? (await currentRoles(c.trx, incident.id)).commander?.userId;
  if (!userId) return;
  const payload: DoubleCommandPayload = { userId };
  await enqueueJob(c.trx, c.engine, { kind: JOB_DOUBLE_COMMAND, payload, runAt: c.now }, c.now);
}

export async function assignRole(
  c: Ctx,
  role: IncidentRole,
  userId: string,
  opts: { overrideReason?: string | undefined } = {},
): Promise<{ warnings: RoleWarning[]; user: { id: string; name: string } }> {
  const user = await activeUser(c, userId);
  const before = await currentRoles(c.trx, c.incident.id);
  const previous = before[role];
  if (previous?.userId === userId) return { warnings: await warningsFor(c, before), user };
  const override = await checkSeparation(c, role, user, before, opts.overrideReason);
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
  if (override) {
    await event(c, {
      kind: 'role_separation_override',
      body: `${user.name} is ${ROLE_NAMES[role]} and ${override.alsoHolds.map((r) => ROLE_NAMES[r]).join(' and ')}, against the ${c.incident.severity} policy of three different people. Reason: ${override.reason}`,
      details: { role, userId, alsoHolds: override.alsoHolds, reason: override.reason },
      isFlagged: true,
    });
    await audit(c, 'incident.role_separation_override', { role, userId, alsoHolds: override.alsoHolds });
  }
  await signal(c, { kind: 'roles_changed', holders: holderIds(holders) });
  await audit(c, 'incident.role_assigned', { role, userId, previousUserId: previous?.userId ?? null });
  if (role === 'commander') await checkDoubleCommand(c, userId);
  return { warnings, user };
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
