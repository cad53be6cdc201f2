/**
 * One layer's rotation, expanded into shifts. Turns are counted in the layer's zone (its own, else the schedule's;
 * `tz` below is that zone, see `layerZone`) on the wall clock: a daily
 * 09:00 hand-off stays at 09:00 local across DST, so the turn that contains a change is 23 or 25 hours long (23.5 or
 * 24.5 on Lord Howe Island). Hourly turns also follow the wall clock, so 12-hour day and night shifts keep their
 * local hand-offs; an hourly turn that falls wholly inside a skipped hour is empty and dropped. `duration` turns are
 * fixed elapsed time from the layer's start instant.
 *
 * Restrictions limit when a layer has someone on call; they never change whose turn it is (the rotation advances
 * by time regardless, as PagerDuty's restrictions do; cf. OneUptime #2413 for what goes wrong otherwise).
 */
import {
  dayOfWeek,
  localToUtc,
  parseLocalDate,
  parseTimeOfDay,
  utcToLocal,
  TIME,
  type DayOfWeek,
} from '../shared/tz.js';

export type TurnLength = { unit: 'hours' | 'days' | 'weeks'; count: number } | { unit: 'duration'; seconds: number };

/** On the listed days (every day when empty), from `start` to `end` local time; `end` ≤ `start` runs past midnight. */
export interface Restriction {
  days: DayOfWeek[];
  start: string;
  end: string;
}

export interface LayerDef {
  id: string;
  name: string;
  /** User ids in rotation order; the same user may appear more than once. */
  participants: string[];
  turn: TurnLength;
  /** Local date ('YYYY-MM-DD') and time ('HH:MM') of the first hand-off, in the layer's zone. */
  startDate: string;
  handoffTime: string;
  restrictions: Restriction[];
  /** Instant after which the layer has nobody, or null. */
  endsAt: number | null;
  /**
   * The layer's own IANA zone (follow the sun: an EMEA layer in Europe/London, an AMER layer in America/New_York);
   * its hand-offs and restrictions are read on that wall clock. Null or absent: the schedule's zone.
   */
  timeZone?: string | null;
}

/** The zone a layer's wall-clock times are read in: its own, else the schedule's. */
export function layerZone(scheduleZone: string, layer: Pick<LayerDef, 'timeZone'>): string {
  return layer.timeZone ?? scheduleZone;
}

export interface Interval {
  start: number;
  end: number;
}

export interface LayerShift extends Interval {
  userId: string;
  layerId: string;
  /** The turn's index since the layer's start (stable id for the turn). */
  turn: number;
}

interface Rotation {
  boundary(k: number): number;
  approxMs: number;
}

function rotationOf(tz: string, layer: LayerDef): Rotation {
  const day0 = parseLocalDate(layer.startDate);
  const min0 = parseTimeOfDay(layer.handoffTime);
  if (day0 === null || min0 === null) throw new Error(`layer ${layer.id}: bad startDate or handoffTime`);
  const t = layer.turn;
  switch (t.unit) {
    case 'days':
    case 'weeks': {
      const days = t.count * (t.unit === 'weeks' ? 7 : 1);
      return { boundary: (k) => localToUtc(tz, day0 + k * days, min0), approxMs: days * TIME.DAY };
    }
    case 'hours': {
      const step = t.count * 60;
      return {
        boundary: (k) => {
          const m = min0 + k * step;
          const d = Math.floor(m / 1440);
          return localToUtc(tz, day0 + d, m - d * 1440);
        },
        approxMs: step * TIME.MINUTE,
      };
    }
    case 'duration': {
      const start = localToUtc(tz, day0, min0);
      return { boundary: (k) => start + k * t.seconds * TIME.SECOND, approxMs: t.seconds * TIME.SECOND };
    }
  }
}

/** The layer's turns that overlap [from, to), whole (not clipped), before restrictions and the layer's end. */
export function layerTurns(tz: string, layer: LayerDef, from: number, to: number): LayerShift[] {
  const n = layer.participants.length;
  if (n === 0 || to <= from) return [];
  const rot = rotationOf(tz, layer);
  const start = rot.boundary(0);
  const end = Math.min(to, layer.endsAt ?? Infinity);
  let k = Math.max(0, Math.floor((from - start) / rot.approxMs));
  while (k > 0 && rot.boundary(k) > from) k--;
  while (rot.boundary(k + 1) <= from) k++;
  const out: LayerShift[] = [];
  for (let b = rot.boundary(k); b < end; k++) {
    const next = rot.boundary(k + 1);
    if (next > b) out.push({ start: b, end: next, userId: layer.participants[k % n]!, layerId: layer.id, turn: k });
    b = next;
  }
  return out;
}

/** The instants in [from, to) when the restrictions allow someone on call, merged; null means always. */
export function restrictionWindows(
  tz: string,
  restrictions: Restriction[],
  from: number,
  to: number,
): Interval[] | null {
  if (restrictions.length === 0) return null;
  const first = utcToLocal(tz, from).day - 1;
  const last = utcToLocal(tz, to).day + 1;
  const raw: Interval[] = [];
  for (let day = first; day <= last; day++) {
    const dow = dayOfWeek(day);
    for (const r of restrictions) {
      if (r.days.length > 0 && !r.days.includes(dow)) continue;
      const s = parseTimeOfDay(r.start) ?? 0;
      const e = parseTimeOfDay(r.end) ?? 0;
      const endDay = e <= s ? day + 1 : day;
      const start = localToUtc(tz, day, s);
      const stop = e === 1440 ? localToUtc(tz, day + 1, 0) : localToUtc(tz, endDay, e);
      if (stop > start) raw.push({ start: Math.max(start, from), end: Math.min(stop, to) });
    }
  }
  return mergeIntervals(raw.filter((i) => i.end > i.start));
}

export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const lastOut = out[out.length - 1];
    if (lastOut && i.start <= lastOut.end) lastOut.end = Math.max(lastOut.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

/** The layer's shifts overlapping [from, to): turns cut to the layer's end and its restriction windows. */
export function layerShifts(tz: string, layer: LayerDef, from: number, to: number): LayerShift[] {
  const turns = layerTurns(tz, layer, from, to);
  if (turns.length === 0) return [];
  const lo = turns[0]!.start;
  const hi = Math.min(turns[turns.length - 1]!.end, layer.endsAt ?? Infinity);
  const windows = restrictionWindows(tz, layer.restrictions, lo, hi);
  const out: LayerShift[] = [];
  let w = 0;
  for (const t of turns) {
    const end = Math.min(t.end, layer.endsAt ?? Infinity);
    if (end <= t.start) continue;
    if (!windows) {
      out.push({ ...t, end });
      continue;
    }
    while (w < windows.length && windows[w]!.end <= t.start) w++;
    for (let i = w; i < windows.length && windows[i]!.start < end; i++) {
      const s = Math.max(t.start, windows[i]!.start);
      const e = Math.min(end, windows[i]!.end);
      if (e > s) out.push({ ...t, start: s, end: e });
    }
  }
  return out.filter((s) => s.end > from && s.start < to);
}
