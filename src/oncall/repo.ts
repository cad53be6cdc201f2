/** SQL for the oncall tables only. Every function takes the executor: inside a transaction, pass the trx. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/index.js';
import type {
  ScheduleLayersTable,
  ScheduleOverridesTable,
  SchedulesTable,
  ShiftSwapRequestsTable,
} from '../db/schema.js';
import { fromJsonText } from '../shared/json.js';
import type { LayerDef, OverrideDef, Restriction, TurnLength } from './model.js';
import type { SwapRequest, SwapStatus } from './swaps.js';

export type Schedule = Selectable<SchedulesTable>;

export interface Layer extends LayerDef {
  scheduleId: string;
  position: number;
  createdAt: number;
  updatedAt: number;
}

export interface Override extends OverrideDef {
  scheduleId: string;
  reason: string;
  swapRequestId: string | null;
  createdByLabel: string;
}

export interface Swap extends SwapRequest {
  note: string;
  overrideId: string | null;
  decidedAt: number | null;
  createdAt: number;
}

export const findScheduleRow = (ex: Executor, id: string) =>
  ex.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();

export const listScheduleRows = (ex: Executor, filter: { teamId?: string } = {}) => {
  let q = ex.selectFrom('schedules').selectAll().orderBy('name').orderBy('id');
  if (filter.teamId) q = q.where('teamId', '=', filter.teamId);
  return q.execute();
};

export function turnToColumns(turn: TurnLength): { turnUnit: string; turnLength: number } {
  return turn.unit === 'duration'
    ? { turnUnit: 'duration', turnLength: turn.seconds }
    : { turnUnit: turn.unit, turnLength: turn.count };
}

function toLayer(row: ScheduleLayersTable, participants: string[]): Layer {
  const turn: TurnLength =
    row.turnUnit === 'duration'
      ? { unit: 'duration', seconds: row.turnLength }
      : { unit: row.turnUnit as 'hours' | 'days' | 'weeks', count: row.turnLength };
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    name: row.name,
    position: row.position,
    participants,
    turn,
    startDate: row.startDate,
    handoffTime: row.handoffTime,
    restrictions: fromJsonText<Restriction[]>(row.restrictions, []),
    endsAt: row.endsAt,
    timeZone: row.timeZone ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Layers of the given schedules, lowest priority first, with participants in rotation order. */
export async function listLayers(ex: Executor, scheduleIds: string[]): Promise<Layer[]> {
  if (scheduleIds.length === 0) return [];
  const rows = await ex
    .selectFrom('scheduleLayers')
    .selectAll()
    .where('scheduleId', 'in', scheduleIds)
    .orderBy('position')
    .orderBy('id')
    .execute();
  if (rows.length === 0) return [];
  const parts = await ex
    .selectFrom('scheduleLayerParticipants')
    .selectAll()
    .where(
      'layerId',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('position')
    .execute();
  const byLayer = new Map<string, string[]>();
  for (const p of parts) byLayer.set(p.layerId, [...(byLayer.get(p.layerId) ?? []), p.userId]);
  return rows.map((r) => toLayer(r, byLayer.get(r.id) ?? []));
}

export async function replaceParticipants(ex: Executor, layerId: string, userIds: string[]): Promise<void> {
  await ex.deleteFrom('scheduleLayerParticipants').where('layerId', '=', layerId).execute();
  if (userIds.length === 0) return;
  await ex
    .insertInto('scheduleLayerParticipants')
    .values(userIds.map((userId, position) => ({ layerId, position, userId })))
    .execute();
}

export async function nextLayerPosition(ex: Executor, scheduleId: string): Promise<number> {
  const r = await ex
    .selectFrom('scheduleLayers')
    .select((eb) => eb.fn.max('position').as('p'))
    .where('scheduleId', '=', scheduleId)
    .executeTakeFirst();
  return r?.p === null || r?.p === undefined ? 0 : Number(r.p) + 1;
}

export const toOverride = (r: ScheduleOverridesTable): Override => ({
  id: r.id,
  scheduleId: r.scheduleId,
  userId: r.userId,
  start: r.startsAt,
  end: r.endsAt,
  createdAt: r.createdAt,
  reason: r.reason,
  swapRequestId: r.swapRequestId,
  createdByLabel: r.createdByLabel,
});

/** Overrides of the given schedules that overlap [from, to). */
export async function listOverrides(
  ex: Executor,
  scheduleIds: string[],
  from: number,
  to: number,
): Promise<Override[]> {
  if (scheduleIds.length === 0) return [];
  const rows = await ex
    .selectFrom('scheduleOverrides')
    .selectAll()
    .where('scheduleId', 'in', scheduleIds)
    .where('endsAt', '>', from)
    .where('startsAt', '<', to)
    .orderBy('startsAt')
    .orderBy('id')
    .execute();
  return rows.map(toOverride);
}

export const toSwap = (r: ShiftSwapRequestsTable): Swap => ({
  id: r.id,
  scheduleId: r.scheduleId,
  requesterId: r.requesterId,
  targetUserId: r.targetUserId,
  start: r.startsAt,
  end: r.endsAt,
  status: r.status as SwapStatus,
  note: r.note,
  overrideId: r.overrideId,
  decidedAt: r.decidedAt,
  createdAt: r.createdAt,
});

export async function listSwaps(
  ex: Executor,
  filter: { scheduleId?: string; userId?: string; status?: SwapStatus },
): Promise<Swap[]> {
  let q = ex.selectFrom('shiftSwapRequests').selectAll().orderBy('id', 'desc').limit(500);
  if (filter.scheduleId) q = q.where('scheduleId', '=', filter.scheduleId);
  if (filter.status) q = q.where('status', '=', filter.status);
  const userId = filter.userId;
  if (userId) q = q.where((eb) => eb.or([eb('requesterId', '=', userId), eb('targetUserId', '=', userId)]));
  return (await q.execute()).map(toSwap);
}

/** Ids of schedules where the user is a layer participant or has an override overlapping [from, to). */
export async function scheduleIdsForUser(ex: Executor, userId: string, from: number, to: number): Promise<string[]> {
  const viaLayers = await ex
    .selectFrom('scheduleLayerParticipants')
    .innerJoin('scheduleLayers', 'scheduleLayers.id', 'scheduleLayerParticipants.layerId')
    .select('scheduleLayers.scheduleId')
    .where('scheduleLayerParticipants.userId', '=', userId)
    .execute();
  const viaOverrides = await ex
    .selectFrom('scheduleOverrides')
    .select('scheduleId')
    .where('userId', '=', userId)
    .where('endsAt', '>', from)
    .where('startsAt', '<', to)
    .execute();
  return [...new Set([...viaLayers, ...viaOverrides].map((r) => r.scheduleId))].sort();
}

export async function userNames(ex: Executor, ids: string[]): Promise<Record<string, { name: string; email: string }>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return {};
  const rows = await ex.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', unique).execute();
  return Object.fromEntries(rows.map((r) => [r.id, { name: r.name, email: r.email }]));
}
