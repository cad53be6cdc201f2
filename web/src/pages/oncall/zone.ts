/**
 * Wall-clock arithmetic in an explicit IANA zone with Intl only: schedules hand off at local times in their own zone,
 * and forms take local times in that zone (never the browser's), so a London schedule reads the same in Denver.
 */

import { localToUtc, parseLocalDate, parseTimeOfDay } from '../../../../src/shared/tz.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    partsFormatters.set(tz, f);
  }
  return f;
}

export function isValidZone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function zonedParts(t: number, tz: string): Parts {
  const out: Record<string, string> = {};
  for (const p of partsFormatter(tz).formatToParts(new Date(t))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour) % 24,
    minute: Number(out.minute),
    weekday: WEEKDAYS.indexOf(out.weekday ?? 'Mon') + 1,
  };
}

/** The zone's offset from UTC at instant t, in ms (east positive). */
export function offsetAt(t: number, tz: string): number {
  const p = zonedParts(t, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return asUtc - Math.floor(t / MINUTE) * MINUTE;
}

/** "UTC+01:00" */
export function offsetLabel(t: number, tz: string): string {
  const off = Math.round(offsetAt(t, tz) / MINUTE);
  const sign = off < 0 ? '−' : '+';
  const abs = Math.abs(off);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The zone's short name at t ("CET", "EST"), or its UTC offset where the zone has no abbreviation. */
export function zoneAbbrev(t: number, tz: string): string {
  // en-US knows the American names (EST), en-GB the European ones (CET, BST); "GMT+9" is no name at all.
  for (const locale of ['en-US', 'en-GB']) {
    try {
      const name = new Intl.DateTimeFormat(locale, { timeZone: tz, timeZoneName: 'short' })
        .formatToParts(new Date(t))
        .find((p) => p.type === 'timeZoneName')?.value;
      if (name && !/^GMT[+\-−]/.test(name)) return name;
    } catch {
      break;
    }
  }
  return offsetLabel(t, tz);
}

/** "CET, UTC+01:00" — or just the offset where the zone has no short name. */
export function zoneDescription(t: number, tz: string): string {
  const abbr = zoneAbbrev(t, tz);
  const off = offsetLabel(t, tz);
  return abbr === off ? off : `${abbr}, ${off}`;
}

/**
 * The instant at local date `YYYY-MM-DD` and time `HH:MM` in tz, read exactly as the server reads it: the server's own
 * conversion (src/shared/tz.ts `localToUtc`), so a time that happens twice on a fall-back day is its first occurrence
 * (01:30 in New York on 1 November 2026 is 01:30 EDT), and one that does not exist (spring forward) is the time after
 * the gap. NaN for a malformed date, time or zone.
 */
export function zonedToInstant(date: string, time: string, tz: string): number {
  const day = parseLocalDate(date);
  const minute = parseTimeOfDay(time);
  if (day === null || minute === null) return NaN;
  try {
    return localToUtc(tz, day, minute);
  } catch {
    return NaN;
  }
}

/** `YYYY-MM-DDTHH:MM` of instant t in tz, for <input type="datetime-local">. */
export function toLocalInput(t: number, tz: string): string {
  const p = zonedParts(t, tz);
  return `${localDate(p)}T${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** The instant of a datetime-local value read in tz. */
export function fromLocalInput(value: string, tz: string): number {
  const [date, time] = value.split('T');
  if (!date || !time) return NaN;
  return zonedToInstant(date, time.slice(0, 5), tz);
}

function localDate(p: Parts): string {
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Today's date in tz, `YYYY-MM-DD`. */
export function todayIn(tz: string, now = Date.now()): string {
  return localDate(zonedParts(now, tz));
}

/** `YYYY-MM-DD` n days after date (calendar arithmetic, no zone involved). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + n));
  return t.toISOString().slice(0, 10);
}

/** Local midnights in tz from the day containing `from` up to `to`. */
export function midnightsBetween(from: number, to: number, tz: string): number[] {
  const out: number[] = [];
  let date = localDate(zonedParts(from, tz));
  for (let i = 0; i < 400; i++) {
    const t = zonedToInstant(date, '00:00', tz);
    if (t > to) break;
    if (t >= from) out.push(t);
    date = addDays(date, 1);
  }
  return out;
}

/** Midnight at the start of the local day containing t. */
export function startOfDay(t: number, tz: string): number {
  return zonedToInstant(localDate(zonedParts(t, tz)), '00:00', tz);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string, kind: 'full' | 'time' | 'day' | 'weekday'): Intl.DateTimeFormat {
  const key = `${tz}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions =
      kind === 'full'
        ? { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : kind === 'time'
          ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
          : kind === 'day'
            ? { weekday: 'short', day: 'numeric', month: 'short' }
            : { weekday: 'short', day: 'numeric' };
    f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: tz });
    formatters.set(key, f);
  }
  return f;
}

/** "Mon 12 Jan, 09:00" in tz. */
export function formatIn(t: number | string, tz: string, kind: 'full' | 'time' | 'day' | 'weekday' = 'full'): string {
  const ms = typeof t === 'string' ? Date.parse(t) : t;
  if (!Number.isFinite(ms)) return '—';
  try {
    return fmt(tz, kind).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString();
  }
}

/** "Mon 12 Jan, 09:00 – Mon 19 Jan, 09:00 CET", the end shortened when it is on the same day. */
export function formatRange(start: number | string, end: number | string, tz: string): string {
  const a = typeof start === 'string' ? Date.parse(start) : start;
  const b = typeof end === 'string' ? Date.parse(end) : end;
  const sameDay = formatIn(a, tz, 'day') === formatIn(b, tz, 'day');
  return `${formatIn(a, tz)} – ${formatIn(b, tz, sameDay ? 'time' : 'full')} ${zoneAbbrev(a, tz)}`;
}

/** "3 d 4 h", "5 h 30 min" */
export function formatDuration(ms: number): string {
  const mins = Math.round(ms / MINUTE);
  const d = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  const parts = [];
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m && !d) parts.push(`${m} min`);
  return parts.join(' ') || '0 min';
}

export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
