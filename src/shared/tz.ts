/**
 * Wall-clock arithmetic in IANA time zones with nothing but Intl.DateTimeFormat (no tz library): offsets come from
 * ICU, local dates are day numbers (days since 1970-01-01 as a civil date) plus minutes of the day.
 *
 * Wall-clock times that do not exist (spring forward) resolve to the time after the gap; times that happen twice
 * (fall back) resolve to the earlier one. This is Temporal's `disambiguation: 'compatible'` and what calendars do.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Offsets are sampled every 6 hours; no zone in the tz database changes its offset twice within that. */
const BUCKET = 6 * HOUR;

export const DAYS_OF_WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

export interface LocalDateTime {
  /** Days since 1970-01-01 (a civil date, no zone). */
  day: number;
  /** Minutes since local midnight, 0 … 1439. */
  minute: number;
}

interface Zone {
  format: Intl.DateTimeFormat;
  raw: Map<number, number>;
  buckets: Map<number, { before: number; after: number; at: number }>;
}

const zones = new Map<string, Zone>();

function zone(tz: string): Zone {
  let z = zones.get(tz);
  if (!z) {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    z = { format, raw: new Map(), buckets: new Map() };
    zones.set(tz, z);
  }
  return z;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    zone(tz);
    return true;
  } catch {
    return false;
  }
}

/** The zone's UTC offset in ms at an instant, straight from ICU. */
function rawOffset(z: Zone, ms: number): number {
  const cached = z.raw.get(ms);
  if (cached !== undefined) return cached;
  const p = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of z.format.formatToParts(new Date(ms))) {
    if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
  }
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const offset = wall - Math.floor(ms / SECOND) * SECOND;
  z.raw.set(ms, offset);
  return offset;
}

/** The zone's UTC offset in ms at an instant (local = utc + offset). */
export function offsetAt(tz: string, ms: number): number {
  const z = zone(tz);
  const b = Math.floor(ms / BUCKET);
  let entry = z.buckets.get(b);
  if (!entry) {
    const lo = b * BUCKET;
    const before = rawOffset(z, lo);
    const after = rawOffset(z, lo + BUCKET);
    entry = { before, after, at: before === after ? Infinity : findTransition(z, lo, lo + BUCKET, before) };
    z.buckets.set(b, entry);
  }
  return ms < entry.at ? entry.before : entry.after;
}

/** The first second in (lo, hi] whose offset differs from `before`. */
function findTransition(z: Zone, lo: number, hi: number, before: number): number {
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
    if (rawOffset(z, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

export function utcToLocal(tz: string, ms: number): LocalDateTime {
  const wall = ms + offsetAt(tz, ms);
  const day = Math.floor(wall / DAY);
  return { day, minute: Math.floor((wall - day * DAY) / MINUTE) };
}

/** A wall-clock time in the zone → the instant (compatible disambiguation, see the file comment). */
export function localToUtc(tz: string, day: number, minute: number): number {
  const wall = day * DAY + minute * MINUTE;
  const before = offsetAt(tz, wall - DAY);
  const after = offsetAt(tz, wall + DAY);
  const a = wall - before;
  const b = wall - after;
  const aValid = offsetAt(tz, a) === before;
  const bValid = offsetAt(tz, b) === after;
  if (aValid && bValid) return Math.min(a, b); // repeated hour: the earlier instant
  if (aValid) return a;
  if (bValid) return b;
  return a; // skipped hour: the old offset lands after the gap
}

/** ISO weekday of a day number: mon … sun. 1970-01-01 was a Thursday. */
export function dayOfWeek(day: number): DayOfWeek {
  return DAYS_OF_WEEK[(((day + 3) % 7) + 7) % 7]!;
}

/** 'YYYY-MM-DD' → day number, or null when not a real date. */
export function parseLocalDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const check = new Date(t);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return t / DAY;
}

export function formatLocalDate(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** 'HH:MM' (00:00 … 24:00) → minutes since midnight, or null. */
export function parseTimeOfDay(s: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min > 0)) return null;
  return h * 60 + min;
}

export function formatTimeOfDay(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export const TIME = { SECOND, MINUTE, HOUR, DAY } as const;
