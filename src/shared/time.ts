/**
 * Wall-clock time in IANA time zones on top of shared/tz.ts (Intl only, no tz database of our own). Pure; instants
 * are epoch ms. Used wherever a rule speaks local time: working hours, quiet hours, low-urgency holds.
 */
import { TIME, dayOfWeek, isValidTimeZone, localToUtc, offsetAt, utcToLocal, type DayOfWeek } from './tz.js';

export interface ZonedParts {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
  hour: number; // 0-23
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const WEEKDAY: Record<DayOfWeek, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** Wall-clock parts at an instant (offsets from shared/tz.ts: cached per zone, transition-exact). */
export function zonedParts(instant: number, tz: string): ZonedParts {
  const { day, minute } = utcToLocal(tz, instant);
  const date = new Date(day * TIME.DAY);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: Math.floor(minute / 60),
    minute: minute % 60,
    second: Math.floor((((instant % TIME.MINUTE) + TIME.MINUTE) % TIME.MINUTE) / TIME.SECOND),
    weekday: WEEKDAY[dayOfWeek(day)],
  };
}

/** Offset of `tz` from UTC at `instant`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(instant: number, tz: string): number {
  return offsetAt(tz, instant);
}

/**
 * The instant at which the wall clock in `tz` reads the given local time. In a DST gap (the local time does not
 * exist) the result is shifted forward by the gap, as clocks do; in an overlap (it exists twice) the earlier instant.
 */
export function zonedToInstant(
  local: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number },
  tz: string,
): number {
  const day = Date.UTC(local.year, local.month - 1, local.day) / TIME.DAY;
  const minute = (local.hour ?? 0) * 60 + (local.minute ?? 0);
  return localToUtc(tz, day, minute) + (local.second ?? 0) * TIME.SECOND;
}

/** "HH:MM" → minutes after midnight, or null when malformed. */
export function parseClock(hhmm: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Add whole local calendar days to a local date (proleptic Gregorian, no zone involved). */
export function addLocalDays(
  d: { year: number; month: number; day: number },
  days: number,
): { year: number; month: number; day: number } {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export { isValidTimeZone };

export interface WorkingHours {
  timezone: string;
  /** ISO weekdays, 1 = Monday. */
  days: number[];
  /** "09:00" */
  start: string;
  /** "17:00"; an end at or before the start spans midnight. */
  end: string;
}

export function isWithinWorkingHours(instant: number, wh: WorkingHours): boolean {
  const p = zonedParts(instant, wh.timezone);
  const start = parseClock(wh.start) ?? 0;
  const end = parseClock(wh.end) ?? 0;
  const minute = p.hour * 60 + p.minute;
  if (end > start) return wh.days.includes(p.weekday) && minute >= start && minute < end;
  // Spans midnight: the part after midnight belongs to the previous day's window.
  const prevDay = p.weekday === 1 ? 7 : p.weekday - 1;
  return (wh.days.includes(p.weekday) && minute >= start) || (wh.days.includes(prevDay) && minute < end);
}

/** The next instant at or after `from` when working hours begin (or `from` itself when already inside). */
export function nextWorkingHoursStart(from: number, wh: WorkingHours): number | null {
  if (isWithinWorkingHours(from, wh)) return from;
  const start = parseClock(wh.start);
  if (start === null || wh.days.length === 0) return null;
  const today = zonedParts(from, wh.timezone);
  for (let i = 0; i <= 8; i++) {
    const d = addLocalDays(today, i);
    const at = zonedToInstant({ ...d, hour: Math.floor(start / 60), minute: start % 60 }, wh.timezone);
    if (at >= from && wh.days.includes(zonedParts(at, wh.timezone).weekday)) return at;
  }
  return null;
}
