import type { Executor } from '../db/index.js';
import type { TeamsTable, UsersTable } from '../db/schema.js';
import type { TeamRole } from './model.js';

export interface User {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  hasPassword: boolean;
  timezone: string;
  createdAt: number;
  updatedAt: number;
  disabledAt: number | null;
}

export function toUser(row: UsersTable): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    isAdmin: row.isAdmin === 1,
    hasPassword: row.passwordHash !== null,
    timezone: row.timezone,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    disabledAt: row.disabledAt,
  };
}

export type Team = TeamsTable;

export interface TeamMember {
  userId: string;
  email: string;
  name: string;
  role: TeamRole;
  createdAt: number;
}

export const findUserRowById = (ex: Executor, id: string) =>
  ex.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const findUserRowByEmail = (ex: Executor, email: string) =>
  ex.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();

export async function countUsers(ex: Executor): Promise<number> {
  const r = await ex
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export const findTeamRow = (ex: Executor, idOrSlug: string) =>
  ex
    .selectFrom('teams')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
    .executeTakeFirst();

export async function teamRoleOf(ex: Executor, teamId: string, userId: string): Promise<TeamRole | null> {
  const r = await ex
    .selectFrom('teamMembers')
    .select('role')
    .where('teamId', '=', teamId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return (r?.role as TeamRole | undefined) ?? null;
}

export async function listTeamMembers(ex: Executor, teamId: string): Promise<TeamMember[]> {
  const rows = await ex
    .selectFrom('teamMembers')
    .innerJoin('users', 'users.id', 'teamMembers.userId')
    .select(['teamMembers.userId', 'users.email', 'users.name', 'teamMembers.role', 'teamMembers.createdAt'])
    .where('teamMembers.teamId', '=', teamId)
    .orderBy('users.name')
    .execute();
  return rows.map((r) => ({ ...r, role: r.role as TeamRole }));
}

export async function countOwners(ex: Executor, teamId: string): Promise<number> {
  const r = await ex
    .selectFrom('teamMembers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('teamId', '=', teamId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
