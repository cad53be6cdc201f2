/**
 * The pure parts of the PagerDuty mapping (docs/import.md, "PagerDuty"): slugs, turn lengths, a layer's rotation
 * start, restrictions, and integrations. No I/O; unit-tested in mapping.test.ts.
 */
import type { LayerDoc } from '../../config-as-code/schema.js';
import { DAYS_OF_WEEK, formatLocalDate, formatTimeOfDay, TIME, utcToLocal } from '../../shared/tz.js';

// ------------------------------------------------------------------------------------------------- slugs

/** A slug from a name: lower-case letters, digits and dashes, at most `max` characters, never empty. */
export function slugify(name: string, max = 48): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return s;
}

/**
 * Deterministic slugs for a list of source objects: the slugified name, or, when two objects' names give the same
 * slug (or the name gives none), the name's slug with the source id, lower-cased, as a suffix — for every object of
 * the clash, so the slugs do not depend on the order the source lists them in.
 */
export function assignSlugs<T>(items: T[], name: (t: T) => string, id: (t: T) => string): Map<T, string> {
  const base = new Map<T, string>();
  const count = new Map<string, number>();
  for (const it of items) {
    const b = slugify(name(it));
    base.set(it, b);
    count.set(b, (count.get(b) ?? 0) + 1);
  }
  const out = new Map<T, string>();
  for (const it of items) {
    const b = base.get(it)!;
    if (b && count.get(b) === 1) {
      out.set(it, b);
      continue;
    }
    const suffix = slugify(id(it), 20) || 'x';
    const head = slugify(b, 47 - suffix.length);
    out.set(it, head ? `${head}-${suffix}` : /^[a-z0-9]/.test(suffix) ? suffix : `x${suffix}`.slice(0, 48));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------- layers

export type Turn = LayerDoc['turn'];

/** PagerDuty's turn in seconds → Muster's turn: weeks, days or hours when whole (wall-clock), else a duration. */
export function turnOf(seconds: number): Turn {
  if (seconds % (7 * 86400) === 0 && seconds / (7 * 86400) <= 52) return { unit: 'weeks', count: seconds / 604800 };
  if (seconds % 86400 === 0 && seconds / 86400 <= 366) return { unit: 'days', count: seconds / 86400 };
  if (seconds % 3600 === 0 && seconds / 3600 <= 8784) return { unit: 'hours', count: seconds / 3600 };
  return { unit: 'duration', seconds };
}

/** Whether a Muster turn follows the wall clock (its hand-offs keep their local time), as PagerDuty's whole hours do. */
export const isWallClock = (t: Turn): boolean => t.unit !== 'duration';

/**
 * The layer's first hand-off in its zone (`startDate` + `handoffTime`) for a rotation that began at `virtualStart`.
 * Muster has nobody on call before a layer's first hand-off, while PagerDuty's rotation runs from the layer's
 * `start` even when `rotation_virtual_start` is later; so the virtual start is moved back by whole cycles (every
 * user's turn once) until it is at or before the layer's start: the same user has the same turn at every instant.
 * `seconds` is set when the virtual start is not on a whole minute (Muster's hand-off is HH:MM).
 */
export function rotationStart(
  zone: string,
  virtualStart: number,
  layerStart: number,
  turnSeconds: number,
  users: number,
): { startDate: string; handoffTime: string; offMinute: boolean } {
  const turn = turnOf(turnSeconds);
  const cycleMs = turnSeconds * 1000 * Math.max(1, users);
  const cycles = virtualStart > layerStart ? Math.ceil((virtualStart - layerStart) / cycleMs) : 0;
  let local: { day: number; minute: number };
  const offMinute = virtualStart % TIME.MINUTE !== 0;
  if (isWallClock(turn)) {
    // Wall-clock rotation: the shift back is done on the local clock, as Muster counts turns.
    const wall = utcToLocal(zone, virtualStart);
    const minutes = wall.day * 1440 + wall.minute - (cycles * cycleMs) / TIME.MINUTE;
    local = { day: Math.floor(minutes / 1440), minute: ((minutes % 1440) + 1440) % 1440 };
  } else {
    local = utcToLocal(zone, virtualStart - cycles * cycleMs);
  }
  return { startDate: formatLocalDate(local.day), handoffTime: formatTimeOfDay(local.minute), offMinute };
}

export interface PdRestrictionIn {
  type: string;
  start_time_of_day: string;
  duration_seconds: number;
  start_day_of_week?: number | null;
}

export type RestrictionDoc = NonNullable<LayerDoc['restrictions']>[number];

/**
 * PagerDuty restrictions → Muster's per-day restrictions. A daily restriction is one restriction every day (an end
 * at or before its start runs past midnight; 24 hours is start = end). A weekly one is a continuous span of
 * `duration_seconds` from a day and time: it becomes one restriction per day it touches (first day start → 24:00,
 * whole days 00:00 → 24:00, last day 00:00 → end). Restrictions with the same times are joined into one with several
 * days. `problems` lists what was approximated (a time not on a whole minute is cut to the minute).
 */
export function restrictionsOf(rs: PdRestrictionIn[]): { restrictions: RestrictionDoc[]; problems: string[] } {
  const problems: string[] = [];
  const daily: { start: number; end: number }[] = [];
  const perDay: { day: number; start: number; end: number }[] = [];
  for (const [i, r] of rs.entries()) {
    const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(r.start_time_of_day);
    if (!m) {
      problems.push(`restrictions[${i}]: start_time_of_day "${r.start_time_of_day}" is not a time; left out`);
      continue;
    }
    const startSec = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
    if (startSec % 60 !== 0 || r.duration_seconds % 60 !== 0) {
      problems.push(`restrictions[${i}]: seconds are cut to the whole minute (Muster's restrictions are HH:MM)`);
    }
    const start = Math.floor(startSec / 60);
    const length = Math.floor(r.duration_seconds / 60);
    if (length <= 0) continue;
    if (r.type === 'daily_restriction') {
      if (length >= 1440) daily.push({ start, end: start });
      else daily.push({ start, end: (start + length) % 1440 });
      if (length > 1440) problems.push(`restrictions[${i}]: a daily restriction longer than 24 hours is every day`);
      continue;
    }
    if (r.type !== 'weekly_restriction' || !r.start_day_of_week || r.start_day_of_week < 1 || r.start_day_of_week > 7) {
      problems.push(`restrictions[${i}]: restriction type "${r.type}" is not known; left out`);
      continue;
    }
    if (length >= 7 * 1440) {
      daily.push({ start: 0, end: 0 });
      continue;
    }
    const w0 = (r.start_day_of_week - 1) * 1440 + start;
    const w1 = w0 + length;
    for (let d = Math.floor(w0 / 1440); d * 1440 < w1; d++) {
      const s = Math.max(w0, d * 1440) - d * 1440;
      const e = Math.min(w1, (d + 1) * 1440) - d * 1440;
      if (e > s) perDay.push({ day: d % 7, start: s, end: e });
    }
  }
  const out: RestrictionDoc[] = [];
  const dailyKeys = new Set<string>();
  for (const r of daily) {
    const key = `${r.start}-${r.end}`;
    if (dailyKeys.has(key)) continue;
    dailyKeys.add(key);
    out.push({ start: formatTimeOfDay(r.start), end: formatTimeOfDay(r.end) });
  }
  const groups = new Map<string, Set<number>>();
  for (const r of perDay) {
    const key = `${r.start}-${r.end}`;
    if (!groups.has(key)) groups.set(key, new Set());
    groups.get(key)!.add(r.day);
  }
  const keys = [...groups.keys()].sort((a, b) => {
    const [as, ae] = a.split('-').map(Number);
    const [bs, be] = b.split('-').map(Number);
    return as! - bs! || ae! - be!;
  });
  for (const key of keys) {
    const [s, e] = key.split('-').map(Number);
    const days = [...groups.get(key)!].sort((a, b) => a - b).map((d) => DAYS_OF_WEEK[d]!);
    out.push({ days, start: formatTimeOfDay(s!), end: formatTimeOfDay(e!) });
  }
  return { restrictions: out, problems };
}

// ------------------------------------------------------------------------------------------------- integrations

export type KeySource = 'alertmanager' | 'pagerduty' | 'grafana' | 'generic';

/**
 * A PagerDuty integration → the Muster intake it maps to. Events API v2 (and v1) integrations without a vendor →
 * `pagerduty` (Muster speaks the Events API v2); a Prometheus/Alertmanager vendor → `alertmanager`; Grafana →
 * `grafana`; another vendor → `generic` (approximated: the tool must be pointed at the generic endpoint); an email
 * integration or another inbound kind Muster has no intake for → null (dropped).
 */
export function integrationSource(
  type: string,
  vendor: string | null,
): { source: KeySource; exact: boolean } | { source: null; why: string } {
  const v = (vendor ?? '').toLowerCase();
  if (/prometheus|alertmanager/.test(v)) return { source: 'alertmanager', exact: true };
  if (/grafana/.test(v)) return { source: 'grafana', exact: true };
  if (type.includes('email')) {
    return { source: null, why: 'Muster has no email intake; send these alerts to an integration key instead' };
  }
  if (!vendor) {
    if (/events_api|generic_events/.test(type)) return { source: 'pagerduty', exact: true };
    return { source: 'generic', exact: false };
  }
  return { source: 'generic', exact: false };
}
