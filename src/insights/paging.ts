/**
 * Paging figures (docs/insights.md, "Paging"): pages per person, rotation (schedule) and service, pages per on-call
 * week, pages outside working hours and during sleep over time, and time to acknowledge per page. A page is one person
 * named in a `paged` escalation-log entry — the rows on-call health reads (`pagesBetween`, src/escalation/pages.ts).
 * Off-hours, sleep and on-call weeks are on-call health's own definitions (src/oncall/sustainability.ts), read in
 * each person's time zone. Pure functions first, then the loader (a few set-based queries per request).
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { PolicySnapshot } from '../escalation/model.js';
import type { Shift } from '../oncall/model.js';
import { finalShifts } from '../oncall/sustainability-service.js';
import {
  DEFAULT_WINDOWS,
  ON_CALL_WEEK_MIN_MS,
  mergeIntervals,
  weekStart,
  type ReportWindows,
} from '../oncall/sustainability.js';
import type { Clock } from '../shared/clock.js';
import { fromJsonText } from '../shared/json.js';
import { parseClock } from '../shared/time.js';
import { offsetAt } from '../shared/tz.js';
import { resolveInsightFilter, type InsightFilter, type ResolvedFilter } from './filters.js';
import { bucketStart, bucketStarts, nextBucketStart, stats, type BucketUnit, type Stats } from './model.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** One page: one person paged by one escalation step, with its alert and the alert's next acknowledgement. */
export interface Page {
  /** The escalation-log entry (several people paged by one step share it). */
  logId: string;
  at: number;
  userId: string;
  alertId: string;
  alertTitle: string;
  serviceId: string;
  serviceName: string;
  /** The incident the alert is linked to (the oldest of the kinds asked for), or null. */
  incidentId: string | null;
  /** The alert's first acknowledgement at or after the page, by anyone (a person or the source), or null. */
  acknowledgedAt: number | null;
  /** Schedules the page came through: targets of the paged level with this person on call in them at the time. */
  scheduleIds: string[];
}

export interface Person {
  name: string;
  timezone: string;
}

export interface ClassifiedPage extends Page {
  outsideWorkingHours: boolean;
  duringSleep: boolean;
  /** null when never acknowledged after the page. */
  timeToAckMs: number | null;
}

/** `isWithinWorkingHours` (src/shared/time.ts) on a local weekday and minute of the day, the clocks parsed once. */
function withinClock(days: Set<number>, start: number, end: number, weekday: number, minute: number): boolean {
  if (end > start) return days.has(weekday) && minute >= start && minute < end;
  // Spans midnight: the part after midnight belongs to the previous day's window.
  const prevDay = weekday === 1 ? 7 : weekday - 1;
  return (days.has(weekday) && minute >= start) || (days.has(prevDay) && minute < end);
}

/**
 * on-call health's `isWorkingTime` and `isSleepTime` for many instants: the windows' clocks parsed once, and the local
 * weekday and minute worked out from the zone's offset (shared/tz.ts, cached per zone) without building a date —
 * the same arithmetic as `zonedParts`, about 20× cheaper per page (a five-year window has a quarter of a million).
 */
export function timingOf(
  w: ReportWindows = DEFAULT_WINDOWS,
): (at: number, timezone: string) => { outsideWorkingHours: boolean; duringSleep: boolean } {
  const work = new Set(w.workDays);
  const every = new Set([1, 2, 3, 4, 5, 6, 7]);
  const [ws, we, ss, se] = [w.workStart, w.workEnd, w.sleepStart, w.sleepEnd].map((c) => parseClock(c) ?? 0) as [
    number,
    number,
    number,
    number,
  ];
  return (at, timezone) => {
    const wall = at + offsetAt(timezone, at);
    const day = Math.floor(wall / DAY);
    const minute = Math.floor((wall - day * DAY) / MINUTE);
    const weekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 (day 0) was a Thursday; 1 = Monday
    return {
      outsideWorkingHours: !withinClock(work, ws, we, weekday, minute),
      duringSleep: withinClock(every, ss, se, weekday, minute),
    };
  };
}

/** Outside working hours (weekends included) and during sleep, in the person's own zone: on-call health's windows. */
export function pageTiming(
  at: number,
  timezone: string,
  w: ReportWindows = DEFAULT_WINDOWS,
): { outsideWorkingHours: boolean; duringSleep: boolean } {
  return timingOf(w)(at, timezone);
}

/** From the page to the alert's next acknowledgement, in ms; null when it was never acknowledged after the page. */
export const timeToAckMs = (p: { at: number; acknowledgedAt: number | null }): number | null =>
  p.acknowledgedAt === null || p.acknowledgedAt < p.at ? null : p.acknowledgedAt - p.at;

export function classifyPages(
  pages: Page[],
  people: Map<string, Person>,
  w: ReportWindows = DEFAULT_WINDOWS,
): ClassifiedPage[] {
  const timing = timingOf(w);
  return pages.map((p) => classified(p, timing(p.at, people.get(p.userId)?.timezone || 'UTC')));
}

/**
 * A page with its timing, written out field by field: one object shape for every page (a spread of two objects
 * builds a slower one, and the figures read each page's fields several times).
 */
function classified(p: Page, t: { outsideWorkingHours: boolean; duringSleep: boolean }): ClassifiedPage {
  return {
    logId: p.logId,
    at: p.at,
    userId: p.userId,
    alertId: p.alertId,
    alertTitle: p.alertTitle,
    serviceId: p.serviceId,
    serviceName: p.serviceName,
    incidentId: p.incidentId,
    acknowledgedAt: p.acknowledgedAt,
    scheduleIds: p.scheduleIds,
    outsideWorkingHours: t.outsideWorkingHours,
    duringSleep: t.duringSleep,
    timeToAckMs: timeToAckMs(p),
  };
}

/**
 * The schedules a page came through: the schedule targets of the level that paged, in which this person was on call
 * at that instant (a person on call in two targeted schedules at once counts in both; paged as a user target, none).
 */
export function rotationsOf(
  userId: string,
  at: number,
  scheduleTargets: string[],
  shifts: Map<string, Shift[]>,
): string[] {
  return [...new Set(scheduleTargets)].filter((id) =>
    (shifts.get(id) ?? []).some((s) => s.userId === userId && s.start <= at && at < s.end),
  );
}

/**
 * `rotationsOf` for many pages: each schedule's shifts per person sorted by start with the running latest end, so
 * "on call at that instant" is a binary search instead of a pass over the schedule's shifts (same answer, same order).
 */
export function rotationIndex(
  shifts: Map<string, Shift[]>,
): (userId: string, at: number, targets: string[]) => string[] {
  const index = new Map<string, Map<string, { starts: Float64Array; maxEnds: Float64Array }>>();
  for (const [scheduleId, list] of shifts) {
    const byUser = new Map<string, Shift[]>();
    for (const s of list) {
      const l = byUser.get(s.userId);
      if (l) l.push(s);
      else byUser.set(s.userId, [s]);
    }
    const m = new Map<string, { starts: Float64Array; maxEnds: Float64Array }>();
    for (const [userId, l] of byUser) {
      l.sort((a, b) => a.start - b.start);
      const starts = new Float64Array(l.length);
      const maxEnds = new Float64Array(l.length);
      let max = -Infinity;
      l.forEach((s, n) => {
        starts[n] = s.start;
        max = Math.max(max, s.end);
        maxEnds[n] = max;
      });
      m.set(userId, { starts, maxEnds });
    }
    index.set(scheduleId, m);
  }
  const onCall = (scheduleId: string, userId: string, at: number): boolean => {
    const e = index.get(scheduleId)?.get(userId);
    if (!e) return false;
    // The last shift starting at or before `at`; on call when any shift up to it ends after `at`.
    let lo = 0;
    let hi = e.starts.length - 1;
    if (hi < 0 || e.starts[0]! > at) return false;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (e.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return e.maxEnds[lo]! > at;
  };
  return (userId, at, targets) => {
    if (targets.length === 0) return [];
    if (targets.length === 1) return onCall(targets[0]!, userId, at) ? [targets[0]!] : [];
    return [...new Set(targets)].filter((id) => onCall(id, userId, at));
  };
}

/**
 * The weeks of [range.start, range.end) as on-call health's `onCallWeeks` lists them (Monday to Sunday in `tz`), with
 * each week's end: worked out once per zone rather than once per person and schedule.
 */
function weeksOf(tz: string, range: { start: number; end: number }): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  for (let w = weekStart(range.start, tz); w < range.end;) {
    const next = weekStart(w + WEEK + 12 * HOUR, tz); // +12 h absorbs a DST hour either way
    starts.push(w);
    w = next;
  }
  const ends = starts.map((w, i) => starts[i + 1] ?? weekStart(w + WEEK + 12 * HOUR, tz));
  return { starts, ends };
}

/** `onCallWeeks(shifts, tz, range).onCall.filter(Boolean).length`, as one sweep of the merged shifts over the weeks. */
function countOnCallWeeks(shifts: Shift[], weeks: { starts: number[]; ends: number[] }): number {
  const merged = mergeIntervals(shifts);
  let n = 0;
  let j = 0;
  for (let i = 0; i < weeks.starts.length; i++) {
    const w = weeks.starts[i]!;
    const end = weeks.ends[i]!;
    while (j < merged.length && merged[j]!.end <= w) j++;
    let ms = 0;
    for (let k = j; k < merged.length && merged[k]!.start < end; k++) {
      ms += Math.max(0, Math.min(merged[k]!.end, end) - Math.max(merged[k]!.start, w));
    }
    if (ms >= ON_CALL_WEEK_MIN_MS) n++;
  }
  return n;
}

/**
 * On-call weeks as on-call health counts them (Monday to Sunday in the person's zone, at least a day of on-call time):
 * per person across the schedules given (merged, so two schedules at once count once), and per schedule as
 * person-weeks (each person's weeks in that schedule alone, summed).
 */
export function onCallWeekCounts(
  schedules: { scheduleId: string; final: Shift[] }[],
  timezoneOf: (userId: string) => string,
  range: { start: number; end: number },
): { byPerson: Map<string, number>; bySchedule: Map<string, number> } {
  const weeksByZone = new Map<string, { starts: number[]; ends: number[] }>();
  const count = (shifts: Shift[], userId: string): number => {
    const tz = timezoneOf(userId);
    let weeks = weeksByZone.get(tz);
    if (!weeks) weeksByZone.set(tz, (weeks = weeksOf(tz, range)));
    return countOnCallWeeks(shifts, weeks);
  };
  const all = new Map<string, Shift[]>();
  const bySchedule = new Map<string, number>();
  for (const s of schedules) {
    const mine = new Map<string, Shift[]>();
    for (const sh of s.final) {
      for (const m of [mine, all]) {
        const list = m.get(sh.userId);
        if (list) list.push(sh);
        else m.set(sh.userId, [sh]);
      }
    }
    let weeks = 0;
    for (const [userId, shifts] of mine) weeks += count(shifts, userId);
    bySchedule.set(s.scheduleId, weeks);
  }
  const byPerson = new Map<string, number>();
  for (const [userId, shifts] of all) byPerson.set(userId, count(shifts, userId));
  return { byPerson, bySchedule };
}

export interface Counts {
  pages: number;
  acknowledged: number;
  timeToAck: Stats;
}
export interface OffHours {
  outsideWorkingHours: number;
  duringSleep: number;
}

export interface PagingFigures {
  overall: Counts & OffHours;
  byPerson: ({ userId: string; name: string } & Counts &
    OffHours & { onCallWeeks: number; pagesPerOnCallWeek: number | null })[];
  byRotation: ({ scheduleId: string; name: string } & Counts & {
      onCallWeeks: number;
      pagesPerOnCallWeek: number | null;
    })[];
  byService: ({ serviceId: string; name: string } & Counts)[];
  buckets: ({ start: number } & OffHours & { pages: number; timeToAck: Stats })[];
}

function counts(pages: ClassifiedPage[]): Counts & OffHours {
  const acks: number[] = [];
  let outsideWorkingHours = 0;
  let duringSleep = 0;
  for (const p of pages) {
    if (p.timeToAckMs !== null) acks.push(p.timeToAckMs);
    if (p.outsideWorkingHours) outsideWorkingHours++;
    if (p.duringSleep) duringSleep++;
  }
  return { pages: pages.length, acknowledged: acks.length, outsideWorkingHours, duringSleep, timeToAck: stats(acks) };
}

/** Pages ÷ on-call weeks, two decimals; null without on-call weeks. */
export const perWeek = (pages: number, weeks: number): number | null =>
  weeks > 0 ? Math.round((pages / weeks) * 100) / 100 : null;

function groupBy<K>(pages: ClassifiedPage[], keys: (p: ClassifiedPage) => K[]): Map<K, ClassifiedPage[]> {
  const m = new Map<K, ClassifiedPage[]>();
  for (const p of pages) {
    for (const k of keys(p)) {
      const list = m.get(k);
      if (list) list.push(p);
      else m.set(k, [p]);
    }
  }
  return m;
}

const byPagesThenName = (a: { pages: number; name: string }, b: { pages: number; name: string }): number =>
  b.pages - a.pages || a.name.localeCompare(b.name);

/**
 * The figures over pages already filtered to the window. People and rotations on call in scope are listed even
 * without pages (0 pages per on-call week is the good news); services only with pages. Sorted by pages, then name.
 */
export function pagingFigures(
  pages: ClassifiedPage[],
  ctx: {
    people: Map<string, Person>;
    /** Schedules in scope (listed even without pages) and any a page came through: id → name. */
    schedules: Map<string, string>;
    onCallWeeks: { byPerson: Map<string, number>; bySchedule: Map<string, number> };
    bucket: BucketUnit;
    timeZone: string;
    from: number;
    to: number;
  },
): PagingFigures {
  const personPages = groupBy(pages, (p) => [p.userId]);
  const personIds = new Set([
    ...personPages.keys(),
    ...[...ctx.onCallWeeks.byPerson].filter(([, w]) => w > 0).map(([id]) => id),
  ]);
  const byPerson = [...personIds]
    .map((userId) => {
      const c = counts(personPages.get(userId) ?? []);
      const weeks = ctx.onCallWeeks.byPerson.get(userId) ?? 0;
      return {
        userId,
        name: ctx.people.get(userId)?.name ?? userId,
        ...c,
        onCallWeeks: weeks,
        pagesPerOnCallWeek: perWeek(c.pages, weeks),
      };
    })
    .sort(byPagesThenName);
  const rotationPages = groupBy(pages, (p) => p.scheduleIds);
  const byRotation = [...new Set([...ctx.schedules.keys(), ...rotationPages.keys()])]
    .map((scheduleId) => {
      const { pages: n, acknowledged, timeToAck } = counts(rotationPages.get(scheduleId) ?? []);
      const weeks = ctx.onCallWeeks.bySchedule.get(scheduleId) ?? 0;
      return {
        scheduleId,
        name: ctx.schedules.get(scheduleId) ?? scheduleId,
        pages: n,
        acknowledged,
        timeToAck,
        onCallWeeks: weeks,
        pagesPerOnCallWeek: perWeek(n, weeks),
      };
    })
    .sort(byPagesThenName);
  const byService = [...groupBy(pages, (p) => [p.serviceId])]
    .map(([serviceId, ps]) => {
      const { pages: n, acknowledged, timeToAck } = counts(ps);
      return { serviceId, name: ps[0]!.serviceName, pages: n, acknowledged, timeToAck };
    })
    .sort(byPagesThenName);
  const starts = bucketStarts(ctx.from, ctx.to, ctx.bucket, ctx.timeZone);
  const inBucket = groupBy(pages, (p) => [bucketOf(p.at, starts, ctx)]);
  const buckets = starts.map((start) => {
    const { pages: n, outsideWorkingHours, duringSleep, timeToAck } = counts(inBucket.get(start) ?? []);
    return { start, pages: n, outsideWorkingHours, duringSleep, timeToAck };
  });
  return { overall: counts(pages), byPerson, byRotation, byService, buckets };
}

/**
 * `bucketStart(at)`, by binary search over the window's bucket starts (each is where its bucket begins, so the last
 * start at or before `at` is its bucket's) for an instant inside the window; outside it, `bucketStart` itself.
 */
function bucketOf(
  at: number,
  starts: number[],
  ctx: { bucket: BucketUnit; timeZone: string; from: number; to: number },
): number {
  if (!starts.length || at < starts[0]! || at < ctx.from || at >= ctx.to)
    return bucketStart(at, ctx.bucket, ctx.timeZone);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return starts[lo]!;
}

export const DRILL_LIMIT = 500;

/** The pages behind a figure, newest first, at most `limit` (`truncated` says more matched). */
export function drillPages(
  pages: ClassifiedPage[],
  opts: {
    userId?: string | undefined;
    scheduleId?: string | undefined;
    serviceId?: string | undefined;
    bucketStart?: number | undefined;
    bucket: BucketUnit;
    timeZone: string;
    limit?: number;
  },
): { pages: ClassifiedPage[]; truncated: boolean } {
  const limit = opts.limit ?? DRILL_LIMIT;
  // A bucket is [its start, the next start): the instants whose bucketStart is that start (none when it is not one).
  const b = opts.bucketStart;
  const isStart = b !== undefined && bucketStart(b, opts.bucket, opts.timeZone) === b;
  const bucketEnd = b !== undefined && isStart ? nextBucketStart(b, opts.bucket, opts.timeZone) : 0;
  const hits = pages
    .filter(
      (p) =>
        (opts.userId === undefined || p.userId === opts.userId) &&
        (opts.scheduleId === undefined || p.scheduleIds.includes(opts.scheduleId)) &&
        (opts.serviceId === undefined || p.serviceId === opts.serviceId) &&
        (b === undefined || (isStart && p.at >= b && p.at < bucketEnd)),
    )
    .sort(
      (a, b) => b.at - a.at || (a.logId < b.logId ? 1 : a.logId > b.logId ? -1 : 0) || a.userId.localeCompare(b.userId),
    );
  return { pages: hits.slice(0, limit), truncated: hits.length > limit };
}

const RUN_ID_BATCH = 500;

/** Ids in chunks, so `in (…)` stays far below either engine's parameter limit. */
function chunks<T>(xs: T[], n = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export interface LoadedPaging {
  filter: ResolvedFilter;
  pages: ClassifiedPage[];
  people: Map<string, Person>;
  schedules: Map<string, string>;
  onCallWeeks: { byPerson: Map<string, number>; bySchedule: Map<string, number> };
}

/**
 * The loader. Queries per request: the window's pages with their alert, service, linked-incident kind and next
 * acknowledgement (one query: two grouped joins over the window's pages, no subquery per page); the escalation runs' snapshots of those pages (which level
 * targeted which schedules); the schedules, layers and overrides (on-call health's `finalShifts`); the people.
 */
export class PagingInsights {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /**
     * Up to this many runs are read by id (in batches of 500; default 2,000, or 20,000 with a team or service);
     * beyond, every run paged in the window (for that team or service) at once.
     */
    private readonly opts: { runsByIdUpTo?: number } = {},
  ) {}

  async load(
    filter: InsightFilter,
    /** `phases`: filled with each phase's milliseconds (bench/profiling). */
    opts: { withIncident?: boolean; phases?: Record<string, number> } = {},
  ): Promise<LoadedPaging> {
    let t = performance.now();
    const mark = (phase: string) => {
      if (!opts.phases) return;
      const now = performance.now();
      opts.phases[phase] = Math.round(now - t);
      t = now;
    };
    const f = await resolveInsightFilter(this.db, this.clock, { ...filter, severity: undefined });
    const k = this.db.kysely;
    const kinds = f.kinds;
    // The window's pages: the log's `paged` entries sent in it (the escalation_log (kind, at) index of 0024).
    const paged = () =>
      k
        .selectFrom('escalationLog as pl')
        .where('pl.kind', '=', 'paged')
        .where('pl.at', '>=', f.from)
        .where('pl.at', '<', f.to);
    const kept = sql.join(kinds.map((kind) => sql`${kind}`));
    let q = k
      .selectFrom('escalationLog as l')
      .innerJoin('alerts as a', 'a.id', 'l.alertId')
      .innerJoin('services as s', 's.id', 'a.serviceId')
      // The incidents the window's paged alerts are linked to, once per alert: how many are of the kinds asked for,
      // and the oldest such (drills and imports: an alert linked only to incidents of other kinds is left out).
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('incidentAlerts as ia')
            .innerJoin('incidents as i', 'i.id', 'ia.incidentId')
            .select([
              'ia.alertId',
              sql<number>`sum(case when i.kind in (${kept}) then 1 else 0 end)`.as('keptLinks'),
              sql<string | null>`min(case when i.kind in (${kept}) then ia.incident_id end)`.as('keptIncidentId'),
            ])
            .where('ia.alertId', 'in', paged().select('pl.alertId'))
            .groupBy('ia.alertId')
            .as('k'),
        (join) => join.onRef('k.alertId', '=', 'l.alertId'),
      )
      // Each page's next acknowledgement: the alert's first `acknowledged` event at or after the page, one grouped
      // pass over the window's pages instead of a subquery per page.
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('escalationLog as al')
            .innerJoin('alertEvents as e', (join) =>
              join.onRef('e.alertId', '=', 'al.alertId').on('e.kind', '=', 'acknowledged').onRef('e.at', '>=', 'al.at'),
            )
            .select(['al.id', (e) => e.fn.min('e.at').as('ackAt')])
            .where('al.kind', '=', 'paged')
            .where('al.at', '>=', f.from)
            .where('al.at', '<', f.to)
            .groupBy('al.id')
            .as('ak'),
        (join) => join.onRef('ak.id', '=', 'l.id'),
      )
      .select([
        'l.id',
        'l.runId',
        'l.alertId',
        'l.at',
        'l.levelIndex',
        'l.userIds',
        'a.summary',
        'a.serviceId',
        's.name as serviceName',
        'ak.ackAt as acknowledgedAt',
        'k.keptIncidentId as incidentId',
      ])
      .where('l.kind', '=', 'paged')
      .where('l.at', '>=', f.from)
      .where('l.at', '<', f.to)
      .where((eb) => eb.or([eb('k.alertId', 'is', null), eb('k.keptLinks', '>', 0)]));
    // A game day's live drill pages through a drill key (alerts.is_drill) before any incident exists: a drill too.
    if (!kinds.includes('drill')) q = q.where('a.isDrill', '=', 0);
    if (f.serviceId !== undefined) q = q.where('a.serviceId', '=', f.serviceId);
    if (f.teamId !== undefined) q = q.where('s.teamId', '=', f.teamId);
    mark('resolve');
    const rows = await q.orderBy('l.at').orderBy('l.id').execute();
    mark('pageQuery');

    // Which schedules each paged level targeted, from the runs' policy snapshots: by id when there are few runs, else
    // every run paged in the window (for the team or service) in one query; each distinct snapshot parsed once.
    const runIds = [...new Set(rows.map((r) => r.runId))];
    const targets = new Map<string, string[][]>();
    const parsed = new Map<string, string[][]>();
    const take = (runs: { id: string; snapshot: string }[]) => {
      for (const r of runs) {
        let t = parsed.get(r.snapshot);
        if (!t) {
          const snap = fromJsonText<PolicySnapshot | null>(r.snapshot, null);
          t = (snap?.levels ?? []).map((l) => l.targets.filter((x) => x.type === 'schedule').map((x) => x.id));
          parsed.set(r.snapshot, t);
        }
        targets.set(r.id, t);
      }
    };
    // With a team or service the window's other pages outnumber these, so reading by id pays for longer.
    const filtered = f.serviceId !== undefined || f.teamId !== undefined;
    if (runIds.length > (this.opts.runsByIdUpTo ?? RUN_ID_BATCH * (filtered ? 40 : 4))) {
      // The runs of the window's pages (with a team or service, of its alerts only, like the pages themselves).
      const runsOfPages = () => {
        const all = k
          .selectFrom('escalationLog as pl')
          .select('pl.runId')
          .where('pl.kind', '=', 'paged')
          .where('pl.at', '>=', f.from)
          .where('pl.at', '<', f.to);
        if (!filtered) return all;
        let sq = all
          .innerJoin('alerts as pa', 'pa.id', 'pl.alertId')
          .innerJoin('services as ps', 'ps.id', 'pa.serviceId');
        if (f.serviceId !== undefined) sq = sq.where('pa.serviceId', '=', f.serviceId);
        if (f.teamId !== undefined) sq = sq.where('ps.teamId', '=', f.teamId);
        return sq;
      };
      // SQLite looks each id up by key; PostgreSQL would hash every run (a scan of the table) unless given an array.
      const rq = k
        .selectFrom('escalationRuns as r')
        .select(['r.id', 'r.snapshot'])
        .where(
          this.db.engine === 'postgres'
            ? sql<boolean>`${sql.ref('r.id')} = any(array(${runsOfPages()}))`
            : sql<boolean>`${sql.ref('r.id')} in (${runsOfPages()})`,
        );
      take(await rq.execute());
    } else {
      for (const ids of chunks(runIds, RUN_ID_BATCH)) {
        take(await k.selectFrom('escalationRuns').select(['id', 'snapshot']).where('id', 'in', ids).execute());
      }
    }
    mark('runs');
    const levelTargets = (runId: string, levelIndex: number | null): string[] =>
      levelIndex === null ? [] : (targets.get(runId)?.[levelIndex] ?? []);

    // On-call time: the team's schedules (teamId), else the service's team's (serviceId), else every schedule; and
    // any schedule a page came through.
    let scopeTeam = f.teamId;
    if (scopeTeam === undefined && f.serviceId !== undefined) {
      const svc = await k.selectFrom('services').select('teamId').where('id', '=', f.serviceId).executeTakeFirst();
      scopeTeam = svc?.teamId ?? '';
    }
    const targeted = new Set<string>();
    for (const r of rows) for (const id of levelTargets(r.runId, r.levelIndex)) targeted.add(id);
    const loaded = await finalShifts(
      k,
      f.from,
      f.to,
      (s) => scopeTeam === undefined || s.teamId === scopeTeam || targeted.has(s.id),
    );
    mark('finalShifts');
    const inScope = loaded.filter((l) => scopeTeam === undefined || l.schedule.teamId === scopeTeam);
    const shifts = new Map(loaded.map((l) => [l.schedule.id, l.final]));

    // Each distinct `user_ids` text parsed once (a step pages the same few people again and again).
    const parsedIds = new Map<string, string[]>();
    const flat: { r: (typeof rows)[number]; userId: string; at: number }[] = [];
    const userIdSet = new Set<string>();
    for (const r of rows) {
      let ids = parsedIds.get(r.userIds);
      if (!ids) parsedIds.set(r.userIds, (ids = fromJsonText<string[]>(r.userIds, [])));
      const at = Number(r.at);
      for (const userId of ids) {
        flat.push({ r, userId, at });
        userIdSet.add(userId);
      }
    }
    for (const l of loaded) for (const s of l.final) userIdSet.add(s.userId);
    const userIds = [...userIdSet];
    const people = new Map<string, Person>();
    for (const ids of chunks(userIds)) {
      const users = await k.selectFrom('users').select(['id', 'name', 'timezone']).where('id', 'in', ids).execute();
      for (const u of users) people.set(u.id, { name: u.name, timezone: u.timezone || 'UTC' });
    }
    mark('people');
    const tz = (userId: string) => people.get(userId)?.timezone || 'UTC';

    const rotations = rotationIndex(shifts);
    const pages: Page[] = flat.map(({ r, userId, at }) => ({
      logId: r.id,
      at,
      userId,
      alertId: r.alertId,
      alertTitle: r.summary,
      serviceId: r.serviceId,
      serviceName: r.serviceName,
      incidentId: opts.withIncident ? (r.incidentId ?? null) : null,
      acknowledgedAt: r.acknowledgedAt === null || r.acknowledgedAt === undefined ? null : Number(r.acknowledgedAt),
      scheduleIds: rotations(userId, at, levelTargets(r.runId, r.levelIndex)),
    }));
    mark('buildPages(rotationsOf)');
    // Rotations listed: those in scope, and those a page came through (a policy may page another team's schedule).
    const pagedThrough = new Set<string>();
    for (const p of pages) for (const id of p.scheduleIds) pagedThrough.add(id);
    const listed = loaded.filter((l) => inScope.includes(l) || pagedThrough.has(l.schedule.id));
    const classified = classifyPages(pages, people);
    mark('classify');
    const weeks = onCallWeekCounts(
      listed.map((l) => ({ scheduleId: l.schedule.id, final: l.final })),
      tz,
      { start: f.from, end: f.to },
    );
    mark('onCallWeeks');
    return {
      filter: f,
      pages: classified,
      people,
      schedules: new Map(listed.map((l) => [l.schedule.id, l.schedule.name])),
      onCallWeeks: weeks,
    };
  }

  async figures(
    filter: InsightFilter,
    bucket: BucketUnit,
  ): Promise<{ filter: ResolvedFilter; figures: PagingFigures }> {
    const l = await this.load(filter);
    return {
      filter: l.filter,
      figures: pagingFigures(l.pages, {
        people: l.people,
        schedules: l.schedules,
        onCallWeeks: l.onCallWeeks,
        bucket,
        timeZone: l.filter.timeZone,
        from: l.filter.from,
        to: l.filter.to,
      }),
    };
  }

  async pages(
    filter: InsightFilter,
    opts: {
      userId?: string | undefined;
      scheduleId?: string | undefined;
      bucketStart?: number | undefined;
      bucketUnit: BucketUnit;
    },
  ): Promise<{ filter: ResolvedFilter; people: Map<string, Person>; pages: ClassifiedPage[]; truncated: boolean }> {
    const l = await this.load(filter, { withIncident: true });
    const { pages, truncated } = drillPages(l.pages, {
      userId: opts.userId,
      scheduleId: opts.scheduleId,
      bucketStart: opts.bucketStart,
      bucket: opts.bucketUnit,
      timeZone: l.filter.timeZone,
    });
    return { filter: l.filter, people: l.people, pages, truncated };
  }
}
