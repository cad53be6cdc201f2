/** The incident API's shapes (src/http/routes/incident-present.ts) and the words the pages use for them. */

export type Severity = 'P1' | 'P2' | 'P3' | 'P4';
export const SEVERITIES: readonly Severity[] = ['P1', 'P2', 'P3', 'P4'];
export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export const STATUSES: readonly IncidentStatus[] = ['investigating', 'identified', 'monitoring', 'resolved'];
export const STATUS_TEXT: Record<IncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export type Role = 'commander' | 'technical_lead' | 'communications_lead';
export const ROLES: readonly Role[] = ['commander', 'technical_lead', 'communications_lead'];
export const ROLE_TEXT: Record<Role, string> = {
  commander: 'Incident Commander',
  technical_lead: 'Technical Lead',
  communications_lead: 'Communications Lead',
};
export const ROLE_HINT: Record<Role, string> = {
  commander: 'Coordinates and decides; does not fix things themselves.',
  technical_lead: 'Leads the investigation and the fix.',
  communications_lead: 'Keeps stakeholders and customers informed.',
};

export interface Incident {
  id: string;
  title: string;
  summary: string;
  severity: Severity;
  status: IncidentStatus;
  declaredBy: { userId: string | null; label: string };
  declaredAt: string;
  updatedAt: string;
  milestones: {
    impactStartedAt: string | null;
    detectedAt: string | null;
    acknowledgedAt: string | null;
    mitigatedAt: string | null;
    resolvedAt: string | null;
  };
  suspectedChangeId: string | null;
  /** real, drill or imported. */
  kind?: string;
  /** Only on an incident imported from another tool (docs/import.md). */
  importedFrom?: { source: string; externalId: string; url: string | null };
}

export interface ChecklistItem {
  step: string;
  title: string;
  doneAt: string | null;
  doneByLabel: string | null;
  doneBy: string | null;
  elapsedSeconds: number | null;
}

export interface RoleHolder {
  userId: string;
  name: string;
  since: string;
}

export interface Warning {
  code: string;
  message: string;
  roles: string[];
}

export interface Task {
  id: string;
  title: string;
  assigneeUserId: string | null;
  isDone: boolean;
  doneAt: string | null;
  createdByLabel: string;
  createdAt: string;
}

export interface LinkedAlert {
  id: string;
  summary: string;
  status: string;
  serviceId: string;
  linkedAt: string;
}

export interface Participant {
  userId: string;
  name: string;
  firstJoinedAt: string;
  lastJoinedAt: string;
  joinCount: number;
  via: string;
}

export interface IncidentDetail {
  incident: Incident;
  services: { id: string; name: string; slug: string }[];
  alerts: LinkedAlert[];
  roles: Partial<Record<Role, RoleHolder | null>>;
  checklist: ChecklistItem[];
  tasks: Task[];
  participants: Participant[];
  policy: { severity: Severity; requireDistinctRoles: boolean; updateReminderMinutes: number | null };
  warnings: Warning[];
}

export interface TimelineEvent {
  id: string;
  seq: number;
  at: string;
  kind: string;
  actorUserId: string | null;
  actorLabel: string;
  body: string;
  details: Record<string, unknown>;
  isFlagged: boolean;
}

export interface RankedChange {
  id: string;
  serviceId: string;
  summary: string;
  source: string;
  at: string;
  kind: string;
  relation: 'affected_service' | 'dependency';
  distance: number;
  score: number;
  reasons: string[];
}

export interface RecentChanges {
  windowMinutes: number;
  from: string;
  to: string;
  suspectedChangeId: string | null;
  changes: RankedChange[];
}

export type AssessmentKey =
  | 'canUsersCompleteCoreWorkflows'
  | 'isDataIntegrityAtRisk'
  | 'areRevenueSystemsDown'
  | 'isSubsetOfUsers'
  | 'hasWorkaround'
  | 'isInternalOnly'
  | 'isCosmetic';
export type Assessment = Partial<Record<AssessmentKey, boolean>>;

export interface Severities {
  definitions: Record<Severity, { title: string; meaning: string[] }>;
  questions: Record<AssessmentKey, string>;
}

export interface Proposal {
  severity: Severity;
  reasons: string[];
}

export interface UserLite {
  id: string;
  name: string;
  email: string;
}

export const incidentPath = (id: string) => `/api/incidents/${encodeURIComponent(id)}`;

/** "1 h 05 min", "4 min 10 s": how long from `from` to `to` (or now). */
export function duration(fromIso: string, toIso: string | null, now = Date.now()): string {
  const ms = Math.max(0, (toIso ? Date.parse(toIso) : now) - Date.parse(fromIso));
  return seconds(Math.floor(ms / 1000));
}

export function seconds(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s % 60} s`;
}
