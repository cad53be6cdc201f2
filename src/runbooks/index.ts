export * from './service.js';
export {
  matchesAlertRule,
  alertRuleProblems,
  isStale,
  reviewDueAt,
  type AlertRule,
  type AlertFacts,
  type Matcher,
  type MatcherOp,
} from './model.js';
export { FRESHNESS_JOB, ensureFreshnessJob, freshnessHandler, type FreshnessPayload } from './jobs.js';
export type { ActionSummary } from './repo.js';
