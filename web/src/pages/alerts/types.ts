/** The alert, service and integration-key shapes of the HTTP API (src/http/routes/alerts.ts, catalog.ts). */

import type { ApiResponse } from '../../lib/typed-api.js';

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
  /** The alert-quality rule: alertname, else PagerDuty class, else the alert name. */
  ruleKey?: string;
  /** Its key opened 5+ times in 30 minutes when it triggered. */
  isFlapping?: boolean;
  /** Recorded but not paging, and why. */
  suppressedReason?: 'silenced' | 'maintenance' | 'flapping' | null;
  /** The silence or maintenance window holding it. */
  suppressedById?: string | null;
  suppressedUntil?: string | null;
  /** When paging started; null while held. */
  pagedAt?: string | null;
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

/** A page of the alert list, as the API documents it (generated types: lib/typed-api.ts). */
export type AlertPage = ApiResponse<'/api/alerts'>;

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
  /** How its alerts share a page (docs/alerts.md, "Paging groups"). */
  pagingGroups?: PagingGroups;
  createdAt: string;
  updatedAt: string;
  dependsOn?: string[];
  dependents?: string[];
}

export type PagingGroupMode = 'alertmanager' | 'labels' | 'window' | 'per_alert';
export interface PagingGroups {
  mode: PagingGroupMode;
  labels: string[];
  windowMinutes: number;
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
  /** deploy, config, infrastructure or other */
  kind?: string;
  author?: string | null;
  links: { href: string; text: string }[];
  details?: Record<string, unknown>;
}

export const isFlapping = (a: Alert): boolean => a.isFlapping === true;
export const isSilenced = (a: Alert): boolean => a.suppressedReason === 'silenced';

export type SilenceStatus = 'pending' | 'active' | 'expired';

export interface Matcher {
  name: string;
  value: string;
  /** =~ and !~ */
  isRegex: boolean;
  /** false for != and !~ */
  isEqual: boolean;
}

export interface Silence {
  id: string;
  /** null: every service */
  serviceId: string | null;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdByUserId: string | null;
  createdByLabel: string;
  expiredByLabel: string | null;
  status: SilenceStatus;
  createdAt: string;
  updatedAt: string;
}

export interface MaintenanceWindow {
  id: string;
  serviceId: string;
  startsAt: string;
  endsAt: string;
  comment: string;
  createdByUserId: string | null;
  createdByLabel: string;
  status: SilenceStatus;
  createdAt: string;
}

export interface QualityStats {
  alerts: number;
  pages: number;
  classified: number;
  actionable: number;
  notActionable: number;
  falsePositive: number;
  /** (not actionable + false positive) / classified */
  noiseShare: number | null;
  ttaMedianSeconds: number | null;
  ttaP90Seconds: number | null;
  isNoisy: boolean;
}

export interface RuleQuality extends QualityStats {
  ruleKey: string;
  serviceIds: string[];
}

export interface ServiceQuality extends QualityStats {
  serviceId: string;
  serviceName: string;
  serviceSlug: string;
  noisyRules: string[];
}
