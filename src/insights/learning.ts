/**
 * The learning process (docs/insights.md, "The learning process"; issue 12 items 4 and 8): post-mortem completion
 * against 90%, post-mortems overdue, action items open, overdue, closed and their time to close, overall and per team,
 * over time, and the contributing factors counted across post-mortems; and the backlog gauges `/metrics` reads at
 * scrape time ("Prometheus gauges").
 *
 * The completion rate is the post-mortems' own (`completionOf` in src/postmortems/analysis.ts: eligible, in progress,
 * thorough): this file only loads the incidents it needs (with `includeKinds`) and slices them by team and bucket.
 * Overdue follows the post-mortems' and action items' own definitions (`isOverdue` of each). The arithmetic is pure
 * (`learningReport`); the loader is a few set-based queries (`LearningInsights.load`).
 */
import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import type { BacklogSource } from '../http/metrics.js';
import { ACTIVE_STATUSES, isOverdue as isItemOverdue } from '../actions/model.js';
import {
  COMPLETION_TARGET,
  ELIGIBLE_SEVERITIES,
  completionOf,
  loadCompletionHistory,
  type CompletionIncident,
  type Window,
} from '../postmortems/analysis.js';
import { listFactors } from '../postmortems/factors.js';
import { STATUSES as PM_STATUSES } from '../postmortems/model.js';
import { incidentIdsOfTeam } from '../postmortems/repo.js';
import { STATUSES as INCIDENT_STATUSES } from '../incidents/model.js';
import { isOverdue as isPostmortemOverdue } from '../postmortems/service.js';
import type { Clock } from '../shared/clock.js';
import { validationError } from '../shared/errors.js';
import { bucketStarts, nextBucketStart, stats, type BucketUnit, type Stats } from './model.js';
import { ResponseTimeInsights, type ResolvedFilter } from './response-times.js';

export { COMPLETION_TARGET };

/** Statuses in which an action item counts as closed (fixed): done is someone's word, verified is evidence. */
export const CLOSED_STATUSES: readonly string[] = ['done', 'verified'];
/** Listed rather than `<> 'published'` / `<> 'resolved'`, so the (status, …) indexes serve the counts. */
const UNPUBLISHED = PM_STATUSES.filter((st) => st !== 'published');
const UNRESOLVED = INCIDENT_STATUSES.filter((st) => st !== 'resolved');

/** At most this many incident ids per contributing factor. */
export const FACTOR_INCIDENTS = 20;

// ---- the arithmetic ----------------------------------------------------------------------------------------------

/** An action item as these figures see it. */
export interface LearningItem {
  id: string;
  teamId: string;
  createdAt: number;
  dueAt: number;
  status: string;
  /** When it was closed (done or verified): doneAt, else verifiedAt, else its last change; null while not closed. */
  closedAt: number | null;
}

/** A post-mortem not published yet, with a due date: overdue once the due date is past. */
export interface PendingPostmortem {
  id: string;
  incidentId: string;
  status: string;
  dueAt: number | null;
  /** The teams owning one of its incident's services. */
  teamIds: readonly string[];
}

export interface LearningHistory {
  /** P1/P2 incidents resolved in the window, with their post-mortem and teams (as `completionOf` takes them). */
  incidents: CompletionIncident[];
  postmortems: PendingPostmortem[];
  /** Items open now, or created or closed in the window. */
  items: LearningItem[];
}

export interface LearningCompletion {
  eligible: number;
  completed: number;
  inProgress: number;
  rate: number | null;
  /** rate below the 90% target; false when nothing is eligible (no rate). */
  belowTarget: boolean;
}

export interface Learning {
  completion: LearningCompletion;
  postmortemsOverdue: number;
  actionItems: { open: number; overdue: number; closedInWindow: number; timeToClose: Stats };
}

export interface LearningBucket {
  start: number;
  completion: { eligible: number; completed: number; rate: number | null };
  actionItemsClosed: number;
  actionItemsOpened: number;
}

export interface LearningReport {
  target: number;
  overall: Learning;
  byTeam: ({ teamId: string; name: string } & Learning)[];
  buckets: LearningBucket[];
}

export interface LearningWindow extends Window {
  /** The time of the question: open and overdue are counted as of it. */
  asOf: number;
}

const within = (t: number | null, from: number, to: number): t is number => t !== null && t >= from && t < to;

/** The figures of one scope (everything, or one team's share) in a window. */
export function learningOf(h: LearningHistory, w: LearningWindow): Learning {
  const c = completionOf(h.incidents, w);
  const closed = h.items.filter((i) => within(i.closedAt, w.from, w.to));
  return {
    completion: {
      eligible: c.eligible,
      completed: c.thorough,
      inProgress: c.inProgress,
      rate: c.rate,
      belowTarget: c.rate !== null && c.rate < COMPLETION_TARGET,
    },
    postmortemsOverdue: h.postmortems.filter((p) => isPostmortemOverdue(p, w.asOf)).length,
    actionItems: {
      open: h.items.filter((i) => (ACTIVE_STATUSES as readonly string[]).includes(i.status)).length,
      overdue: h.items.filter((i) => isItemOverdue(i, w.asOf)).length,
      closedInWindow: closed.length,
      timeToClose: stats(closed.map((i) => i.closedAt! - i.createdAt).filter((d) => d >= 0)),
    },
  };
}

/** One team's share of the history: incidents and post-mortems touching its services, and its action items. */
export function teamShare(h: LearningHistory, teamId: string): LearningHistory {
  return {
    incidents: h.incidents.filter((i) => i.teamIds.includes(teamId)),
    postmortems: h.postmortems.filter((p) => p.teamIds.includes(teamId)),
    items: h.items.filter((i) => i.teamId === teamId),
  };
}

/**
 * Overall, per team and per bucket. Without `teamId`: every team with something in a figure (an eligible or
 * in-progress incident, an overdue post-mortem, an action item), by name. With it: overall is that team's share and
 * its one row is listed even when empty. Buckets: completion of the incidents resolved in each bucket, action items
 * opened (created) and closed in each; every bucket overlapping the window, clipped to it.
 */
export function learningReport(
  history: LearningHistory,
  teams: readonly { id: string; name: string }[],
  opts: LearningWindow & { bucket: BucketUnit; timeZone: string; teamId?: string | undefined },
): LearningReport {
  const w: LearningWindow = { from: opts.from, to: opts.to, asOf: opts.asOf };
  const scoped = opts.teamId ? teamShare(history, opts.teamId) : history;
  const names = new Map(teams.map((t) => [t.id, t.name]));
  const teamIds = new Set<string>();
  if (opts.teamId) teamIds.add(opts.teamId);
  else {
    const c = (i: CompletionIncident) => ELIGIBLE_SEVERITIES.includes(i.severity) && within(i.resolvedAt, w.from, w.to);
    for (const i of scoped.incidents) if (c(i)) for (const t of i.teamIds) teamIds.add(t);
    for (const p of scoped.postmortems) if (isPostmortemOverdue(p, w.asOf)) for (const t of p.teamIds) teamIds.add(t);
    for (const i of scoped.items) teamIds.add(i.teamId);
  }
  const byTeam = [...teamIds]
    .map((id) => ({ teamId: id, name: names.get(id) ?? id, ...learningOf(teamShare(scoped, id), w) }))
    .sort((a, b) => a.name.localeCompare(b.name) || (a.teamId < b.teamId ? -1 : 1));
  // Each incident and item goes to its bucket once (a binary search over the bucket starts), not once per bucket.
  const starts = bucketStarts(w.from, w.to, opts.bucket, opts.timeZone);
  const bounds = starts.map((start, n) => ({
    start,
    from: Math.max(start, w.from),
    to: Math.min(starts[n + 1] ?? nextBucketStart(start, opts.bucket, opts.timeZone), w.to),
  }));
  const slot = (t: number | null): number => {
    if (!within(t, w.from, w.to)) return -1;
    let lo = 0;
    let hi = bounds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bounds[mid]!.from <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const incidentsIn = bounds.map((): CompletionIncident[] => []);
  for (const i of scoped.incidents) incidentsIn[slot(i.resolvedAt)]?.push(i);
  const opened = bounds.map(() => 0);
  const closedIn = bounds.map(() => 0);
  for (const i of scoped.items) {
    const o = slot(i.createdAt);
    if (o >= 0) opened[o]!++;
    const c = slot(i.closedAt);
    if (c >= 0) closedIn[c]!++;
  }
  const buckets = bounds.map((b, n) => {
    const c = completionOf(incidentsIn[n]!, { from: b.from, to: b.to, asOf: w.asOf });
    return {
      start: b.start,
      completion: { eligible: c.eligible, completed: c.thorough, rate: c.rate },
      actionItemsClosed: closedIn[n]!,
      actionItemsOpened: opened[n]!,
    };
  });
  return { target: COMPLETION_TARGET, overall: learningOf(scoped, w), byTeam, buckets };
}

export interface FactorTally {
  id: string;
  key: string;
  name: string;
  archived: boolean;
  count: number;
  incidentIds: string[];
}

/**
 * Contributing factors counted across post-mortems, as the post-mortems' factor counts do (countFactors in
 * src/postmortems/factors.ts: post-mortems carrying the factor, of incidents resolved in the window; every factor of
 * the taxonomy, archived ones only when counted; most counted first, then in taxonomy order), with the incidents
 * behind each count (the latest resolved first, at most FACTOR_INCIDENTS).
 */
export function tallyFactors(
  taxonomy: readonly { id: string; key: string; label: string; archived: boolean }[],
  tags: readonly { factorId: string; postmortemId: string; incidentId: string; resolvedAt: number }[],
): FactorTally[] {
  const byFactor = new Map<string, { pms: Set<string>; incidents: { id: string; at: number }[] }>();
  for (const t of tags) {
    const f = byFactor.get(t.factorId) ?? { pms: new Set<string>(), incidents: [] };
    if (!f.pms.has(t.postmortemId)) {
      f.pms.add(t.postmortemId);
      f.incidents.push({ id: t.incidentId, at: t.resolvedAt });
    }
    byFactor.set(t.factorId, f);
  }
  return taxonomy
    .map((f) => {
      const counted = byFactor.get(f.id);
      const incidents = [...(counted?.incidents ?? [])].sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1));
      return {
        id: f.id,
        key: f.key,
        name: f.label,
        archived: f.archived,
        count: counted?.pms.size ?? 0,
        incidentIds: [...new Set(incidents.map((i) => i.id))].slice(0, FACTOR_INCIDENTS),
      };
    })
    .filter((f) => !f.archived || f.count > 0)
    .sort((a, b) => b.count - a.count);
}

// ---- the loader --------------------------------------------------------------------------------------------------

export interface LearningFilter {
  from?: number | undefined;
  to?: number | undefined;
  teamId?: string | undefined;
  includeKinds?: string | undefined;
  timeZone?: string | undefined;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** An action item's incident kind: its own incident's, else its post-mortem's incident's, else real (neither). */
const itemKind = sql<string>`coalesce(di.kind, pi.kind, 'real')`;
/** When a closed item was closed: done, else verified, else its last change. */
const itemClosedAt = sql<
  number | string | null
>`case when ai.status in ('done', 'verified') then coalesce(ai.done_at, ai.verified_at, ai.updated_at) end`;

export class LearningInsights {
  private readonly filters: ResponseTimeInsights;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.filters = new ResponseTimeInsights(db, clock);
  }

  /** The filters as response times resolve them (window, kinds, time zone), and the team checked (400 naming it). */
  async resolve(f: LearningFilter): Promise<ResolvedFilter> {
    const resolved = await this.filters.resolve({ ...f, serviceId: undefined, severity: undefined });
    if (f.teamId !== undefined) {
      const team = await this.db.kysely.selectFrom('teams').select('id').where('id', '=', f.teamId).executeTakeFirst();
      if (!team) throw validationError([{ field: 'teamId', message: 'no such team' }]);
    }
    return resolved;
  }

  async report(
    f: LearningFilter,
    bucket: BucketUnit,
  ): Promise<{ filter: ResolvedFilter; asOf: number; report: LearningReport; factors: FactorTally[] }> {
    const filter = await this.resolve(f);
    const asOf = this.clock.now();
    const ex = this.db.kysely;
    const [history, factors] = await Promise.all([this.load(filter, asOf), this.factors(ex, filter)]);
    const teamIds = [
      ...new Set([
        ...history.incidents.flatMap((i) => i.teamIds),
        ...history.postmortems.flatMap((p) => p.teamIds),
        ...history.items.map((i) => i.teamId),
        ...(filter.teamId ? [filter.teamId] : []),
      ]),
    ];
    const teams = teamIds.length
      ? await ex.selectFrom('teams').select(['id', 'name']).where('id', 'in', teamIds).execute()
      : [];
    const report = learningReport(history, teams, {
      from: filter.from,
      to: filter.to,
      asOf,
      bucket,
      timeZone: filter.timeZone,
      teamId: filter.teamId,
    });
    return { filter, asOf, report, factors };
  }

  /** Three queries: the window's P1/P2 incidents, the overdue post-mortems, the action items that matter. */
  async load(f: ResolvedFilter, asOf: number): Promise<LearningHistory> {
    const [incidents, postmortems, items] = await Promise.all([
      this.loadIncidents(f),
      this.loadPostmortems(f, asOf),
      this.loadItems(f),
    ]);
    return { incidents, postmortems, items };
  }

  /** The P1/P2 incidents of the kinds asked for, resolved in the window, with their post-mortem and owning teams. */
  private loadIncidents(f: ResolvedFilter): Promise<CompletionIncident[]> {
    return loadCompletionHistory(this.db.kysely, f, { kinds: f.kinds, teamId: f.teamId });
  }

  /** Post-mortems overdue now (not published, due date past) of incidents of the kinds asked for, with their teams. */
  private async loadPostmortems(f: ResolvedFilter, asOf: number): Promise<PendingPostmortem[]> {
    const ex = this.db.kysely;
    let q = ex
      .selectFrom('postmortems as pm')
      .innerJoin('incidents as i', 'i.id', 'pm.incidentId')
      .leftJoin('incidentServices as s', 's.incidentId', 'i.id')
      .leftJoin('services as sv', 'sv.id', 's.serviceId')
      .select(['pm.id', 'pm.incidentId', 'pm.status', 'pm.dueAt', 'sv.teamId'])
      .where('pm.status', 'in', UNPUBLISHED)
      .where('pm.dueAt', 'is not', null)
      .where('pm.dueAt', '<', asOf)
      .where('i.kind', 'in', f.kinds);
    if (f.teamId) q = q.where('i.id', 'in', incidentIdsOfTeam(ex, f.teamId));
    const byId = new Map<string, PendingPostmortem & { teamIds: string[] }>();
    for (const r of await q.execute()) {
      let p = byId.get(r.id);
      if (!p) {
        p = { id: r.id, incidentId: r.incidentId, status: r.status, dueAt: num(r.dueAt), teamIds: [] };
        byId.set(r.id, p);
      }
      if (r.teamId !== null && !p.teamIds.includes(r.teamId)) p.teamIds.push(r.teamId);
    }
    return [...byId.values()];
  }

  /** Action items open now, or created or closed in the window, of the kinds asked for (and the team's). */
  private async loadItems(f: ResolvedFilter): Promise<LearningItem[]> {
    let q = this.db.kysely
      .selectFrom('actionItems as ai')
      .leftJoin('incidents as di', 'di.id', 'ai.incidentId')
      .leftJoin('postmortems as ipm', 'ipm.id', 'ai.postmortemId')
      .leftJoin('incidents as pi', 'pi.id', 'ipm.incidentId')
      .select(['ai.id', 'ai.teamId', 'ai.createdAt', 'ai.dueAt', 'ai.status', itemClosedAt.as('closedAt')])
      .where(itemKind, 'in', f.kinds)
      .where((eb) =>
        eb.or([
          eb('ai.status', 'in', [...ACTIVE_STATUSES]),
          eb.and([eb('ai.createdAt', '>=', f.from), eb('ai.createdAt', '<', f.to)]),
          eb.and([eb(itemClosedAt, '>=', f.from), eb(itemClosedAt, '<', f.to)]),
        ]),
      );
    if (f.teamId) q = q.where('ai.teamId', '=', f.teamId);
    return (await q.execute()).map((r) => ({
      id: r.id,
      teamId: r.teamId,
      createdAt: Number(r.createdAt),
      dueAt: Number(r.dueAt),
      status: r.status,
      closedAt: num(r.closedAt),
    }));
  }

  /** One query for the factor tags of the window's post-mortems (kinds, team), then the taxonomy. */
  private async factors(ex: Executor, f: ResolvedFilter): Promise<FactorTally[]> {
    let q = ex
      .selectFrom('postmortemFactors as pf')
      .innerJoin('postmortems as pm', 'pm.id', 'pf.postmortemId')
      .innerJoin('incidents as i', 'i.id', 'pm.incidentId')
      .select(['pf.factorId', 'pf.postmortemId', 'i.id as incidentId', 'i.resolvedAt'])
      .where('i.resolvedAt', '>=', f.from)
      .where('i.resolvedAt', '<', f.to)
      .where('i.kind', 'in', f.kinds);
    if (f.teamId) q = q.where('i.id', 'in', incidentIdsOfTeam(ex, f.teamId));
    const [tags, taxonomy] = await Promise.all([q.execute(), listFactors(ex, { includeArchived: true })]);
    return tallyFactors(
      taxonomy,
      tags.map((t) => ({ ...t, resolvedAt: Number(t.resolvedAt) })),
    );
  }
}

// ---- the gauges --------------------------------------------------------------------------------------------------

export const GAUGE_SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;

/**
 * The backlog as Prometheus sees it. Each read is one count; while the database is unavailable (db.health) a read
 * refuses at once instead of waiting on it, and the gauge keeps its last value.
 */
export function backlogSource(db: Db, clock: Clock): BacklogSource {
  const ex = (): Executor => {
    if (!db.health.isAvailable) throw new Error('database unavailable');
    return db.kysely;
  };
  const count = (v: unknown): number => Number(v ?? 0);
  const items = () =>
    ex()
      .selectFrom('actionItems as ai')
      .leftJoin('incidents as di', 'di.id', 'ai.incidentId')
      .leftJoin('postmortems as ipm', 'ipm.id', 'ai.postmortemId')
      .leftJoin('incidents as pi', 'pi.id', 'ipm.incidentId')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('ai.status', 'in', [...ACTIVE_STATUSES])
      .where(itemKind, '=', 'real');
  return {
    async incidentsOpen() {
      const rows = await ex()
        .selectFrom('incidents')
        .select(['severity', (eb) => eb.fn.countAll().as('n')])
        .where('kind', '=', 'real')
        .where('status', 'in', UNRESOLVED)
        .groupBy('severity')
        .execute();
      const out: Record<string, number> = Object.fromEntries(GAUGE_SEVERITIES.map((s) => [s, 0]));
      for (const r of rows) out[r.severity] = count(r.n);
      return out;
    },
    async postmortemsOverdue() {
      const r = await ex()
        .selectFrom('postmortems as pm')
        .innerJoin('incidents as i', 'i.id', 'pm.incidentId')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('pm.status', 'in', UNPUBLISHED)
        .where('pm.dueAt', 'is not', null)
        .where('pm.dueAt', '<', clock.now())
        .where('i.kind', '=', 'real')
        .executeTakeFirst();
      return count(r?.n);
    },
    async actionItemsOpen() {
      return count((await items().executeTakeFirst())?.n);
    },
    async actionItemsOverdue() {
      return count((await items().where('ai.dueAt', '<', clock.now()).executeTakeFirst())?.n);
    },
  };
}
