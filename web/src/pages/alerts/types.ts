/** The alert, service and integration-key shapes of the HTTP API (src/http/routes/alerts.ts, catalog.ts). */

export type AlertStatus = 'triggered' | 'acknowledged' | 'resolved';
export type StatusFilter = AlertStatus | 'open';
export const STATUS_FILTERS: readonly StatusFilter[] = ['open', 'triggered', 'acknowledged', 'resolved'];

export type Severity = 'critical' | 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'error', 'warning', 'info'];

export type Classification = 'actionable' | 'not_actionable' | 'false_positive';
export const CLASSIFICATIONS: readonly Classification[] = ['actionable', 'not_actionable', 'false_positive'];
export const CLASSIFICATION_TEXT: Record<Classification, string> = {
  actionable: 'Actionable',
  not_actionable: 'Not actionable',
  false_positive: 'False positive',
};

export interface ContextLink {
  /** runbook, dashboard, deploys, panel, link, image, source or silence */
  kind: string;
  title: string;
  url: string;
}

export interface Alert {
  id: string;
  serviceId: string;
  groupId: string;
  integrationKeyId: string | null;
  source: string;
  dedupKey: string;
  status: AlertStatus;
  severity: Severity;
  summary: string;
  description: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  context: ContextLink[];
  isPaging: boolean;
  hasRunbook: boolean;
  isMissingRunbook: boolean;
  sourceStartsAt: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  occurrenceCount: number;
  acknowledgedAt: string | null;
  acknowledgedByUserId: string | null;
  acknowledgedByLabel: string | null;
  resolvedAt: string | null;
  resolvedByUserId: string | null;
  resolvedByLabel: string | null;
  classification: Classification | null;
  classificationNote: string | null;
  createdAt: string;
  updatedAt: string;
  /** Set by the silences/flapping work when it lands; shown when present. */
  isFlapping?: boolean;
  flapping?: boolean;
  silenced?: boolean;
  isSilenced?: boolean;
  silencedBy?: string | string[] | null;
  silenceId?: string | null;
}

export interface AlertEvent {
  id: string;
  at: string;
  /** triggered, re_sent, re_fired, acknowledged, resolved, classified */
  kind: string;
  actorUserId: string | null;
  actorLabel: string;
  payloadId: string | null;
  details: Record<string, unknown>;
}

export interface AlertGroup {
  id: string;
  serviceId: string;
  groupKey: string;
  title: string;
  status: string;
  alertCount: number;
  openCount: number;
  firstAlertAt: string;
  lastAlertAt: string;
  resolvedAt: string | null;
}

export interface AlertDetail extends Alert {
  events: AlertEvent[];
  group: AlertGroup | null;
}

export interface AlertPage {
  alerts: Alert[];
  nextBefore: string | null;
}

export type Criticality = 'critical' | 'high' | 'medium' | 'low';
export const CRITICALITIES: readonly Criticality[] = ['critical', 'high', 'medium', 'low'];

export interface Service {
  id: string;
  name: string;
  slug: string;
  description: string;
  teamId: string;
  criticality: Criticality;
  escalationPolicyId: string | null;
  createdAt: string;
  updatedAt: string;
  dependsOn?: string[];
  dependents?: string[];
}

export type KeySource = 'alertmanager' | 'pagerduty' | 'grafana' | 'generic' | 'change';
export const KEY_SOURCES: readonly KeySource[] = ['alertmanager', 'grafana', 'pagerduty', 'generic', 'change'];

export interface IntegrationKey {
  id: string;
  serviceId: string;
  source: KeySource;
  name: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  replacedById: string | null;
}

export interface CreatedKey {
  key: string;
  integrationKey: IntegrationKey;
  endpoint: string;
  usage: string;
}

export interface EscalationPolicy {
  id: string;
  teamId: string;
  name: string;
  description: string;
}

export interface ChangeEvent {
  id: string;
  serviceId: string;
  summary: string;
  source: string;
  at: string;
  receivedAt?: string;
  links: { href: string; text: string }[];
  details?: Record<string, unknown>;
}

export const isFlapping = (a: Alert): boolean => a.isFlapping === true || a.flapping === true;
export const isSilenced = (a: Alert): boolean =>
  a.isSilenced === true ||
  a.silenced === true ||
  !!a.silenceId ||
  (Array.isArray(a.silencedBy) ? a.silencedBy.length > 0 : !!a.silencedBy);
