/**
 * The code's view of the schema, one interface per table. Timestamps are integer milliseconds since the epoch
 * (bigint on PostgreSQL, parsed back to number), JSON is text, booleans are 0/1 integers: both engines return
 * identical values. The migration-drift test compares this file with a freshly migrated database.
 */
import type { Generated } from 'kysely';

export type Bool = 0 | 1;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  passwordHash: string | null;
  isAdmin: Bool;
  timezone: string;
  createdAt: number;
  updatedAt: number;
  disabledAt: number | null;
}

export interface TeamsTable {
  id: string;
  name: string;
  slug: string;
  description: string;
  createdAt: number;
  updatedAt: number;
}

export interface TeamMembersTable {
  teamId: string;
  userId: string;
  role: string;
  createdAt: number;
}

export interface SessionsTable {
  id: string;
  tokenHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  ip: string;
  userAgent: string;
}

export interface ApiTokensTable {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface SignInLinksTable {
  id: string;
  tokenHash: string;
  userId: string;
  purpose: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/** One request counted against a rate limit bucket (e.g. `subscribe:ip:203.0.113.7`). */
export interface RateLimitHitsTable {
  id: string;
  bucket: string;
  at: number;
}

export interface SignInFailuresTable {
  id: string;
  email: string;
  ip: string;
  at: number;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  actorUserId: string | null;
  actorTokenId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  details: string;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  status: string;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  fence: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  lastError: string | null;
  uniqueKey: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
  updatedAt: number;
}

export interface DiagnosticProbeRunsTable {
  id: string;
  jobId: string;
  fence: number;
  runner: string;
  at: number;
}

export interface ServicesTable {
  id: string;
  name: string;
  slug: string;
  description: string;
  teamId: string;
  criticality: string;
  escalationPolicyId: string | null;
  createdAt: number;
  updatedAt: number;
  incidentRule: string | null;
  /** How alerts share a page (migration 0035): `alertmanager` | `labels` | `window` | `per_alert`. */
  pagingGroupMode: Generated<string>;
  /** JSON array of label names (mode `labels`). */
  pagingGroupLabels: Generated<string>;
  /** Mode `window`: alerts within this many minutes of the run's start join it. */
  pagingGroupWindowMinutes: Generated<number>;
}

export interface ServiceDependenciesTable {
  serviceId: string;
  dependsOnId: string;
  createdAt: number;
}

export interface IntegrationKeysTable {
  id: string;
  serviceId: string;
  source: string;
  name: string;
  keyHash: string;
  prefix: string;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
  replacedById: string | null;
  /** 0027: a game day's drill key: its alerts are drills (alerts.is_drill). */
  isDrill: Bool;
}

export interface IntakePayloadsTable {
  id: string;
  integrationKeyId: string;
  source: string;
  receivedAt: number;
  body: string;
}

/** An alert (or a whole message) intake could not apply, for the service's owners (migration 0016). */
export interface IntakeErrorsTable {
  id: string;
  serviceId: string;
  integrationKeyId: string;
  /** The delivery's stored body when the rest of it was applied; null when nothing in it could be read. */
  payloadId: string | null;
  source: string;
  /** Position of the item in the message (alerts[i]); null for the whole message. */
  itemIndex: number | null;
  field: string;
  reason: string;
  rawItem: string;
  rawTruncated: number;
  receivedAt: number;
}

export interface AlertGroupsTable {
  id: string;
  serviceId: string;
  groupKey: string;
  title: string;
  status: string;
  alertCount: number;
  openCount: number;
  firstAlertAt: number;
  lastAlertAt: number;
  resolvedAt: number | null;
  createdAt: number;
  updatedAt: number;
  isFlapping: Generated<Bool>;
}

export interface AlertsTable {
  id: string;
  serviceId: string;
  groupId: string;
  integrationKeyId: string | null;
  source: string;
  dedupKey: string;
  openKey: string | null;
  status: string;
  severity: string;
  summary: string;
  description: string;
  labels: string;
  annotations: string;
  context: string;
  isPaging: Bool;
  hasRunbook: Bool;
  sourceStartsAt: number | null;
  firstSeenAt: number;
  lastSeenAt: number;
  occurrenceCount: number;
  acknowledgedAt: number | null;
  acknowledgedByUserId: string | null;
  acknowledgedByLabel: string | null;
  resolvedAt: number | null;
  resolvedByUserId: string | null;
  resolvedByLabel: string | null;
  classification: string | null;
  classificationNote: string | null;
  createdAt: number;
  updatedAt: number;
  /** 0007: alertname, PagerDuty class, or the alert's name: what alert-quality reports group by. */
  ruleKey: Generated<string>;
  isFlapping: Generated<Bool>;
  /** Why the alert is not paging (silenced, maintenance, flapping), by which silence or window, and until when. */
  suppressedReason: string | null;
  suppressedById: string | null;
  suppressedUntil: number | null;
  /** When paging started (alerts.triggered enqueued); null while suppressed. */
  pagedAt: number | null;
  /** 0027: raised through a drill integration key (a game day's live drill): every notification says DRILL. */
  isDrill: Generated<Bool>;
  /** 0038: snoozed (acknowledged) until then; the alert pages again at that time unless resolved first. */
  snoozedUntil: Generated<number | null>;
}

export interface SilencesTable {
  id: string;
  serviceId: string | null;
  matchers: string;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdByUserId: string | null;
  createdByLabel: string;
  expiredByLabel: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface MaintenanceWindowsTable {
  id: string;
  serviceId: string;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdByUserId: string | null;
  createdByLabel: string;
  createdAt: number;
}

export interface AlertEventsTable {
  id: string;
  alertId: string;
  at: number;
  kind: string;
  actorUserId: string | null;
  actorLabel: string;
  payloadId: string | null;
  details: string;
}

export interface ChangeEventsTable {
  id: string;
  serviceId: string;
  integrationKeyId: string | null;
  summary: string;
  source: string;
  at: number;
  receivedAt: number;
  links: string;
  details: string;
  payloadId: string | null;
  /** 0007: deploy, config, infrastructure or other; who made the change. */
  kind: Generated<string>;
  author: string | null;
  /** 0041: the change hook it came from; the tool's own id of it (no second row for a redelivery). */
  hookId: Generated<string | null>;
  externalId: Generated<string | null>;
}

/** 0041: a team's receiver for one change source; the secret sealed with the instance secret. */
export interface ChangeHooksTable {
  id: string;
  teamId: string;
  source: string;
  name: string;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretUntil: number | null;
  defaultServiceId: string | null;
  createdByUserId: string | null;
  createdAt: number;
  rotatedAt: number | null;
  lastDeliveryAt: number | null;
}

/** 0041: every delivery to a change hook and what became of it (recorded, ignored, rejected). */
export interface ChangeHookDeliveriesTable {
  id: string;
  hookId: string;
  receivedAt: number;
  event: string;
  outcome: string;
  field: string | null;
  reason: string;
  /** JSON: the change ids it recorded. */
  changeIds: string;
  raw: string;
  rawTruncated: number;
}

/** 0041: a team's change mapping config (JSON) and whether a change during an open P1/P2 pages the IC. */
export interface ChangeSettingsTable {
  teamId: string;
  mappings: string;
  pageCommander: number;
  updatedByUserId: string | null;
  updatedAt: number;
}

export interface ContactMethodsTable {
  id: string;
  userId: string;
  kind: string;
  label: string;
  address: string;
  serverUrl: string | null;
  secret: string | null;
  isVerified: Bool;
  /** An organisation administrator allowed this webhook or ntfy server to be a private address (migration 0018). */
  allowPrivateAddress: Bool;
  verifyCodeHash: string | null;
  verifyExpiresAt: number | null;
  /** Web Push: the push service said the subscription is gone (404/410); no longer paged (migration 0036). */
  expiredAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NotificationRulesTable {
  id: string;
  userId: string;
  contactMethodId: string;
  urgency: string;
  delayMinutes: number;
  createdAt: number;
}

export interface NotificationDeliveriesTable {
  id: string;
  dedupKey: string;
  userId: string;
  alertId: string | null;
  contactMethodId: string;
  ruleId: string | null;
  channel: string;
  urgency: string;
  message: string;
  status: string;
  attempts: number;
  providerMessageId: string | null;
  lastError: string | null;
  dueAt: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** While `sending`: the claim's fence (its record must match) and when a dead claim may be taken over. */
  claimToken: string | null;
  claimedUntil: number | null;
}

export interface NotificationAttemptsTable {
  id: string;
  deliveryId: string;
  userId: string;
  alertId: string | null;
  channel: string;
  status: string;
  isPermanent: Bool;
  error: string | null;
  providerMessageId: string | null;
  at: number;
}

export interface StatusPageSettingsTable {
  id: string;
  title: string;
  slug: string;
  description: string;
  signingSecret: string;
  updatedAt: number;
}

export interface StatusComponentsTable {
  id: string;
  name: string;
  description: string;
  serviceIds: string;
  status: string;
  displayOrder: number;
  createdAt: number;
  updatedAt: number;
}

export interface StatusIncidentsTable {
  id: string;
  incidentId: string;
  title: string;
  impact: string;
  status: string;
  components: string;
  publishedAt: number;
  resolvedAt: number | null;
  updatedAt: number;
}

export interface StatusMaintenancesTable {
  id: string;
  title: string;
  description: string;
  componentIds: string;
  startsAt: number;
  endsAt: number;
  cancelledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface StatusUpdatesTable {
  id: string;
  statusIncidentId: string | null;
  maintenanceId: string | null;
  status: string;
  body: string;
  templateId: string | null;
  postedByLabel: string;
  postedAt: number;
}

export interface StatusTemplatesTable {
  id: string;
  name: string;
  status: string;
  publicText: string;
  internalText: string;
  createdAt: number;
  updatedAt: number;
}

export interface StatusSubscribersTable {
  id: string;
  kind: string;
  address: string;
  secret: string | null;
  confirmedAt: number | null;
  unsubscribedAt: number | null;
  createdAt: number;
  /** 1: added by an administrator, may point at a private address; 0: public, public addresses only. */
  allowsPrivateAddress: Bool;
  /** JSON array of the component ids followed; [] follows every component. */
  componentIds: string;
}

export interface StatusNotificationsTable {
  id: string;
  subscriberId: string;
  updateId: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface ActionLinkUsesTable {
  linkId: string;
  action: string;
  alertId: string;
  userId: string;
  expiresAt: number;
  usedAt: number;
}

export interface EscalationPoliciesTable {
  id: string;
  teamId: string;
  name: string;
  description: string;
  repeat: number;
  levels: string;
  workingHours: string;
  ackTimeoutMinutes: number | null;
  /** Other teams may attach it (migration 0019). */
  shared: Generated<Bool>;
  createdAt: number;
  updatedAt: number;
}

export interface EscalationRunsTable {
  id: string;
  alertId: string;
  policyId: string;
  snapshot: string;
  urgency: string;
  status: string;
  generation: number;
  levelIndex: number;
  pass: number;
  nextStepAt: number | null;
  startedAt: number;
  updatedAt: number;
  /** The service and paging group the run pages for (migration 0035); null key: it takes no other alert. */
  serviceId: string | null;
  pagingKey: string | null;
}

/** Every alert an escalation run stands for, its lead (escalation_runs.alert_id) included (migration 0035). */
export interface EscalationRunAlertsTable {
  runId: string;
  alertId: string;
  joinedAt: number;
}

export interface EscalationLogTable {
  id: string;
  runId: string;
  alertId: string;
  at: number;
  kind: string;
  levelIndex: number | null;
  pass: number | null;
  userIds: string;
  reason: string;
}

export interface IncidentsTable {
  id: string;
  title: string;
  summary: string;
  severity: string;
  status: string;
  declaredByUserId: string | null;
  declaredByLabel: string;
  declaredAt: number;
  updatedAt: number;
  impactStartedAt: number | null;
  detectedAt: number | null;
  acknowledgedAt: number | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
  suspectedChangeId: string | null;
  timerGeneration: number;
  lastEventSeq: number;
  /** 'real' | 'drill' | 'imported' (migration 0022). */
  kind: string;
  /** The first linked alert's first_seen_at, null without one (migration 0026; set by linkAlert). */
  firstAlertAt?: number | null;
  /** An imported incident's source ('pagerduty', 'opsgenie', 'grafana-oncall'), its id there and link (migration 0049). */
  importSource?: string | null;
  externalId?: string | null;
  externalUrl?: string | null;
}

export interface IncidentServicesTable {
  incidentId: string;
  serviceId: string;
  createdAt: number;
}

/** A responder's "same as #123" (migration 0023; src/insights/recurrence.ts). */
export interface IncidentLinksTable {
  incidentId: string;
  relatedIncidentId: string;
  /** 'same_as' */
  kind: string;
  note: string;
  createdByLabel: string;
  createdAt: number;
}

/** A team admin's opt-in to a team's weekly insights digest (migration 0025; src/insights/digest.ts). */
export interface InsightsDigestSubscriptionsTable {
  userId: string;
  teamId: string;
  createdAt: number;
}

export interface IncidentAlertsTable {
  incidentId: string;
  alertId: string;
  linkedAt: number;
  linkedByLabel: string;
}

export interface IncidentEventsTable {
  id: string;
  incidentId: string;
  seq: number;
  at: number;
  kind: string;
  actorUserId: string | null;
  actorLabel: string;
  body: string;
  details: string;
  isFlagged: Bool;
}

export interface RoleAssignmentsTable {
  id: string;
  incidentId: string;
  role: string;
  userId: string;
  startedAt: number;
  endedAt: number | null;
  assignedByLabel: string;
  endedByLabel: string | null;
}

export interface IncidentChecklistTable {
  incidentId: string;
  step: string;
  doneAt: number | null;
  doneByUserId: string | null;
  doneByLabel: string | null;
  source: string | null;
}

/** 0044: the room's typed entries (hypothesis, ruled_out, finding, decision; src/incidents/entries.ts). */
export interface IncidentEntriesTable {
  id: string;
  incidentId: string;
  type: string;
  text: string;
  evidenceUrl: string | null;
  authorUserId: string | null;
  authorLabel: string;
  ownerUserId: string | null;
  taskId: string | null;
  /** 'open' | 'ruled_out' | 'confirmed' (hypotheses), 'recorded' (the other types). */
  status: string;
  outcomeNote: string | null;
  closedByLabel: string | null;
  closedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** 0044: an incident's ticket in its team's tracker (src/incidents/tickets.ts). */
export interface IncidentTicketsTable {
  incidentId: string;
  teamId: string;
  provider: string;
  /** 'pending' | 'created' | 'failed' */
  status: string;
  key: string | null;
  url: string | null;
  /** The tracker's own word for the state (GitHub open/closed, the Jira status name). */
  state: string | null;
  isClosed: Bool;
  stateCheckedAt: number | null;
  error: string | null;
  createdByLabel: string;
  createdAt: number;
  updatedAt: number;
}

/** 0040: a team's bridge call for its incidents (src/incidents/bridge.ts). */
export interface TeamBridgeSettingsTable {
  teamId: string;
  /** 'fixed' | 'template' */
  mode: string;
  url: string;
  dialIn: string;
  updatedByLabel: string;
  updatedAt: number;
}

/** 0040: an incident's bridge call, resolved at declaration or set in the room. */
export interface IncidentBridgesTable {
  incidentId: string;
  url: string;
  dialIn: string;
  /** 'team' | 'room' */
  source: string;
  teamId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** 0040: "add responders" from the room (src/escalation/responders.ts). */
export interface IncidentResponderRequestsTable {
  id: string;
  incidentId: string;
  /** 'policy' | 'schedule' | 'user' */
  targetType: string;
  targetId: string;
  targetName: string;
  message: string;
  /** 'paged' | 'escalated' | 'acknowledged' | 'declined' | 'exhausted' | 'cancelled' */
  state: string;
  /** JSON PolicySnapshot. */
  snapshot: string;
  generation: number;
  levelIndex: number;
  pass: number;
  nextStepAt: number | null;
  /** JSON string[]. */
  pagedUserIds: string;
  /** JSON string[]. */
  declinedUserIds: string;
  requestedByUserId: string | null;
  requestedByLabel: string;
  respondedByUserId: string | null;
  respondedByLabel: string | null;
  respondedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface IncidentTasksTable {
  id: string;
  incidentId: string;
  title: string;
  assigneeUserId: string | null;
  isDone: Bool;
  doneAt: number | null;
  createdByLabel: string;
  createdAt: number;
  updatedAt: number;
}

export interface IncidentParticipantsTable {
  incidentId: string;
  userId: string;
  firstJoinedAt: number;
  lastJoinedAt: number;
  joinCount: number;
  via: string;
}

export interface IncidentSeverityPoliciesTable {
  severity: string;
  requireDistinctRoles: Bool;
  commanderDeadlineMinutes: number | null;
  updateReminderMinutes: number | null;
  pagesOutOfHours: Bool;
  updatedAt: number;
}

export interface SchedulesTable {
  id: string;
  teamId: string;
  name: string;
  description: string;
  timezone: string;
  /** Other teams' escalation policies may page it (migration 0019). */
  shared: Generated<Bool>;
  createdAt: number;
  updatedAt: number;
}

export interface ScheduleLayersTable {
  id: string;
  scheduleId: string;
  name: string;
  position: number;
  turnUnit: string;
  turnLength: number;
  startDate: string;
  handoffTime: string;
  restrictions: string;
  endsAt: number | null;
  /** IANA zone of the layer's hand-offs and restrictions; null: the schedule's zone (migration 0037). */
  timeZone: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ScheduleLayerParticipantsTable {
  layerId: string;
  position: number;
  userId: string;
}

export interface ScheduleOverridesTable {
  id: string;
  scheduleId: string;
  userId: string;
  startsAt: number;
  endsAt: number;
  reason: string;
  swapRequestId: string | null;
  createdByLabel: string;
  createdAt: number;
}

export interface ShiftSwapRequestsTable {
  id: string;
  scheduleId: string;
  requesterId: string;
  targetUserId: string;
  startsAt: number;
  endsAt: number;
  note: string;
  status: string;
  overrideId: string | null;
  decidedAt: number | null;
  createdAt: number;
}

export interface CalendarFeedTokensTable {
  id: string;
  kind: string;
  targetId: string;
  userId: string;
  tokenHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface ChatChannelsTable {
  incidentId: string;
  provider: string;
  channelId: string | null;
  channelName: string;
  status: string;
  cursorSeq: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ChatPostsTable {
  id: string;
  incidentId: string;
  eventSeq: number | null;
  text: string;
  blocks: string;
  status: string;
  ts: string | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ChatInboundTable {
  messageKey: string;
  incidentId: string;
  receivedAt: number;
}

export interface PostmortemTemplatesTable {
  id: string;
  name: string;
  description: string;
  /** JSON: [{ key, title, kind: 'text'|'timeline'|'impact'|'whys'|'actions'|'factors', required, help }] */
  sections: string;
  isBuiltin: Bool;
  archivedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface PostmortemPoliciesTable {
  severity: string;
  /** 'required' (created when the incident resolves, counted in completion) | 'optional' (by hand) | 'none' */
  mode: string;
  dueBusinessDays: number | null;
  templateId: string;
  updatedAt: number;
}

export interface PostmortemsTable {
  id: string;
  incidentId: string;
  templateId: string;
  /** JSON snapshot of the template's sections when the post-mortem was created. */
  templateSections: string;
  title: string;
  /** 'draft' | 'in_review' | 'published' */
  status: string;
  ownerUserId: string | null;
  dueAt: number | null;
  isRequired: Bool;
  /** JSON: { [sectionKey]: markdown } */
  sections: string;
  /** JSON: the author's corrections and additions to the pre-filled impact (numbers, who was affected). */
  impact: string;
  publicSummary: string | null;
  publicSummaryPublishedAt: number | null;
  revision: number;
  createdByLabel: string;
  createdAt: number;
  updatedAt: number;
  reviewRequestedAt: number | null;
  publishedAt: number | null;
  remindedAt: number | null;
}

export interface PostmortemRevisionsTable {
  id: string;
  postmortemId: string;
  revision: number;
  at: number;
  authorUserId: string | null;
  authorLabel: string;
  summary: string;
  /** JSON: { title, status, sections, impact, publicSummary } as of this revision. */
  snapshot: string;
}

export interface PostmortemTimelineMarksTable {
  postmortemId: string;
  /** An incident event id, or a derived moment ('alert:<id>:fired', 'alert:<id>:acknowledged', 'milestone:<name>'). */
  ref: string;
  starred: Bool;
  hidden: Bool;
  /** 'detection' | 'diagnosis' | 'repair' | 'key_moment' | null */
  tag: string | null;
  narrative: string | null;
  updatedAt: number;
  updatedByLabel: string;
}

export interface PostmortemTimelineEntriesTable {
  id: string;
  postmortemId: string;
  at: number;
  body: string;
  tag: string | null;
  createdByLabel: string;
  createdAt: number;
}

export interface PostmortemWhysTable {
  id: string;
  postmortemId: string;
  parentId: string | null;
  position: number;
  question: string;
  answer: string;
  /** JSON: [{ url, label }] */
  evidence: string;
  createdAt: number;
  updatedAt: number;
}

export interface ContributingFactorsTable {
  id: string;
  key: string;
  label: string;
  description: string;
  position: number;
  archivedAt: number | null;
  createdAt: number;
}

export interface PostmortemFactorsTable {
  postmortemId: string;
  factorId: string;
  whyId: string | null;
  note: string;
  createdAt: number;
}

export interface PostmortemReviewersTable {
  postmortemId: string;
  userId: string;
  requestedAt: number;
  requestedByLabel: string;
  /** 'pending' | 'approved' | 'changes_requested' */
  decision: string;
  decidedAt: number | null;
  note: string;
}

export interface PostmortemCommentsTable {
  id: string;
  postmortemId: string;
  sectionKey: string;
  authorUserId: string | null;
  authorLabel: string;
  body: string;
  createdAt: number;
  resolvedAt: number | null;
  resolvedByLabel: string | null;
}

export interface PostmortemBlameDismissalsTable {
  postmortemId: string;
  fingerprint: string;
  ruleId: string;
  excerpt: string;
  reason: string;
  dismissedByLabel: string;
  dismissedAt: number;
}

export interface ActionItemsTable {
  id: string;
  postmortemId: string | null;
  incidentId: string | null;
  title: string;
  description: string;
  ownerUserId: string;
  teamId: string;
  dueAt: number;
  /** 'high' | 'medium' | 'low' */
  priority: string;
  /** 'mitigate' | 'prevent' | 'detect' | 'process' */
  kind: string;
  /** 'open' | 'in_progress' | 'done' | 'wont_do' | 'verified' */
  status: string;
  statusReason: string | null;
  verification: string | null;
  verificationAlertRule: string | null;
  sourceSection: string | null;
  sourceWhyId: string | null;
  trackerProvider: string | null;
  trackerKey: string | null;
  trackerUrl: string | null;
  createdByUserId: string | null;
  createdByLabel: string;
  createdAt: number;
  updatedAt: number;
  doneAt: number | null;
  verifiedAt: number | null;
  remindedAt: number | null;
  overdueNotifiedAt: number | null;
  /** 0030: kind 'runbook' ("Update the runbook"): the runbook it marks reviewed when done. */
  runbookId: string | null;
  /** Creating the tracker issue (migration 0021): 'pending' | 'failed' | null (none asked, or created). */
  trackerStatus: string | null;
  /** The last failure creating the tracker issue. */
  trackerError: string | null;
}

export interface TrackerConnectionsTable {
  id: string;
  teamId: string;
  /** 'github' | 'jira' */
  provider: string;
  baseUrl: string;
  /** GitHub 'owner/repo'; Jira project key. */
  project: string;
  issueType: string | null;
  username: string | null;
  tokenSealed: string;
  allowPrivateAddress: Bool;
  createdAt: number;
  updatedAt: number;
}

/** Game days (migration 0027, docs/gamedays.md): the scenario library; built-ins have a key and no team. */
export interface GamedayScenariosTable {
  id: string;
  key: string | null;
  teamId: string | null;
  name: string;
  /** 'infrastructure' | 'dependency' | 'cascading' | 'security' | 'communication' | 'custom' */
  category: string;
  /** The suggested level: 'tabletop' | 'live' | 'injection' (the seed: start with a tabletop). */
  level: string;
  summary: string;
  hypothesis: string;
  /** JSON: string[] */
  expectedActions: string;
  /** JSON: [{ offsetSeconds, body }] */
  injects: string;
  safetyNotes: string;
  isBuiltin: Bool;
  archivedAt: number | null;
  createdByLabel: string;
  createdAt: number;
  updatedAt: number;
}

export interface GamedaysTable {
  id: string;
  teamId: string;
  scenarioId: string | null;
  title: string;
  /** 'tabletop' | 'live' */
  mode: string;
  /** 'scheduled' | 'running' | 'halted' | 'ended' | 'cancelled' */
  status: string;
  scenario: string;
  hypothesis: string;
  safetyNotes: string;
  facilitatorUserId: string | null;
  /** The drill incident's severity. */
  severity: string;
  scheduledAt: number | null;
  durationMinutes: number;
  /** 'none' | 'monthly' | 'quarterly' | 'yearly' */
  recurrence: string;
  /** Game days of one recurring series share it (the first one's id). */
  seriesId: string | null;
  remindedAt: number | null;
  /** A communication-failure drill: the chat integration stays silent for the drill incident. */
  muteChat: Bool;
  /** The drill incident (incidents.kind = 'drill'): the drill room. */
  incidentId: string | null;
  startedAt: number | null;
  haltedAt: number | null;
  haltReason: string | null;
  endedAt: number | null;
  /** 'confirmed' | 'refuted' | 'partly' | null */
  hypothesisOutcome: string | null;
  createdByLabel: string;
  createdAt: number;
  updatedAt: number;
}

export interface GamedayParticipantsTable {
  gamedayId: string;
  userId: string;
  /** 'participant' | 'observer' */
  role: string;
}

export interface GamedayServicesTable {
  gamedayId: string;
  serviceId: string;
}

export interface GamedayInjectsTable {
  id: string;
  gamedayId: string;
  position: number;
  /** Seconds after the start. */
  offsetSeconds: number;
  body: string;
  /** 'pending' | 'delivered' | 'skipped' */
  status: string;
  deliveredAt: number | null;
  addedLive: Bool;
  createdByLabel: string;
  createdAt: number;
}

export interface GamedayExpectedActionsTable {
  id: string;
  gamedayId: string;
  position: number;
  body: string;
  /** 'pending' | 'done' | 'missed' */
  outcome: string;
  markedAt: number | null;
  markedByLabel: string | null;
}

/** Failure injection: a signed webhook or a chaos tool adapter, started at the start, rolled back at the end or halt. */
export interface GamedayInjectionsTable {
  gamedayId: string;
  /** 'webhook' | 'chaostoolkit' | 'litmus' | 'gremlin' */
  provider: string;
  url: string;
  secretSealed: string | null;
  /** JSON: provider-specific (experiment, ChaosEngine spec, attack). */
  config: string;
  /** 'idle' | 'started' | 'rolled_back' | 'failed' */
  state: string;
  /** The provider's id of what was started (attack id, ChaosEngine name, run id). */
  externalRef: string | null;
  startedAt: number | null;
  rolledBackAt: number | null;
  lastError: string | null;
  /** 0028: an administrator allowed a private address (else public only, checked when given and when used). */
  allowPrivateAddress: Generated<Bool>;
}

export interface GamedayHaltConditionsTable {
  id: string;
  gamedayId: string;
  /** 'prometheus' | 'real_incident' (a real P1/P2 declared on a target service) */
  kind: string;
  prometheusUrl: string | null;
  query: string | null;
  /** '>' | '>=' | '<' | '<=' */
  comparator: string | null;
  threshold: number | null;
  lastValue: number | null;
  lastCheckedAt: number | null;
  lastError: string | null;
  /** 0028: an administrator allowed a private Prometheus (else public only, checked when given and when used). */
  allowPrivateAddress: Generated<Bool>;
}

export interface GamedayEventsTable {
  id: string;
  gamedayId: string;
  at: number;
  kind: string;
  actorLabel: string;
  body: string;
  details: string;
}

/** Config as code: the slug a configuration file gave an escalation policy or schedule (migration 0048). */
export interface ConfigSlugsTable {
  kind: string;
  slug: string;
  objectId: string;
  createdAt: number;
}

export interface Database {
  configSlugs: ConfigSlugsTable;
  escalationPolicies: EscalationPoliciesTable;
  escalationRuns: EscalationRunsTable;
  escalationRunAlerts: EscalationRunAlertsTable;
  escalationLog: EscalationLogTable;
  users: UsersTable;
  teams: TeamsTable;
  teamMembers: TeamMembersTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
  signInLinks: SignInLinksTable;
  signInFailures: SignInFailuresTable;
  rateLimitHits: RateLimitHitsTable;
  auditEvents: AuditEventsTable;
  jobs: JobsTable;
  instanceSettings: InstanceSettingsTable;
  diagnosticProbeRuns: DiagnosticProbeRunsTable;
  services: ServicesTable;
  serviceDependencies: ServiceDependenciesTable;
  integrationKeys: IntegrationKeysTable;
  intakePayloads: IntakePayloadsTable;
  intakeErrors: IntakeErrorsTable;
  alertGroups: AlertGroupsTable;
  alerts: AlertsTable;
  alertEvents: AlertEventsTable;
  changeEvents: ChangeEventsTable;
  changeHooks: ChangeHooksTable;
  changeHookDeliveries: ChangeHookDeliveriesTable;
  changeSettings: ChangeSettingsTable;
  silences: SilencesTable;
  maintenanceWindows: MaintenanceWindowsTable;
  contactMethods: ContactMethodsTable;
  notificationRules: NotificationRulesTable;
  notificationDeliveries: NotificationDeliveriesTable;
  notificationAttempts: NotificationAttemptsTable;
  actionLinkUses: ActionLinkUsesTable;
  incidents: IncidentsTable;
  incidentServices: IncidentServicesTable;
  incidentAlerts: IncidentAlertsTable;
  incidentLinks: IncidentLinksTable;
  insightsDigestSubscriptions: InsightsDigestSubscriptionsTable;
  incidentEvents: IncidentEventsTable;
  roleAssignments: RoleAssignmentsTable;
  incidentChecklist: IncidentChecklistTable;
  incidentTasks: IncidentTasksTable;
  teamBridgeSettings: TeamBridgeSettingsTable;
  incidentBridges: IncidentBridgesTable;
  incidentResponderRequests: IncidentResponderRequestsTable;
  incidentEntries: IncidentEntriesTable;
  incidentTickets: IncidentTicketsTable;
  incidentParticipants: IncidentParticipantsTable;
  incidentSeverityPolicies: IncidentSeverityPoliciesTable;
  schedules: SchedulesTable;
  scheduleLayers: ScheduleLayersTable;
  scheduleLayerParticipants: ScheduleLayerParticipantsTable;
  scheduleOverrides: ScheduleOverridesTable;
  shiftSwapRequests: ShiftSwapRequestsTable;
  calendarFeedTokens: CalendarFeedTokensTable;
  statusPageSettings: StatusPageSettingsTable;
  statusComponents: StatusComponentsTable;
  statusIncidents: StatusIncidentsTable;
  statusMaintenances: StatusMaintenancesTable;
  statusUpdates: StatusUpdatesTable;
  statusTemplates: StatusTemplatesTable;
  statusSubscribers: StatusSubscribersTable;
  statusNotifications: StatusNotificationsTable;
  chatChannels: ChatChannelsTable;
  chatPosts: ChatPostsTable;
  chatInbound: ChatInboundTable;
  postmortemTemplates: PostmortemTemplatesTable;
  postmortemPolicies: PostmortemPoliciesTable;
  postmortems: PostmortemsTable;
  postmortemRevisions: PostmortemRevisionsTable;
  postmortemTimelineMarks: PostmortemTimelineMarksTable;
  postmortemTimelineEntries: PostmortemTimelineEntriesTable;
  postmortemWhys: PostmortemWhysTable;
  contributingFactors: ContributingFactorsTable;
  postmortemFactors: PostmortemFactorsTable;
  postmortemReviewers: PostmortemReviewersTable;
  postmortemComments: PostmortemCommentsTable;
  postmortemBlameDismissals: PostmortemBlameDismissalsTable;
  actionItems: ActionItemsTable;
  trackerConnections: TrackerConnectionsTable;
  gamedayScenarios: GamedayScenariosTable;
  gamedays: GamedaysTable;
  gamedayParticipants: GamedayParticipantsTable;
  gamedayServices: GamedayServicesTable;
  gamedayInjects: GamedayInjectsTable;
  gamedayExpectedActions: GamedayExpectedActionsTable;
  gamedayInjections: GamedayInjectionsTable;
  gamedayHaltConditions: GamedayHaltConditionsTable;
  gamedayEvents: GamedayEventsTable;
  runbooks: RunbooksTable;
  runbookVersions: RunbookVersionsTable;
  runbookServices: RunbookServicesTable;
  runbookAlertRules: RunbookAlertRulesTable;
  remediationAgents: RemediationAgentsTable;
  remediationActions: RemediationActionsTable;
  remediationRuns: RemediationRunsTable;
  remediationRunOutput: RemediationRunOutputTable;
  teamAutomationSettings: TeamAutomationSettingsTable;
  automationRules: AutomationRulesTable;
  automationFirings: AutomationFiringsTable;
  teamPeopleSettings: TeamPeopleSettingsTable;
  compTimePolicies: CompTimePoliciesTable;
  compTimeEntries: CompTimeEntriesTable;
  pulseInvitations: PulseInvitationsTable;
  pulseAnswers: PulseAnswersTable;
  doubleCommandFlags: DoubleCommandFlagsTable;
}

/** 0030: a team's Markdown runbook; `body`/`title`/`version` are the newest of `runbook_versions`. */
export interface RunbooksTable {
  id: string;
  teamId: string;
  slug: string;
  title: string;
  body: string;
  version: number;
  reviewIntervalDays: number;
  lastReviewedAt: number | null;
  lastReviewedByUserId: string | null;
  staleNotifiedAt: number | null;
  archivedAt: number | null;
  createdByUserId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface RunbookVersionsTable {
  id: string;
  runbookId: string;
  version: number;
  title: string;
  body: string;
  note: string;
  authorUserId: string | null;
  authorLabel: string;
  createdAt: number;
}

export interface RunbookServicesTable {
  runbookId: string;
  serviceId: string;
}

export interface RunbookAlertRulesTable {
  id: string;
  runbookId: string;
  /** The alert's rule key (alertname, ...); null matches any. */
  alertname: string | null;
  /** JSON [{ name, op: '=' | '!=' | '=~' | '!~', value }], all must hold (RE2 for regex). */
  matchers: string;
  createdAt: number;
}

export interface RemediationAgentsTable {
  id: string;
  teamId: string;
  name: string;
  tokenHash: string;
  tokenPrefix: string;
  /** JSON: what the agent reported on its last poll ({ commands, host, version }). */
  reported: string;
  lastSeenAt: number | null;
  revokedAt: number | null;
  createdByUserId: string | null;
  createdAt: number;
}

export interface RemediationActionsTable {
  id: string;
  teamId: string;
  runbookId: string | null;
  slug: string;
  name: string;
  description: string;
  /** 'http' | 'agent' */
  kind: string;
  /** 'manual' | 'approval' | 'automatic' */
  mode: string;
  /** JSON by kind: http { method, url, headers, body, dryRun? }; agent { agentId, command, args, dryRunArgs? }. */
  config: string;
  /** JSON [{ name, from: 'label' | 'annotation' | 'input', key, pattern, required }] */
  params: string;
  secretSealed: string | null;
  allowPrivateAddress: Bool;
  timeoutSeconds: number;
  /** JSON { alertnames, matchers, serviceIds, severities }: when a mode 'automatic' action runs. */
  autoConditions: string;
  rateLimitPerHour: number;
  enabled: Bool;
  createdByUserId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface RemediationRunsTable {
  id: string;
  actionId: string;
  teamId: string;
  incidentId: string | null;
  alertId: string | null;
  serviceId: string | null;
  /** 'awaiting_approval' | 'rejected' | 'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled' */
  status: string;
  dryRun: Bool;
  /** 'manual' | 'automatic' | 'rule' */
  trigger: string;
  ruleId: string | null;
  /** JSON: the validated parameters (never a secret). */
  params: string;
  requestedByUserId: string | null;
  requestedByLabel: string;
  approvedByUserId: string | null;
  approvedByLabel: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  icFlagged: Bool;
  agentId: string | null;
  leaseUntil: number | null;
  exitCode: number | null;
  httpStatus: number | null;
  output: string;
  outputTruncated: Bool;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface RemediationRunOutputTable {
  id: string;
  runId: string;
  seq: number;
  /** 'stdout' | 'stderr' | 'system' */
  stream: string;
  chunk: string;
  at: number;
}

export interface TeamAutomationSettingsTable {
  teamId: string;
  /** The kill switch: no automatic run starts while set. */
  automaticPaused: Bool;
  pausedReason: string | null;
  updatedByLabel: string;
  updatedAt: number;
}

export interface AutomationRulesTable {
  id: string;
  teamId: string;
  name: string;
  enabled: Bool;
  /** 'alert_triggered' | 'incident_declared' | 'milestone_reached' */
  trigger: string;
  /** JSON { severities, serviceIds, alertnames, matchers, milestone } */
  conditions: string;
  /** 'suggest_runbook' | 'run_action' | 'page' | 'post_update' */
  action: string;
  /** JSON { runbookId } | { actionId } | { escalationPolicyId | scheduleId | userId, message } | { message } */
  actionConfig: string;
  createdByUserId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface AutomationFiringsTable {
  id: string;
  ruleId: string;
  /** The incident (or, before one exists, the alert) it fired for: once per subject. */
  subjectId: string;
  incidentId: string | null;
  alertId: string | null;
  /** 'done' | 'skipped' | 'failed' */
  outcome: string;
  detail: string;
  runId: string | null;
  firedAt: number;
}

/** 0031: a team's people-health thresholds and windows (docs/people-health.md; src/people/settings.ts). */
export interface TeamPeopleSettingsTable {
  teamId: string;
  heroMedianFactor: number;
  heroShareOfTeam: number;
  heroMinCount: number;
  knowledgeShare: number;
  knowledgeMinIncidents: number;
  loadShare: number;
  recoveryHours: number;
  /** JSON array of ISO weekdays. */
  workDays: string;
  workStart: string;
  workEnd: string;
  sleepStart: string;
  sleepEnd: string;
  updatedByLabel: string;
  updatedAt: number;
}

/** 0032: a team's comp-time policy (docs/people-health.md). */
export interface CompTimePoliciesTable {
  teamId: string;
  /** 'none' | 'hours_factor' | 'weekend_fixed' */
  kind: string;
  /** 150 = 1.5× */
  factorPercent: number;
  minimumMinutes: number;
  weekendMinutes: number;
  updatedByUserId: string | null;
  updatedAt: number;
}

/** 0032: the comp-time ledger: accruals (positive, with a unique `source` per team) and time off (negative). */
export interface CompTimeEntriesTable {
  id: string;
  teamId: string;
  userId: string;
  /** 'page' | 'incident' | 'weekend' | 'time_off' */
  kind: string;
  minutes: number;
  occurredAt: number;
  source: string | null;
  incidentId: string | null;
  note: string;
  createdByLabel: string;
  createdAt: number;
}

/** 0032: one pulse check-in invitation per resolved incident and responder; never says what was answered. */
export interface PulseInvitationsTable {
  incidentId: string;
  userId: string;
  teamId: string;
  answered: Bool;
  createdAt: number;
}

/** 0032: an anonymous pulse answer: random id, team and day only. */
export interface PulseAnswersTable {
  id: string;
  teamId: string;
  /** YYYY-MM-DD (UTC) */
  day: string;
  safe: number;
  calm: number;
  roleClear: number;
  text: string;
}

/** 0032: a pair of open P1/P2 incidents with the same Incident Commander, flagged once. */
export interface DoubleCommandFlagsTable {
  userId: string;
  firstIncidentId: string;
  secondIncidentId: string;
  flaggedAt: number;
}
