/**
 * People health's reads: each a few set-based queries whatever the size of the team or window (bench/people.ts).
 * What counts is insights' rules: incidents of the kinds asked for (real by default: drills and imported incidents left
 * out), alerts raised through a drill key (`alerts.is_drill`) and alerts linked to an incident of a kind left out are
 * left out too; a team's incidents are those touching one of its services (`incident_services`).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { fromJsonText } from '../shared/json.js';

type K = Kysely<Database>;

export interface Scope {
  teamId?: string | undefined;
  serviceId?: string | undefined;
}

export interface Window {
  from: number;
  to: number;
  kinds: readonly string[];
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Ids in chunks, so `in (…)` stays far below either engine's parameter limit. */
export function chunks<T>(xs: readonly T[], n = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** The ids of the scope's incidents declared in the window, of the kinds asked for (a subquery). */
export function scopedIncidentIds(k: K, scope: Scope, w: Window) {
  let q = k
    .selectFrom('incidentServices as sis')
    .innerJoin('incidents as si', 'si.id', 'sis.incidentId')
    .innerJoin('services as ss', 'ss.id', 'sis.serviceId')
    .select('sis.incidentId')
    .where('si.declaredAt', '>=', w.from)
    .where('si.declaredAt', '<', w.to)
    .where('si.kind', 'in', [...w.kinds]);
  if (scope.teamId !== undefined) q = q.where('ss.teamId', '=', scope.teamId);
  if (scope.serviceId !== undefined) q = q.where('sis.serviceId', '=', scope.serviceId);
  return q;
}

/**
 * Alerts kept, as insights' paging keeps them: not raised through a drill key (unless drills are asked for), and not
 * linked only to incidents of kinds not asked for (an alert linked to a drill and to a real incident is the real one's).
 */
function keptAlert(w: Window) {
  const kinds = sql.join(w.kinds.map((kind) => sql`${kind}`));
  const drillKey = w.kinds.includes('drill') ? sql<boolean>`1 = 1` : sql<boolean>`${sql.ref('a.isDrill')} = 0`;
  // Uncorrelated: the (few) alerts of drills and imported incidents are listed once, not looked up per row (25-40%
  // faster over a year on SQLite in bench/people.ts; a hashed subplan on PostgreSQL); only those few links are
  // checked for a kept incident beside them.
  return sql<boolean>`${drillKey} and ${sql.ref('a.id')} not in (select xa.alert_id from incident_alerts xa inner join incidents xi on xi.id = xa.incident_id where xi.kind not in (${kinds}) and not exists (select 1 from incident_alerts ya inner join incidents yi on yi.id = ya.incident_id where ya.alert_id = xa.alert_id and yi.kind in (${kinds})))`;
}

export interface PageRow {
  logId: string;
  at: number;
  userIds: string[];
  alertId: string;
  alertTitle: string;
  alertResolvedAt: number | null;
  serviceId: string;
  serviceName: string;
  teamId: string;
}

/**
 * The ids of a team's alerts, drill-key alerts left out unless drills are asked for (a subquery, read from the index
 * `alerts (service_id, is_drill, id)` alone, migration 0034).
 */
function teamAlertIds(k: K, teamId: string, w: Window) {
  let q = k
    .selectFrom('alerts as ta')
    .innerJoin('services as ts', 'ts.id', 'ta.serviceId')
    .select('ta.id')
    .where('ts.teamId', '=', teamId);
  if (!w.kinds.includes('drill')) q = q.where('ta.isDrill', '=', 0);
  return q;
}

/**
 * `ref` is one of the team's alerts (see teamAlertIds). `ref || ''` keeps SQLite from walking the team's whole alert
 * history through the list to the rows of `ref`'s table (its index on the alert id): the rows come from the window's
 * index instead, and the list only answers "is it the team's?". Same answer on both engines.
 */
const ofTeamAlerts = (k: K, ref: 'l.alertId' | 'e.alertId', teamId: string, w: Window) =>
  sql<boolean>`(${sql.ref(ref)} || '') in ${teamAlertIds(k, teamId, w)}`;

/**
 * Alerts left out by insights' rule (see keptAlert) for the kinds asked for: linked only to incidents of kinds not
 * asked for. Few (the alerts of drills and imported incidents); read once and checked in memory, so the window's
 * pages and acknowledgements need no subplan per row.
 */
export async function alertsLeftOut(k: K, w: Window): Promise<Set<string>> {
  const kinds = sql.join(w.kinds.map((kind) => sql`${kind}`));
  const rows = await k
    .selectFrom('incidentAlerts as xa')
    .innerJoin('incidents as xi', 'xi.id', 'xa.incidentId')
    .select('xa.alertId')
    .where(sql<boolean>`${sql.ref('xi.kind')} not in (${kinds})`)
    .where(
      sql<boolean>`not exists (select 1 from incident_alerts ya inner join incidents yi on yi.id = ya.incident_id where ya.alert_id = ${sql.ref('xa.alertId')} and yi.kind in (${kinds}))`,
    )
    .execute();
  return new Set(rows.map((r) => r.alertId));
}

/** The `paged` escalation-log entries of the scope's alerts sent in [from, to) (optionally naming one person). */
export async function loadPages(k: K, scope: Scope, w: Window, userId?: string): Promise<PageRow[]> {
  const columns = [
    'l.id',
    'l.at',
    'l.userIds',
    'l.alertId',
    'a.summary',
    'a.resolvedAt',
    'a.serviceId',
    's.name as serviceName',
    's.teamId',
  ] as const;
  let rows;
  if (scope.teamId !== undefined && scope.serviceId === undefined) {
    // A team's pages: the window's entries (escalation_log (kind, at)), kept when their alert is the team's, and only
    // then joined to the alert. `cross join` holds SQLite to that order; PostgreSQL plans it as the inner join it is.
    let q = k
      .selectFrom('escalationLog as l')
      .crossJoin('alerts as a')
      .crossJoin('services as s')
      .select(columns)
      .whereRef('a.id', '=', 'l.alertId')
      .whereRef('s.id', '=', 'a.serviceId')
      .where('l.kind', '=', 'paged')
      .where('l.at', '>=', w.from)
      .where('l.at', '<', w.to)
      .where(ofTeamAlerts(k, 'l.alertId', scope.teamId, w));
    if (userId !== undefined) q = q.where('l.userIds', 'like', `%${JSON.stringify(userId)}%`);
    const [found, out] = await Promise.all([q.orderBy('l.at').orderBy('l.id').execute(), alertsLeftOut(k, w)]);
    rows = found.filter((r) => !out.has(r.alertId));
  } else {
    let q = k
      .selectFrom('escalationLog as l')
      .innerJoin('alerts as a', 'a.id', 'l.alertId')
      .innerJoin('services as s', 's.id', 'a.serviceId')
      .select(columns)
      .where('l.kind', '=', 'paged')
      .where('l.at', '>=', w.from)
      .where('l.at', '<', w.to)
      .where(keptAlert(w));
    if (scope.teamId !== undefined) q = q.where('s.teamId', '=', scope.teamId);
    if (scope.serviceId !== undefined) q = q.where('a.serviceId', '=', scope.serviceId);
    if (userId !== undefined) q = q.where('l.userIds', 'like', `%${JSON.stringify(userId)}%`);
    rows = await q.orderBy('l.at').orderBy('l.id').execute();
  }
  const parsed = new Map<string, string[]>();
  return rows
    .map((r) => {
      let ids = parsed.get(r.userIds);
      if (!ids) parsed.set(r.userIds, (ids = fromJsonText<string[]>(r.userIds, [])));
      return {
        logId: r.id,
        at: num(r.at),
        userIds: userId === undefined ? ids : ids.filter((u) => u === userId),
        alertId: r.alertId,
        alertTitle: r.summary,
        alertResolvedAt: numOrNull(r.resolvedAt),
        serviceId: r.serviceId,
        serviceName: r.serviceName,
        teamId: r.teamId,
      };
    })
    .filter((p) => p.userIds.length > 0);
}

export interface HeroHistory {
  incidents: { id: string; title: string; severity: string; declaredAt: number }[];
  roles: { id: string; incidentId: string; userId: string; role: string; startedAt: number }[];
  participants: { incidentId: string; userId: string; firstJoinedAt: number }[];
  /** Acknowledgements of the team's kept alerts by a person (the alert's title and service: loadAlertDetails). */
  acks: { alertId: string; userId: string; at: number; incidentId: string | null }[];
  /** The team's pages (as loadPages keeps them); the alert's title, resolution and service: loadAlertDetails. */
  pages: { logId: string; at: number; userIds: string[]; alertId: string }[];
}

/**
 * Everything the hero signal counts for one team over a window: its incidents, their role assignments and
 * participants, acknowledgements of its alerts by a person, and its pages (unless `pages: false`: none then). Seven
 * queries. Pages and acknowledgements
 * come without their alert's details: most answers need none, or only a few (loadAlertDetails), and reading the
 * alert row of each of a year's pages was a third of the time.
 */
export async function loadHeroHistory(
  k: K,
  teamId: string,
  w: Window,
  opts: { pages: boolean } = { pages: true },
): Promise<HeroHistory> {
  const scope = { teamId };
  const ids = () => scopedIncidentIds(k, scope, w);
  const [incidents, roles, participants, ackRows, links, pageRows, leftOut] = await Promise.all([
    k
      .selectFrom('incidents')
      .select(['id', 'title', 'severity', 'declaredAt'])
      .where('id', 'in', ids())
      .orderBy('declaredAt')
      .execute(),
    k
      .selectFrom('roleAssignments')
      .select(['id', 'incidentId', 'userId', 'role', 'startedAt'])
      .where('incidentId', 'in', ids())
      .execute(),
    k
      .selectFrom('incidentParticipants')
      .select(['incidentId', 'userId', 'firstJoinedAt'])
      .where('incidentId', 'in', ids())
      .execute(),
    // The window's acknowledgements, from the index alert_events (kind, at, alert_id, actor_user_id) alone, of the
    // team's alerts (migration 0034).
    k
      .selectFrom('alertEvents as e')
      .select(['e.alertId', 'e.actorUserId', 'e.at'])
      .where('e.kind', '=', 'acknowledged')
      .where('e.actorUserId', 'is not', null)
      .where('e.at', '>=', w.from)
      .where('e.at', '<', w.to)
      .where(ofTeamAlerts(k, 'e.alertId', teamId, w))
      .execute(),
    k.selectFrom('incidentAlerts').select(['alertId', 'incidentId']).where('incidentId', 'in', ids()).execute(),
    opts.pages
      ? k
          .selectFrom('escalationLog as l')
          .select(['l.id', 'l.at', 'l.userIds', 'l.alertId'])
          .where('l.kind', '=', 'paged')
          .where('l.at', '>=', w.from)
          .where('l.at', '<', w.to)
          .where(ofTeamAlerts(k, 'l.alertId', teamId, w))
          .orderBy('l.at')
          .orderBy('l.id')
          .execute()
      : [],
    alertsLeftOut(k, w),
  ]);
  const incidentOf = new Map<string, string>();
  for (const l of links)
    if (!incidentOf.has(l.alertId) || l.incidentId < incidentOf.get(l.alertId)!)
      incidentOf.set(l.alertId, l.incidentId);
  const parsed = new Map<string, string[]>();
  const pages: HeroHistory['pages'] = [];
  for (const r of pageRows) {
    if (leftOut.has(r.alertId)) continue;
    let userIds = parsed.get(r.userIds);
    if (!userIds) parsed.set(r.userIds, (userIds = fromJsonText<string[]>(r.userIds, [])));
    if (userIds.length > 0) pages.push({ logId: r.id, at: num(r.at), userIds, alertId: r.alertId });
  }
  return {
    incidents: [...new Map(incidents.map((i) => [i.id, { ...i, declaredAt: num(i.declaredAt) }])).values()],
    roles: roles.map((r) => ({ ...r, startedAt: num(r.startedAt) })),
    participants: participants.map((p) => ({ ...p, firstJoinedAt: num(p.firstJoinedAt) })),
    acks: ackRows
      .filter((a) => !leftOut.has(a.alertId))
      .map((a) => ({
        alertId: a.alertId,
        userId: a.actorUserId!,
        at: num(a.at),
        incidentId: incidentOf.get(a.alertId) ?? null,
      })),
    pages,
  };
}

export interface AlertDetail {
  title: string;
  resolvedAt: number | null;
  serviceId: string;
  serviceName: string;
}

/** Alerts' title, resolution and service, by id (in chunks). */
export async function loadAlertDetails(k: K, alertIds: Iterable<string>): Promise<Map<string, AlertDetail>> {
  const out = new Map<string, AlertDetail>();
  const parts = await Promise.all(
    chunks([...new Set(alertIds)]).map((c) =>
      // `cross join`: SQLite reads the alerts by id first, then their service (never a service's every alert).
      k
        .selectFrom('alerts as a')
        .crossJoin('services as s')
        .select(['a.id', 'a.summary', 'a.resolvedAt', 'a.serviceId', 's.name as serviceName'])
        .whereRef('s.id', '=', 'a.serviceId')
        .where('a.id', 'in', c)
        .execute(),
    ),
  );
  for (const rows of parts)
    for (const r of rows)
      out.set(r.id, {
        title: r.summary,
        resolvedAt: numOrNull(r.resolvedAt),
        serviceId: r.serviceId,
        serviceName: r.serviceName,
      });
  return out;
}

export interface PersonRow {
  id: string;
  name: string;
  timezone: string;
}

/** A team's members (name and zone). */
export async function loadMembers(k: K, teamId: string): Promise<PersonRow[]> {
  const rows = await k
    .selectFrom('teamMembers as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .select(['u.id', 'u.name', 'u.timezone'])
    .where('m.teamId', '=', teamId)
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, timezone: r.timezone || 'UTC' }));
}

/** People by id (in chunks). */
export async function loadPeople(k: K, ids: Iterable<string>): Promise<Map<string, PersonRow>> {
  const out = new Map<string, PersonRow>();
  for (const c of chunks([...new Set(ids)])) {
    const rows = await k.selectFrom('users').select(['id', 'name', 'timezone']).where('id', 'in', c).execute();
    for (const r of rows) out.set(r.id, { id: r.id, name: r.name, timezone: r.timezone || 'UTC' });
  }
  return out;
}

export interface ServiceRow {
  id: string;
  name: string;
  slug: string;
  teamId: string;
  teamName: string;
  teamSlug: string;
}

/** The scope's services with their owning team. */
export async function loadServices(k: K, scope: Scope): Promise<ServiceRow[]> {
  let q = k
    .selectFrom('services as s')
    .innerJoin('teams as t', 't.id', 's.teamId')
    .select(['s.id', 's.name', 's.slug', 's.teamId', 't.name as teamName', 't.slug as teamSlug']);
  if (scope.teamId !== undefined) q = q.where('s.teamId', '=', scope.teamId);
  if (scope.serviceId !== undefined) q = q.where('s.id', '=', scope.serviceId);
  return q.orderBy('s.name').execute();
}

export interface KnowledgeHistory {
  /** incident → service links of the scope's incidents in the window. */
  links: { incidentId: string; serviceId: string }[];
  /** incident → people who acknowledged one of its alerts, held IC or TL, or resolved it. */
  handlers: Map<string, Set<string>>;
}

/**
 * Who handled each of the scope's incidents: acknowledged one of its linked alerts, held Incident Commander or
 * Technical Lead, or moved it to resolved. Four queries.
 */
export async function loadKnowledgeHistory(k: K, scope: Scope, w: Window): Promise<KnowledgeHistory> {
  let lq = k
    .selectFrom('incidentServices as isv')
    .innerJoin('incidents as i', 'i.id', 'isv.incidentId')
    .innerJoin('services as s', 's.id', 'isv.serviceId')
    .select(['isv.incidentId', 'isv.serviceId'])
    .where('i.declaredAt', '>=', w.from)
    .where('i.declaredAt', '<', w.to)
    .where('i.kind', 'in', [...w.kinds]);
  if (scope.teamId !== undefined) lq = lq.where('s.teamId', '=', scope.teamId);
  if (scope.serviceId !== undefined) lq = lq.where('isv.serviceId', '=', scope.serviceId);
  const links = await lq.execute();
  // The scope's incidents are known from the links: asking by their ids (in chunks) lets PostgreSQL start from them,
  // where the same scope as a subquery had it join every acknowledgement ever made first (about 2x slower a year).
  const acks: { incidentId: string; userId: string | null }[] = [];
  const roles: { incidentId: string; userId: string | null }[] = [];
  const resolvers: { incidentId: string; userId: string | null }[] = [];
  for (const ids of chunks([...new Set(links.map((l) => l.incidentId))])) {
    const [a, r, x] = await Promise.all([
      k
        .selectFrom('incidentAlerts as ia')
        .innerJoin('alertEvents as e', 'e.alertId', 'ia.alertId')
        .select(['ia.incidentId', 'e.actorUserId as userId'])
        .where('ia.incidentId', 'in', ids)
        .where('e.kind', '=', 'acknowledged')
        .where('e.actorUserId', 'is not', null)
        .distinct()
        .execute(),
      k
        .selectFrom('roleAssignments')
        .select(['incidentId', 'userId'])
        .where('incidentId', 'in', ids)
        .where('role', 'in', ['commander', 'technical_lead'])
        .distinct()
        .execute(),
      k
        .selectFrom('incidentEvents')
        .select(['incidentId', 'actorUserId as userId'])
        .where('incidentId', 'in', ids)
        .where('kind', '=', 'status_changed')
        .where('actorUserId', 'is not', null)
        .where('details', 'like', '%"to":"resolved"%')
        .distinct()
        .execute(),
    ]);
    acks.push(...a);
    roles.push(...r);
    resolvers.push(...x);
  }
  const handlers = new Map<string, Set<string>>();
  for (const r of [...acks, ...roles, ...resolvers]) {
    if (!r.userId) continue;
    const set = handlers.get(r.incidentId);
    if (set) set.add(r.userId);
    else handlers.set(r.incidentId, new Set([r.userId]));
  }
  return { links, handlers };
}

/** Runbooks (not archived) linked to each of the scope's services. */
export async function loadServiceRunbooks(k: K, scope: Scope): Promise<Map<string, Set<string>>> {
  let q = k
    .selectFrom('runbookServices as rs')
    .innerJoin('runbooks as r', 'r.id', 'rs.runbookId')
    .innerJoin('services as s', 's.id', 'rs.serviceId')
    .select(['rs.serviceId', 'rs.runbookId'])
    .where('r.archivedAt', 'is', null);
  if (scope.teamId !== undefined) q = q.where('s.teamId', '=', scope.teamId);
  if (scope.serviceId !== undefined) q = q.where('rs.serviceId', '=', scope.serviceId);
  const out = new Map<string, Set<string>>();
  for (const r of await q.execute()) {
    const set = out.get(r.serviceId);
    if (set) set.add(r.runbookId);
    else out.set(r.serviceId, new Set([r.runbookId]));
  }
  return out;
}

/** Runbooks (not archived) by the alert rule key (`alertname`) their alert-rule links name. */
export async function loadRuleRunbooks(k: K): Promise<Map<string, Set<string>>> {
  const rows = await k
    .selectFrom('runbookAlertRules as rar')
    .innerJoin('runbooks as r', 'r.id', 'rar.runbookId')
    .select(['rar.alertname', 'rar.runbookId'])
    .where('r.archivedAt', 'is', null)
    .where('rar.alertname', 'is not', null)
    .execute();
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = out.get(r.alertname!);
    if (set) set.add(r.runbookId);
    else out.set(r.alertname!, new Set([r.runbookId]));
  }
  return out;
}

/**
 * The rotation that answers for each of the scope's services: the first schedule its escalation policy pages, in
 * level order (services without a policy, or whose policy pages people only, are left out). One query.
 */
export async function loadServiceSchedules(k: K, scope: Scope): Promise<Map<string, string>> {
  let q = k
    .selectFrom('services as s')
    .innerJoin('escalationPolicies as p', 'p.id', 's.escalationPolicyId')
    .select(['s.id', 'p.levels']);
  if (scope.teamId !== undefined) q = q.where('s.teamId', '=', scope.teamId);
  if (scope.serviceId !== undefined) q = q.where('s.id', '=', scope.serviceId);
  const out = new Map<string, string>();
  for (const r of await q.execute()) {
    const levels = fromJsonText<{ targets?: { type: string; id: string }[] }[]>(r.levels, []);
    const first = levels.flatMap((l) => l.targets ?? []).find((t) => t.type === 'schedule');
    if (first) out.set(r.id, first.id);
  }
  return out;
}

/** Schedules of a team (id, name), oldest first. */
export async function loadTeamSchedules(k: K, teamId: string): Promise<{ id: string; name: string }[]> {
  return k.selectFrom('schedules').select(['id', 'name']).where('teamId', '=', teamId).orderBy('id').execute();
}

export interface CardHistory {
  openIncidents: Map<string, number>;
  pages: Map<string, number>;
  /** per service: alerts judged, noisy among them. */
  judged: Map<string, { judged: number; noisy: number }>;
  ruleKeys: Map<string, Set<string>>;
  overdue: Map<string, number>;
}

/**
 * The card's counts for the scope's services: open incidents, pages (people paged) in the window, judged and noisy
 * alerts (alert quality's judgements), alert rule keys seen in the window and overdue action items (of incidents of
 * the kinds asked for, as insights' learning counts them). Five queries.
 */
export async function loadCardHistory(
  k: K,
  scope: Scope,
  w: Window,
  now: number,
  noisy: readonly string[],
  judged: readonly string[],
): Promise<CardHistory> {
  const inScope = (service: string, team: string) => {
    const parts = [sql<boolean>`1 = 1`];
    if (scope.teamId !== undefined) parts.push(sql<boolean>`${sql.ref(team)} = ${scope.teamId}`);
    if (scope.serviceId !== undefined) parts.push(sql<boolean>`${sql.ref(service)} = ${scope.serviceId}`);
    return sql<boolean>`${sql.join(parts, sql` and `)}`;
  };
  const open = k
    .selectFrom('incidentServices as isv')
    .innerJoin('incidents as i', 'i.id', 'isv.incidentId')
    .innerJoin('services as s', 's.id', 'isv.serviceId')
    .select(['isv.serviceId', (eb) => eb.fn.countAll<number>().as('n')])
    .where('i.status', '!=', 'resolved')
    .where('i.kind', 'in', [...w.kinds])
    .groupBy('isv.serviceId')
    .where(inScope('isv.serviceId', 's.teamId'));
  const pagesQ = k
    .selectFrom('escalationLog as l')
    .innerJoin('alerts as a', 'a.id', 'l.alertId')
    .innerJoin('services as s', 's.id', 'a.serviceId')
    .select(['a.serviceId', 'l.userIds', (eb) => eb.fn.countAll<number>().as('n')])
    .where('l.kind', '=', 'paged')
    .where('l.at', '>=', w.from)
    .where('l.at', '<', w.to)
    .where(keptAlert(w))
    .groupBy(['a.serviceId', 'l.userIds'])
    .where(inScope('a.serviceId', 's.teamId'));
  const quality = k
    .selectFrom('alerts as a')
    .innerJoin('services as s', 's.id', 'a.serviceId')
    .select(['a.serviceId', 'a.classification', 'a.ruleKey', (eb) => eb.fn.countAll<number>().as('n')])
    .where('a.createdAt', '>=', w.from)
    .where('a.createdAt', '<', w.to)
    .where(w.kinds.includes('drill') ? sql<boolean>`1 = 1` : sql<boolean>`${sql.ref('a.isDrill')} = 0`)
    .groupBy(['a.serviceId', 'a.classification', 'a.ruleKey'])
    .where(inScope('a.serviceId', 's.teamId'));
  const overdueQ = k
    .selectFrom('actionItems as ai')
    .leftJoin('postmortems as pm', 'pm.id', 'ai.postmortemId')
    .innerJoin('incidentServices as isv', (j) =>
      j.on(
        sql<boolean>`${sql.ref('isv.incidentId')} = coalesce(${sql.ref('ai.incidentId')}, ${sql.ref('pm.incidentId')})`,
      ),
    )
    .innerJoin('services as s', 's.id', 'isv.serviceId')
    .innerJoin('incidents as ki', 'ki.id', 'isv.incidentId')
    .select(['isv.serviceId', (eb) => eb.fn.count<number>('ai.id').distinct().as('n')])
    .where('ki.kind', 'in', [...w.kinds])
    .where('ai.status', 'in', ['open', 'in_progress'])
    .where('ai.dueAt', '<', now)
    .groupBy('isv.serviceId')
    .where(inScope('isv.serviceId', 's.teamId'));
  const [openRows, pageRows, qualityRows, overdueRows] = await Promise.all([
    open.execute(),
    pagesQ.execute(),
    quality.execute(),
    overdueQ.execute(),
  ]);
  const pages = new Map<string, number>();
  for (const r of pageRows) {
    const people = fromJsonText<string[]>(r.userIds, []).length;
    pages.set(r.serviceId, (pages.get(r.serviceId) ?? 0) + people * num(r.n));
  }
  const judgedBy = new Map<string, { judged: number; noisy: number }>();
  const ruleKeys = new Map<string, Set<string>>();
  for (const r of qualityRows) {
    const j = judgedBy.get(r.serviceId) ?? { judged: 0, noisy: 0 };
    if (r.classification !== null && judged.includes(r.classification)) j.judged += num(r.n);
    if (r.classification !== null && noisy.includes(r.classification)) j.noisy += num(r.n);
    judgedBy.set(r.serviceId, j);
    const keys = ruleKeys.get(r.serviceId);
    if (keys) keys.add(r.ruleKey);
    else ruleKeys.set(r.serviceId, new Set([r.ruleKey]));
  }
  return {
    openIncidents: new Map(openRows.map((r) => [r.serviceId, num(r.n)])),
    pages,
    judged: judgedBy,
    ruleKeys,
    overdue: new Map(overdueRows.map((r) => [r.serviceId, num(r.n)])),
  };
}

/** incident → its services, for the given incidents (in chunks). */
export async function loadIncidentServices(k: K, incidentIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const c of chunks(incidentIds)) {
    const rows = await k
      .selectFrom('incidentServices')
      .select(['incidentId', 'serviceId'])
      .where('incidentId', 'in', c)
      .execute();
    for (const r of rows) out.set(r.incidentId, [...(out.get(r.incidentId) ?? []), r.serviceId]);
  }
  return out;
}
