/**
 * Measuring the people, not only the system (docs/gamedays.md, "Measures"): per drill, from its drill incident's
 * record, the time from the drill's start to the first acknowledgement of a page, to the severity assessment, to
 * roles declared (an IC and a Technical Lead), to recent changes checked, and to mitigation; checklist completion;
 * whether the three roles were held by different people; and the facilitator's expected actions. Pure: the loader
 * (service.ts) reads the rows.
 *
 * Where each figure comes from:
 * - acknowledge: the drill incident's first `alert_acknowledged` event (a live drill's page acknowledged), else the
 *   acknowledgement of a drill alert (`alerts.is_drill`) on a target service raised after the start; a tabletop has
 *   no page, so null.
 * - severity, roles, recent changes: the first-five-minutes checklist of the drill incident (`incident_checklist`):
 *   `assess_severity` (a severity set or assessed), `declare_roles` (an IC and a Technical Lead assigned) and
 *   `check_changes` (someone opened the recent changes, suspected one or marked them reviewed).
 * - mitigate: the drill incident's `mitigatedAt` milestone.
 */
import { ROLES } from '../incidents/model.js';

export interface MeasureInput {
  startedAt: number;
  mitigatedAt: number | null;
  /** The drill incident's timeline: kinds and times. */
  events: { kind: string; at: number }[];
  checklist: { step: string; doneAt: number | null }[];
  /** Every role assignment the drill incident had. */
  roleAssignments: { role: string; userId: string }[];
  actions: { outcome: string }[];
  /** The first acknowledgement of a drill alert on a target service after the start (live drills). */
  drillAlertAckAt: number | null;
}

export interface Figures {
  timeToAcknowledge: number | null;
  timeToSeverity: number | null;
  timeToRoles: number | null;
  timeToRecentChanges: number | null;
  timeToMitigate: number | null;
  checklist: { done: number; total: number };
  rolesHeldByDifferentPeople: boolean | null;
  actions: { done: number; missed: number; pending: number };
}

/** Whole seconds from the start (never negative), or null. */
export function secondsFrom(start: number, at: number | null | undefined): number | null {
  if (at === null || at === undefined) return null;
  return Math.max(0, Math.round((at - start) / 1000));
}

/**
 * Whether the three roles (IC, Technical Lead, Communications Lead) were held by different people: null until each
 * role has been held by someone; false when one person held two of them at any point of the drill.
 */
export function rolesHeldByDifferentPeople(assignments: { role: string; userId: string }[]): boolean | null {
  const holders = new Map<string, Set<string>>();
  for (const a of assignments) {
    if (!(ROLES as readonly string[]).includes(a.role)) continue;
    let s = holders.get(a.role);
    if (!s) holders.set(a.role, (s = new Set()));
    s.add(a.userId);
  }
  if (ROLES.some((r) => !holders.get(r)?.size)) return null;
  const rolesOf = new Map<string, Set<string>>();
  for (const [role, users] of holders) {
    for (const u of users) {
      let s = rolesOf.get(u);
      if (!s) rolesOf.set(u, (s = new Set()));
      s.add(role);
    }
  }
  return [...rolesOf.values()].every((s) => s.size === 1);
}

export function figures(m: MeasureInput): Figures {
  const stepAt = (step: string) => m.checklist.find((c) => c.step === step)?.doneAt ?? null;
  const firstEvent = (kind: string) => {
    const xs = m.events.filter((e) => e.kind === kind && e.at >= m.startedAt).map((e) => e.at);
    return xs.length ? Math.min(...xs) : null;
  };
  const ack = firstEvent('alert_acknowledged') ?? m.drillAlertAckAt;
  const count = (o: string) => m.actions.filter((a) => a.outcome === o).length;
  return {
    timeToAcknowledge: secondsFrom(m.startedAt, ack),
    timeToSeverity: secondsFrom(m.startedAt, stepAt('assess_severity')),
    timeToRoles: secondsFrom(m.startedAt, stepAt('declare_roles')),
    timeToRecentChanges: secondsFrom(m.startedAt, stepAt('check_changes')),
    timeToMitigate: secondsFrom(m.startedAt, m.mitigatedAt),
    checklist: { done: m.checklist.filter((c) => c.doneAt !== null).length, total: m.checklist.length },
    rolesHeldByDifferentPeople: rolesHeldByDifferentPeople(m.roleAssignments),
    actions: { done: count('done'), missed: count('missed'), pending: count('pending') },
  };
}
