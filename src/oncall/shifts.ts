/** Read side: who is on call, the final schedule over a range, and one person's shifts across every schedule. */
import type { Db, Executor } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { validationError } from '../shared/errors.js';
import {
  computeSchedule,
  hoursByUser,
  nextOnCall,
  onCallAt,
  type ScheduleDef,
  type ScheduleResult,
  type Shift,
} from './model.js';
import {
  findScheduleRow,
  listLayers,
  listOverrides,
  listScheduleRows,
  scheduleIdsForUser,
  userNames,
  type Override,
  type Schedule,
} from './repo.js';
import { scheduleNotFound } from './errors.js';
import { TIME } from '../shared/tz.js';
import { intervalProblems } from './validate.js';

/** Context loaded around a query so shifts that started before it keep their real start. */
const CONTEXT_MS = 35 * TIME.DAY;

export type People = Record<string, { name: string; email: string }>;

export interface OnCallNow {
  schedule: Schedule;
  at: number;
  current: Shift | null;
  next: Shift | null;
}

export interface ScheduleShifts extends ScheduleResult {
  schedule: Schedule;
  hoursByUser: Record<string, number>;
  people: People;
  overridesDetail: Override[];
}

interface Loaded {
  schedule: Schedule;
  def: ScheduleDef;
  overrides: Override[];
}

/** Definitions and overrides of schedules, ready for the pure model. */
export async function loadSchedules(ex: Executor, rows: Schedule[], from: number, to: number): Promise<Loaded[]> {
  const ids = rows.map((r) => r.id);
  const layers = await listLayers(ex, ids);
  const overrides = await listOverrides(ex, ids, from, to);
  return rows.map((schedule) => ({
    schedule,
    def: { timezone: schedule.timezone, layers: layers.filter((l) => l.scheduleId === schedule.id) },
    overrides: overrides.filter((o) => o.scheduleId === schedule.id),
  }));
}

/**
 * Who is on call in a schedule at `at` (empty in a gap). For other domains (escalation): pass the transaction you
 * are in, never a second connection.
 */
export async function onCallUserIds(ex: Executor, scheduleId: string, at: number): Promise<string[]> {
  const row = await findScheduleRow(ex, scheduleId);
  if (!row) return [];
  const [l] = await loadSchedules(ex, [row], at, at + 1);
  const s = onCallAt(l!.def, l!.overrides, at, 1);
  return s ? [s.userId] : [];
}

export class ShiftService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  private get db(): Executor {
    return this.deps.db.kysely;
  }

  async onCall(scheduleId: string, at?: number): Promise<OnCallNow & { people: People }> {
    const row = await findScheduleRow(this.db, scheduleId);
    if (!row) throw scheduleNotFound(scheduleId);
    const [result] = await this.onCallFor([row], at ?? this.deps.clock.now());
    return {
      ...result!,
      people: await userNames(
        this.db,
        [result!.current?.userId, result!.next?.userId].filter((x): x is string => !!x),
      ),
    };
  }

  /** Who is on call now (or at `at`) in every schedule, or in one. */
  async now(opts: { scheduleId?: string; at?: number } = {}): Promise<{ entries: OnCallNow[]; people: People }> {
    const at = opts.at ?? this.deps.clock.now();
    let rows = await listScheduleRows(this.db);
    if (opts.scheduleId) {
      rows = rows.filter((r) => r.id === opts.scheduleId);
      if (rows.length === 0) throw scheduleNotFound(opts.scheduleId);
    }
    const entries = await this.onCallFor(rows, at);
    const ids = entries.flatMap((e) => [e.current?.userId, e.next?.userId]).filter((x): x is string => !!x);
    return { entries, people: await userNames(this.db, ids) };
  }

  private async onCallFor(rows: Schedule[], at: number): Promise<OnCallNow[]> {
    const loaded = await loadSchedules(this.db, rows, at - CONTEXT_MS, at + CONTEXT_MS);
    return loaded.map((l) => ({
      schedule: l.schedule,
      at,
      current: onCallAt(l.def, l.overrides, at, CONTEXT_MS),
      next: nextOnCall(l.def, l.overrides, at, CONTEXT_MS),
    }));
  }

  /** The final schedule, each layer's shifts, gaps, warnings and hours per person over [from, to). */
  async shifts(scheduleId: string, from: number, to: number): Promise<ScheduleShifts> {
    checkRange(from, to);
    const row = await findScheduleRow(this.db, scheduleId);
    if (!row) throw scheduleNotFound(scheduleId);
    const [l] = await loadSchedules(this.db, [row], from, to);
    const result = computeSchedule(l!.def, l!.overrides, from, to);
    const ids = [...result.final.map((s) => s.userId), ...l!.def.layers.flatMap((x) => x.participants)];
    return {
      ...result,
      schedule: row,
      hoursByUser: hoursByUser(result.final),
      people: await userNames(this.db, ids),
      overridesDetail: l!.overrides,
    };
  }

  /** One person's final-schedule shifts across every schedule ("my on-call"), ordered by start. */
  async userShifts(
    userId: string,
    from: number,
    to: number,
  ): Promise<{ shifts: (Shift & { scheduleId: string; scheduleName: string })[]; hours: number }> {
    checkRange(from, to);
    const ids = await scheduleIdsForUser(this.db, userId, from, to);
    const rows = (await listScheduleRows(this.db)).filter((r) => ids.includes(r.id));
    const loaded = await loadSchedules(this.db, rows, from, to);
    const shifts = loaded
      .flatMap((l) =>
        computeSchedule(l.def, l.overrides, from, to)
          .final.filter((s) => s.userId === userId)
          .map((s) => ({ ...s, scheduleId: l.schedule.id, scheduleName: l.schedule.name })),
      )
      .sort((a, b) => a.start - b.start || a.scheduleId.localeCompare(b.scheduleId));
    // Object.hasOwn: a user id such as `__proto__` must not read the object's prototype.
    const hours = hoursByUser(shifts);
    return { shifts, hours: Object.hasOwn(hours, userId) ? (hours[userId] ?? 0) : 0 };
  }
}

function checkRange(from: number, to: number): void {
  const problems = intervalProblems(from, to).map((p) => ({ ...p, field: p.field === 'start' ? 'from' : 'to' }));
  if (problems.length) throw validationError(problems);
}
