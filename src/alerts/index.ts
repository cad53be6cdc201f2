export { AlertService, type AlertDetail, type ResolveInput } from './service.js';
export { IntakeService, type IntakeOutcome, type IntakeOutcomeKind } from './intake.js';
export { IntakeLimiter } from './limiter.js';
export { ALERTS_TRIGGERED, alertsTriggeredHandler, type AlertsTriggeredPayload } from './jobs.js';
export { parseAlertmanagerWebhook, alertFingerprint, type ParsedIntake, type RejectedItem } from './alertmanager.js';
export {
  INTAKE_ERRORS_PAGE_MAX,
  RAW_ITEM_MAX,
  describeProblems,
  pruneIntakeErrors,
  type IntakeError,
} from './intake-errors.js';
export { parseGrafanaWebhook } from './grafana.js';
export { parseGenericEvent } from './generic.js';
export {
  parsePagerDutyEvent,
  parsePagerDutyChange,
  pdSuccess,
  pdInvalid,
  pdUnrecognized,
  PD_BODY_LIMIT,
  type PdResponse,
} from './pagerduty-events.js';
export { invalidIntegrationKey, intakeBusy } from './errors.js';
export {
  ALERT_STATUSES,
  SEVERITIES,
  CLASSIFICATIONS,
  type AlertStatus,
  type Severity,
  type Classification,
  type AlertSource,
  type ContextLink,
  type IntakeEvent,
} from './model.js';
export type { Alert, AlertEvent, AlertGroup, AlertFilter } from './repo.js';
export { findAlertRow as findAlertForPaging, toAlert, insertAlertEvent } from './repo.js';
export { listAlertRows, lockService } from './repo.js';
export { lockPagingRun, pagingGate, pagingRunOf, type PagingGate, type PagingRun } from './paging-gate.js';
// Alert noise: silences, maintenance windows, flapping, the "should this page?" check, alert quality.
export { SilenceService, type Silence, type MaintenanceWindow, type NewSilence } from './silences.js';
export {
  isPageSuppressed,
  alertsRecheckPagingHandler,
  ALERTS_RECHECK_PAGING,
  ALERTS_CHANNEL,
  type SuppressionSubject,
  type PagingStarter,
} from './suppression.js';
export {
  decideSuppression,
  matchesAll,
  parseMatcher,
  formatMatcher,
  isFlapping,
  FLAPPING,
  type Matcher,
  type Suppression,
  type SuppressionReason,
} from './noise-model.js';
export { AlertQualityService, type RuleQuality, type ServiceQuality } from './quality.js';
export { NOISE_THRESHOLD, parseWindow, computeQuality, type QualityStats } from './model.js';
export { reopenAfterAckTimeout, retriggerAlert } from './reopen.js';
export { PRUNE_PAYLOADS_JOB, ensurePayloadPruning, prunePayloads, prunePayloadsHandler } from './retention.js';
