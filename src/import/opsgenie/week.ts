/**
 * Opsgenie time restrictions as minutes of the week (Monday 00:00 = 0), and back to Muster's per-day layer
 * restrictions (src/oncall/layers.ts reads `{ days, start, end }` on the layer's wall clock, an end of '24:00' being
 * the next midnight). A span across days becomes one piece per day: the first day from its start to 24:00, whole days
 * 00:00 to 24:00, the last day 00:00 to its end; pieces with the same times share one restriction with several days.
 */
import { DAYS, type LayerDoc } from '../../config-as-code/schema.js';
import { formatTimeOfDay } from '../../shared/tz.js';

export const WEEK_MINUTES = 7 * 1440;
export const OG_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export interface Span {
  start: number;
  end: number;
}

export type OgTimeRestriction =
  | { type: 'time-of-day'; restriction: { startHour: number; startMin: number; endHour: number; endMin: number } }
  | {
      type: 'weekday-and-time-of-day';
      restrictions: {
        startDay: string;
        startHour: number;
        startMin: number;
        endDay: string;
        endHour: number;
        endMin: number;
      }[];
    };

/** Spans of [0, WEEK) from a start and a length (which may run past the week's end: wrapped). */
function wrapped(start: number, length: number): Span[] {
  const s = ((start % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
  const e = s + Math.min(length, WEEK_MINUTES);
  return e <= WEEK_MINUTES
    ? [{ start: s, end: e }]
    : [
        { start: s, end: WEEK_MINUTES },
        { start: 0, end: e - WEEK_MINUTES },
      ];
}

export function mergeSpans(spans: Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

export function intersectSpans(a: Span[], b: Span[]): Span[] {
  const out: Span[] = [];
  for (const x of a) {
    for (const y of b) {
      const s = Math.max(x.start, y.start);
      const e = Math.min(x.end, y.end);
      if (e > s) out.push({ start: s, end: e });
    }
  }
  return mergeSpans(out);
}

/** The week's minutes a restriction allows, or an error naming what cannot be read. */
export function restrictionSpans(tr: OgTimeRestriction): Span[] | string {
  const spans: Span[] = [];
  if (tr.type === 'time-of-day') {
    const r = tr.restriction;
    const s = r.startHour * 60 + r.startMin;
    const e = r.endHour * 60 + r.endMin;
    const length = e <= s ? 1440 - s + e : e - s;
    for (let d = 0; d < 7; d++) spans.push(...wrapped(d * 1440 + s, length));
    return mergeSpans(spans);
  }
  if (tr.type !== 'weekday-and-time-of-day') return `time restriction type "${(tr as { type: string }).type}"`;
  for (const r of tr.restrictions) {
    const sd = OG_DAYS.indexOf(r.startDay.toLowerCase() as (typeof OG_DAYS)[number]);
    const ed = OG_DAYS.indexOf(r.endDay.toLowerCase() as (typeof OG_DAYS)[number]);
    if (sd < 0 || ed < 0) return `day "${sd < 0 ? r.startDay : r.endDay}"`;
    const s = sd * 1440 + r.startHour * 60 + r.startMin;
    let e = ed * 1440 + r.endHour * 60 + r.endMin;
    if (e <= s) e += WEEK_MINUTES;
    spans.push(...wrapped(s, e - s));
  }
  return mergeSpans(spans);
}

type Restriction = NonNullable<LayerDoc['restrictions']>[number];

/** Muster restrictions for week spans: one piece per day, pieces of equal times grouped. */
export function spansToRestrictions(spans: Span[]): Restriction[] {
  const merged = mergeSpans(spans);
  if (merged.length === 1 && merged[0]!.start === 0 && merged[0]!.end === WEEK_MINUTES) return [];
  const byTimes = new Map<string, { start: number; end: number; days: number[] }>();
  for (const s of merged) {
    for (let d = Math.floor(s.start / 1440); d * 1440 < s.end; d++) {
      const start = Math.max(s.start, d * 1440) - d * 1440;
      const end = Math.min(s.end, (d + 1) * 1440) - d * 1440;
      if (end <= start) continue;
      const key = `${start}-${end}`;
      const entry = byTimes.get(key) ?? { start, end, days: [] };
      entry.days.push(d);
      byTimes.set(key, entry);
    }
  }
  return [...byTimes.values()]
    .sort((a, b) => a.days[0]! - b.days[0]! || a.start - b.start)
    .map((r) => ({
      days: r.days.map((d) => DAYS[d]!),
      start: formatTimeOfDay(r.start),
      end: formatTimeOfDay(r.end),
    }));
}

/** A `time-of-day` restriction maps directly: every day, an end at or before the start running past midnight. */
export function timeOfDayRestriction(tr: Extract<OgTimeRestriction, { type: 'time-of-day' }>): Restriction {
  const r = tr.restriction;
  return { start: formatTimeOfDay(r.startHour * 60 + r.startMin), end: formatTimeOfDay(r.endHour * 60 + r.endMin) };
}

/** The week's minutes in which position `j` of a rotation is on call, when the rotation repeats within a week. */
export function slotSpans(startOfWeekMinute: number, turnMinutes: number, positions: number, j: number): Span[] | null {
  const period = turnMinutes * positions;
  if (period > WEEK_MINUTES || WEEK_MINUTES % period !== 0) return null;
  const spans: Span[] = [];
  for (let m = 0; m < WEEK_MINUTES / period; m++) {
    spans.push(...wrapped(startOfWeekMinute + j * turnMinutes + m * period, turnMinutes));
  }
  return mergeSpans(spans);
}
