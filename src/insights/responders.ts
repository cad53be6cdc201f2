/**
 * Responders (issue 12, item 5; docs/insights.md "Responders"): per incident, the people who joined the room, acted or
 * held a role while it was open, and the periods on P1/P2 when several people acted with no Incident Commander
 * ("uncoordinated"); across incidents, responders against time to mitigate, per severity.
 *
 * The figures are pure (`uncoordinatedPeriods`, `summariseResponders`, `respondersBySeverity`); `ResponderInsights`
 * loads what they need in a few set-based queries per request (the incidents of the window through the response-time
 * loader, then the actions, joins, role assignments and severity changes of the same incidents).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/index.js';
import { incidentNotFound } from '../incidents/errors.js';
import { MINUTE, type Clock } from '../shared/clock.js';
import { durationOf, stats, type InsightIncident, type Stats } from './model.js';
import { ResponseTimeInsights, type ResolvedFilter, type ResponseTimeFilter } from './response-times.js';

/** How many distinct people acting within UNCOORDINATED_WINDOW_MS, with no IC, make an uncoordinated period. */
export const UNCOORDINATED_PEOPLE = 3;
/** The window those actions fall in (inclusive at both ends). */
export const UNCOORDINATED_WINDOW_MS = 15 * MINUTE;
/** The severities an uncoordinated period is flagged on. */
export const UNCOORDINATED_SEVERITIES: readonly string[] = ['P1', 'P2'];
/** Timeline entries that count as a person acting in an incident (by a person: entries by Muster itself never do). */
export const ACTING_KINDS = [
  'declared',
  'note',
  'status_update',
  'status_changed',
  'reopened',
  'severity_changed',
  'severity_confirmed',
  'acknowledged',
  'alert_acknowledged',
  'alert_linked',
  'role_assigned',
  'role_unassigned',
  'task_added',
  'task_updated',
  'task_done',
  'task_reopened',
  'milestone_changed',
  'details_updated',
  'service_added',
  'service_removed',
  'change_suspected',
  'changes_reviewed',
] as const;
/** Responder-count buckets for "responders against time to mitigate". */
export const RESPONDER_BUCKETS = ['1', '2', '3-4', '5-7', '8+'] as const;
export type ResponderBucket = (typeof RESPONDER_BUCKETS)[number];
const SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
const COMMANDER = 'commander';

export interface Action {
  userId: string;
  at: number;
  /** The timeline's order within the incident (ties at the same millisecond). */
  seq: number;
}
export interface Interval {
  startedAt: number;
  endedAt: number | null;
}
export interface SeverityChange {
  at: number;
  from: string;
  to: string;
}
export interface UncoordinatedPeriod {
  from: number;
  /** null while it lasts (no IC yet, not resolved, still P1/P2). */
  until: number | null;
  /** The people whose actions started it (at least UNCOORDINATED_PEOPLE), in the order they first acted. */
  userIds: string[];
}

/** The severity at an instant: the incident's severity before its first change was that change's `from`. */
export function severityAt(current: string, changes: SeverityChange[], at: number): string {
  const sorted = [...changes].sort((a, b) => a.at - b.at);
  let s = sorted[0]?.from ?? current;
  for (const c of sorted) if (c.at <= at) s = c.to;
  return s;
}

/**
 * The uncoordinated periods of one incident. At each action (in timeline order) while the incident is open, its
 * severity is P1 or P2 and nobody is Incident Commander, count the distinct people who acted in the
 * UNCOORDINATED_WINDOW_MS up to it — since the last IC stepped down, if later; when they are UNCOORDINATED_PEOPLE or
 * more, a period starts at that action. It lasts until an IC is assigned, the incident resolves or its severity drops
 * below P2, whichever comes first (null: it still lasts); after it, the next period can start the same way.
 */
export function uncoordinatedPeriods(input: {
  severity: string;
  severityChanges: SeverityChange[];
  resolvedAt: number | null;
  actions: Action[];
  commanders: Interval[];
}): UncoordinatedPeriod[] {
  const actions = [...input.actions].sort((a, b) => a.at - b.at || a.seq - b.seq);
  const urgent = (at: number) =>
    UNCOORDINATED_SEVERITIES.includes(severityAt(input.severity, input.severityChanges, at));
  const hasCommander = (at: number) =>
    input.commanders.some((c) => c.startedAt <= at && (c.endedAt === null || at < c.endedAt));
  const lastCommanderEnd = (at: number) =>
    Math.max(-Infinity, ...input.commanders.map((c) => c.endedAt ?? Infinity).filter((e) => e <= at));
  const periods: UncoordinatedPeriod[] = [];
  let resumeAt = -Infinity;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (a.at < resumeAt) continue;
    if (input.resolvedAt !== null && a.at >= input.resolvedAt) break;
    if (!urgent(a.at) || hasCommander(a.at)) continue;
    const windowStart = Math.max(a.at - UNCOORDINATED_WINDOW_MS, lastCommanderEnd(a.at));
    const people: string[] = [];
    for (let j = 0; j <= i; j++) {
      const b = actions[j]!;
      if (b.at >= windowStart && !people.includes(b.userId)) people.push(b.userId);
    }
    if (people.length < UNCOORDINATED_PEOPLE) continue;
    const ends = [
      ...input.commanders.map((c) => c.startedAt).filter((s) => s > a.at),
      ...(input.resolvedAt !== null ? [input.resolvedAt] : []),
      ...input.severityChanges.filter((c) => c.at > a.at && !UNCOORDINATED_SEVERITIES.includes(c.to)).map((c) => c.at),
    ];
    const until = ends.length ? Math.min(...ends) : null;
    periods.push({ from: a.at, until, userIds: people });
    if (until === null) break;
    resumeAt = until;
  }
  return periods;
}

/** Seconds spent uncoordinated (a period still lasting counts up to `now`), rounded. */
export function uncoordinatedSeconds(periods: UncoordinatedPeriod[], now: number): number {
  const ms = periods.reduce((s, p) => s + Math.max(0, (p.until ?? now) - p.from), 0);
  return Math.round(ms / 1000);
}

export interface Responder {
  userId: string;
  name: string;
  joinedAt: number | null;
  firstActedAt: number | null;
  actions: number;
  roles: string[];
}

/**
 * One incident's responders: everyone who joined the room, acted or held a role while it was open (each list already
 * cut at resolution by the loader), ordered by when they first showed up.
 */
export function summariseResponders(input: {
  joins: { userId: string; name: string; at: number }[];
  acted: { userId: string; name: string; firstAt: number; count: number }[];
  roles: { userId: string; name: string; role: string; startedAt: number }[];
}): { responders: Responder[]; roleHolders: number; acting: number } {
  const by = new Map<string, Responder & { firstSeen: number }>();
  const get = (userId: string, name: string, at: number) => {
    let r = by.get(userId);
    if (!r) {
      r = { userId, name, joinedAt: null, firstActedAt: null, actions: 0, roles: [], firstSeen: at };
      by.set(userId, r);
    }
    r.firstSeen = Math.min(r.firstSeen, at);
    return r;
  };
  for (const j of input.joins) {
    const r = get(j.userId, j.name, j.at);
    r.joinedAt = r.joinedAt === null ? j.at : Math.min(r.joinedAt, j.at);
  }
  for (const a of input.acted) {
    const r = get(a.userId, a.name, a.firstAt);
    r.firstActedAt = r.firstActedAt === null ? a.firstAt : Math.min(r.firstActedAt, a.firstAt);
    r.actions += a.count;
  }
  for (const h of input.roles) {
    const r = get(h.userId, h.name, h.startedAt);
    if (!r.roles.includes(h.role)) r.roles.push(h.role);
  }
  const responders = [...by.values()]
    .sort((a, b) => a.firstSeen - b.firstSeen || a.userId.localeCompare(b.userId))
    .map(({ firstSeen: _firstSeen, ...r }) => r);
  return {
    responders,
    roleHolders: responders.filter((r) => r.roles.length > 0).length,
    acting: responders.filter((r) => r.actions > 0).length,
  };
}

/** The bucket of a responder count; null for 0 (nobody joined, acted or held a role). */
export function responderBucket(n: number): ResponderBucket | null {
  if (n <= 0) return null;
  if (n === 1) return '1';
  if (n === 2) return '2';
  if (n <= 4) return '3-4';
  if (n <= 7) return '5-7';
  return '8+';
}

/** Per severity (those given, in order), every responder bucket with its incidents and their time to mitigate. */
export function respondersBySeverity(
  incidents: { severity: string; responders: number; mttmMs: number | null }[],
  severities: readonly string[],
): { severity: string; buckets: { responders: ResponderBucket; incidents: number; timeToMitigate: Stats }[] }[] {
  return severities.map((severity) => ({
    severity,
    buckets: RESPONDER_BUCKETS.map((bucket) => {
      const inBucket = incidents.filter((i) => i.severity === severity && responderBucket(i.responders) === bucket);
      return {
        responders: bucket,
        incidents: inBucket.length,
        timeToMitigate: stats(inBucket.map((i) => i.mttmMs).filter((v): v is number => v !== null)),
      };
    }),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

type Scope = { incidentId: string } | { filter: ResolvedFilter };

/** The incidents a query reads (`i` is the incidents alias in every query below). */
function inScope(s: Scope): RawBuilder<boolean> {
  if ('incidentId' in s) return sql<boolean>`i.id = ${s.incidentId}`;
  const f = s.filter;
  const parts = [sql`i.declared_at >= ${f.from} and i.declared_at < ${f.to} and i.kind in (${sql.join(f.kinds)})`];
  // The report's own filters too, so a team's or a service's figures read only its incidents' rows.
  if (f.severity !== undefined) parts.push(sql`i.severity = ${f.severity}`);
  if (f.serviceId !== undefined)
    parts.push(
      sql`exists (select 1 from incident_services fs where fs.incident_id = i.id and fs.service_id = ${f.serviceId})`,
    );
  if (f.teamId !== undefined)
    parts.push(
      sql`exists (select 1 from incident_services fs join services fv on fv.id = fs.service_id
        where fs.incident_id = i.id and fv.team_id = ${f.teamId})`,
    );
  return sql<boolean>`${sql.join(parts, sql` and `)}`;
}
/** Only what happened while the incident was open: at or before its resolution. */
const beforeResolution = (column: string) =>
  sql<boolean>`(i.resolved_at is null or ${sql.ref(column)} <= i.resolved_at)`;
const num = (v: unknown): number => Number(v);
const nameOf = (u: { name: string; email: string }) => u.name || u.email;

interface Loaded {
  joins: Map<string, { userId: string; name: string; at: number }[]>;
  acted: Map<string, { userId: string; name: string; firstAt: number; count: number }[]>;
  roles: Map<string, { userId: string; name: string; role: string; startedAt: number; endedAt: number | null }[]>;
  actions: Map<string, Action[]>;
  severityChanges: Map<string, SeverityChange[]>;
}

const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
};

/** A severity_changed entry's details: `{ from, to }`, or null when they are not that. */
function parseChange(details: string): { from: string; to: string } | null {
  let d: { from?: unknown; to?: unknown } = {};
  try {
    d = JSON.parse(details) as typeof d;
  } catch {
    return null;
  }
  return typeof d.from === 'string' && typeof d.to === 'string' ? { from: d.from, to: d.to } : null;
}

export interface IncidentResponders {
  responders: Responder[];
  roleHolders: number;
  acting: number;
  uncoordinated: { from: number; until: number | null; people: { userId: string; name: string }[] }[];
}

export interface RespondersReport {
  filter: ResolvedFilter;
  incidents: {
    id: string;
    title: string;
    severity: string;
    declaredAt: number;
    responders: number;
    roleHolders: number;
    uncoordinatedSeconds: number;
    mttmSeconds: number | null;
  }[];
  truncated: boolean;
  bySeverity: ReturnType<typeof respondersBySeverity>;
  uncoordinatedIncidents: number;
  totalIncidents: number;
}

/** At most this many incidents are listed (newest first); the figures count them all. */
export const MAX_LISTED = 1000;

export class ResponderInsights {
  private readonly responseTimes: ResponseTimeInsights;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.responseTimes = new ResponseTimeInsights(db, clock);
  }

  /** The severity changes of the incidents `where` selects, by incident, in order (one query). */
  private async severityChanges(where: RawBuilder<boolean>): Promise<Map<string, SeverityChange[]>> {
    const rows = await this.db.kysely
      .selectFrom('incidentEvents as e')
      .innerJoin('incidents as i', 'i.id', 'e.incidentId')
      .select(['e.incidentId', 'e.at', 'e.details'])
      .where(where)
      .where('e.kind', '=', 'severity_changed')
      .orderBy('e.seq')
      .execute();
    const out = new Map<string, SeverityChange[]>();
    for (const c of rows) {
      const d = parseChange(c.details);
      if (d) push(out, c.incidentId, { at: num(c.at), ...d });
    }
    return out;
  }

  /** Five set-based queries over the scope's incidents: joins, actions per person, roles, actions, severity changes. */
  private async load(scope: Scope): Promise<Loaded> {
    const k = this.db.kysely;
    const where = inScope(scope);
    const joins = await k
      .selectFrom('incidentParticipants as p')
      .innerJoin('incidents as i', 'i.id', 'p.incidentId')
      .innerJoin('users as u', 'u.id', 'p.userId')
      .select(['p.incidentId', 'p.userId', 'u.name', 'u.email', 'p.firstJoinedAt'])
      .where(where)
      .where(beforeResolution('p.firstJoinedAt'))
      .execute();
    const acted = await k
      .selectFrom('incidentEvents as e')
      .innerJoin('incidents as i', 'i.id', 'e.incidentId')
      .innerJoin('users as u', 'u.id', 'e.actorUserId')
      .select([
        'e.incidentId',
        'u.id as userId',
        'u.name',
        'u.email',
        (eb) => eb.fn.min('e.at').as('firstAt'),
        (eb) => eb.fn.countAll().as('n'),
      ])
      .where(where)
      .where('e.kind', 'in', ACTING_KINDS)
      .where(beforeResolution('e.at'))
      .groupBy(['e.incidentId', 'u.id', 'u.name', 'u.email'])
      .execute();
    const roles = await k
      .selectFrom('roleAssignments as r')
      .innerJoin('incidents as i', 'i.id', 'r.incidentId')
      .innerJoin('users as u', 'u.id', 'r.userId')
      .select(['r.incidentId', 'r.userId', 'u.name', 'u.email', 'r.role', 'r.startedAt', 'r.endedAt'])
      .where(where)
      .where(beforeResolution('r.startedAt'))
      .orderBy('r.id')
      .execute();
    // The action sequence is only needed where a period can be flagged: incidents P1/P2 now or ever changed.
    const actions = await k
      .selectFrom('incidentEvents as e')
      .innerJoin('incidents as i', 'i.id', 'e.incidentId')
      .select(['e.incidentId', 'e.actorUserId', 'e.at', 'e.seq'])
      .where(where)
      .where('e.kind', 'in', ACTING_KINDS)
      .where('e.actorUserId', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('i.severity', 'in', [...UNCOORDINATED_SEVERITIES]),
          eb.exists(
            eb
              .selectFrom('incidentEvents as s')
              .select(sql`1`.as('one'))
              .whereRef('s.incidentId', '=', 'i.id')
              .where('s.kind', '=', 'severity_changed'),
          ),
        ]),
      )
      .execute();
    const severityChanges = await this.severityChanges(where);
    const out: Loaded = {
      joins: new Map(),
      acted: new Map(),
      roles: new Map(),
      actions: new Map(),
      severityChanges,
    };
    for (const j of joins)
      push(out.joins, j.incidentId, { userId: j.userId, name: nameOf(j), at: num(j.firstJoinedAt) });
    for (const a of acted)
      push(out.acted, a.incidentId, { userId: a.userId, name: nameOf(a), firstAt: num(a.firstAt), count: num(a.n) });
    for (const r of roles)
      push(out.roles, r.incidentId, {
        userId: r.userId,
        name: nameOf(r),
        role: r.role,
        startedAt: num(r.startedAt),
        endedAt: r.endedAt === null ? null : num(r.endedAt),
      });
    for (const a of actions)
      push(out.actions, a.incidentId, { userId: a.actorUserId!, at: num(a.at), seq: num(a.seq) });
    return out;
  }

  /**
   * What the report needs, and no more (bench:insights, 5 years): per incident, how many people responded and how
   * many held a role, counted in SQL (one grouped query over the distinct people of the joins, actions and roles, the
   * same people summariseResponders lists); and the action sequences, Incident Commander assignments and severity
   * changes only of the incidents where a period can be flagged (P1/P2 now or ever changed).
   */
  private async loadForReport(f: ResolvedFilter): Promise<{
    counts: Map<string, { responders: number; roleHolders: number }>;
    actions: Map<string, Action[]>;
    commanders: Map<string, Interval[]>;
    severityChanges: Map<string, SeverityChange[]>;
  }> {
    const k = this.db.kysely;
    const where = inScope({ filter: f });
    const acting = sql.join([...ACTING_KINDS]);
    const people = await sql<{ incidentId: string; responders: unknown; roleHolders: unknown }>`
      select x.incident_id, count(*) as responders, sum(x.has_role) as role_holders from (
        select y.incident_id, y.user_id, max(y.has_role) as has_role from (
          select p.incident_id, p.user_id, 0 as has_role from incident_participants p
            join incidents i on i.id = p.incident_id join users u on u.id = p.user_id
            where ${where} and ${beforeResolution('p.first_joined_at')}
          union all
          select e.incident_id, e.actor_user_id as user_id, 0 as has_role from incident_events e
            join incidents i on i.id = e.incident_id join users u on u.id = e.actor_user_id
            where ${where} and e.kind in (${acting}) and ${beforeResolution('e.at')}
          union all
          select r.incident_id, r.user_id, 1 as has_role from role_assignments r
            join incidents i on i.id = r.incident_id join users u on u.id = r.user_id
            where ${where} and ${beforeResolution('r.started_at')}
        ) y group by y.incident_id, y.user_id
      ) x group by x.incident_id`.execute(k);
    const counts = new Map<string, { responders: number; roleHolders: number }>();
    for (const r of people.rows)
      counts.set(r.incidentId, { responders: num(r.responders), roleHolders: num(r.roleHolders) });
    const urgent = sql<boolean>`(i.severity in (${sql.join([...UNCOORDINATED_SEVERITIES])}) or exists (
      select 1 from incident_events s where s.incident_id = i.id and s.kind = 'severity_changed'))`;
    const actions = await k
      .selectFrom('incidentEvents as e')
      .innerJoin('incidents as i', 'i.id', 'e.incidentId')
      .select(['e.incidentId', 'e.actorUserId', 'e.at', 'e.seq'])
      .where(where)
      .where(urgent)
      .where('e.kind', 'in', ACTING_KINDS)
      .where('e.actorUserId', 'is not', null)
      .execute();
    const commanders = await k
      .selectFrom('roleAssignments as r')
      .innerJoin('incidents as i', 'i.id', 'r.incidentId')
      .innerJoin('users as u', 'u.id', 'r.userId')
      .select(['r.incidentId', 'r.startedAt', 'r.endedAt'])
      .where(where)
      .where(urgent)
      .where('r.role', '=', COMMANDER)
      .where(beforeResolution('r.startedAt'))
      .orderBy('r.id')
      .execute();
    const severityChanges = await this.severityChanges(where);
    const out = {
      counts,
      actions: new Map<string, Action[]>(),
      commanders: new Map<string, Interval[]>(),
      severityChanges,
    };
    for (const a of actions)
      push(out.actions, a.incidentId, { userId: a.actorUserId!, at: num(a.at), seq: num(a.seq) });
    for (const c of commanders)
      push(out.commanders, c.incidentId, {
        startedAt: num(c.startedAt),
        endedAt: c.endedAt === null ? null : num(c.endedAt),
      });
    return out;
  }

  private figures(
    l: Loaded,
    i: { id: string; severity: string; resolvedAt: number | null },
    names: (userId: string) => string,
  ): IncidentResponders & { uncoordinatedSeconds: number } {
    const roles = l.roles.get(i.id) ?? [];
    const summary = summariseResponders({
      joins: l.joins.get(i.id) ?? [],
      acted: l.acted.get(i.id) ?? [],
      roles,
    });
    const periods = uncoordinatedPeriods({
      severity: i.severity,
      severityChanges: l.severityChanges.get(i.id) ?? [],
      resolvedAt: i.resolvedAt,
      actions: l.actions.get(i.id) ?? [],
      commanders: roles.filter((r) => r.role === COMMANDER),
    });
    return {
      ...summary,
      uncoordinated: periods.map((p) => ({
        from: p.from,
        until: p.until,
        people: p.userIds.map((userId) => ({ userId, name: names(userId) })),
      })),
      uncoordinatedSeconds: uncoordinatedSeconds(periods, this.clock.now()),
    };
  }

  /** One incident's responders and uncoordinated periods (GET /api/incidents/:id/responders). */
  async forIncident(incidentId: string): Promise<IncidentResponders> {
    const row = await this.db.kysely
      .selectFrom('incidents')
      .select(['id', 'severity', 'resolvedAt'])
      .where('id', '=', incidentId)
      .executeTakeFirst();
    if (!row) throw incidentNotFound(incidentId);
    const l = await this.load({ incidentId });
    const known = new Map<string, string>();
    for (const a of l.acted.get(incidentId) ?? []) known.set(a.userId, a.name);
    const { uncoordinatedSeconds: _s, ...rest } = this.figures(
      l,
      { id: row.id, severity: row.severity, resolvedAt: row.resolvedAt === null ? null : num(row.resolvedAt) },
      (userId) => known.get(userId) ?? userId,
    );
    return rest;
  }

  /** Responders against time to mitigate across the window's incidents (GET /api/insights/responders). */
  async report(filter: ResponseTimeFilter): Promise<RespondersReport> {
    const f = await this.responseTimes.resolve(filter);
    const incidents: InsightIncident[] = await this.responseTimes.load(f, { links: false });
    const l = await this.loadForReport(f);
    const now = this.clock.now();
    const rows = incidents.map((i) => {
      const actions = l.actions.get(i.id);
      const periods = actions
        ? uncoordinatedPeriods({
            severity: i.severity,
            severityChanges: l.severityChanges.get(i.id) ?? [],
            resolvedAt: i.resolvedAt,
            actions,
            commanders: l.commanders.get(i.id) ?? [],
          })
        : [];
      const counts = l.counts.get(i.id);
      const mttmMs = durationOf(i, 'mttm');
      return {
        id: i.id,
        title: i.title,
        severity: i.severity,
        declaredAt: i.declaredAt,
        responders: counts?.responders ?? 0,
        roleHolders: counts?.roleHolders ?? 0,
        uncoordinatedSeconds: uncoordinatedSeconds(periods, now),
        uncoordinatedPeriods: periods.length,
        mttmMs,
        mttmSeconds: mttmMs === null ? null : Math.round(mttmMs / 1000),
      };
    });
    const listed = [...rows].sort((a, b) => b.declaredAt - a.declaredAt || b.id.localeCompare(a.id));
    return {
      filter: f,
      incidents: listed.slice(0, MAX_LISTED).map(({ mttmMs: _m, uncoordinatedPeriods: _p, ...r }) => r),
      truncated: listed.length > MAX_LISTED,
      bySeverity: respondersBySeverity(rows, f.severity !== undefined ? [f.severity] : SEVERITIES),
      uncoordinatedIncidents: rows.filter((r) => r.uncoordinatedPeriods > 0).length,
      totalIncidents: rows.length,
    };
  }
}
