export {
  PeopleLedgerService,
  ensureCompTimeJob,
  JOB_ACCRUE,
  JOB_ACCRUE_DAILY,
  type AccruePayload,
  type PeopleLedgerDeps,
} from './service.js';
export { POLICY_KINDS, type CompTimePolicy, type PolicyKind } from './comp-time.js';
export { MIN_ANSWERS, QUESTIONS, type QuarterSummary } from './pulse.js';
