/**
 * Who may act on an incident (docs/security.md, docs/incidents.md "Who may act"):
 * - anyone signed in reads it;
 * - a responder (or more) of any team declares one;
 * - acting on it (details, severity, status, roles, services, tasks, notes, updates, milestones, changes) needs the
 *   responder role in the team of a service it affects, or one of its roles; while it affects no service yet, any
 *   responder of any team may act;
 * - its public story (the status page) belongs to its Communications Lead and Incident Commander;
 * - administrators of the instance (and the system's own jobs) always may.
 */
import type { Executor } from '../db/index.js';
import type { Actor } from '../identity/index.js';
import { forbidden } from '../shared/errors.js';

const ACTING = ['responder', 'admin', 'owner'];

/** Whether the actor has the responder role (or more) in at least one team. */
export async function isAnyResponder(ex: Executor, actor: Actor): Promise<boolean> {
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  const row = await ex
    .selectFrom('teamMembers')
    .select('teamId')
    .where('userId', '=', actor.userId)
    .where('role', 'in', ACTING)
    .executeTakeFirst();
  return row !== undefined;
}

/** null: no such incident. */
export async function canActOnIncident(ex: Executor, actor: Actor, incidentId: string): Promise<boolean | null> {
  if (!(await incidentExists(ex, incidentId))) return null;
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  if (await holdsRole(ex, incidentId, actor.userId)) return true;
  const teams = await ex
    .selectFrom('incidentServices')
    .innerJoin('services', 'services.id', 'incidentServices.serviceId')
    .select('services.teamId')
    .where('incidentServices.incidentId', '=', incidentId)
    .execute();
  if (teams.length === 0) return isAnyResponder(ex, actor);
  const member = await ex
    .selectFrom('teamMembers')
    .select('teamId')
    .where('userId', '=', actor.userId)
    .where('role', 'in', ACTING)
    .where(
      'teamId',
      'in',
      teams.map((t) => t.teamId),
    )
    .executeTakeFirst();
  return member !== undefined;
}

/** The public story: the incident's Communications Lead or Incident Commander, or an administrator. */
export async function canCommunicateIncident(ex: Executor, actor: Actor, incidentId: string): Promise<boolean | null> {
  if (!(await incidentExists(ex, incidentId))) return null;
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  return holdsRole(ex, incidentId, actor.userId, ['commander', 'communications_lead']);
}

async function incidentExists(ex: Executor, incidentId: string): Promise<boolean> {
  return (await ex.selectFrom('incidents').select('id').where('id', '=', incidentId).executeTakeFirst()) !== undefined;
}

/** Whether the user holds one of `roles` (any role when omitted) in the incident now. */
async function holdsRole(ex: Executor, incidentId: string, userId: string, roles?: string[]): Promise<boolean> {
  let q = ex
    .selectFrom('roleAssignments')
    .select('role')
    .where('incidentId', '=', incidentId)
    .where('userId', '=', userId)
    .where('endedAt', 'is', null);
  if (roles) q = q.where('role', 'in', roles);
  return (await q.executeTakeFirst()) !== undefined;
}

export const notIncidentActor = () =>
  forbidden(
    "Acting on this incident needs the responder role in the team of a service it affects, or one of the incident's " +
      'roles.',
  );

export const notIncidentComms = () =>
  forbidden(
    "The incident's public updates belong to its Communications Lead, its Incident Commander and administrators.",
  );

export const notAnyResponder = () => forbidden('Declaring an incident needs the responder role in a team.');
