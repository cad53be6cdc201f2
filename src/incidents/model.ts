/**
 * Incidents as pure data and functions, time passed in: statuses, milestones and the durations computed from them
 * (MTTD, MTTA, MTTR), and the first-five-minutes checklist. No I/O here.
 */
import type { IncidentRole, Severity } from './severity.js';

export * from './severity.js';

export const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const isIncidentStatus = (v: string): v is IncidentStatus => (STATUSES as readonly string[]).includes(v);

/** Timeline milestones, in the order they normally happen. */
export const MILESTONES = ['impactStartedAt', 'detectedAt', 'acknowledgedAt', 'mitigatedAt', 'resolvedAt'] as const;
export type Milestone = (typeof MILESTONES)[number];
export const isMilestone = (v: string): v is Milestone => (MILESTONES as readonly string[]).includes(v);
export type Milestones = Record<Milestone, number | null>;

export interface Incident extends Milestones {
  id: string;
  title: string;
  summary: string;
  severity: Severity;
  status: IncidentStatus;
  declaredByUserId: string | null;
  declaredByLabel: string;
  declaredAt: number;
  updatedAt: number;
  suspectedChangeId: string | null;
  /** Fencing token for the severity timers: bumped whenever severity or status changes their schedule. */
  timerGeneration: number;
  lastEventSeq: number;
  /** 'real', 'drill' or 'imported' (insights leave drills and imports out unless asked). */
  kind: string;
  /** An imported incident's source, its id there and link back (migration 0049, src/import/history.ts). */
  importSource?: string | null;
  externalId?: string | null;
  externalUrl?: string | null;
}

export const INCIDENT_KINDS = ['real', 'drill', 'imported'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** Durations from one incident's milestones, null where a milestone is missing or out of order. */
export interface IncidentDurations {
  /** impact started → detected (MTTD: monitoring and alerting quality). */
  timeToDetectMs: number | null;
  /** detected → acknowledged (MTTA: on-call responsiveness). */
  timeToAcknowledgeMs: number | null;
  /** detected → mitigated. */
  timeToMitigateMs: number | null;
  /** detected → resolved (MTTR, "from detection to resolution"). */
  timeToResolveMs: number | null;
}

const span = (from: number | null, to: number | null): number | null =>
  from === null || to === null || to < from ? null : to - from;

export function incidentDurations(m: Milestones): IncidentDurations {
  return {
    timeToDetectMs: span(m.impactStartedAt, m.detectedAt),
    timeToAcknowledgeMs: span(m.detectedAt, m.acknowledgedAt),
    timeToMitigateMs: span(m.detectedAt, m.mitigatedAt),
    timeToResolveMs: span(m.detectedAt, m.resolvedAt),
  };
}

export interface MeanDurations {
  count: number;
  mttdMs: number | null;
  mttaMs: number | null;
  mttrMs: number | null;
}

/** MTTD, MTTA and MTTR over many incidents: each mean over the incidents that have both milestones. */
export function meanDurations(incidents: Milestones[]): MeanDurations {
  const all = incidents.map(incidentDurations);
  const mean = (vals: (number | null)[]): number | null => {
    const xs = vals.filter((v): v is number => v !== null);
    return xs.length ? Math.round(xs.reduce((s, v) => s + v, 0) / xs.length) : null;
  };
  return {
    count: incidents.length,
    mttdMs: mean(all.map((d) => d.timeToDetectMs)),
    mttaMs: mean(all.map((d) => d.timeToAcknowledgeMs)),
    mttrMs: mean(all.map((d) => d.timeToResolveMs)),
  };
}

/** Milestones that contradict the natural order (impact ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved). */
export function milestoneOrderProblems(m: Milestones): string[] {
  const out: string[] = [];
  const set = MILESTONES.filter((k) => m[k] !== null);
  for (let i = 1; i < set.length; i++) {
    const a = set[i - 1]!;
    const b = set[i]!;
    if (m[b]! < m[a]!) out.push(`${b} is before ${a}`);
  }
  return out;
}

/** Which milestone a status change sets, if it is not set yet. */
export function milestoneForStatus(status: IncidentStatus): Milestone | null {
  if (status === 'monitoring') return 'mitigatedAt';
  if (status === 'resolved') return 'resolvedAt';
  return null;
}

// ---- the first five minutes -------------------------------------------------------------------------------------

export const CHECKLIST_STEPS = [
  'acknowledge',
  'assess_severity',
  'open_channel',
  'declare_roles',
  'check_changes',
] as const;
export type ChecklistStep = (typeof CHECKLIST_STEPS)[number];

export const CHECKLIST_TITLES: Record<ChecklistStep, string> = {
  acknowledge: 'Acknowledge the alert — stop the paging cascade',
  assess_severity: 'Assess severity',
  open_channel: 'Open the incident channel (the incident room or its bridge call counts)',
  declare_roles: 'Declare roles — who is IC, who is investigating?',
  check_changes: 'Check recent changes — deployments, config changes, infrastructure updates',
};

/** Events that can fulfil a checklist step. */
export type ChecklistSignal =
  | { kind: 'alert_acknowledged' }
  | { kind: 'incident_acknowledged' }
  | { kind: 'severity_assessed' }
  | { kind: 'room_joined' }
  | { kind: 'channel_opened' }
  | { kind: 'bridge_joined' }
  | { kind: 'roles_changed'; holders: Partial<Record<IncidentRole, string | null>> }
  | { kind: 'changes_viewed' }
  | { kind: 'change_suspected' }
  | { kind: 'changes_reviewed' };

/** The step a signal ticks, or null. Roles count as declared once an IC and a Technical Lead are assigned. */
export function stepFulfilledBy(signal: ChecklistSignal): ChecklistStep | null {
  switch (signal.kind) {
    case 'alert_acknowledged':
    case 'incident_acknowledged':
      return 'acknowledge';
    case 'severity_assessed':
      return 'assess_severity';
    case 'room_joined':
    case 'channel_opened':
    case 'bridge_joined':
      return 'open_channel';
    case 'roles_changed':
      return signal.holders.commander && signal.holders.technical_lead ? 'declare_roles' : null;
    case 'changes_viewed':
    case 'change_suspected':
    case 'changes_reviewed':
      return 'check_changes';
  }
}

export interface ChecklistItem {
  step: ChecklistStep;
  title: string;
  doneAt: number | null;
  doneByLabel: string | null;
  /** What ticked it (the signal kind). */
  doneBy: string | null;
  /** Time from declaration to this step, for metrics. */
  elapsedMs: number | null;
}

export function checklistView(
  declaredAt: number,
  rows: { step: string; doneAt: number | null; doneByLabel: string | null; source: string | null }[],
): ChecklistItem[] {
  return CHECKLIST_STEPS.map((step) => {
    const r = rows.find((x) => x.step === step);
    const doneAt = r?.doneAt ?? null;
    return {
      step,
      title: CHECKLIST_TITLES[step],
      doneAt,
      doneByLabel: r?.doneByLabel ?? null,
      doneBy: r?.source ?? null,
      elapsedMs: doneAt === null ? null : Math.max(0, doneAt - declaredAt),
    };
  });
}

export interface StepTiming {
  step: ChecklistStep;
  /** Incidents where the step was done. */
  doneCount: number;
  /** Mean time from declaration to the step, over those incidents. */
  meanElapsedMs: number | null;
}

/** Mean time from declaration to each checklist step ("time to each step kept for metrics"). */
export function meanStepTimes(rows: { step: string; doneAt: number | null; declaredAt: number }[]): StepTiming[] {
  return CHECKLIST_STEPS.map((step) => {
    const xs = rows
      .filter((r) => r.step === step && r.doneAt !== null)
      .map((r) => Math.max(0, r.doneAt! - r.declaredAt));
    return {
      step,
      doneCount: xs.length,
      meanElapsedMs: xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : null,
    };
  });
}
