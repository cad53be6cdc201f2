/**
 * Wall-clock time in IANA time zones with Intl only (no tz database of our own). Pure; instants are epoch ms.
 * Used wherever a rule speaks local time: working hours, hand-offs, quiet hours.
 */

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

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function zonedParts(instant: number, tz: string): ZonedParts {
  const out: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(instant))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday ?? ''] ?? 0,
  };
}

/** Offset of `tz` from UTC at `instant`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(instant: number, tz: string): number {
  const p = zonedParts(instant, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `tz` reads the given local time. In a DST gap (the local time does not
 * exist) the result is shifted forward by the gap, as clocks do; in an overlap (it exists twice) the earlier instant.
 */
export function zonedToInstant(
  local: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number },
  tz: string,
): number {
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hour ?? 0, local.minute ?? 0, local.second ?? 0);
  // Two refinements cover every real zone: the offset before and after a transition.
  const o1 = zoneOffsetMs(guess - 36 * 3600 * 1000, tz);
  const o2 = zoneOffsetMs(guess + 36 * 3600 * 1000, tz);
  const candidates = [guess - o1, guess - o2].sort((a, b) => a - b);
  for (const c of candidates) {
    const p = zonedParts(c, tz);
    if (
      p.year === local.year &&
      p.month === local.month &&
      p.day === local.day &&
      p.hour === (local.hour ?? 0) &&
      p.minute === (local.minute ?? 0)
    ) {
      return c;
    }
  }
  // In a gap: neither candidate reads that wall time; the later one is the time shifted forward by the gap.
  return candidates[1]!;
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

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

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
