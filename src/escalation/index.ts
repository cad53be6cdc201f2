export { EscalationPolicyService, snapshotOf, type EscalationPolicy, type PolicyInput } from './policies.js';
export {
  planStep,
  validatePolicy,
  type EscalationLevel,
  type EscalationTarget,
  type LevelCondition,
  type PolicySnapshot,
  type StepPlan,
  type Urgency,
} from './model.js';
export { alertTriggeredHandler, beginPaging, runStepHandler, RUN_STEP_JOB } from './jobs.js';
export {
  escalationFor,
  primePagingLookups,
  startEscalation,
  runStep,
  type EscalationDeps,
  type EscalationView,
  type RunStepPayload,
} from './runs.js';
export { urgencyForSeverity } from './model.js';
export { pagesBetween, type PageReceived } from './pages.js';
export { ACK_TIMEOUT_JOB, ackTimeoutHandler, scheduleAckTimeout } from './ack-timeout.js';
export { commanderPaging, commanderScheduleId, setCommanderScheduleId } from './commander.js';
export { AUTO_DECLARE_JOB, autoDeclareHandler, maybeAutoDeclare } from './auto-declare.js';
export { primePageClaims } from './page-claims.js';
export { isPageStillWanted, runForAlert, runAlerts, type EscalationRunRow } from './groups.js';
export {
  PAGE_LIST_MAX,
  alertCount,
  alertListLines,
  currentPageMessage,
  pageMessage,
  refreshPage,
  triggeredRunAlerts,
  type PageAlert,
  type PageInput,
} from './page-text.js';
export { pagingFor, type PagingView, type PagingHold, type PagingPage, type PagingState } from './paging-view.js';
export {
  PagingActionService,
  SNOOZE_END_JOB,
  SNOOZE_MAX_MINUTES,
  snoozeEndHandler,
  type ReassignInput,
  type SnoozeEndPayload,
} from './actions.js';
