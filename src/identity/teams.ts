import type { Db, Executor } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { forbidden, validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { recordAudit, type Actor } from './audit.js';
import { lastOwner, slugTaken, teamNotFound, userNotFound } from './errors.js';
import { canAssignRole, isTeamRole, roleAtLeast, slugify, type TeamRole } from './model.js';
import {
  countOwners,
  findTeamRow,
  findUserRowById,
  listTeamMembers,
  teamRoleOf,
  type Team,
  type TeamMember,
} from './repo.js';

export interface TeamWithMembers extends Team {
  members: TeamMember[];
  myRole: TeamRole | null;
}

export class TeamService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  /** The actor's role in a team; admins of the instance act as owners everywhere. */
  async roleOf(actor: Actor, teamId: string, executor: Executor = this.deps.db.kysely): Promise<TeamRole | null> {
    if (actor.isAdmin) return 'owner';
    if (!actor.userId) return null;
    return teamRoleOf(executor, teamId, actor.userId);
  }

  /** Whether the actor has at least `needed` in the team (administrators of the instance always). */
  async hasRole(
    actor: Actor,
    teamId: string,
    needed: TeamRole,
    executor: Executor = this.deps.db.kysely,
  ): Promise<boolean> {
    return roleAtLeast(await this.roleOf(actor, teamId, executor), needed);
  }

  /** Whether the actor has at least `needed` in some team: who may declare an incident, create a service, … */
  async hasRoleInAnyTeam(actor: Actor, needed: TeamRole, executor: Executor = this.deps.db.kysely): Promise<boolean> {
    if (actor.isAdmin) return true;
    if (!actor.userId) return false;
    const rows = await executor.selectFrom('teamMembers').select('role').where('userId', '=', actor.userId).execute();
    return rows.some((r) => roleAtLeast(r.role as TeamRole, needed));
  }

  /** Whether the actor is an admin (or owner) of a team the user belongs to (administrators of the instance always). */
  async administersMember(actor: Actor, userId: string, executor: Executor = this.deps.db.kysely): Promise<boolean> {
    if (actor.isAdmin) return true;
    if (!actor.userId || !userId) return false;
    const row = await executor
      .selectFrom('teamMembers as a')
      .innerJoin('teamMembers as m', 'm.teamId', 'a.teamId')
      .select('a.teamId')
      .where('a.userId', '=', actor.userId)
      .where('a.role', 'in', ['admin', 'owner'])
      .where('m.userId', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async requireRole(actor: Actor, teamId: string, needed: TeamRole): Promise<void> {
    if (!roleAtLeast(await this.roleOf(actor, teamId), needed)) {
      throw forbidden(`This needs the ${needed} role in team ${teamId}.`);
    }
  }

  async list(actor: Actor): Promise<(Team & { memberCount: number; myRole: TeamRole | null })[]> {
    const db = this.deps.db.kysely;
    const teams = await db.selectFrom('teams').selectAll().orderBy('name').execute();
    const counts = await db
      .selectFrom('teamMembers')
      .select(['teamId', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('teamId')
      .execute();
    const mine = actor.userId
      ? await db.selectFrom('teamMembers').select(['teamId', 'role']).where('userId', '=', actor.userId).execute()
      : [];
    return teams.map((t) => ({
      ...t,
      memberCount: Number(counts.find((c) => c.teamId === t.id)?.n ?? 0),
      myRole: (mine.find((m) => m.teamId === t.id)?.role as TeamRole | undefined) ?? null,
    }));
  }

  async get(actor: Actor, idOrSlug: string): Promise<TeamWithMembers> {
    const db = this.deps.db.kysely;
    const team = await findTeamRow(db, idOrSlug);
    if (!team) throw teamNotFound(idOrSlug);
    const members = await listTeamMembers(db, team.id);
    const myRole = members.find((m) => m.userId === actor.userId)?.role ?? null;
    return { ...team, members, myRole };
  }

  /** Any signed-in person may create a team and becomes its owner. */
  async create(actor: Actor, input: { name: string; slug?: string; description?: string }): Promise<TeamWithMembers> {
    const name = input.name.trim();
    const slug = input.slug?.trim() || slugify(name);
    const problems = [];
    if (!name) problems.push({ field: 'name', message: 'must not be empty' });
    if (name.length > 100) problems.push({ field: 'name', message: 'must be at most 100 characters' });
    if (!/^[a-z0-9][a-z0-9-]{0,47}$/.test(slug)) {
      problems.push({ field: 'slug', message: 'must be lower-case letters, digits and dashes, at most 48' });
    }
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    const id = newId('team', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (await findTeamRow(trx, slug)) throw slugTaken(slug);
      await trx
        .insertInto('teams')
        .values({ id, name, slug, description: input.description?.trim() ?? '', createdAt: now, updatedAt: now })
        .execute();
      if (actor.userId) {
        await trx
          .insertInto('teamMembers')
          .values({ teamId: id, userId: actor.userId, role: 'owner', createdAt: now })
          .execute();
      }
      await recordAudit(trx, actor, 'team.created', { type: 'team', id }, { name, slug }, now);
    });
    return this.get(actor, id);
  }

  async update(
    actor: Actor,
    idOrSlug: string,
    patch: { name?: string; description?: string },
  ): Promise<TeamWithMembers> {
    const team = await this.get(actor, idOrSlug);
    await this.requireRole(actor, team.id, 'admin');
    if (patch.name !== undefined && !patch.name.trim())
      throw validationError([{ field: 'name', message: 'must not be empty' }]);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('teams')
        .set({
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.description !== undefined ? { description: patch.description.trim() } : {}),
          updatedAt: now,
        })
        .where('id', '=', team.id)
        .execute();
      await recordAudit(trx, actor, 'team.updated', { type: 'team', id: team.id }, { fields: Object.keys(patch) }, now);
    });
    return this.get(actor, team.id);
  }

  async remove(actor: Actor, idOrSlug: string): Promise<void> {
    const team = await this.get(actor, idOrSlug);
    await this.requireRole(actor, team.id, 'owner');
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('teamMembers').where('teamId', '=', team.id).execute();
      await trx.deleteFrom('teams').where('id', '=', team.id).execute();
      await recordAudit(trx, actor, 'team.deleted', { type: 'team', id: team.id }, { name: team.name }, now);
    });
  }

  /** Add a member or change a member's role. */
  async setMember(actor: Actor, idOrSlug: string, userId: string, role: string): Promise<TeamWithMembers> {
    if (!isTeamRole(role)) {
      throw validationError([{ field: 'role', message: 'must be one of owner, admin, responder, viewer' }]);
    }
    const team = await this.get(actor, idOrSlug);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await findUserRowById(trx, userId))) throw userNotFound(userId);
      const current = await teamRoleOf(trx, team.id, userId);
      const actorRole = await this.roleOf(actor, team.id, trx);
      if (!canAssignRole(actorRole, role, current)) throw forbidden(`You cannot give the ${role} role in this team.`);
      if (current === 'owner' && role !== 'owner' && (await countOwners(trx, team.id)) <= 1) throw lastOwner(team.id);
      if (current) {
        await trx
          .updateTable('teamMembers')
          .set({ role })
          .where('teamId', '=', team.id)
          .where('userId', '=', userId)
          .execute();
      } else {
        await trx.insertInto('teamMembers').values({ teamId: team.id, userId, role, createdAt: now }).execute();
      }
      await recordAudit(
        trx,
        actor,
        current ? 'team.member_role_changed' : 'team.member_added',
        { type: 'team', id: team.id },
        { userId, role, previousRole: current },
        now,
      );
    });
    return this.get(actor, team.id);
  }

  async removeMember(actor: Actor, idOrSlug: string, userId: string): Promise<TeamWithMembers> {
    const team = await this.get(actor, idOrSlug);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const current = await teamRoleOf(trx, team.id, userId);
      if (!current) throw userNotFound(userId);
      const isSelf = actor.userId === userId;
      if (!isSelf && !canAssignRole(await this.roleOf(actor, team.id, trx), 'viewer', current)) {
        throw forbidden('You cannot remove this member.');
      }
      if (current === 'owner' && (await countOwners(trx, team.id)) <= 1) throw lastOwner(team.id);
      await trx.deleteFrom('teamMembers').where('teamId', '=', team.id).where('userId', '=', userId).execute();
      await recordAudit(
        trx,
        actor,
        'team.member_removed',
        { type: 'team', id: team.id },
        { userId, role: current },
        now,
      );
    });
    return this.get(actor, team.id);
  }
}
