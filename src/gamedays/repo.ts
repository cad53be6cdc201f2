/** Game days in SQL: rows, the row lock, the pieces of a game day's detail, and the scenario library. */
import type { Db, Executor } from '../db/index.js';
import type {
  GamedayEventsTable,
  GamedayExpectedActionsTable,
  GamedayInjectsTable,
  GamedayScenariosTable,
  GamedaysTable,
} from '../db/schema.js';
import { roleAtLeast, type Actor, type TeamRole } from '../identity/index.js';
import { notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';

export type GamedayRow = GamedaysTable;
export type ScenarioRow = GamedayScenariosTable;
export type InjectRow = GamedayInjectsTable;
export type ActionRow = GamedayExpectedActionsTable;
export type EventRow = GamedayEventsTable;

export const gamedayNotFound = (id: string) => notFound('game day', id);
export const scenarioNotFound = (id: string) => notFound('scenario', id);

export async function findGameday(ex: Executor, id: string): Promise<GamedayRow | null> {
  return (await ex.selectFrom('gamedays').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** The row, locked for the transaction on PostgreSQL (SQLite's one connection already orders writers). */
export async function lockGameday(ex: Executor, engine: Db['engine'], id: string): Promise<GamedayRow> {
  let q = ex.selectFrom('gamedays').selectAll().where('id', '=', id);
  if (engine === 'postgres') q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) throw gamedayNotFound(id);
  return r;
}

export async function findByIncident(ex: Executor, incidentId: string): Promise<GamedayRow | null> {
  return (await ex.selectFrom('gamedays').selectAll().where('incidentId', '=', incidentId).executeTakeFirst()) ?? null;
}

export async function findScenario(ex: Executor, id: string): Promise<ScenarioRow | null> {
  return (await ex.selectFrom('gamedayScenarios').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export function listInjects(ex: Executor, gamedayId: string): Promise<InjectRow[]> {
  return ex
    .selectFrom('gamedayInjects')
    .selectAll()
    .where('gamedayId', '=', gamedayId)
    .orderBy('offsetSeconds')
    .orderBy('position')
    .execute();
}

export function listActions(ex: Executor, gamedayId: string): Promise<ActionRow[]> {
  return ex
    .selectFrom('gamedayExpectedActions')
    .selectAll()
    .where('gamedayId', '=', gamedayId)
    .orderBy('position')
    .execute();
}

export function listGamedayEvents(ex: Executor, gamedayId: string): Promise<EventRow[]> {
  return ex
    .selectFrom('gamedayEvents')
    .selectAll()
    .where('gamedayId', '=', gamedayId)
    .orderBy('at')
    .orderBy('id')
    .execute();
}

export function listParticipants(ex: Executor, gamedayId: string) {
  return ex
    .selectFrom('gamedayParticipants')
    .innerJoin('users', 'users.id', 'gamedayParticipants.userId')
    .select(['gamedayParticipants.userId', 'users.name', 'users.email', 'gamedayParticipants.role'])
    .where('gamedayParticipants.gamedayId', '=', gamedayId)
    .orderBy('users.name')
    .execute();
}

export async function listServiceIds(ex: Executor, gamedayId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('gamedayServices')
    .select('serviceId')
    .where('gamedayId', '=', gamedayId)
    .orderBy('serviceId')
    .execute();
  return rows.map((r) => r.serviceId);
}

/** A line on the game day's own timeline (the facilitator's view), in the caller's transaction. */
export async function addGamedayEvent(
  ex: Executor,
  gamedayId: string,
  e: { kind: string; actorLabel: string; body: string; details?: Record<string, unknown> },
  now: number,
): Promise<void> {
  await ex
    .insertInto('gamedayEvents')
    .values({
      id: newId('gde', now),
      gamedayId,
      at: now,
      kind: e.kind,
      actorLabel: e.actorLabel,
      body: e.body,
      details: toJsonText(e.details ?? {}),
    })
    .execute();
}

export async function replaceParticipants(
  ex: Executor,
  gamedayId: string,
  participants: { userId: string; role: string }[],
): Promise<void> {
  await ex.deleteFrom('gamedayParticipants').where('gamedayId', '=', gamedayId).execute();
  const seen = new Set<string>();
  const rows = participants.filter((p) => !seen.has(p.userId) && seen.add(p.userId));
  if (rows.length) {
    await ex
      .insertInto('gamedayParticipants')
      .values(rows.map((p) => ({ gamedayId, userId: p.userId, role: p.role })))
      .execute();
  }
}

export async function replaceServices(ex: Executor, gamedayId: string, serviceIds: string[]): Promise<void> {
  await ex.deleteFrom('gamedayServices').where('gamedayId', '=', gamedayId).execute();
  const ids = [...new Set(serviceIds)];
  if (ids.length) {
    await ex
      .insertInto('gamedayServices')
      .values(ids.map((serviceId) => ({ gamedayId, serviceId })))
      .execute();
  }
}

/** Replace the scripted injects (those not added live) and write the new script. */
export async function replaceScript(
  ex: Executor,
  gamedayId: string,
  injects: { offsetSeconds: number; body: string }[],
  actor: Actor,
  now: number,
): Promise<void> {
  await ex.deleteFrom('gamedayInjects').where('gamedayId', '=', gamedayId).execute();
  let position = 0;
  for (const i of injects) {
    await ex
      .insertInto('gamedayInjects')
      .values({
        id: newId('gdi', now),
        gamedayId,
        position: position++,
        offsetSeconds: i.offsetSeconds,
        body: i.body.trim(),
        status: 'pending',
        deliveredAt: null,
        addedLive: 0,
        createdByLabel: actor.label,
        createdAt: now,
      })
      .execute();
  }
}

export async function replaceActions(ex: Executor, gamedayId: string, actions: string[], now: number): Promise<void> {
  await ex.deleteFrom('gamedayExpectedActions').where('gamedayId', '=', gamedayId).execute();
  let position = 0;
  for (const body of actions) {
    await ex
      .insertInto('gamedayExpectedActions')
      .values({
        id: newId('gda', now),
        gamedayId,
        position: position++,
        body: body.trim(),
        outcome: 'pending',
        markedAt: null,
        markedByLabel: null,
      })
      .execute();
  }
}

/** Whether the user is the facilitator or has at least the responder role in the game day's team. */
export async function canActOnGameday(ex: Executor, actor: Actor, id: string): Promise<boolean | null> {
  const g = await ex
    .selectFrom('gamedays')
    .select(['teamId', 'facilitatorUserId'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!g) return null;
  return isTeamActor(ex, actor, g.teamId, g.facilitatorUserId);
}

export async function isTeamActor(
  ex: Executor,
  actor: Actor,
  teamId: string,
  facilitatorUserId: string | null = null,
): Promise<boolean> {
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  if (facilitatorUserId && facilitatorUserId === actor.userId) return true;
  const m = await ex
    .selectFrom('teamMembers')
    .select('role')
    .where('teamId', '=', teamId)
    .where('userId', '=', actor.userId)
    .executeTakeFirst();
  return !!m && roleAtLeast(m.role as TeamRole, 'responder');
}
