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
  isSleepTime,
  isWorkingTime,
  onCallWeeks,
  type ReportWindows,
} from '../oncall/sustainability.js';
import type { Clock } from '../shared/clock.js';
import { fromJsonText } from '../shared/json.js';
import { resolveInsightFilter, type InsightFilter, type ResolvedFilter } from './filters.js';
import { bucketStart, bucketStarts, stats, type BucketUnit, type Stats } from './model.js';

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

/** Outside working hours (weekends included) and during sleep, in the person's own zone: on-call health's windows. */
export function pageTiming(
  at: number,
  timezone: string,
  w: ReportWindows = DEFAULT_WINDOWS,
): { outsideWorkingHours: boolean; duringSleep: boolean } {
  return { outsideWorkingHours: !isWorkingTime(at, timezone, w), duringSleep: isSleepTime(at, timezone, w) };
}

/** From the page to the alert's next acknowledgement, in ms; null when it was never acknowledged after the page. */
export const timeToAckMs = (p: { at: number; acknowledgedAt: number | null }): number | null =>
  p.acknowledgedAt === null || p.acknowledgedAt < p.at ? null : p.acknowledgedAt - p.at;

export function classifyPages(
  pages: Page[],
  people: Map<string, Person>,
  w: ReportWindows = DEFAULT_WINDOWS,
): ClassifiedPage[] {
  return pages.map((p) => ({
    ...p,
    ...pageTiming(p.at, people.get(p.userId)?.timezone || 'UTC', w),
    timeToAckMs: timeToAckMs(p),
  }));
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
 * On-call weeks as on-call health counts them (Monday to Sunday in the person's zone, at least a day of on-call time):
 * per person across the schedules given (merged, so two schedules at once count once), and per schedule as
 * person-weeks (each person's weeks in that schedule alone, summed).
 */
export function onCallWeekCounts(
  schedules: { scheduleId: string; final: Shift[] }[],
  timezoneOf: (userId: string) => string,
  range: { start: number; end: number },
): { byPerson: Map<string, number>; bySchedule: Map<string, number> } {
  const count = (shifts: Shift[], userId: string): number =>
    onCallWeeks(shifts, timezoneOf(userId), range).onCall.filter(Boolean).length;
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
  const inBucket = groupBy(pages, (p) => [bucketStart(p.at, ctx.bucket, ctx.timeZone)]);
  const buckets = bucketStarts(ctx.from, ctx.to, ctx.bucket, ctx.timeZone).map((start) => {
    const { pages: n, outsideWorkingHours, duringSleep, timeToAck } = counts(inBucket.get(start) ?? []);
    return { start, pages: n, outsideWorkingHours, duringSleep, timeToAck };
  });
  return { overall: counts(pages), byPerson, byRotation, byService, buckets };
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
  const hits = pages
    .filter(
      (p) =>
        (opts.userId === undefined || p.userId === opts.userId) &&
        (opts.scheduleId === undefined || p.scheduleIds.includes(opts.scheduleId)) &&
        (opts.serviceId === undefined || p.serviceId === opts.serviceId) &&
        (opts.bucketStart === undefined || bucketStart(p.at, opts.bucket, opts.timeZone) === opts.bucketStart),
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
 * acknowledgement (one query, correlated subqueries); the escalation runs' snapshots of those pages (which level
 * targeted which schedules); the schedules, layers and overrides (on-call health's `finalShifts`); the people.
 */
export class PagingInsights {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Up to this many runs are read by id (in batches of 500); beyond, every run paged in the window at once. */
    private readonly opts: { runsByIdUpTo?: number } = {},
  ) {}

  async load(filter: InsightFilter, opts: { withIncident?: boolean } = {}): Promise<LoadedPaging> {
    const f = await resolveInsightFilter(this.db, this.clock, { ...filter, severity: undefined });
    const k = this.db.kysely;
    const kinds = f.kinds;
    let q = k
      .selectFrom('escalationLog as l')
      .innerJoin('alerts as a', 'a.id', 'l.alertId')
      .innerJoin('services as s', 's.id', 'a.serviceId')
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
        (eb) =>
          eb
            .selectFrom('alertEvents as e')
            .select((e) => e.fn.min('e.at').as('m'))
            .whereRef('e.alertId', '=', 'l.alertId')
            .where('e.kind', '=', 'acknowledged')
            .whereRef('e.at', '>=', 'l.at')
            .as('acknowledgedAt'),
        (eb) =>
          opts.withIncident
            ? eb
                .selectFrom('incidentAlerts as ia')
                .innerJoin('incidents as i', 'i.id', 'ia.incidentId')
                .select((e) => e.fn.min('ia.incidentId').as('m'))
                .whereRef('ia.alertId', '=', 'l.alertId')
                .where('i.kind', 'in', kinds)
                .as('incidentId')
            : sql<string | null>`null`.as('incidentId'),
      ])
      .where('l.kind', '=', 'paged')
      .where('l.at', '>=', f.from)
      .where('l.at', '<', f.to)
      // Drills and imports: an alert linked only to incidents of kinds not asked for is left out.
      .where((eb) =>
        eb.or([
          eb.not(
            eb.exists(
              eb
                .selectFrom('incidentAlerts as ia')
                .select(sql`1`.as('one'))
                .whereRef('ia.alertId', '=', 'l.alertId'),
            ),
          ),
          eb.exists(
            eb
              .selectFrom('incidentAlerts as ia')
              .innerJoin('incidents as i', 'i.id', 'ia.incidentId')
              .select(sql`1`.as('one'))
              .whereRef('ia.alertId', '=', 'l.alertId')
              .where('i.kind', 'in', kinds),
          ),
        ]),
      );
    if (f.serviceId !== undefined) q = q.where('a.serviceId', '=', f.serviceId);
    if (f.teamId !== undefined) q = q.where('s.teamId', '=', f.teamId);
    const rows = await q.orderBy('l.at').orderBy('l.id').execute();

    // Which schedules each paged level targeted, from the runs' policy snapshots: by id when there are few runs, else
    // every run paged in the window in one query (a superset when filtered); each distinct snapshot parsed once.
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
    if (runIds.length > (this.opts.runsByIdUpTo ?? RUN_ID_BATCH * 4)) {
      take(
        await k
          .selectFrom('escalationRuns')
          .select(['id', 'snapshot'])
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('escalationLog as pl')
              .select('pl.runId')
              .where('pl.kind', '=', 'paged')
              .where('pl.at', '>=', f.from)
              .where('pl.at', '<', f.to),
          )
          .execute(),
      );
    } else {
      for (const ids of chunks(runIds, RUN_ID_BATCH)) {
        take(await k.selectFrom('escalationRuns').select(['id', 'snapshot']).where('id', 'in', ids).execute());
      }
    }
    const levelTargets = (runId: string, levelIndex: number | null): string[] =>
      levelIndex === null ? [] : (targets.get(runId)?.[levelIndex] ?? []);

    // On-call time: the team's schedules (teamId), else the service's team's (serviceId), else every schedule; and
    // any schedule a page came through.
    let scopeTeam = f.teamId;
    if (scopeTeam === undefined && f.serviceId !== undefined) {
      const svc = await k.selectFrom('services').select('teamId').where('id', '=', f.serviceId).executeTakeFirst();
      scopeTeam = svc?.teamId ?? '';
    }
    const targeted = new Set(rows.flatMap((r) => levelTargets(r.runId, r.levelIndex)));
    const loaded = await finalShifts(
      k,
      f.from,
      f.to,
      (s) => scopeTeam === undefined || s.teamId === scopeTeam || targeted.has(s.id),
    );
    const inScope = loaded.filter((l) => scopeTeam === undefined || l.schedule.teamId === scopeTeam);
    const shifts = new Map(loaded.map((l) => [l.schedule.id, l.final]));

    const flat = rows.flatMap((r) =>
      fromJsonText<string[]>(r.userIds, []).map((userId) => ({ r, userId, at: Number(r.at) })),
    );
    const userIds = [
      ...new Set([...flat.map((p) => p.userId), ...loaded.flatMap((l) => l.final.map((s) => s.userId))]),
    ];
    const people = new Map<string, Person>();
    for (const ids of chunks(userIds)) {
      const users = await k.selectFrom('users').select(['id', 'name', 'timezone']).where('id', 'in', ids).execute();
      for (const u of users) people.set(u.id, { name: u.name, timezone: u.timezone || 'UTC' });
    }
    const tz = (userId: string) => people.get(userId)?.timezone || 'UTC';

    const pages: Page[] = flat.map(({ r, userId, at }) => ({
      logId: r.id,
      at,
      userId,
      alertId: r.alertId,
      alertTitle: r.summary,
      serviceId: r.serviceId,
      serviceName: r.serviceName,
      incidentId: (r.incidentId as string | null) ?? null,
      acknowledgedAt: r.acknowledgedAt === null || r.acknowledgedAt === undefined ? null : Number(r.acknowledgedAt),
      scheduleIds: rotationsOf(userId, at, levelTargets(r.runId, r.levelIndex), shifts),
    }));
    // Rotations listed: those in scope, and those a page came through (a policy may page another team's schedule).
    const pagedThrough = new Set(pages.flatMap((p) => p.scheduleIds));
    const listed = loaded.filter((l) => inScope.includes(l) || pagedThrough.has(l.schedule.id));
    return {
      filter: f,
      pages: classifyPages(pages, people),
      people,
      schedules: new Map(listed.map((l) => [l.schedule.id, l.schedule.name])),
      onCallWeeks: onCallWeekCounts(
        listed.map((l) => ({ scheduleId: l.schedule.id, final: l.final })),
        tz,
        { start: f.from, end: f.to },
      ),
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
