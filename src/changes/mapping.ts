/**
 * A team's change mapping (pure): which of its services a change from a hook is about. Each rule names a service and
 * any of: a repository (`owner/name`, any letter case; a URL is read as its path), a namespace, label matchers
 * (`=`, `!=`, and RE2 `=~`, `!~` anchored to the whole value, as silences' are). A rule holds when all it names hold;
 * a change goes to every service whose rule holds, else to the hook's default service, else it is not recorded.
 */
import { opMatcherHolds } from '../alerts/noise-model.js';
import type { FieldProblem } from '../shared/errors.js';
import { labelMatcherProblems } from '../shared/pattern.js';
import { repositoryName, type ChangeFacts } from './sources.js';

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

export interface ChangeMatcher {
  name: string;
  op: MatcherOp;
  value: string;
}

export interface MappingRule {
  serviceId: string;
  repository: string | null;
  namespace: string | null;
  matchers: ChangeMatcher[];
}

export const MAX_RULES = 200;
export const MAX_MATCHERS = 20;
/** Kubernetes label keys (`app.kubernetes.io/name`) as well as plain names. */
const LABEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,252}$/;

export function ruleHolds(rule: MappingRule, f: ChangeFacts): boolean {
  if (rule.repository === null && rule.namespace === null && rule.matchers.length === 0) return false;
  if (rule.repository !== null && repositoryName(rule.repository) !== f.repository) return false;
  if (rule.namespace !== null && rule.namespace !== f.namespace) return false;
  return rule.matchers.every((m) => opMatcherHolds(m, f.labels));
}

/** The services a change maps to, in rule order, each once; the default service when no rule holds. */
export function mapChange(rules: readonly MappingRule[], f: ChangeFacts, defaultServiceId: string | null): string[] {
  const out: string[] = [];
  for (const r of rules) if (ruleHolds(r, f) && !out.includes(r.serviceId)) out.push(r.serviceId);
  if (out.length === 0 && defaultServiceId) out.push(defaultServiceId);
  return out;
}

/** Problems with rules given in `field`, each naming its place (`mappings[2].matchers[0].value`). */
export function mappingProblems(rules: readonly Omit<MappingRule, 'serviceId'>[], field = 'mappings'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (rules.length > MAX_RULES) problems.push({ field, message: `at most ${MAX_RULES} rules` });
  rules.forEach((r, i) => {
    const at = `${field}[${i}]`;
    if (r.repository === null && r.namespace === null && r.matchers.length === 0) {
      problems.push({ field: at, message: 'give a repository, a namespace or at least one label matcher' });
    }
    if (r.repository !== null && !r.repository.trim()) {
      problems.push({ field: `${at}.repository`, message: 'must not be empty (leave it out to match any)' });
    }
    if (r.namespace !== null && !r.namespace.trim()) {
      problems.push({ field: `${at}.namespace`, message: 'must not be empty (leave it out to match any)' });
    }
    problems.push(
      ...labelMatcherProblems(r.matchers, at, {
        max: MAX_MATCHERS,
        labelName: LABEL_NAME,
        nameRule: 'must be a label name (letters, digits, _ . / -)',
      }),
    );
  });
  return problems;
}
