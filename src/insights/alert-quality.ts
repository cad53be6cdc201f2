/**
 * Alert quality over time (docs/insights.md, "Alert quality over time"): the noisy share of alerts per week or month,
 * overall and per alert rule or service, extending the noisy-rules view (src/alerts/quality.ts, /alerts/quality).
 *
 * "Noisy" is that view's definition, not a new one: an alert judged `not_actionable` or `false_positive`; the share is
 * noisy / judged (alerts nobody judged count in `alerts` only), as `noiseShare` in src/alerts/model.ts computeQuality.
 * The unit test checks every figure here against computeQuality over the same alerts, so the two cannot drift apart.
 *
 * One set-based query: the window's alerts counted per bucket × rule × service × judgement (the buckets, computed
 * in the team's zone here, are joined in as a VALUES list, so each alert is read once through alerts (created_at));
 * the rest is in memory over those counts.
 */
import { sql } from 'kysely';
import { NOISE_THRESHOLD, type Classification } from '../alerts/model.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { validationError } from '../shared/errors.js';
import { bucketStart, bucketStarts, type BucketUnit } from './model.js';
import { ResponseTimeInsights, type ResolvedFilter } from './response-times.js';

export const QUALITY_GROUP_BYS = ['rule', 'service'] as const;
export type QualityGroupBy = (typeof QUALITY_GROUP_BYS)[number];
export const DEFAULT_SERIES_LIMIT = 10;
export const MAX_SERIES_LIMIT = 50;

/** The judgements that make an alert noisy (the noisy-rules view's: src/alerts/model.ts statsOf). */
const NOISY: readonly Classification[] = ['not_actionable', 'false_positive'];
const JUDGED: readonly Classification[] = ['actionable', 'not_actionable', 'false_positive'];

/** `count` alerts created at `at` (or, from the loader, within the bucket that starts at `at`). */
export interface QualityCount {
  at: number;
  ruleKey: string;
  serviceId: string;
  classification: string | null;
  count: number;
}

export interface NoisyFigures {
  alerts: number;
  /** Alerts judged at all (actionable, not actionable or false positive): the share's denominator. */
  classified: number;
  noisy: number;
  /** noisy / classified, null when nothing was judged. */
  noisyShare: number | null;
}

export interface QualityBucket extends NoisyFigures {
  start: number;
}

export interface QualitySeries extends NoisyFigures {
  key: string;
  name: string;
  serviceIds: string[];
  /** Above the noisy-rules view's threshold (NOISE_THRESHOLD) over the whole window. */
  isNoisy: boolean;
  buckets: QualityBucket[];
}

export interface QualityOverTime {
  overall: NoisyFigures & { buckets: QualityBucket[] };
  series: QualitySeries[];
}

class Tally {
  alerts = 0;
  classified = 0;
  noisy = 0;
  add(c: { classification: string | null; count: number }): void {
    this.alerts += c.count;
    if (c.classification !== null && (JUDGED as readonly string[]).includes(c.classification))
      this.classified += c.count;
    if (c.classification !== null && (NOISY as readonly string[]).includes(c.classification)) this.noisy += c.count;
  }
  figures(): NoisyFigures {
    return {
      alerts: this.alerts,
      classified: this.classified,
      noisy: this.noisy,
      noisyShare: this.classified === 0 ? null : this.noisy / this.classified,
    };
  }
}

/**
 * The figures over counts already filtered to the window: overall and per bucket, and the `limit` worst series
 * (most noisy alerts, then the higher share, then more alerts, then the key), each with every bucket.
 */
export function alertQualityOverTime(
  counts: QualityCount[],
  opts: {
    groupBy: QualityGroupBy;
    bucket: BucketUnit;
    timeZone: string;
    from: number;
    to: number;
    limit: number;
    /** Service names by id (a series per service is named after it; an unknown id names itself). */
    serviceNames: Map<string, string>;
  },
): QualityOverTime {
  const starts = bucketStarts(opts.from, opts.to, opts.bucket, opts.timeZone);
  const total = new Tally();
  const byBucket = new Map<number, Tally>(starts.map((s) => [s, new Tally()]));
  const byKey = new Map<string, { total: Tally; buckets: Map<number, Tally>; serviceIds: Set<string> }>();
  for (const c of counts) {
    const b = bucketStart(c.at, opts.bucket, opts.timeZone);
    total.add(c);
    byBucket.get(b)?.add(c);
    const key = opts.groupBy === 'rule' ? c.ruleKey : c.serviceId;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { total: new Tally(), buckets: new Map(), serviceIds: new Set() }));
    s.total.add(c);
    s.serviceIds.add(c.serviceId);
    let t = s.buckets.get(b);
    if (!t) s.buckets.set(b, (t = new Tally()));
    t.add(c);
  }
  const bucketsOf = (m: Map<number, Tally>): QualityBucket[] =>
    starts.map((start) => ({ start, ...(m.get(start) ?? new Tally()).figures() }));
  const series = [...byKey.entries()]
    .map(([key, s]) => {
      const f = s.total.figures();
      return {
        key,
        name: opts.groupBy === 'rule' ? key : (opts.serviceNames.get(key) ?? key),
        serviceIds: [...s.serviceIds].sort(),
        ...f,
        isNoisy: f.noisyShare !== null && f.noisyShare > NOISE_THRESHOLD,
        buckets: bucketsOf(s.buckets),
      };
    })
    .sort(
      (a, b) =>
        b.noisy - a.noisy ||
        (b.noisyShare ?? -1) - (a.noisyShare ?? -1) ||
        b.alerts - a.alerts ||
        a.key.localeCompare(b.key),
    )
    .slice(0, opts.limit);
  return { overall: { ...total.figures(), buckets: bucketsOf(byBucket) }, series };
}

export interface AlertQualityFilter {
  from?: number | undefined;
  to?: number | undefined;
  teamId?: string | undefined;
  serviceId?: string | undefined;
  timeZone?: string | undefined;
  /** 'drill' counts a game day's drill alerts (alerts.is_drill), left out by default. */
  includeKinds?: string | undefined;
}

export class AlertQualityInsights {
  private readonly filters: ResponseTimeInsights;

  constructor(
    private readonly db: Db,
    clock: Clock,
  ) {
    this.filters = new ResponseTimeInsights(db, clock);
  }

  /**
   * The window, zone and defaults exactly as response times resolve them. Alerts have no severity; their kind is
   * 'drill' when a game day's drill key raised them, else 'real' ('imported' never applies to alerts).
   */
  async resolve(f: AlertQualityFilter): Promise<ResolvedFilter> {
    const r = await this.filters.resolve(f);
    return { ...r, severity: undefined, kinds: r.kinds.filter((k) => k !== 'imported') };
  }

  /** Alerts created in [from, to), counted per bucket × rule × service × judgement; `at` is the bucket's lower bound. */
  async load(f: ResolvedFilter, bucket: BucketUnit): Promise<QualityCount[]> {
    const starts = bucketStarts(f.from, f.to, bucket, f.timeZone);
    if (!starts.length) return [];
    const bounds = starts.map((s, i) => [Math.max(s, f.from), Math.min(starts[i + 1] ?? f.to, f.to)] as const);
    const values = sql.join(bounds.map(([lo, hi]) => sql`(${sql.lit(lo)}, ${sql.lit(hi)})`));
    // A team is its services' ids as a literal list: with a join to services PostgreSQL cannot estimate the rows per
    // bucket and scans every alert (bench:insights, docs/benchmarks.md); with the list it stays on created_at.
    let team = sql``;
    if (f.teamId !== undefined) {
      const ids = await this.db.kysely.selectFrom('services').select('id').where('teamId', '=', f.teamId).execute();
      if (!ids.length) return [];
      team = sql`and a.service_id in (${sql.join(ids.map((r) => sql.lit(r.id)))})`;
    }
    const service = f.serviceId === undefined ? sql`` : sql`and a.service_id = ${f.serviceId}`;
    // Drill alerts are rare: never let SQLite plan on is_drill (`+` keeps it a filter on the covering index; without it,
    // SQLite built an automatic index over every alert: 90 days 0.2 s -> 9 s on the benchmark's history).
    const drills = f.kinds.includes('drill')
      ? sql``
      : this.db.engine === 'sqlite'
        ? sql`and +a.is_drill = 0`
        : sql`and a.is_drill = 0`;
    type Row = { lo: unknown; ruleKey: string; serviceId: string; classification: string | null; n: unknown };
    let rows: Row[];
    if (this.db.engine === 'postgres') {
      // PostgreSQL: one range scan of the window, each alert's bucket by binary search over the lower bounds
      // (width_bucket), instead of a join to a VALUES list whose bounds it cannot estimate (bench:insights: a team's
      // year 3.5 s -> 0.4 s, everything's year 1.1 s -> 0.9 s).
      const lows = sql.join(bounds.map(([lo]) => sql.lit(lo)));
      const r = await sql<Omit<Row, 'lo'> & { k: unknown }>`
        select width_bucket(a.created_at, array[${lows}]::bigint[]) as k, a.rule_key as "ruleKey",
          a.service_id as "serviceId", a.classification, count(*) as n
        from alerts a
        where a.created_at >= ${sql.lit(f.from)} and a.created_at < ${sql.lit(f.to)} ${team} ${service} ${drills}
        group by 1, a.rule_key, a.service_id, a.classification`.execute(this.db.kysely);
      rows = r.rows.map(({ k, ...rest }) => ({ ...rest, lo: bounds[Number(k) - 1]![0] }));
    } else {
      const r = await sql<Row>`
        select b.column1 as lo, a.rule_key as "ruleKey", a.service_id as "serviceId", a.classification, count(*) as n
        from (values ${values}) as b
        join alerts a on a.created_at >= b.column1 and a.created_at < b.column2
        where 1 = 1 ${team} ${service} ${drills}
        group by b.column1, a.rule_key, a.service_id, a.classification`.execute(this.db.kysely);
      rows = r.rows;
    }
    return rows.map((r) => ({
      at: Number(r.lo),
      ruleKey: r.ruleKey,
      serviceId: r.serviceId,
      classification: r.classification,
      count: Number(r.n),
    }));
  }

  async overTime(
    filter: AlertQualityFilter,
    opts: { groupBy: QualityGroupBy; bucket: BucketUnit; limit?: number | undefined },
  ): Promise<{ filter: ResolvedFilter; result: QualityOverTime }> {
    const limit = opts.limit ?? DEFAULT_SERIES_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SERIES_LIMIT)
      throw validationError([{ field: 'limit', message: `must be a whole number from 1 to ${MAX_SERIES_LIMIT}` }]);
    const f = await this.resolve(filter);
    const counts = await this.load(f, opts.bucket);
    const ids = [...new Set(counts.map((c) => c.serviceId))];
    const serviceNames = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.kysely
        .selectFrom('services')
        .select(['id', 'name'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) serviceNames.set(r.id, r.name);
    }
    return {
      filter: f,
      result: alertQualityOverTime(counts, {
        groupBy: opts.groupBy,
        bucket: opts.bucket,
        timeZone: f.timeZone,
        from: f.from,
        to: f.to,
        limit,
        serviceNames,
      }),
    };
  }
}
