/**
 * Flattening: many ranked, possibly overlapping segments → one ordered, non-overlapping list where at every instant
 * the highest-ranked segment that covers it wins. The same idea as Grafana OnCall's `_resolve_schedule`
 * (engine/apps/schedules/ical_utils.py), done as one sweep over start/end events instead of greedy reservation.
 */
import type { Interval } from './layers.js';

export interface Segment extends Interval {
  userId: string;
  source: string;
  sourceKind: 'layer' | 'override';
  /** Higher wins. Overrides rank above every layer; a later override above an earlier one. */
  rank: number;
}

interface Event {
  t: number;
  seg: number;
  isStart: boolean;
}

export function flatten(segments: Segment[], from: number, to: number): Segment[] {
  const events: Event[] = [];
  segments.forEach((s, i) => {
    const start = Math.max(s.start, from);
    const end = Math.min(s.end, to);
    if (end <= start) return;
    events.push({ t: start, seg: i, isStart: true }, { t: end, seg: i, isStart: false });
  });
  events.sort((a, b) => a.t - b.t || Number(a.isStart) - Number(b.isStart));
  const active: number[] = [];
  const out: Segment[] = [];
  let current = -1;
  let since = 0;
  for (let i = 0; i < events.length;) {
    const t = events[i]!.t;
    for (; i < events.length && events[i]!.t === t; i++) {
      const e = events[i]!;
      if (e.isStart) active.push(e.seg);
      else active.splice(active.indexOf(e.seg), 1);
    }
    let winner = -1;
    for (const a of active) if (winner < 0 || segments[a]!.rank > segments[winner]!.rank) winner = a;
    if (winner === current) continue;
    if (current >= 0 && t > since) out.push({ ...segments[current]!, start: since, end: t });
    current = winner;
    since = t;
  }
  return out;
}

/** The parts of [from, to) that no interval covers. `covered` must be ordered and non-overlapping. */
export function gapsIn(covered: Interval[], from: number, to: number): Interval[] {
  const gaps: Interval[] = [];
  let at = from;
  for (const c of covered) {
    if (c.start > at) gaps.push({ start: at, end: Math.min(c.start, to) });
    at = Math.max(at, c.end);
    if (at >= to) break;
  }
  if (at < to) gaps.push({ start: at, end: to });
  return gaps.filter((g) => g.end > g.start);
}
