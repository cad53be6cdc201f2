/**
 * On-call schedules as pure functions of a definition and an interval: no I/O, time always passed in.
 *
 * A schedule has an IANA zone and layers; `layers[i]` with a higher `i` sits above and wins wherever it has someone
 * (PagerDuty's "lower layers in the list take precedence" turned into an explicit order). Overrides win over every
 * layer; of two overlapping overrides the later-created one wins. The result is the final schedule: ordered,
 * non-overlapping shifts, each naming its source (a layer id or an override id), plus the gaps where nobody is on call.
 */
import { flatten, gapsIn, type Segment } from './flatten.js';
import { layerShifts, layerZone, type Interval, type LayerDef, type LayerShift } from './layers.js';
import { TIME } from '../shared/tz.js';

export type { Interval, LayerDef, LayerShift, Restriction, TurnLength } from './layers.js';
export { layerShifts, layerTurns, layerZone, restrictionWindows } from './layers.js';
export { DAYS_OF_WEEK, type DayOfWeek } from '../shared/tz.js';

export interface ScheduleDef {
  /** The schedule's zone; a layer with its own `timeZone` reads its wall-clock times in that one instead. */
  timezone: string;
  /** Lowest priority first. */
  layers: LayerDef[];
}

export interface OverrideDef extends Interval {
  id: string;
  userId: string;
  /** Creation order decides between overlapping overrides (later wins). Ids are time-ordered, so the id does. */
  createdAt: number;
}

export interface Shift extends Interval {
  userId: string;
  source: string;
  sourceKind: 'layer' | 'override';
}

export type Warning =
  | { code: 'rotation_too_small'; layerId: string; people: number; minimum: number; message: string }
  | { code: 'layer_without_participants'; layerId: string; message: string }
  | { code: 'gaps'; count: number; hours: number; message: string };

export interface ScheduleResult {
  from: number;
  to: number;
  final: Shift[];
  layers: { layerId: string; shifts: LayerShift[] }[];
  overrides: OverrideDef[];
  gaps: Interval[];
  warnings: Warning[];
}

/** Sustainable on-call: at least six people, about one week a month each (docs: shared/seed, "Sustainable On-Call"). */
export const MIN_ROTATION_SIZE = 6;

const OVERRIDE_RANK = 1e6;

/** The final schedule over [from, to), with each layer's own shifts, the gaps and the warnings. */
export function computeSchedule(
  schedule: ScheduleDef,
  overrides: OverrideDef[],
  from: number,
  to: number,
): ScheduleResult {
  const layers = schedule.layers.map((l) => ({
    layerId: l.id,
    shifts: layerShifts(layerZone(schedule.timezone, l), l, from, to),
  }));
  const segments: Segment[] = [];
  layers.forEach((l, rank) => {
    for (const s of l.shifts) {
      segments.push({ start: s.start, end: s.end, userId: s.userId, source: l.layerId, sourceKind: 'layer', rank });
    }
  });
  const inRange = overrides
    .filter((o) => o.end > from && o.start < to)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  inRange.forEach((o, i) => {
    segments.push({ ...o, source: o.id, sourceKind: 'override', rank: OVERRIDE_RANK + i });
  });
  const final: Shift[] = flatten(segments, from, to).map((s) => ({
    start: s.start,
    end: s.end,
    userId: s.userId,
    source: s.source,
    sourceKind: s.sourceKind,
  }));
  const gaps = gapsIn(final, from, to);
  return { from, to, final, layers, overrides: inRange, gaps, warnings: scheduleWarnings(schedule, gaps) };
}

export function scheduleWarnings(schedule: ScheduleDef, gaps: Interval[]): Warning[] {
  const warnings: Warning[] = [];
  for (const l of schedule.layers) {
    const people = new Set(l.participants).size;
    if (people === 0) {
      warnings.push({
        code: 'layer_without_participants',
        layerId: l.id,
        message: `Layer ${l.name} has nobody in it.`,
      });
    } else if (people < MIN_ROTATION_SIZE) {
      warnings.push({
        code: 'rotation_too_small',
        layerId: l.id,
        people,
        minimum: MIN_ROTATION_SIZE,
        message:
          `Layer ${l.name} rotates ${people} ${people === 1 ? 'person' : 'people'}; ` +
          `at least ${MIN_ROTATION_SIZE} keep on-call sustainable (about one week a month each).`,
      });
    }
  }
  if (gaps.length > 0) {
    const hours = Math.round((gaps.reduce((n, g) => n + g.end - g.start, 0) / TIME.HOUR) * 100) / 100;
    warnings.push({
      code: 'gaps',
      count: gaps.length,
      hours,
      message: `Nobody is on call for ${hours} h in ${gaps.length} gap${gaps.length === 1 ? '' : 's'}.`,
    });
  }
  return warnings;
}

/**
 * Who is on call at `at` (null in a gap), with the shift that covers it. The shift is computed with `context` ms on
 * either side, so its bounds are exact unless it is longer than that.
 */
export function onCallAt(
  schedule: ScheduleDef,
  overrides: OverrideDef[],
  at: number,
  context = 35 * TIME.DAY,
): Shift | null {
  const { final } = computeSchedule(schedule, overrides, at - context, at + context);
  return final.find((x) => x.start <= at && x.end > at) ?? null;
}

/** The shift after the one at `at` that has a different person (who is on next), within `horizon` ms. */
export function nextOnCall(
  schedule: ScheduleDef,
  overrides: OverrideDef[],
  at: number,
  horizon = 35 * TIME.DAY,
): Shift | null {
  const { final } = computeSchedule(schedule, overrides, at, at + horizon);
  const now = final[0] && final[0].start <= at ? final[0] : null;
  return final.find((s) => s.start > at && s.userId !== now?.userId) ?? null;
}

/** On-call hours per person in the final schedule (shifts are already clipped to the range). */
export function hoursByUser(final: Shift[]): Record<string, number> {
  const ms: Record<string, number> = {};
  for (const s of final) ms[s.userId] = (ms[s.userId] ?? 0) + (s.end - s.start);
  return Object.fromEntries(Object.entries(ms).map(([u, v]) => [u, Math.round((v / TIME.HOUR) * 100) / 100]));
}

/** Only this user's shifts of the final schedule. */
export function shiftsOf(final: Shift[], userId: string): Shift[] {
  return final.filter((s) => s.userId === userId);
}
