export * from './service.js';
export { AUTOMATION_EVALUATE_JOB, evaluateHandler, type EvaluatePayload, type RemediationHook } from './jobs.js';
export {
  ACTIONS,
  MATCHER_OPS,
  MILESTONES,
  OUTCOMES,
  TRIGGERS,
  RULE_SEVERITIES,
  conditionsHold,
  describeRule,
  type ActionConfig,
  type Conditions,
  type Matcher,
  type Rule,
  type RuleAction,
  type Trigger,
} from './model.js';
export type { Firing, FiringView, RuleView } from './repo.js';
