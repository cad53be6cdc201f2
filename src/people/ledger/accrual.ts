/**
 * Comp-time accrual (docs/people-health.md, "Comp time"): reads the escalation log, the incidents' roles and alerts and
 * the final schedules of one team over a window, and inserts one ledger entry per source (`incident:<id>:<user>`,
 * `page:<alert>:<user>`, `weekend:<user>:<saturday>`). The source is unique per team, so running it again over the
 * same window inserts nothing twice. A handful of set-based queries whatever the window.
 */
import type { Executor } from '../../db/index.js';
import { finalShifts } from '../../oncall/sustainability-service.js';
import type { Interval } from '../../oncall/model.js';
import { DEFAULT_WINDOWS } from '../../oncall/sustainability.js';
import { pageTiming } from '../../insights/paging.js';
import { newId } from '../../shared/ids.js';
import { fromJsonText } from '../../shared/json.js';
import { zonedToInstant } from '../../shared/time.js';
import { onCallWeekends, spanMinutes, type CompTimePolicy } from './comp-time.js';

export interface AccrualRow {
  userId: string;
  kind: 'incident' | 'page' | 'weekend';
  minutes: number;
  occurredAt: number;
  source: string;
  incidentId: string | null;
  note: string;
}

interface PageRow {
  alertId: string;
  userId: string;
  at: number;
}

async function pagesOf(ex: Executor, teamId: string, from: number, to: number): Promise<PageRow[]> {
  const rows = await ex
    .selectFrom('escalationLog')
    .innerJoin('alerts', 'alerts.id', 'escalationLog.alertId')
    .innerJoin('services', 'services.id', 'alerts.serviceId')
    .select(['escalationLog.alertId', 'escalationLog.at', 'escalationLog.userIds'])
    .where('escalationLog.kind', '=', 'paged')
    .where('services.teamId', '=', teamId)
    .where('alerts.isDrill', '=', 0)
    .where('escalationLog.at', '>=', from)
    .where('escalationLog.at', '<', to)
    .orderBy('escalationLog.at')
    .execute();
  return rows.flatMap((r) =>
    fromJsonText<string[]>(r.userIds, []).map((userId) => ({ alertId: r.alertId, userId, at: r.at })),
  );
}

/** hours_factor: the incidents of the team resolved in [from, to) and the pages answered outside any incident. */
async function responseAccruals(
  ex: Executor,
  teamId: string,
  policy: CompTimePolicy,
  from: number,
  to: number,
): Promise<AccrualRow[]> {
  // A page looked up to 12 hours before the window: an incident resolved in it may have paged before it began.
  const pages = await pagesOf(ex, teamId, from - 12 * 3_600_000, to);
  const incidents = await ex
    .selectFrom('incidents')
    .select(['incidents.id', 'incidents.title', 'incidents.resolvedAt'])
    .where('incidents.kind', '=', 'real')
    .where('incidents.status', '=', 'resolved')
    .where('incidents.resolvedAt', '>=', from)
    .where('incidents.resolvedAt', '<', to)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('incidentServices')
          .innerJoin('services', 'services.id', 'incidentServices.serviceId')
          .select('incidentServices.incidentId')
          .whereRef('incidentServices.incidentId', '=', 'incidents.id')
          .where('services.teamId', '=', teamId),
      ),
    )
    .execute();
  const ids = incidents.map((i) => i.id);
  const [roles, links] = ids.length
    ? await Promise.all([
        ex
          .selectFrom('roleAssignments')
          .select(['incidentId', 'userId', 'startedAt'])
          .where('incidentId', 'in', ids)
          .execute(),
        ex
          .selectFrom('incidentAlerts')
          .innerJoin('alerts', 'alerts.id', 'incidentAlerts.alertId')
          .select(['incidentAlerts.incidentId', 'alerts.id', 'alerts.acknowledgedByUserId'])
          .where('incidentAlerts.incidentId', 'in', ids)
          .execute(),
      ])
    : [[], []];
  // Pages outside incidents: answered (the person acknowledged the alert), from the first page to the alert's end. A
  // page whose alert is linked to any real incident (open, or resolved outside the window) is not lone: that
  // incident's accrual counts it, so the hour is not counted twice.
  const pagedAlertIds = [...new Set(pages.map((p) => p.alertId))];
  const linkedAlerts = new Set([
    ...links.map((l) => l.id),
    ...(pagedAlertIds.length
      ? await ex
          .selectFrom('incidentAlerts')
          .innerJoin('incidents', 'incidents.id', 'incidentAlerts.incidentId')
          .select('incidentAlerts.alertId')
          .where('incidents.kind', '=', 'real')
          .where('incidentAlerts.alertId', 'in', pagedAlertIds)
          .execute()
      : []
    ).map((l) => l.alertId),
  ]);
  // Pages accrued on their own before their alert was linked to an incident: the incident's accrual subtracts them.
  const pageSources = [
    ...new Set(links.flatMap((l) => (l.acknowledgedByUserId ? [pageSource(l.id, l.acknowledgedByUserId)] : []))),
  ];
  const accrued = new Map(
    (pageSources.length
      ? await ex
          .selectFrom('compTimeEntries')
          .select(['source', 'minutes'])
          .where('teamId', '=', teamId)
          .where('kind', '=', 'page')
          .where('source', 'in', pageSources)
          .execute()
      : []
    ).map((e) => [e.source ?? '', e.minutes]),
  );
  const lonePages = pages.filter((p) => !linkedAlerts.has(p.alertId) && p.at >= from);
  const loneAlertIds = [...new Set(lonePages.map((p) => p.alertId))];
  const alerts = loneAlertIds.length
    ? await ex
        .selectFrom('alerts')
        .select(['id', 'summary', 'acknowledgedByUserId', 'resolvedAt'])
        .where('id', 'in', loneAlertIds)
        .execute()
    : [];
  const people = [
    ...new Set([
      ...roles.map((r) => r.userId),
      ...links.flatMap((l) => l.acknowledgedByUserId ?? []),
      ...pages.map((p) => p.userId),
    ]),
  ];
  const zones = new Map(
    (people.length
      ? await ex.selectFrom('users').select(['id', 'timezone']).where('id', 'in', people).execute()
      : []
    ).map((u) => [u.id, u.timezone || 'UTC']),
  );
  const zoneOf = (u: string) => zones.get(u) ?? 'UTC';
  const alertById = new Map(alerts.map((a) => [a.id, a]));
  return [
    ...incidentAccruals({ incidents, roles, links, pages, accrued }, zoneOf, policy),
    ...pageAccruals(lonePages, alertById, zoneOf, policy, to),
  ];
}

const pageSource = (alertId: string, userId: string) => `page:${alertId}:${userId}`;

type Incident = { id: string; title: string; resolvedAt: number | null };
type RoleRow = { incidentId: string; userId: string; startedAt: number };
type LinkRow = { incidentId: string; id: string; acknowledgedByUserId: string | null };
type LoneAlert = { id: string; summary: string; acknowledgedByUserId: string | null; resolvedAt: number | null };

/**
 * Per resolved incident and person: from their first part in it (a role taken, or a page for one of its alerts they
 * acknowledged) to its resolution, the part outside working hours (spanMinutes), less what the person's pages for its
 * alerts already accrued on their own (`accrued`, by source) before the alerts were linked: each hour counts once.
 */
function incidentAccruals(
  d: { incidents: Incident[]; roles: RoleRow[]; links: LinkRow[]; pages: PageRow[]; accrued: Map<string, number> },
  zoneOf: (userId: string) => string,
  policy: CompTimePolicy,
): AccrualRow[] {
  const { incidents, roles, links, pages, accrued } = d;
  const out: AccrualRow[] = [];
  for (const i of incidents) {
    const end = i.resolvedAt!;
    const alertIds = new Set(links.filter((l) => l.incidentId === i.id).map((l) => l.id));
    const starts = new Map<string, { start: number; pagedOutOfHours: boolean }>();
    const note = (u: string, at: number, paged: boolean) => {
      const cur = starts.get(u);
      const outOfHours = paged && pageTiming(at, zoneOf(u), DEFAULT_WINDOWS).outsideWorkingHours;
      starts.set(u, {
        start: Math.min(cur?.start ?? at, at),
        pagedOutOfHours: (cur?.pagedOutOfHours ?? false) || outOfHours,
      });
    };
    for (const r of roles) if (r.incidentId === i.id) note(r.userId, r.startedAt, false);
    const ackers = new Set(links.filter((l) => l.incidentId === i.id).flatMap((l) => l.acknowledgedByUserId ?? []));
    for (const p of pages) if (alertIds.has(p.alertId) && ackers.has(p.userId)) note(p.userId, p.at, true);
    for (const [userId, s] of starts) {
      if (s.start >= end) continue;
      let already = 0;
      for (const a of alertIds) already += accrued.get(pageSource(a, userId)) ?? 0;
      const minutes =
        spanMinutes({ timezone: zoneOf(userId), start: s.start, end, pagedOutOfHours: s.pagedOutOfHours }, policy) -
        already;
      if (minutes <= 0) continue;
      out.push({
        userId,
        kind: 'incident',
        minutes,
        occurredAt: s.start,
        source: `incident:${i.id}:${userId}`,
        incidentId: i.id,
        note: i.title.slice(0, 200),
      });
    }
  }

  return out;
}

/** Pages answered outside any incident: the person acknowledged the alert; from their first page to its end. */
function pageAccruals(
  lonePages: PageRow[],
  alertById: Map<string, LoneAlert>,
  zoneOf: (userId: string) => string,
  policy: CompTimePolicy,
  to: number,
): AccrualRow[] {
  const out: AccrualRow[] = [];
  const firstPage = new Map<string, PageRow>();
  for (const p of lonePages) {
    const k = `${p.alertId}:${p.userId}`;
    if (!firstPage.has(k)) firstPage.set(k, p);
  }
  for (const p of firstPage.values()) {
    const a = alertById.get(p.alertId);
    if (!a || a.acknowledgedByUserId !== p.userId || a.resolvedAt === null || a.resolvedAt > to) continue;
    const tz = zoneOf(p.userId);
    const minutes = spanMinutes(
      { timezone: tz, start: p.at, end: a.resolvedAt, pagedOutOfHours: pageTiming(p.at, tz).outsideWorkingHours },
      policy,
    );
    if (minutes <= 0) continue;
    out.push({
      userId: p.userId,
      kind: 'page',
      minutes,
      occurredAt: p.at,
      source: pageSource(p.alertId, p.userId),
      incidentId: null,
      note: a.summary.slice(0, 200),
    });
  }
  return out;
}

/** weekend_fixed: every weekend ending in [from, to) a person held ≥ 24 h of the team's final schedules. */
async function weekendAccruals(
  ex: Executor,
  teamId: string,
  policy: CompTimePolicy,
  from: number,
  to: number,
): Promise<AccrualRow[]> {
  const loaded = await finalShifts(ex, from - 3 * 86_400_000, to, (s) => s.teamId === teamId);
  const shifts = new Map<string, { tz: string; list: Interval[] }>();
  for (const l of loaded) {
    for (const s of l.final) {
      const cur = shifts.get(s.userId) ?? { tz: l.schedule.timezone, list: [] };
      cur.list.push({ start: s.start, end: s.end });
      shifts.set(s.userId, cur);
    }
  }
  const minutes = Math.round(policy.weekendHours * 60);
  if (minutes <= 0) return [];
  const out: AccrualRow[] = [];
  for (const [userId, s] of shifts) {
    for (const saturday of onCallWeekends(s.list, s.tz, from, to)) {
      out.push({
        userId,
        kind: 'weekend',
        minutes,
        // Saturday 00:00 in the schedule's zone, where the weekend begins (not midnight UTC).
        occurredAt: zonedToInstant(
          {
            year: Number(saturday.slice(0, 4)),
            month: Number(saturday.slice(5, 7)),
            day: Number(saturday.slice(8, 10)),
            hour: 0,
            minute: 0,
          },
          s.tz,
        ),
        source: `weekend:${userId}:${saturday}`,
        incidentId: null,
        note: `On call the weekend of ${saturday}`,
      });
    }
  }
  return out;
}

/** What the policy accrues over [from, to) for the team (not yet written). */
export function accrualsFor(
  ex: Executor,
  teamId: string,
  policy: CompTimePolicy,
  from: number,
  to: number,
): Promise<AccrualRow[]> {
  if (policy.kind === 'hours_factor') return responseAccruals(ex, teamId, policy, from, to);
  if (policy.kind === 'weekend_fixed') return weekendAccruals(ex, teamId, policy, from, to);
  return Promise.resolve([]);
}

/** Insert the accruals; an entry whose source the team already has is skipped. Returns how many were new. */
export async function writeAccruals(ex: Executor, teamId: string, rows: AccrualRow[], now: number): Promise<number> {
  let added = 0;
  for (const r of rows) {
    const res = await ex
      .insertInto('compTimeEntries')
      .values({
        id: newId('cte', now),
        teamId,
        userId: r.userId,
        kind: r.kind,
        minutes: r.minutes,
        occurredAt: r.occurredAt,
        source: r.source,
        incidentId: r.incidentId,
        note: r.note,
        createdByLabel: 'Muster',
        createdAt: now,
      })
      .onConflict((oc) => oc.columns(['teamId', 'source']).doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) > 0) added++;
  }
  return added;
}
