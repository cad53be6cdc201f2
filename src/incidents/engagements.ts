/**
 * Double-booked responders (issue 21, docs/people-health.md): the open incidents a person is engaged in — holding a
 * role, paged for one of its alerts, or joined its room with "Join" (opening the room's stream to read along does not
 * count). Drills are left out, as insights leaves them out. Three set-based queries whatever the number of people.
 * A page counts for an incident linked to any alert of the page's escalation run, not only its lead alert.
 */
import type { Executor } from '../db/index.js';
import { fromJsonText } from '../shared/json.js';
import { ROLE_NAMES, type IncidentRole, type Severity } from './model.js';

/** `people.doubleCommand` (handled by src/people/ledger): is this person IC of two open P1/P2 incidents? */
export const JOB_DOUBLE_COMMAND = 'people.doubleCommand';
export interface DoubleCommandPayload {
  userId: string;
}

export interface Engagement {
  incidentId: string;
  title: string;
  severity: Severity;
  status: string;
  roles: IncidentRole[];
  paged: boolean;
  joined: boolean;
}

export interface DoubleBookedWarning {
  code: 'double_booked';
  message: string;
  roles: IncidentRole[];
  userId: string;
  incidents: { id: string; title: string; severity: Severity; roles: IncidentRole[] }[];
}

/** Every open, non-drill incident each of `userIds` is engaged in (all engaged people when `userIds` is null). */
export async function openEngagements(
  ex: Executor,
  userIds: string[] | null,
  opts: { exceptIncidentId?: string | undefined } = {},
): Promise<Map<string, Engagement[]>> {
  const out = new Map<string, Engagement[]>();
  if (userIds && userIds.length === 0) return out;
  const wanted = userIds ? new Set(userIds) : null;
  const except = opts.exceptIncidentId ?? '';
  const [roles, joins, pages] = await Promise.all([
    ex
      .selectFrom('roleAssignments')
      .innerJoin('incidents', 'incidents.id', 'roleAssignments.incidentId')
      .select([
        'roleAssignments.userId',
        'roleAssignments.role',
        'incidents.id',
        'incidents.title',
        'incidents.severity',
        'incidents.status',
      ])
      .where('roleAssignments.endedAt', 'is', null)
      .where('incidents.status', '!=', 'resolved')
      .where('incidents.kind', '!=', 'drill')
      .where('incidents.id', '!=', except)
      .$if(wanted !== null, (q) => q.where('roleAssignments.userId', 'in', [...wanted!]))
      .execute(),
    ex
      .selectFrom('incidentParticipants')
      .innerJoin('incidents', 'incidents.id', 'incidentParticipants.incidentId')
      .select([
        'incidentParticipants.userId',
        'incidents.id',
        'incidents.title',
        'incidents.severity',
        'incidents.status',
      ])
      .where('incidentParticipants.via', '=', 'join')
      .where('incidents.status', '!=', 'resolved')
      .where('incidents.kind', '!=', 'drill')
      .where('incidents.id', '!=', except)
      .$if(wanted !== null, (q) => q.where('incidentParticipants.userId', 'in', [...wanted!]))
      .execute(),
    // A page stands for every alert of its escalation run (paging groups): an incident linked to any of them counts.
    ex
      .selectFrom('escalationLog')
      .innerJoin('escalationRunAlerts', 'escalationRunAlerts.runId', 'escalationLog.runId')
      .innerJoin('incidentAlerts', 'incidentAlerts.alertId', 'escalationRunAlerts.alertId')
      .innerJoin('incidents', 'incidents.id', 'incidentAlerts.incidentId')
      .select(['escalationLog.userIds', 'incidents.id', 'incidents.title', 'incidents.severity', 'incidents.status'])
      .distinct()
      .where('escalationLog.kind', '=', 'paged')
      .where('incidents.status', '!=', 'resolved')
      .where('incidents.kind', '!=', 'drill')
      .where('incidents.id', '!=', except)
      .execute(),
  ]);
  const entry = (
    userId: string,
    i: { id: string; title: string; severity: string; status: string },
  ): Engagement | null => {
    if (wanted && !wanted.has(userId)) return null;
    const list = out.get(userId) ?? [];
    let e = list.find((x) => x.incidentId === i.id);
    if (!e) {
      e = {
        incidentId: i.id,
        title: i.title,
        severity: i.severity as Severity,
        status: i.status,
        roles: [],
        paged: false,
        joined: false,
      };
      list.push(e);
      out.set(userId, list);
    }
    return e;
  };
  for (const r of roles) entry(r.userId, r)?.roles.push(r.role as IncidentRole);
  for (const j of joins) {
    const e = entry(j.userId, j);
    if (e) e.joined = true;
  }
  for (const p of pages) {
    for (const userId of fromJsonText<string[]>(p.userIds, [])) {
      const e = entry(userId, p);
      if (e) e.paged = true;
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.incidentId.localeCompare(b.incidentId));
  return out;
}

/** The `double_booked` warning for a person already engaged elsewhere, or null. */
export function doubleBookedWarning(
  userId: string,
  name: string,
  engagements: Engagement[] | undefined,
): DoubleBookedWarning | null {
  if (!engagements?.length) return null;
  const what = (e: Engagement) =>
    e.roles.length ? e.roles.map((r) => ROLE_NAMES[r]).join(' and ') : e.paged ? 'paged' : 'responding';
  const list = engagements.map((e) => `${e.severity} "${e.title}" (${what(e)})`).join(', ');
  return {
    code: 'double_booked',
    message: `${name} is already in ${engagements.length === 1 ? 'another open incident' : `${engagements.length} other open incidents`}: ${list}.`,
    roles: [],
    userId,
    incidents: engagements.map((e) => ({ id: e.incidentId, title: e.title, severity: e.severity, roles: e.roles })),
  };
}

/** Double-booking warnings for these people in the context of one incident (the others they are engaged in). */
export async function doubleBookedWarnings(
  ex: Executor,
  people: { userId: string; name: string }[],
  incidentId: string,
): Promise<DoubleBookedWarning[]> {
  const map = await openEngagements(
    ex,
    people.map((p) => p.userId),
    { exceptIncidentId: incidentId },
  );
  return people.flatMap((p) => doubleBookedWarning(p.userId, p.name, map.get(p.userId)) ?? []);
}
