/**
 * The on-call health report and compensation over a range, for every schedule, one team's or one schedule. Hours come
 * from the final schedules; pages from the escalation log (handed in by the composition root, since escalation
 * depends on this domain and not the other way round).
 */
import type { Db, Executor } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { validationError } from '../shared/errors.js';
import { compensationRow, rateProblems, type CompensationRates, type CompensationRow } from './compensation.js';
import { scheduleNotFound } from './errors.js';
import { computeSchedule, type Interval, type OverrideDef, type ScheduleDef, type Shift } from './model.js';
import { listScheduleRows, type Schedule } from './repo.js';
import { loadSchedules } from './shifts.js';
import {
  personReport,
  rotationWarnings,
  windowProblems,
  type PersonReport,
  type ReportWindows,
  type RotationWarning,
} from './sustainability.js';
import { intervalProblems } from './validate.js';

export type PagesBetween = (
  ex: Executor,
  from: number,
  to: number,
) => Promise<{ userId: string; alertId: string; at: number }[]>;

export interface ReportScope {
  from: number;
  to: number;
  teamId?: string | undefined;
  scheduleId?: string | undefined;
}

export interface ReportPerson extends PersonReport {
  name: string;
  email: string;
}

export interface OncallReport {
  from: number;
  to: number;
  windows: ReportWindows;
  schedules: { id: string; name: string; teamId: string }[];
  people: ReportPerson[];
  warnings: RotationWarning[];
}

const MAX_RANGE_MS = 400 * 24 * 3_600_000;

/**
 * The final shifts over [from, to) of every schedule `keep` accepts (all by default), as on-call health reads them:
 * for other readers of on-call time (insights: pages per on-call week). Three queries whatever the count.
 */
export async function finalShifts(
  ex: Executor,
  from: number,
  to: number,
  keep: (s: Schedule) => boolean = () => true,
): Promise<{ schedule: Schedule; participants: string[]; final: Shift[] }[]> {
  const rows = (await listScheduleRows(ex)).filter(keep);
  if (!rows.length) return [];
  const loaded = await loadSchedules(ex, rows, from, to);
  return loaded.map((l) => ({
    schedule: l.schedule,
    participants: [...new Set(l.def.layers.flatMap((layer) => layer.participants))],
    final: computeSchedule(l.def, l.overrides, from, to).final,
  }));
}

export class SustainabilityService {
  constructor(private readonly deps: { db: Db; clock: Clock; pagesBetween: PagesBetween }) {}

  async report(scope: ReportScope, windows: ReportWindows): Promise<OncallReport> {
    const problems = [...rangeProblems(scope.from, scope.to), ...windowProblems(windows)];
    if (problems.length) throw validationError(problems);
    const ex = this.deps.db.kysely;
    let rows = await listScheduleRows(ex, scope.teamId ? { teamId: scope.teamId } : {});
    if (scope.scheduleId) {
      rows = rows.filter((r) => r.id === scope.scheduleId);
      if (rows.length === 0) throw scheduleNotFound(scope.scheduleId);
    }
    const loaded = await loadSchedules(ex, rows, scope.from, scope.to);
    const shifts = new Map<string, Interval[]>();
    for (const l of loaded) {
      for (const s of countedShifts(l.def, l.overrides, l.schedule, scope.from, scope.to)) {
        shifts.set(s.userId, [...(shifts.get(s.userId) ?? []), { start: s.start, end: s.end }]);
      }
      for (const layer of l.def.layers) for (const u of layer.participants) if (!shifts.has(u)) shifts.set(u, []);
    }
    const ids = [...shifts.keys()];
    const users = ids.length
      ? await ex.selectFrom('users').select(['id', 'name', 'email', 'timezone']).where('id', 'in', ids).execute()
      : [];
    const pages = await this.deps.pagesBetween(ex, scope.from, scope.to);
    const range = { start: scope.from, end: scope.to };
    const at = Math.min(this.deps.clock.now(), scope.to - 1);
    const people = users
      .map((u) => ({
        ...personReport(
          {
            userId: u.id,
            timezone: u.timezone || 'UTC',
            shifts: shifts.get(u.id) ?? [],
            pages: pages.filter((p) => p.userId === u.id).map((p) => p.at),
          },
          windows,
          range,
          at,
        ),
        name: u.name,
        email: u.email,
      }))
      .sort((a, b) => b.hours.total - a.hours.total || a.name.localeCompare(b.name));
    return {
      from: scope.from,
      to: scope.to,
      windows,
      schedules: rows.map((r) => ({ id: r.id, name: r.name, teamId: r.teamId })),
      people,
      warnings: rotationWarnings(
        loaded.map((l) => ({ scheduleId: l.schedule.id, scheduleName: l.schedule.name, layers: l.def.layers })),
      ),
    };
  }

  async compensation(
    scope: ReportScope,
    windows: ReportWindows,
    rates: CompensationRates,
  ): Promise<{ report: OncallReport; rates: CompensationRates; rows: CompensationRow[]; total: number }> {
    const problems = rateProblems(rates);
    if (problems.length) throw validationError(problems);
    const report = await this.report(scope, windows);
    const rows = report.people.map((p) => compensationRow(p, p, rates));
    const total = Math.round(rows.reduce((n, r) => n + r.total, 0) * 100) / 100;
    return { report, rates, rows, total };
  }
}

/**
 * The shifts that count for on-call time: the final schedule from the schedule's creation on. A layer's start date
 * may lie before the schedule existed (a rotation set up to continue one kept elsewhere), but nobody carried this
 * schedule's pager then, so those hours are not counted or paid. Each layer already begins at its own start (its
 * first hand-off), so a layer added later counts from there.
 */
export function countedShifts(
  def: ScheduleDef,
  overrides: OverrideDef[],
  schedule: Pick<Schedule, 'createdAt'>,
  from: number,
  to: number,
): Shift[] {
  const start = Math.max(from, schedule.createdAt);
  if (start >= to) return [];
  return computeSchedule(def, overrides, start, to).final;
}

function rangeProblems(from: number, to: number): { field: string; message: string }[] {
  const problems = intervalProblems(from, to).map((p) => ({ ...p, field: p.field === 'start' ? 'from' : 'to' }));
  if (!problems.length && to - from > MAX_RANGE_MS) problems.push({ field: 'to', message: 'range is over 400 days' });
  return problems;
}
