/**
 * Sustainable on-call, as pure maths: per person over a range, on-call hours split by local time (working hours,
 * off-hours, weekend, sleep), pages received (and how many outside working hours or during sleep), consecutive weeks
 * on call, and the rotation-size warning (the seed: "a minimum of 6 people in rotation"). Time is always passed in.
 */
import { addLocalDays, isWithinWorkingHours, parseClock, zonedParts, zonedToInstant } from '../shared/time.js';
import { MIN_ROTATION_SIZE, type Interval } from './model.js';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
/**
 * A week counts as "on call" from a full day of on-call time in it: a weekly turn handed over on Monday 09:00 also
 * touches the next week's first nine hours, and counting that would make every weekly rotation look back to back.
 */
export const ON_CALL_WEEK_MIN_MS = 24 * HOUR;

export interface ReportWindows {
  /** ISO weekdays, 1 = Monday. */
  workDays: number[];
  workStart: string;
  workEnd: string;
  /** Every day; an end at or before the start spans midnight. */
  sleepStart: string;
  sleepEnd: string;
}

export const DEFAULT_WINDOWS: ReportWindows = {
  workDays: [1, 2, 3, 4, 5],
  workStart: '09:00',
  workEnd: '17:00',
  sleepStart: '23:00',
  sleepEnd: '07:00',
};

export interface HoursSplit {
  total: number;
  /** Inside working hours. */
  working: number;
  /** Outside working hours on a weekday. */
  offHours: number;
  /** Saturday and Sunday, local time. */
  weekend: number;
  /** Inside the sleep window (overlaps the others). */
  sleep: number;
}

export interface PersonInput {
  userId: string;
  timezone: string;
  shifts: Interval[];
  /** Instants this person was paged. */
  pages: number[];
}

export interface PersonReport {
  userId: string;
  timezone: string;
  hours: HoursSplit;
  pages: number;
  pagesOutsideWorkingHours: number;
  pagesDuringSleep: number;
  longestStreakWeeks: number;
  currentStreakWeeks: number;
}

export type RotationWarning = {
  code: 'rotation_too_small';
  scheduleId: string;
  layerId: string;
  people: number;
  minimum: number;
  message: string;
};

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Overlapping intervals joined, so a person on two schedules at once is not counted twice. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

export const isWorkingTime = (at: number, tz: string, w: ReportWindows): boolean =>
  isWithinWorkingHours(at, { timezone: tz, days: w.workDays, start: w.workStart, end: w.workEnd });

export const isSleepTime = (at: number, tz: string, w: ReportWindows): boolean =>
  isWithinWorkingHours(at, { timezone: tz, days: [1, 2, 3, 4, 5, 6, 7], start: w.sleepStart, end: w.sleepEnd });

/** Every local instant in [start, end) where a classification may change: midnights and the window edges. */
function breakpoints(iv: Interval, tz: string, w: ReportWindows): number[] {
  const clocks = [0, ...[w.workStart, w.workEnd, w.sleepStart, w.sleepEnd].map((c) => parseClock(c) ?? 0)];
  const points = new Set<number>([iv.start, iv.end]);
  let day = zonedParts(iv.start, tz);
  for (let i = 0; i < 1000; i++) {
    const midnight = zonedToInstant({ ...day, hour: 0, minute: 0 }, tz);
    if (midnight >= iv.end) break;
    for (const m of clocks) {
      const at = zonedToInstant({ ...day, hour: Math.floor(m / 60), minute: m % 60 }, tz);
      if (at > iv.start && at < iv.end) points.add(at);
    }
    day = { ...addLocalDays(day, 1), hour: 0, minute: 0, second: 0, weekday: 0 };
  }
  return [...points].sort((a, b) => a - b);
}

/** On-call time split by the person's local time. Each piece between breakpoints is classified by its midpoint. */
export function splitHours(shifts: Interval[], tz: string, w: ReportWindows): HoursSplit {
  const ms = { total: 0, working: 0, offHours: 0, weekend: 0, sleep: 0 };
  for (const iv of mergeIntervals(shifts)) {
    const pts = breakpoints(iv, tz, w);
    for (let i = 0; i + 1 < pts.length; i++) {
      const len = pts[i + 1]! - pts[i]!;
      const mid = pts[i]! + Math.floor(len / 2);
      ms.total += len;
      const weekday = zonedParts(mid, tz).weekday;
      if (weekday >= 6) ms.weekend += len;
      else if (isWorkingTime(mid, tz, w)) ms.working += len;
      else ms.offHours += len;
      if (isSleepTime(mid, tz, w)) ms.sleep += len;
    }
  }
  return {
    total: round2(ms.total / HOUR),
    working: round2(ms.working / HOUR),
    offHours: round2(ms.offHours / HOUR),
    weekend: round2(ms.weekend / HOUR),
    sleep: round2(ms.sleep / HOUR),
  };
}

/** The Monday 00:00 (local) that starts the week containing `at`. */
export function weekStart(at: number, tz: string): number {
  const p = zonedParts(at, tz);
  return zonedToInstant({ ...addLocalDays(p, -(p.weekday - 1)), hour: 0, minute: 0 }, tz);
}

/**
 * The weeks (Monday to Sunday, local in `tz`) overlapping [from, to), each flagged "on call" when it holds at least
 * ON_CALL_WEEK_MIN_MS of the shifts (merged). Streaks here and pages per on-call week (insights) count the same weeks.
 */
export function onCallWeeks(shifts: Interval[], tz: string, range: Interval): { weeks: number[]; onCall: boolean[] } {
  const weeks: number[] = [];
  for (let w = weekStart(range.start, tz); w < range.end;) {
    const next = weekStart(w + WEEK + 12 * HOUR, tz); // +12 h absorbs a DST hour either way
    weeks.push(w);
    w = next;
  }
  const merged = mergeIntervals(shifts);
  const onCall = weeks.map((w, i) => {
    const end = weeks[i + 1] ?? weekStart(w + WEEK + 12 * HOUR, tz);
    const ms = merged.reduce((n, s) => n + Math.max(0, Math.min(s.end, end) - Math.max(s.start, w)), 0);
    return ms >= ON_CALL_WEEK_MIN_MS;
  });
  return { weeks, onCall };
}

/**
 * Weeks (Monday to Sunday, local) of [from, to) with at least a day of on-call time: the longest run of
 * consecutive such weeks, and the run that includes the week of `at` (0 when not on call that week).
 */
export function weekStreaks(
  shifts: Interval[],
  tz: string,
  range: Interval,
  at: number,
): { longest: number; current: number } {
  const { weeks, onCall } = onCallWeeks(shifts, tz, range);
  let longest = 0;
  let run = 0;
  for (const b of onCall) {
    run = b ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  const atWeek = weekStart(at, tz);
  let idx = weeks.indexOf(atWeek);
  let current = 0;
  while (idx >= 0 && onCall[idx]) {
    current++;
    idx--;
  }
  return { longest, current };
}

export function personReport(p: PersonInput, w: ReportWindows, range: Interval, at: number): PersonReport {
  const pages = p.pages.filter((t) => t >= range.start && t < range.end);
  const streaks = weekStreaks(p.shifts, p.timezone, range, at);
  return {
    userId: p.userId,
    timezone: p.timezone,
    hours: splitHours(p.shifts, p.timezone, w),
    pages: pages.length,
    pagesOutsideWorkingHours: pages.filter((t) => !isWorkingTime(t, p.timezone, w)).length,
    pagesDuringSleep: pages.filter((t) => isSleepTime(t, p.timezone, w)).length,
    longestStreakWeeks: streaks.longest,
    currentStreakWeeks: streaks.current,
  };
}

/** Layers rotating fewer than six distinct people (the seed's minimum). */
export function rotationWarnings(
  schedules: {
    scheduleId: string;
    scheduleName: string;
    layers: { id: string; name: string; participants: string[] }[];
  }[],
): RotationWarning[] {
  const out: RotationWarning[] = [];
  for (const s of schedules) {
    for (const l of s.layers) {
      const people = new Set(l.participants).size;
      if (people === 0 || people >= MIN_ROTATION_SIZE) continue;
      out.push({
        code: 'rotation_too_small',
        scheduleId: s.scheduleId,
        layerId: l.id,
        people,
        minimum: MIN_ROTATION_SIZE,
        message:
          `${s.scheduleName} / ${l.name} rotates ${people} ${people === 1 ? 'person' : 'people'}; ` +
          `at least ${MIN_ROTATION_SIZE} keep on-call sustainable (about one week a month each).`,
      });
    }
  }
  return out;
}

/** Problems with report windows, as field problems (empty when valid). */
export function windowProblems(w: ReportWindows): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const f of ['workStart', 'workEnd', 'sleepStart', 'sleepEnd'] as const) {
    if (parseClock(w[f]) === null) problems.push({ field: f, message: 'must be HH:MM' });
  }
  if (w.workDays.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
    problems.push({ field: 'workDays', message: 'must be ISO weekdays 1-7' });
  }
  return problems;
}
