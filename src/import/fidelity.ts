/**
 * Proof of fidelity (issue 16 item 3, docs/import.md): for every imported schedule, the minutes of [from, to) where the
 * set of people on call in Muster's final schedule equals the set in the source's own rendering. Both empty (a gap in
 * both) counts as matching. Computed by a sweep over the boundaries of both sides, not minute by minute.
 */
import type { Executor } from '../db/index.js';
import { computeSchedule } from '../oncall/model.js';
import { loadSchedules } from '../oncall/shifts.js';
import { listScheduleRows, userNames } from '../oncall/repo.js';
import { slugsOf } from '../config-as-code/current.js';
import type { FidelityRow, RenderedEntry, RenderedSchedule } from './model.js';

/** How many differing periods a row lists. */
export const MAX_DIFFERENCES = 5;

const MINUTE = 60_000;

/** Who is on call, by email, over time: one schedule's side (source or Muster). */
export type FinalEntries = RenderedEntry[];

export function fidelity(
  rendered: RenderedSchedule[],
  musterFinal: Map<string, FinalEntries>,
  from: number,
  to: number,
): FidelityRow[] {
  return rendered.map((r) => compareOne(r, musterFinal.get(r.slug) ?? [], from, to));
}

function compareOne(r: RenderedSchedule, muster: FinalEntries, from: number, to: number): FidelityRow {
  const source = clip(r.entries, from, to);
  const ours = clip(muster, from, to);
  const bounds = new Set<number>([from, to]);
  for (const e of [...source, ...ours]) {
    bounds.add(e.start);
    bounds.add(e.end);
  }
  const points = [...bounds].sort((a, b) => a - b);
  const atSource = sweeper(source);
  const atMuster = sweeper(ours);
  let matchingMs = 0;
  const firstDifferences: FidelityRow['firstDifferences'] = [];
  let lastDiffered = false;
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i]!;
    const end = points[i + 1]!;
    const s = atSource(start);
    const m = atMuster(start);
    if (sameSet(s, m)) {
      matchingMs += end - start;
      lastDiffered = false;
    } else {
      // A run of differing segments with the same two sets is one difference.
      const prev = firstDifferences[firstDifferences.length - 1];
      const continues = lastDiffered && prev && sameSet(prev.source, s) && sameSet(prev.muster, m);
      if (!continues && firstDifferences.length < MAX_DIFFERENCES) {
        firstDifferences.push({ at: start, source: s, muster: m });
      }
      lastDiffered = true;
    }
  }
  const totalMs = Math.max(0, to - from);
  return {
    schedule: r.slug,
    source: r.source,
    matchingMinutes: Math.floor(matchingMs / MINUTE),
    totalMinutes: Math.floor(totalMs / MINUTE),
    // Never shows 100.0 unless every minute matches.
    percent: totalMs === 0 || matchingMs === totalMs ? 100 : Math.floor((matchingMs / totalMs) * 1000) / 10,
    firstDifferences,
  };
}

/** Entries inside [from, to), emails lower-cased, empty ones dropped. */
function clip(entries: FinalEntries, from: number, to: number): FinalEntries {
  return entries
    .map((e) => ({
      start: Math.max(e.start, from),
      end: Math.min(e.end, to),
      users: e.users.map((u) => u.toLowerCase()),
    }))
    .filter((e) => e.end > e.start);
}

/**
 * Who is on call at each point, for points asked in increasing order: entries sorted by start, the active ones kept
 * as the sweep moves forward (entries may overlap: the set is their union).
 */
function sweeper(entries: FinalEntries): (at: number) => string[] {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  let next = 0;
  let active: FinalEntries = [];
  return (at) => {
    while (next < sorted.length && sorted[next]!.start <= at) active.push(sorted[next++]!);
    active = active.filter((e) => e.end > at);
    return [...new Set(active.flatMap((e) => e.users))].sort();
  };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Muster's final schedule over [from, to) of the schedules with these slugs (as config as code names them: slugsOf),
 * people by email. A slug with no schedule is absent from the map (the fidelity row then compares with nobody).
 */
export async function musterFinalBySlug(
  ex: Executor,
  slugs: string[],
  from: number,
  to: number,
): Promise<Map<string, FinalEntries>> {
  const out = new Map<string, FinalEntries>();
  if (slugs.length === 0) return out;
  // The same slugs config as code reads and plans by (config_slugs, else the name's slug).
  const all = await listScheduleRows(ex);
  const slugById = await slugsOf(ex, 'schedule', all);
  const wanted = new Set(slugs);
  const slugOf = new Map([...slugById].filter(([, slug]) => wanted.has(slug)));
  const rows = all.filter((r) => slugOf.has(r.id));
  const loaded = await loadSchedules(ex, rows, from, to);
  const finals = loaded.map((l) => ({
    slug: slugOf.get(l.schedule.id)!,
    final: computeSchedule(l.def, l.overrides, from, to).final,
  }));
  const people = await userNames(
    ex,
    finals.flatMap((f) => f.final.map((s) => s.userId)),
  );
  for (const f of finals) {
    out.set(
      f.slug,
      f.final.map((s) => ({ start: s.start, end: s.end, users: [people[s.userId]?.email ?? s.userId] })),
    );
  }
  return out;
}
