/**
 * Response times over incidents (docs/insights.md, "Response times"): one set-based query for the incidents declared in
 * the window with their milestones and their first linked alert's firing, one for their services and owning teams,
 * then the figures in memory (src/insights/model.ts). The limits: every incident of the window is held in memory at
 * once (a few hundred bytes each: a five-year window of 50,000 incidents is tens of MB), so windows are capped at
 * MAX_WINDOW_DAYS.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { DAY, type Clock } from '../shared/clock.js';
import { validationError, type FieldProblem } from '../shared/errors.js';
import { isValidTimeZone } from '../shared/tz.js';
import {
  drillDown,
  responseTimes,
  type BucketUnit,
  type GroupBy,
  type InsightIncident,
  type Metric,
  type ResponseTimes,
} from './model.js';

export const DEFAULT_WINDOW_DAYS = 90;
export const MAX_WINDOW_DAYS = 366 * 5 + 1;
export const DEFAULT_KINDS = ['real'] as const;
/** The drill-down lists at most this many incidents (the longest); `total` says how many there were. */
export const DRILL_DOWN_LIMIT = 500;
export const KINDS = ['real', 'drill', 'imported'] as const;

export interface ResponseTimeFilter {
  from?: number | undefined;
  to?: number | undefined;
  teamId?: string | undefined;
  serviceId?: string | undefined;
  severity?: string | undefined;
  /** Comma-separated extra kinds: 'drill', 'imported' ('real' is always in). */
  includeKinds?: string | undefined;
  timeZone?: string | undefined;
}

export interface ResolvedFilter {
  from: number;
  to: number;
  teamId: string | undefined;
  serviceId: string | undefined;
  severity: string | undefined;
  kinds: string[];
  timeZone: string;
  /** Where the time zone came from: 'request', 'team' (its schedules' zone) or 'default' (UTC). */
  timeZoneSource: 'request' | 'team' | 'default';
}

export class ResponseTimeInsights {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async resolve(f: ResponseTimeFilter): Promise<ResolvedFilter> {
    const problems: FieldProblem[] = [];
    const to = f.to ?? this.clock.now();
    const from = f.from ?? to - DEFAULT_WINDOW_DAYS * DAY;
    if (Number.isNaN(from)) problems.push({ field: 'from', message: 'must be an RFC 3339 date-time' });
    if (Number.isNaN(to)) problems.push({ field: 'to', message: 'must be an RFC 3339 date-time' });
    if (from >= to) problems.push({ field: 'from', message: 'must be before to' });
    else if (to - from > MAX_WINDOW_DAYS * DAY)
      problems.push({ field: 'from', message: `the window must be at most ${MAX_WINDOW_DAYS} days` });
    const kinds: string[] = [...DEFAULT_KINDS];
    for (const k of (f.includeKinds ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (!(KINDS as readonly string[]).includes(k))
        problems.push({ field: 'includeKinds', message: `'${k}' is not a kind: drill or imported` });
      else if (!kinds.includes(k)) kinds.push(k);
    }
    if (f.timeZone !== undefined && !isValidTimeZone(f.timeZone))
      problems.push({ field: 'timeZone', message: 'must be an IANA time zone such as Europe/London' });
    if (problems.length) throw validationError(problems);
    let timeZone = 'UTC';
    let timeZoneSource: ResolvedFilter['timeZoneSource'] = 'default';
    if (f.timeZone !== undefined) {
      timeZone = f.timeZone;
      timeZoneSource = 'request';
    } else if (f.teamId !== undefined) {
      const tz = await this.teamTimeZone(f.teamId);
      if (tz) {
        timeZone = tz;
        timeZoneSource = 'team';
      }
    }
    return {
      from,
      to,
      teamId: f.teamId,
      serviceId: f.serviceId,
      severity: f.severity,
      kinds,
      timeZone,
      timeZoneSource,
    };
  }

  /** Teams keep no time zone of their own: the zone most of the team's on-call schedules use (ties: the oldest). */
  async teamTimeZone(teamId: string): Promise<string | null> {
    const rows = await this.db.kysely
      .selectFrom('schedules')
      .select(['timezone', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('id').as('firstId')])
      .where('teamId', '=', teamId)
      .groupBy('timezone')
      .execute();
    rows.sort((a, b) => Number(b.n) - Number(a.n) || String(a.firstId).localeCompare(String(b.firstId)));
    const tz = rows[0]?.timezone;
    return tz && isValidTimeZone(tz) ? tz : null;
  }

  /**
   * The incidents declared in [from, to) matching the filter, with milestones, first alert, services and teams.
   * Two statements: the incidents with their first linked alert's firing (incidents.first_alert_at, migration 0026,
   * kept by linkAlert), and their services, read for the ids of the filtered incidents (`scoped`, a subquery), so a
   * team's or a service's figures read only that team's or service's incidents' services (bench:insights).
   */
  async load(f: ResolvedFilter, opts: { links?: boolean } = {}): Promise<InsightIncident[]> {
    const k = this.db.kysely;
    const filtered = () => {
      let q = k
        .selectFrom('incidents as wi')
        .where('wi.declaredAt', '>=', f.from)
        .where('wi.declaredAt', '<', f.to)
        .where('wi.kind', 'in', f.kinds);
      if (f.severity !== undefined) q = q.where('wi.severity', '=', f.severity);
      if (f.serviceId !== undefined) {
        const serviceId = f.serviceId;
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('incidentServices as s')
              .select(sql`1`.as('one'))
              .whereRef('s.incidentId', '=', 'wi.id')
              .where('s.serviceId', '=', serviceId),
          ),
        );
      }
      if (f.teamId !== undefined) {
        const teamId = f.teamId;
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('incidentServices as s')
              .innerJoin('services as sv', 'sv.id', 's.serviceId')
              .select(sql`1`.as('one'))
              .whereRef('s.incidentId', '=', 'wi.id')
              .where('sv.teamId', '=', teamId),
          ),
        );
      }
      return q;
    };
    const scoped = () => filtered().select('wi.id');
    const rows = await filtered()
      .select([
        'wi.id',
        'wi.title',
        'wi.severity',
        'wi.kind',
        'wi.declaredAt',
        'wi.impactStartedAt',
        'wi.detectedAt',
        'wi.acknowledgedAt',
        'wi.mitigatedAt',
        'wi.resolvedAt',
        'wi.firstAlertAt',
      ])
      .orderBy('wi.declaredAt')
      .orderBy('wi.id')
      .execute();
    // Services and teams are read only when asked (grouping by service or team, the drill-down's lists): grouping by
    // severity (the default) or nothing does not need them (5 years: ~60,000 rows, a fifth of the request's CPU).
    const links =
      opts.links === false
        ? []
        : await k
            .selectFrom('incidentServices as s')
            .innerJoin('services as sv', 'sv.id', 's.serviceId')
            .select(['s.incidentId', 's.serviceId', 'sv.teamId'])
            .where('s.incidentId', 'in', scoped())
            .orderBy('s.incidentId')
            .orderBy('s.serviceId')
            .execute();
    const byIncident = new Map<string, { serviceIds: string[]; teamIds: string[] }>();
    for (const l of links) {
      let e = byIncident.get(l.incidentId);
      if (!e) byIncident.set(l.incidentId, (e = { serviceIds: [], teamIds: [] }));
      if (!e.serviceIds.includes(l.serviceId)) e.serviceIds.push(l.serviceId);
      if (!e.teamIds.includes(l.teamId)) e.teamIds.push(l.teamId);
    }
    const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      kind: r.kind,
      declaredAt: Number(r.declaredAt),
      impactStartedAt: num(r.impactStartedAt),
      detectedAt: num(r.detectedAt),
      acknowledgedAt: num(r.acknowledgedAt),
      mitigatedAt: num(r.mitigatedAt),
      resolvedAt: num(r.resolvedAt),
      firstAlertAt: num(r.firstAlertAt),
      serviceIds: byIncident.get(r.id)?.serviceIds ?? [],
      teamIds: (byIncident.get(r.id)?.teamIds ?? []).sort(),
    }));
  }

  async responseTimes(
    filter: ResponseTimeFilter,
    opts: { groupBy: GroupBy; bucket: BucketUnit },
  ): Promise<{ filter: ResolvedFilter; result: ResponseTimes }> {
    const f = await this.resolve(filter);
    const incidents = await this.load(f, { links: opts.groupBy === 'service' || opts.groupBy === 'team' });
    return { filter: f, result: responseTimes(incidents, { ...opts, timeZone: f.timeZone, from: f.from, to: f.to }) };
  }

  async incidents(
    filter: ResponseTimeFilter,
    opts: {
      metric: Metric;
      groupBy: GroupBy;
      group?: string | undefined;
      bucketUnit: BucketUnit;
      bucketStart?: number | undefined;
    },
  ) {
    const f = await this.resolve(filter);
    const incidents = await this.load(f);
    const all = drillDown(incidents, {
      metric: opts.metric,
      groupBy: opts.groupBy,
      group: opts.group,
      bucket: opts.bucketUnit,
      bucketStart: opts.bucketStart,
      timeZone: f.timeZone,
    });
    return {
      filter: f,
      incidents: all.slice(0, DRILL_DOWN_LIMIT),
      total: all.length,
      truncated: all.length > DRILL_DOWN_LIMIT,
    };
  }
}
