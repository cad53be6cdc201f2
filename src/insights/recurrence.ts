/**
 * Recurrence (issue 12, item 3; docs/insights.md "Recurrence"). Incident B recurs incident A when A was declared
 * before B, within a window (default 90 days), and either they share an affected service and the same alert rule
 * (the alert's rule key, as alert quality uses it) or the same alert group (service + group key), or a responder
 * linked them ("same as #123"). "Recurred after fix": B was declared after every action item of A (at least one) was
 * done or verified — the fixes that did not work.
 *
 * The matching is pure (`matchRecurrences`, `summarise`, `chainOf`); `RecurrenceService` loads the history and links.
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/audit.js';
import { incidentNotFound } from '../incidents/errors.js';
import type { Clock } from '../shared/clock.js';
import { AppError, validationError } from '../shared/errors.js';
import { bucketStarts, nextBucketStart, type BucketUnit } from './model.js';

export const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 90;
export const MAX_WINDOW_DAYS = 730;
/** Kinds left out unless asked for (migration 0022: incidents.kind). */
export const OPTIONAL_KINDS = ['drill', 'imported'] as const;

export interface HistoryIncident {
  id: string;
  title: string;
  severity: string;
  status: string;
  kind: string;
  declaredAt: number;
  serviceIds: string[];
  /** Rule keys of the incident's linked alerts. */
  ruleKeys: string[];
  /** `serviceId/groupKey` of the incident's linked alerts' groups. */
  groupKeys: string[];
  /** A group's title (the alert group's `title`), by `serviceId/groupKey`, to name it in a reason. */
  groupTitles?: Record<string, string>;
  /** The rule keys of the incident's alerts in each group, by `serviceId/groupKey`. */
  groupRules?: Record<string, string[]>;
}

export interface IncidentLink {
  incidentId: string;
  relatedIncidentId: string;
  note: string;
  createdByLabel: string;
  createdAt: number;
}

export interface ItemFact {
  /** The incident the item belongs to (directly or through its post-mortem). */
  incidentId: string;
  status: string;
  /** When it was done or verified (the earlier of the two), null while neither. */
  fixedAt: number | null;
}

export type ReasonKind = 'same_rule' | 'same_group' | 'linked';
export interface Reason {
  kind: ReasonKind;
  detail: string;
}

export interface Match {
  /** The later incident (the recurrence). */
  incidentId: string;
  /** The earlier incident it recurs. */
  recursOfId: string;
  reasons: Reason[];
  recurredAfterFix: boolean;
}

const intersect = (a: string[], b: string[]): string[] => {
  const s = new Set(b);
  return [...new Set(a.filter((x) => s.has(x)))].sort();
};

const pairKey = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/**
 * How a reason names an alert group: its title, else the labels of its key (`key:{}:{alertname="X"}` →
 * `alertname="X"`), else its name (`name:x`), never the raw key.
 */
export function groupName(key: string, title: string | undefined): string {
  if (title && title.trim() !== '') return title.trim();
  const groupKey = key.slice(key.indexOf('/') + 1);
  if (groupKey.startsWith('name:')) return groupKey.slice(5);
  if (groupKey.startsWith('key:')) {
    const labels = /\{([^{}]*)\}\s*$/.exec(groupKey);
    if (labels && labels[1]!.trim() !== '') return labels[1]!.trim();
    return 'untitled';
  }
  return groupKey.startsWith('sha256:') ? 'untitled' : groupKey;
}

/** True when A had at least one action item and every one was done or verified before `at`. */
export function fixedBefore(items: ItemFact[], at: number): boolean {
  if (items.length === 0) return false;
  return items.every((i) => (i.status === 'done' || i.status === 'verified') && i.fixedAt !== null && i.fixedAt < at);
}

/** Why B recurs A (A declared before B within the window), or null when it does not. */
export function reasonsFor(
  a: HistoryIncident,
  b: HistoryIncident,
  windowMs: number,
  linked: IncidentLink | undefined,
): Reason[] | null {
  if (!(a.declaredAt < b.declaredAt) || b.declaredAt - a.declaredAt > windowMs) return null;
  const reasons: Reason[] = [];
  const services = intersect(a.serviceIds, b.serviceIds);
  if (services.length > 0) {
    const rules = intersect(a.ruleKeys, b.ruleKeys);
    if (rules.length > 0)
      reasons.push({ kind: 'same_rule', detail: `alert rule ${rules.map((r) => `"${r}"`).join(', ')}` });
    // A group whose alerts in both incidents share one of the shared rules adds nothing to `same_rule`: left out.
    const groups = intersect(a.groupKeys, b.groupKeys)
      .filter((g) => services.includes(g.slice(0, g.indexOf('/'))))
      .filter((g) => !intersect(a.groupRules?.[g] ?? [], b.groupRules?.[g] ?? []).some((r) => rules.includes(r)));
    if (groups.length > 0) {
      const names = [...new Set(groups.map((g) => `"${groupName(g, a.groupTitles?.[g] ?? b.groupTitles?.[g])}"`))];
      reasons.push({ kind: 'same_group', detail: `alert group ${names.join(', ')}` });
    }
  }
  if (linked) {
    const note = linked.note ? `: ${linked.note}` : '';
    reasons.push({ kind: 'linked', detail: `linked by ${linked.createdByLabel}${note}` });
  }
  return reasons.length > 0 ? reasons : null;
}

/**
 * Every (B recurs A) pair in the history, in B's then A's declaration order. `items` are action items keyed by the
 * incident they belong to.
 *
 * Only pairs that can match are compared: each incident is filed under keys it can match on — every (service, rule)
 * of its services × its alerts' rules, and every alert group whose service is one of its own — so two incidents share
 * a key exactly when they share a service and a rule, or a group on a shared service (what `reasonsFor` asks), plus
 * the incidents a responder linked to it. A five-year history (50,000 incidents, ~2,500 in each 90-day window)
 * compared every pair in the window: ~10⁸ comparisons; keyed, a few per incident (bench:insights).
 */
export function matchRecurrences(
  history: HistoryIncident[],
  links: IncidentLink[],
  items: Map<string, ItemFact[]>,
  windowMs: number,
): Match[] {
  const sorted = [...history].sort((x, y) => x.declaredAt - y.declaredAt || (x.id < y.id ? -1 : 1));
  const linkByPair = new Map(links.map((l) => [pairKey(l.incidentId, l.relatedIncidentId), l]));
  const position = new Map(sorted.map((h, i) => [h.id, i]));
  const linkedTo = new Map<number, number[]>();
  for (const l of links) {
    const x = position.get(l.incidentId);
    const y = position.get(l.relatedIncidentId);
    if (x === undefined || y === undefined) continue;
    linkedTo.set(x, [...(linkedTo.get(x) ?? []), y]);
    linkedTo.set(y, [...(linkedTo.get(y) ?? []), x]);
  }
  const keysOf = (h: HistoryIncident): string[] => {
    const keys = new Set<string>();
    for (const s of h.serviceIds) for (const r of h.ruleKeys) keys.add(`r\u0000${s}\u0000${r}`);
    for (const g of h.groupKeys) if (h.serviceIds.includes(g.slice(0, g.indexOf('/')))) keys.add(`g\u0000${g}`);
    return [...keys];
  };
  /** key → positions filed under it, ascending. */
  const filed = new Map<string, number[]>();
  const out: Match[] = [];
  let start = 0;
  for (let j = 0; j < sorted.length; j++) {
    const b = sorted[j]!;
    while (start < j && b.declaredAt - sorted[start]!.declaredAt > windowMs) start++;
    const keys = keysOf(b);
    const candidates = new Set<number>();
    for (const key of keys) {
      const at = filed.get(key);
      if (!at) continue;
      for (let n = at.length - 1; n >= 0 && at[n]! >= start; n--) candidates.add(at[n]!);
    }
    for (const i of linkedTo.get(j) ?? []) if (i >= start && i < j) candidates.add(i);
    for (const i of [...candidates].sort((x, y) => x - y)) {
      const a = sorted[i]!;
      const reasons = reasonsFor(a, b, windowMs, linkByPair.get(pairKey(a.id, b.id)));
      if (!reasons) continue;
      out.push({
        incidentId: b.id,
        recursOfId: a.id,
        reasons,
        recurredAfterFix: fixedBefore(items.get(a.id) ?? [], b.declaredAt),
      });
    }
    for (const key of keys) {
      const at = filed.get(key);
      if (at) at.push(j);
      else filed.set(key, [j]);
    }
  }
  return out;
}

export interface Group {
  id: string;
  total: number;
  recurring: number;
  rate: number | null;
  recurredAfterFix: number;
}

export interface Summary {
  rate: number | null;
  recurring: number;
  total: number;
  recurredAfterFix: number;
  byService: Group[];
  byTeam: Group[];
}

const rateOf = (recurring: number, total: number): number | null => (total === 0 ? null : recurring / total);

/**
 * Rate over the incidents in the period (`inPeriod`): the share that recur an earlier one. By service (each affected
 * service) and by team (the teams owning them); "recurred after fix" counts incidents with at least one such match.
 */
export function summarise(inPeriod: HistoryIncident[], matches: Match[], teamOf: Map<string, string>): Summary {
  const recurringIds = new Set(matches.map((m) => m.incidentId));
  const afterFixIds = new Set(matches.filter((m) => m.recurredAfterFix).map((m) => m.incidentId));
  const bump = (map: Map<string, Group>, id: string, inc: HistoryIncident) => {
    const g = map.get(id) ?? { id, total: 0, recurring: 0, rate: null, recurredAfterFix: 0 };
    g.total++;
    if (recurringIds.has(inc.id)) g.recurring++;
    if (afterFixIds.has(inc.id)) g.recurredAfterFix++;
    map.set(id, g);
  };
  const bySvc = new Map<string, Group>();
  const byTeam = new Map<string, Group>();
  for (const inc of inPeriod) {
    for (const s of new Set(inc.serviceIds)) bump(bySvc, s, inc);
    const teams = new Set(inc.serviceIds.map((s) => teamOf.get(s)).filter((t): t is string => t !== undefined));
    for (const t of teams) bump(byTeam, t, inc);
  }
  const finish = (m: Map<string, Group>) =>
    [...m.values()]
      .map((g) => ({ ...g, rate: rateOf(g.recurring, g.total) }))
      .sort((x, y) => (y.rate ?? -1) - (x.rate ?? -1) || y.total - x.total || (x.id < y.id ? -1 : 1));
  const recurring = inPeriod.filter((i) => recurringIds.has(i.id)).length;
  return {
    rate: rateOf(recurring, inPeriod.length),
    recurring,
    total: inPeriod.length,
    recurredAfterFix: inPeriod.filter((i) => afterFixIds.has(i.id)).length,
    byService: finish(bySvc),
    byTeam: finish(byTeam),
  };
}

export interface RecurrenceBucket {
  start: number;
  total: number;
  recurring: number;
  rate: number | null;
  recurredAfterFix: number;
}

/**
 * The rate over time: every bucket (week or month in `timeZone`) overlapping [from, to), empty ones too, each over
 * the incidents of the period declared in it (an incident counts in its own bucket, whenever the earlier one was).
 */
export function bucketise(
  inPeriod: HistoryIncident[],
  matches: Match[],
  opts: { from: number; to: number; bucket: BucketUnit; timeZone: string },
): RecurrenceBucket[] {
  const recurringIds = new Set(matches.map((m) => m.incidentId));
  const afterFixIds = new Set(matches.filter((m) => m.recurredAfterFix).map((m) => m.incidentId));
  const starts = bucketStarts(opts.from, opts.to, opts.bucket, opts.timeZone);
  const out = starts.map((start) => ({
    start,
    total: 0,
    recurring: 0,
    rate: null as number | null,
    recurredAfterFix: 0,
  }));
  if (starts.length === 0) return out;
  const end = nextBucketStart(starts[starts.length - 1]!, opts.bucket, opts.timeZone);
  for (const inc of inPeriod) {
    const t = inc.declaredAt;
    if (t < starts[0]! || t >= end) continue;
    // The largest start at or before t (binary search: no time-zone conversion per incident).
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    const b = out[lo]!;
    b.total++;
    if (recurringIds.has(inc.id)) b.recurring++;
    if (afterFixIds.has(inc.id)) b.recurredAfterFix++;
  }
  for (const b of out) b.rate = rateOf(b.recurring, b.total);
  return out;
}

/**
 * The chain through `id`: the incidents it recurs (transitively, going back) and those recurring it (going forward),
 * and every match among them.
 */
export function chainOf(id: string, matches: Match[]): Match[] {
  const back = new Map<string, string[]>();
  const fwd = new Map<string, string[]>();
  for (const m of matches) {
    const b = back.get(m.incidentId);
    if (b) b.push(m.recursOfId);
    else back.set(m.incidentId, [m.recursOfId]);
    const f = fwd.get(m.recursOfId);
    if (f) f.push(m.incidentId);
    else fwd.set(m.recursOfId, [m.incidentId]);
  }
  const nodes = new Set([id]);
  for (const edges of [back, fwd]) {
    const queue = [id];
    const visited = new Set([id]);
    while (queue.length > 0) {
      for (const n of edges.get(queue.shift()!) ?? []) {
        if (visited.has(n)) continue;
        visited.add(n);
        nodes.add(n);
        queue.push(n);
      }
    }
  }
  return matches.filter((m) => nodes.has(m.incidentId) && nodes.has(m.recursOfId));
}

// ---- loading ------------------------------------------------------------------------------------------------------

export interface RecurrenceQuery {
  from?: number;
  to?: number;
  teamId?: string;
  serviceId?: string;
  windowDays?: number;
  includeKinds?: string[];
  /** Buckets of the rate over time: week (default) or month, in this zone (default UTC). */
  bucket?: BucketUnit;
  timeZone?: string;
}

/**
 * The incidents a figure reads: declared in [from, to), of the allowed kinds. The related rows (services, alerts,
 * links, action items) are read with `incident_id in (<this subquery>)`, one query each for the whole window, rather
 * than by lists of ids (a five-year window was 100 chunks of 500 ids per table: bench:insights).
 */
interface Scope {
  from: number;
  to: number;
  allowed: string[];
}
const idsIn = (ex: Executor, s: Scope) =>
  ex
    .selectFrom('incidents as si')
    .select('si.id')
    .where('si.declaredAt', '>=', s.from)
    .where('si.declaredAt', '<', s.to)
    .where('si.kind', 'in', s.allowed);

export function parseKinds(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const kinds = raw
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const bad = kinds.filter((k) => k !== 'real' && !(OPTIONAL_KINDS as readonly string[]).includes(k));
  if (bad.length > 0) {
    throw validationError([{ field: 'includeKinds', message: `unknown kind ${bad.join(', ')} (drill, imported)` }]);
  }
  return kinds;
}

export class RecurrenceService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  private windowMs(q: RecurrenceQuery): number {
    const days = q.windowDays ?? DEFAULT_WINDOW_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
      throw validationError([
        { field: 'windowDays', message: `must be a whole number of days, 1 to ${MAX_WINDOW_DAYS}` },
      ]);
    }
    return days * DAY_MS;
  }

  /** Incidents declared in [from, to) with their services, rules, groups; kinds outside `kinds` left out. */
  private async history(ex: Executor, scope: Scope): Promise<HistoryIncident[]> {
    const rows = await ex
      .selectFrom('incidents')
      .select(['id', 'title', 'severity', 'status', 'kind', 'declaredAt'])
      .where('declaredAt', '>=', scope.from)
      .where('declaredAt', '<', scope.to)
      .where('kind', 'in', scope.allowed)
      .execute();
    return this.enrich(ex, scope, rows);
  }

  private async enrich(
    ex: Executor,
    scope: Scope,
    rows: { id: string; title: string; severity: string; status: string; kind: string; declaredAt: number }[],
  ): Promise<HistoryIncident[]> {
    const svc = await ex
      .selectFrom('incidentServices')
      .select(['incidentId', 'serviceId'])
      .where('incidentId', 'in', idsIn(ex, scope))
      .execute();
    const alerts = await ex
      .selectFrom('incidentAlerts as ia')
      .innerJoin('alerts as a', 'a.id', 'ia.alertId')
      .innerJoin('alertGroups as g', 'g.id', 'a.groupId')
      .select(['ia.incidentId', 'a.ruleKey', 'g.serviceId', 'g.groupKey', 'g.title'])
      .where('ia.incidentId', 'in', idsIn(ex, scope))
      .execute();
    const by = <T extends { incidentId: string }>(xs: T[]) => {
      const m = new Map<string, T[]>();
      for (const x of xs) {
        const list = m.get(x.incidentId);
        if (list) list.push(x);
        else m.set(x.incidentId, [x]);
      }
      return m;
    };
    const svcBy = by(svc);
    const alertsBy = by(alerts);
    return rows.map((r) => {
      const al = alertsBy.get(r.id) ?? [];
      const groupTitles: Record<string, string> = {};
      const groupRules: Record<string, string[]> = {};
      for (const a of al) {
        const g = `${a.serviceId}/${a.groupKey}`;
        groupTitles[g] = a.title;
        const rules = (groupRules[g] ??= []);
        if (a.ruleKey !== '' && !rules.includes(a.ruleKey)) rules.push(a.ruleKey);
      }
      return {
        ...r,
        declaredAt: Number(r.declaredAt),
        serviceIds: [...new Set((svcBy.get(r.id) ?? []).map((s) => s.serviceId))].sort(),
        ruleKeys: [...new Set(al.map((a) => a.ruleKey).filter((k) => k !== ''))].sort(),
        groupKeys: [...new Set(al.map((a) => `${a.serviceId}/${a.groupKey}`))].sort(),
        groupTitles,
        groupRules,
      };
    });
  }

  private async linksAmong(ex: Executor, scope: Scope, ids: string[]): Promise<IncidentLink[]> {
    // Both ends must be in the window: links from the window's incidents, the other end checked below.
    const rows = await ex
      .selectFrom('incidentLinks')
      .select(['incidentId', 'relatedIncidentId', 'note', 'createdByLabel', 'createdAt'])
      .where('incidentId', 'in', idsIn(ex, scope))
      .execute();
    const set = new Set(ids);
    const seen = new Set<string>();
    return rows
      .filter((l) => set.has(l.incidentId) && set.has(l.relatedIncidentId))
      .filter((l) => {
        const k = `${l.incidentId}\u0000${l.relatedIncidentId}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
      .map((l) => ({ ...l, createdAt: Number(l.createdAt) }));
  }

  private async itemsOf(ex: Executor, scope: Scope): Promise<Map<string, ItemFact[]>> {
    const direct = await ex
      .selectFrom('actionItems')
      .select(['id', 'incidentId', 'status', 'doneAt', 'verifiedAt', 'updatedAt'])
      .where('incidentId', 'in', idsIn(ex, scope))
      .execute();
    const viaPm = await ex
      .selectFrom('actionItems as ai')
      .innerJoin('postmortems as p', 'p.id', 'ai.postmortemId')
      .select(['ai.id', 'p.incidentId', 'ai.status', 'ai.doneAt', 'ai.verifiedAt', 'ai.updatedAt'])
      .where('p.incidentId', 'in', idsIn(ex, scope))
      .execute();
    const m = new Map<string, Map<string, ItemFact>>();
    for (const r of [...direct, ...viaPm]) {
      if (r.incidentId === null) continue;
      const isFixed = r.status === 'done' || r.status === 'verified';
      // Done or verified without its time recorded (older rows): the last change stands in for it.
      const times = [
        r.doneAt,
        r.verifiedAt,
        ...(isFixed && r.doneAt === null && r.verifiedAt === null ? [r.updatedAt] : []),
      ]
        .filter((t): t is number => t !== null)
        .map(Number);
      const inner = m.get(r.incidentId) ?? new Map<string, ItemFact>();
      inner.set(r.id, {
        incidentId: r.incidentId,
        status: r.status,
        fixedAt: times.length > 0 ? Math.min(...times) : null,
      });
      m.set(r.incidentId, inner);
    }
    return new Map([...m].map(([k, v]) => [k, [...v.values()]]));
  }

  /** Every service's owning team (the catalogue is small: one query, no id lists). */
  private async teamsOf(ex: Executor): Promise<Map<string, string>> {
    const rows = await ex.selectFrom('services').select(['id', 'teamId']).execute();
    return new Map(rows.map((r) => [r.id, r.teamId]));
  }

  /** The rate over incidents declared in [from, to) (default: the last 90 days), by service and team, with items. */
  async overview(q: RecurrenceQuery) {
    const windowMs = this.windowMs(q);
    const to = q.to ?? this.deps.clock.now();
    const from = q.from ?? to - DEFAULT_WINDOW_DAYS * DAY_MS;
    if (from > to) throw validationError([{ field: 'from', message: 'must not be after to' }]);
    const kinds = q.includeKinds ?? [];
    const ex = this.deps.db.kysely;
    const scope: Scope = { from: from - windowMs, to, allowed: ['real', ...kinds] };
    const history = await this.history(ex, scope);
    const ids = history.map((h) => h.id);
    const [links, items, teamOf] = [
      await this.linksAmong(ex, scope, ids),
      await this.itemsOf(ex, scope),
      await this.teamsOf(ex),
    ];
    const matches = matchRecurrences(history, links, items, windowMs);
    const inPeriod = history.filter(
      (h) =>
        h.declaredAt >= from &&
        (q.serviceId === undefined || h.serviceIds.includes(q.serviceId)) &&
        (q.teamId === undefined || h.serviceIds.some((s) => teamOf.get(s) === q.teamId)),
    );
    const periodIds = new Set(inPeriod.map((h) => h.id));
    const periodMatches = matches.filter((m) => periodIds.has(m.incidentId));
    const byId = new Map(history.map((h) => [h.id, h]));
    const matchesOf = new Map<string, Match[]>();
    for (const m of periodMatches) {
      const list = matchesOf.get(m.incidentId);
      if (list) list.push(m);
      else matchesOf.set(m.incidentId, [m]);
    }
    const items2 = inPeriod
      .filter((h) => matchesOf.has(h.id))
      .sort((x, y) => y.declaredAt - x.declaredAt)
      .map((h) => ({
        incident: h,
        recursOf: matchesOf.get(h.id)!.map((m) => ({
          incident: byId.get(m.recursOfId)!,
          reasons: m.reasons,
          recurredAfterFix: m.recurredAfterFix,
        })),
      }));
    const buckets = bucketise(inPeriod, periodMatches, {
      from,
      to,
      bucket: q.bucket ?? 'week',
      timeZone: q.timeZone ?? 'UTC',
    });
    return {
      from,
      to,
      windowDays: windowMs / DAY_MS,
      ...summarise(inPeriod, periodMatches, teamOf),
      items: items2,
      buckets,
    };
  }

  /**
   * One incident's chain: what it recurs and what recurs it, transitively, with reasons, and its links. Looks up to
   * 20 windows either side (the chain stops there).
   */
  async chain(id: string, q: { windowDays?: number; includeKinds?: string[] } = {}) {
    const windowMs = this.windowMs(q);
    const ex = this.deps.db.kysely;
    const self = await ex
      .selectFrom('incidents')
      .select(['id', 'title', 'severity', 'status', 'kind', 'declaredAt'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!self) throw incidentNotFound(id);
    const at = Number(self.declaredAt);
    const kinds = [...(q.includeKinds ?? []), ...(self.kind !== 'real' ? [self.kind] : [])];
    // Read 1 window either side first and widen (2, 4, 8, 16, 20) only while a member of the chain is within a window
    // of the edge read (it could match an incident beyond it): the same chain as reading all 20 windows at once,
    // which was every incident of a five-year history on every request (bench:insights).
    let history: HistoryIncident[] = [];
    let matches: Match[] = [];
    for (let k = 1; ; k = Math.min(20, k * 2)) {
      const scope: Scope = { from: at - k * windowMs, to: at + 20 * windowMs + 1, allowed: ['real', ...kinds] };
      if (k < 20) scope.to = at + k * windowMs + 1;
      history = await this.history(ex, scope);
      const ids = history.map((h) => h.id);
      const [links, items] = [await this.linksAmong(ex, scope, ids), await this.itemsOf(ex, scope)];
      matches = chainOf(id, matchRecurrences(history, links, items, windowMs));
      if (k >= 20) break;
      const times = new Map(history.map((h) => [h.id, h.declaredAt]));
      const members = [id, ...matches.flatMap((m) => [m.incidentId, m.recursOfId])];
      const nearEdge = members.some((m) => {
        const t = times.get(m)!;
        return t - windowMs < scope.from || t + windowMs >= scope.to;
      });
      if (!nearEdge) break;
    }
    const byId = new Map(history.map((h) => [h.id, h]));
    const ownLinks = await this.links(id);
    return {
      incident: byId.get(id)!,
      windowDays: windowMs / DAY_MS,
      links: ownLinks,
      chain: matches.map((m) => ({
        incident: byId.get(m.incidentId)!,
        recursOf: byId.get(m.recursOfId)!,
        reasons: m.reasons,
        recurredAfterFix: m.recurredAfterFix,
      })),
    };
  }

  /** The incident's links either way, with the other incident's title. */
  async links(id: string) {
    const ex = this.deps.db.kysely;
    const rows = await ex
      .selectFrom('incidentLinks')
      .select(['incidentId', 'relatedIncidentId', 'note', 'createdByLabel', 'createdAt'])
      .where((w) => w.or([w('incidentId', '=', id), w('relatedIncidentId', '=', id)]))
      .orderBy('createdAt')
      .execute();
    const otherIds = rows.map((r) => (r.incidentId === id ? r.relatedIncidentId : r.incidentId));
    const others =
      otherIds.length === 0
        ? []
        : await ex.selectFrom('incidents').select(['id', 'title', 'declaredAt']).where('id', 'in', otherIds).execute();
    const byId = new Map(others.map((o) => [o.id, o]));
    return rows.map((r, i) => ({
      incidentId: otherIds[i]!,
      title: byId.get(otherIds[i]!)?.title ?? '',
      declaredAt: Number(byId.get(otherIds[i]!)?.declaredAt ?? 0),
      note: r.note,
      createdByLabel: r.createdByLabel,
      createdAt: Number(r.createdAt),
    }));
  }

  /** "Same as #relatedId": a link from this incident to another (either may be the earlier one). */
  async link(actor: Actor, id: string, relatedId: string, note = '') {
    if (relatedId === id) throw validationError([{ field: 'relatedIncidentId', message: 'must be another incident' }]);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('incidents').select('id').where('id', 'in', [id, relatedId]).execute();
      if (!found.some((f) => f.id === id)) throw incidentNotFound(id);
      if (!found.some((f) => f.id === relatedId)) {
        throw validationError([{ field: 'relatedIncidentId', message: `no incident with id ${relatedId}` }]);
      }
      const existing = await trx
        .selectFrom('incidentLinks')
        .select('incidentId')
        .where((w) =>
          w.or([
            w.and([w('incidentId', '=', id), w('relatedIncidentId', '=', relatedId)]),
            w.and([w('incidentId', '=', relatedId), w('relatedIncidentId', '=', id)]),
          ]),
        )
        .executeTakeFirst();
      if (existing) throw new AppError('already_linked', 'These incidents are already linked.', { status: 409 });
      await trx
        .insertInto('incidentLinks')
        .values({
          incidentId: id,
          relatedIncidentId: relatedId,
          kind: 'same_as',
          note,
          createdByLabel: actor.label,
          createdAt: now,
        })
        .execute();
      await recordAudit(
        trx,
        actor,
        'incident.linked',
        { type: 'incident', id },
        { relatedIncidentId: relatedId, note },
        now,
      );
    });
    return this.links(id);
  }

  async unlink(actor: Actor, id: string, relatedId: string) {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const res = await trx
        .deleteFrom('incidentLinks')
        .where((w) =>
          w.or([
            w.and([w('incidentId', '=', id), w('relatedIncidentId', '=', relatedId)]),
            w.and([w('incidentId', '=', relatedId), w('relatedIncidentId', '=', id)]),
          ]),
        )
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) {
        throw new AppError('link_not_found', `Incident ${id} is not linked to ${relatedId}.`, { status: 404 });
      }
      await recordAudit(
        trx,
        actor,
        'incident.unlinked',
        { type: 'incident', id },
        { relatedIncidentId: relatedId },
        now,
      );
    });
    return this.links(id);
  }
}
