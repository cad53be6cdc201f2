/**
 * Schedules and layers: team admins of the owning team edit, every signed-in person reads. Every change is audited in
 * its own transaction.
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import { layerNotFound, scheduleNotFound, unknownUsers } from './errors.js';
import { scheduleNextHandoff } from './handoff-jobs.js';
import { layerZone, type LayerDef, type Restriction, type TurnLength } from './model.js';
import {
  findScheduleRow,
  listLayers,
  listScheduleRows,
  nextLayerPosition,
  replaceParticipants,
  turnToColumns,
  type Layer,
  type Schedule,
} from './repo.js';
import { localToUtc, parseLocalDate, parseTimeOfDay } from '../shared/tz.js';
import { layerProblems, timezoneProblems } from './validate.js';

export interface LayerInput {
  name: string;
  participants: string[];
  turn: TurnLength;
  startDate: string;
  handoffTime: string;
  restrictions?: Restriction[];
  endsAt?: number | null;
  /** The layer's own IANA zone (follow the sun); null or absent: the schedule's zone. */
  timeZone?: string | null;
}

export interface ScheduleInput {
  teamId: string;
  name: string;
  description?: string;
  timezone: string;
  layers?: LayerInput[];
  /** Other teams' escalation policies may page it; only its team's admins set this. */
  shared?: boolean;
}

export interface ScheduleWithLayers extends Schedule {
  layers: Layer[];
}

export interface OncallDeps {
  db: Db;
  clock: Clock;
  teams: TeamService;
}

export class ScheduleService {
  constructor(private readonly deps: OncallDeps) {}

  async list(filter: { teamId?: string } = {}): Promise<ScheduleWithLayers[]> {
    return this.withLayers(this.deps.db.kysely, await listScheduleRows(this.deps.db.kysely, filter));
  }

  async get(id: string, ex: Executor = this.deps.db.kysely): Promise<ScheduleWithLayers> {
    const row = await findScheduleRow(ex, id);
    if (!row) throw scheduleNotFound(id);
    return (await this.withLayers(ex, [row]))[0]!;
  }

  async withLayers(ex: Executor, rows: Schedule[]): Promise<ScheduleWithLayers[]> {
    const layers = await listLayers(
      ex,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({ ...r, layers: layers.filter((l) => l.scheduleId === r.id) }));
  }

  async create(actor: Actor, input: ScheduleInput): Promise<ScheduleWithLayers> {
    const team = await this.deps.teams.get(actor, input.teamId);
    await this.deps.teams.requireRole(actor, team.id, 'admin');
    const problems = [
      ...scheduleProblems(input),
      ...(input.layers ?? []).flatMap((l, i) => layerInputProblems(input.timezone, l, `layers.${i}.`)),
    ];
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    const id = newId('sch', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('schedules')
        .values({
          id,
          teamId: team.id,
          name: input.name.trim(),
          description: input.description?.trim() ?? '',
          timezone: input.timezone,
          shared: input.shared ? 1 : 0,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      for (const [position, layer] of (input.layers ?? []).entries()) {
        await insertLayer(trx, id, position, layer, now);
      }
      await recordAudit(
        trx,
        actor,
        'schedule.created',
        { type: 'schedule', id },
        { name: input.name, teamId: team.id, timezone: input.timezone, layers: input.layers?.length ?? 0 },
        now,
      );
      await scheduleNextHandoff(trx, this.deps.db.engine, id, now, now);
    });
    return this.get(id);
  }

  async update(
    actor: Actor,
    id: string,
    patch: { name?: string; description?: string; timezone?: string; teamId?: string; shared?: boolean },
  ): Promise<ScheduleWithLayers> {
    const current = await this.requireEditor(actor, id);
    if (patch.teamId !== undefined) await this.deps.teams.requireRole(actor, patch.teamId, 'admin');
    const problems: FieldProblem[] = [];
    if (patch.name !== undefined && !patch.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
    if (patch.timezone !== undefined) problems.push(...timezoneProblems(patch.timezone));
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (
        patch.teamId !== undefined &&
        !(await trx.selectFrom('teams').select('id').where('id', '=', patch.teamId).executeTakeFirst())
      ) {
        throw validationError([{ field: 'teamId', message: `no team with id ${patch.teamId}` }]);
      }
      if (patch.shared === false || (patch.teamId !== undefined && patch.teamId !== current.teamId)) {
        await checkStillReferenced(trx, id, patch.teamId ?? current.teamId, patch.shared ?? current.shared === 1);
      }
      await trx
        .updateTable('schedules')
        .set({
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.description !== undefined ? { description: patch.description.trim() } : {}),
          ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
          ...(patch.teamId !== undefined ? { teamId: patch.teamId } : {}),
          ...(patch.shared !== undefined ? { shared: patch.shared ? (1 as const) : (0 as const) } : {}),
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      await recordAudit(
        trx,
        actor,
        'schedule.updated',
        { type: 'schedule', id },
        { changes: patch, previous: { name: current.name, timezone: current.timezone, teamId: current.teamId } },
        now,
      );
      await scheduleNextHandoff(trx, this.deps.db.engine, id, now, now);
    });
    return this.get(id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    const current = await this.requireEditor(actor, id);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const layerIds = current.layers.map((l) => l.id);
      if (layerIds.length) await trx.deleteFrom('scheduleLayerParticipants').where('layerId', 'in', layerIds).execute();
      await trx.deleteFrom('scheduleLayers').where('scheduleId', '=', id).execute();
      await trx.deleteFrom('scheduleOverrides').where('scheduleId', '=', id).execute();
      await trx.deleteFrom('shiftSwapRequests').where('scheduleId', '=', id).execute();
      await trx
        .updateTable('calendarFeedTokens')
        .set({ revokedAt: now })
        .where('kind', '=', 'schedule')
        .where('targetId', '=', id)
        .where('revokedAt', 'is', null)
        .execute();
      await trx.deleteFrom('schedules').where('id', '=', id).execute();
      await recordAudit(trx, actor, 'schedule.deleted', { type: 'schedule', id }, { name: current.name }, now);
    });
  }

  async addLayer(actor: Actor, scheduleId: string, input: LayerInput): Promise<ScheduleWithLayers> {
    const schedule = await this.requireEditor(actor, scheduleId);
    const problems = layerInputProblems(schedule.timezone, input, '');
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const position = await nextLayerPosition(trx, scheduleId);
      const layerId = await insertLayer(trx, scheduleId, position, input, now);
      await touch(trx, scheduleId, now);
      await scheduleNextHandoff(trx, this.deps.db.engine, scheduleId, now, now);
      await recordAudit(
        trx,
        actor,
        'schedule.layer_added',
        { type: 'schedule', id: scheduleId },
        { layerId, ...layerAudit(input) },
        now,
      );
    });
    return this.get(scheduleId);
  }

  async updateLayer(
    actor: Actor,
    scheduleId: string,
    layerId: string,
    patch: Partial<LayerInput> & { position?: number },
  ): Promise<ScheduleWithLayers> {
    const schedule = await this.requireEditor(actor, scheduleId);
    const layer = schedule.layers.find((l) => l.id === layerId);
    if (!layer) throw layerNotFound(scheduleId, layerId);
    const merged: LayerInput = { ...layer, ...stripUndefined(patch) };
    const problems = layerInputProblems(schedule.timezone, merged, '');
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (patch.participants) await assertActiveUsers(trx, patch.participants);
      await trx
        .updateTable('scheduleLayers')
        .set({
          ...layerColumns(merged),
          ...(patch.position !== undefined ? { position: patch.position } : {}),
          updatedAt: now,
        })
        .where('id', '=', layerId)
        .execute();
      if (patch.participants) await replaceParticipants(trx, layerId, patch.participants);
      await touch(trx, scheduleId, now);
      await scheduleNextHandoff(trx, this.deps.db.engine, scheduleId, now, now);
      await recordAudit(
        trx,
        actor,
        'schedule.layer_updated',
        { type: 'schedule', id: scheduleId },
        { layerId, fields: Object.keys(stripUndefined(patch)), ...layerAudit(merged) },
        now,
      );
    });
    return this.get(scheduleId);
  }

  async removeLayer(actor: Actor, scheduleId: string, layerId: string): Promise<ScheduleWithLayers> {
    const schedule = await this.requireEditor(actor, scheduleId);
    const layer = schedule.layers.find((l) => l.id === layerId);
    if (!layer) throw layerNotFound(scheduleId, layerId);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('scheduleLayerParticipants').where('layerId', '=', layerId).execute();
      await trx.deleteFrom('scheduleLayers').where('id', '=', layerId).execute();
      await touch(trx, scheduleId, now);
      await scheduleNextHandoff(trx, this.deps.db.engine, scheduleId, now, now);
      await recordAudit(
        trx,
        actor,
        'schedule.layer_removed',
        { type: 'schedule', id: scheduleId },
        { layerId, name: layer.name },
        now,
      );
    });
    return this.get(scheduleId);
  }

  /** The schedule, after checking that the actor is an admin of its owning team. */
  async requireEditor(actor: Actor, id: string): Promise<ScheduleWithLayers> {
    const schedule = await this.get(id);
    await this.deps.teams.requireRole(actor, schedule.teamId, 'admin');
    return schedule;
  }
}

const stripUndefined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function scheduleProblems(input: ScheduleInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!input.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
  problems.push(...timezoneProblems(input.timezone));
  return problems;
}

/** The layer's first hand-off as an instant, in its zone (null when the date, time or zone is malformed). */
function layerStart(tz: string, l: Pick<LayerDef, 'startDate' | 'handoffTime' | 'timeZone'>): number | null {
  const day = parseLocalDate(l.startDate);
  const min = parseTimeOfDay(l.handoffTime);
  if (day === null || min === null) return null;
  try {
    return localToUtc(layerZone(tz, l), day, min);
  } catch {
    return null; // the zone itself is reported by scheduleProblems or as the layer's timeZone
  }
}

function layerInputProblems(tz: string, l: LayerInput, prefix: string): FieldProblem[] {
  const def = { ...l, restrictions: l.restrictions ?? [], endsAt: l.endsAt ?? null };
  const zone = l.timeZone === undefined || l.timeZone === null ? [] : timezoneProblems(l.timeZone, 'timeZone');
  return [...zone, ...layerProblems(def, layerStart(tz, l))].map((p) => ({ ...p, field: prefix + p.field }));
}

function layerColumns(l: LayerInput) {
  return {
    name: l.name.trim(),
    ...turnToColumns(l.turn),
    startDate: l.startDate,
    handoffTime: l.handoffTime,
    restrictions: toJsonText(l.restrictions ?? []),
    endsAt: l.endsAt ?? null,
    timeZone: l.timeZone ?? null,
  };
}

const layerAudit = (l: LayerInput) => ({
  name: l.name,
  participants: l.participants,
  turn: l.turn,
  startDate: l.startDate,
  handoffTime: l.handoffTime,
  restrictions: l.restrictions ?? [],
  endsAt: l.endsAt ?? null,
  timeZone: l.timeZone ?? null,
});

async function insertLayer(
  trx: Executor,
  scheduleId: string,
  position: number,
  l: LayerInput,
  now: number,
): Promise<string> {
  await assertActiveUsers(trx, l.participants);
  const id = newId('lay', now);
  await trx
    .insertInto('scheduleLayers')
    .values({ id, scheduleId, position, ...layerColumns(l), createdAt: now, updatedAt: now })
    .execute();
  await replaceParticipants(trx, id, l.participants);
  return id;
}

async function touch(trx: Executor, scheduleId: string, now: number): Promise<void> {
  await trx.updateTable('schedules').set({ updatedAt: now }).where('id', '=', scheduleId).execute();
}

/** Every id names a user who is not disabled. */
export async function assertActiveUsers(ex: Executor, ids: string[], field = 'participants'): Promise<void> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  const rows = await ex
    .selectFrom('users')
    .select('id')
    .where('id', 'in', unique)
    .where('disabledAt', 'is', null)
    .execute();
  const found = new Set(rows.map((r) => r.id));
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length) throw unknownUsers(field, missing);
}

/**
 * Other teams' escalation policies may page a schedule only while its team shares it (cross-team references,
 * docs/security.md): unsharing it, or moving it to another team, is refused while another team's policy pages it.
 */
async function checkStillReferenced(ex: Executor, scheduleId: string, teamId: string, shared: boolean): Promise<void> {
  if (shared) return;
  const policies = await ex
    .selectFrom('escalationPolicies')
    .select(['name', 'teamId', 'levels'])
    .where('levels', 'like', `%${scheduleId}%`)
    .execute();
  const others = policies.filter(
    (p) =>
      p.teamId !== teamId &&
      fromJsonText<{ targets?: { type: string; id: string }[] }[]>(p.levels, []).some((l) =>
        (l.targets ?? []).some((t) => t.type === 'schedule' && t.id === scheduleId),
      ),
  );
  if (others.length) {
    throw validationError([
      { field: 'shared', message: `other teams' escalation policies page it: ${others.map((p) => p.name).join(', ')}` },
    ]);
  }
}
