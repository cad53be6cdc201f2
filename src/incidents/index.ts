export { IncidentService, type IncidentDetail, type ListFilter, type IncidentDeps } from './service.js';
export { LiveTimeline } from './live.js';
export { type IncidentChatHook } from './service.js';
export { findIncident, listEvents, currentRoles, loadPolicy, appendEvent, lockIncident } from './repo.js';
export { noteIntegrationProblem } from './integration.js';
export {
  ENTRY_TYPES,
  ENTRY_TYPE_NAMES,
  CURATED_ENTRY_KINDS,
  isEntryType,
  evidenceUrlProblem,
  type Entry,
  type EntryType,
  type EntryStatus,
} from './entries.js';
export {
  bridgeLines,
  incidentBridge,
  teamBridge,
  setTeamBridge,
  bridgeProblems,
  incidentKeyOf,
  renderBridgeUrl,
  BRIDGE_MODES,
  BRIDGE_PLACEHOLDERS,
  type BridgeMode,
  type IncidentBridge,
  type TeamBridge,
} from './bridge.js';
export {
  JOB_DOUBLE_COMMAND,
  openEngagements,
  type DoubleBookedWarning,
  type DoubleCommandPayload,
  type Engagement,
} from './engagements.js';
export {
  recordTechnicalAction,
  noteAlertAcknowledged,
  noteChannelOpened,
  noteStatusPageUpdate,
  type SignalActor,
} from './signals.js';
export {
  JOB_CHECK_COMMANDER,
  JOB_REMIND_UPDATE,
  checkCommanderHandler,
  remindUpdateHandler,
  noPaging,
  type IncidentPagingHook,
  type TimerPayload,
} from './jobs.js';
export type { TimelineEvent, RoleHolders } from './repo.js';
export type { Task } from './activity.js';
export type { RankedChange, ChangeKind } from './changes.js';
export type { DeclareInput } from './declare.js';
export * from './model.js';
export { canActOnIncident } from './access.js';
