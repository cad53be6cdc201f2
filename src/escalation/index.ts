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
