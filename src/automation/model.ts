/**
 * Automation rules as pure data and functions (docs/runbooks.md, "Automation rules"): the triggers and actions, the
 * conditions a rule holds (severities, services, alert names, label matchers on RE2, milestone, drills), whether a
 * subject meets them, and what a valid rule is. No database here; the job (jobs.ts) loads the subject and asks.
 */
import { MILESTONES, SEVERITIES as INCIDENT_SEVERITIES, type Milestone } from '../incidents/model.js';
import { SEVERITIES as ALERT_SEVERITIES } from '../alerts/model.js';
import { opMatcherHolds } from '../alerts/noise-model.js';
import type { FieldProblem } from '../shared/errors.js';
import { patternProblem } from '../shared/pattern.js';

export const TRIGGERS = ['alert_triggered', 'incident_declared', 'milestone_reached'] as const;
export type Trigger = (typeof TRIGGERS)[number];
export const isTrigger = (v: string): v is Trigger => (TRIGGERS as readonly string[]).includes(v);

export const ACTIONS = ['suggest_runbook', 'run_action', 'page', 'post_update'] as const;
export type RuleAction = (typeof ACTIONS)[number];
export const isRuleAction = (v: string): v is RuleAction => (ACTIONS as readonly string[]).includes(v);

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

export const OUTCOMES = ['done', 'skipped', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export { MILESTONES, type Milestone };
/** Alert severities (alert_triggered) and incident severities (the incident triggers) a rule may name. */
export const RULE_SEVERITIES = [...ALERT_SEVERITIES, ...INCIDENT_SEVERITIES] as const;

export const MAX_NAME = 200;
export const MAX_MESSAGE = 2000;
export const MAX_LIST = 50;

export interface Matcher {
  name: string;
  op: MatcherOp;
  value: string;
}

export interface Conditions {
  /** Alert severities (critical, error, warning, info) or incident severities (P1–P4); any when empty. */
  severities?: string[];
  /** The alert's service, or one of the incident's affected services; any of the team's when empty. */
  serviceIds?: string[];
  /** The alert's name (its rule key: alertname, PagerDuty class, …); for an incident, one of its linked alerts'. */
  alertnames?: string[];
  /** Label matchers that must all hold (an incident: on one of its linked alerts). */
  matchers?: Matcher[];
  /** milestone_reached: which milestone. */
  milestone?: Milestone;
  /** Fire for game-day drills too (default: never in a drill). */
  includeDrills?: boolean;
}

export type PageTarget = { userId: string } | { scheduleId: string } | { escalationPolicyId: string };

export interface ActionConfig {
  runbookId?: string;
  actionId?: string;
  userId?: string;
  scheduleId?: string;
  escalationPolicyId?: string;
  message?: string;
}

export interface Rule {
  id: string;
  teamId: string;
  name: string;
  enabled: boolean;
  trigger: Trigger;
  conditions: Conditions;
  action: RuleAction;
  actionConfig: ActionConfig;
  createdAt: number;
  updatedAt: number;
}

/** What a rule is matched against: the alert, or the incident with its linked alerts. */
export interface Subject {
  /** The alert's severity, or the incident's. */
  severity: string;
  serviceIds: string[];
  alerts: { ruleKey: string; labels: Record<string, string> }[];
  isDrill: boolean;
  /** milestone_reached: the milestone that was reached. */
  milestone?: string | undefined;
}

function alertHolds(c: Conditions, a: { ruleKey: string; labels: Record<string, string> }): boolean {
  if (c.alertnames?.length && !c.alertnames.includes(a.ruleKey)) return false;
  // Alertmanager's rules, shared with silences (own labels only: a matcher named `toString` reads '').
  return (c.matchers ?? []).every((m) => opMatcherHolds(m, a.labels));
}

/** Whether a rule's conditions hold for the subject. Empty lists mean "any". */
export function conditionsHold(trigger: Trigger, c: Conditions, s: Subject): boolean {
  if (s.isDrill && c.includeDrills !== true) return false;
  if (trigger === 'milestone_reached' && c.milestone !== s.milestone) return false;
  if (c.severities?.length && !c.severities.includes(s.severity)) return false;
  if (c.serviceIds?.length && !s.serviceIds.some((id) => c.serviceIds!.includes(id))) return false;
  if (c.alertnames?.length || c.matchers?.length) return s.alerts.some((a) => alertHolds(c, a));
  return true;
}

/** The subject a firing is counted against: the incident, or the alert while it has none. */
export const subjectOf = (s: { incidentId: string | null; alertId: string | null }): string =>
  (s.incidentId ?? s.alertId)!;

/** Every problem with a rule's shape (references to other rows are the service's to check), each naming its field. */
export function ruleProblems(r: {
  name: string;
  trigger: string;
  action: string;
  conditions: Conditions;
  actionConfig: ActionConfig;
}): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (!r.name.trim()) out.push({ field: 'name', message: 'must not be empty' });
  if (!isTrigger(r.trigger)) out.push({ field: 'trigger', message: `must be one of ${TRIGGERS.join(', ')}` });
  if (!isRuleAction(r.action)) out.push({ field: 'action', message: `must be one of ${ACTIONS.join(', ')}` });
  const c = r.conditions;
  const allowed: readonly string[] =
    r.trigger === 'alert_triggered' ? ALERT_SEVERITIES : r.trigger === '' ? RULE_SEVERITIES : INCIDENT_SEVERITIES;
  for (const [i, s] of (c.severities ?? []).entries()) {
    if (!allowed.includes(s))
      out.push({ field: `conditions.severities.${i}`, message: `must be one of ${allowed.join(', ')}` });
  }
  if (r.trigger === 'milestone_reached') {
    if (!c.milestone) out.push({ field: 'conditions.milestone', message: `is required for milestone_reached` });
  } else if (c.milestone) {
    out.push({ field: 'conditions.milestone', message: 'applies only to the milestone_reached trigger' });
  }
  for (const [i, m] of (c.matchers ?? []).entries()) {
    if (!m.name.trim()) out.push({ field: `conditions.matchers.${i}.name`, message: 'must not be empty' });
    if (m.op === '=~' || m.op === '!~') {
      const p = patternProblem(`conditions.matchers.${i}.value`, m.value);
      if (p) out.push(p);
    }
  }
  const a = r.actionConfig;
  const message = a.message?.trim() ?? '';
  switch (r.action) {
    case 'suggest_runbook':
      if (!a.runbookId) out.push({ field: 'actionConfig.runbookId', message: 'is required to suggest a runbook' });
      break;
    case 'run_action':
      if (!a.actionId) out.push({ field: 'actionConfig.actionId', message: 'is required to run an action' });
      break;
    case 'page': {
      const targets = [a.userId, a.scheduleId, a.escalationPolicyId].filter(Boolean).length;
      if (targets !== 1)
        out.push({
          field: 'actionConfig',
          message: 'a page names exactly one of userId, scheduleId or escalationPolicyId',
        });
      if (!message) out.push({ field: 'actionConfig.message', message: 'is required: what the page says' });
      break;
    }
    case 'post_update':
      if (!message) out.push({ field: 'actionConfig.message', message: 'is required: the update to post' });
      if (r.trigger === 'alert_triggered')
        out.push({
          field: 'action',
          message: 'post_update needs an incident: use it with incident_declared or milestone_reached',
        });
      break;
  }
  return out;
}

/** The action config kept for the action (other fields dropped), trimmed. */
export function configFor(action: RuleAction, a: ActionConfig): ActionConfig {
  switch (action) {
    case 'suggest_runbook':
      return { runbookId: a.runbookId! };
    case 'run_action':
      return { actionId: a.actionId! };
    case 'page':
      return {
        ...(a.userId ? { userId: a.userId } : {}),
        ...(a.scheduleId ? { scheduleId: a.scheduleId } : {}),
        ...(a.escalationPolicyId ? { escalationPolicyId: a.escalationPolicyId } : {}),
        message: a.message!.trim(),
      };
    case 'post_update':
      return { message: a.message!.trim() };
  }
}

/** The conditions kept for the trigger: empty lists dropped, milestone only where it applies. */
export function conditionsFor(trigger: Trigger, c: Conditions): Conditions {
  return {
    ...(c.severities?.length ? { severities: [...new Set(c.severities)] } : {}),
    ...(c.serviceIds?.length ? { serviceIds: [...new Set(c.serviceIds)] } : {}),
    ...(c.alertnames?.length ? { alertnames: [...new Set(c.alertnames.map((n) => n.trim()).filter(Boolean))] } : {}),
    ...(c.matchers?.length
      ? { matchers: c.matchers.map((m) => ({ name: m.name.trim(), op: m.op, value: m.value })) }
      : {}),
    ...(trigger === 'milestone_reached' && c.milestone ? { milestone: c.milestone } : {}),
    ...(c.includeDrills ? { includeDrills: true } : {}),
  };
}

/** A one-line description of what a rule does, for lists and the CLI. */
export function describeRule(r: Pick<Rule, 'trigger' | 'conditions' | 'action'>): string {
  const when =
    r.trigger === 'alert_triggered'
      ? 'an alert triggers'
      : r.trigger === 'incident_declared'
        ? 'an incident is declared'
        : `${r.conditions.milestone ?? 'a milestone'} is reached`;
  const what = {
    suggest_runbook: 'suggest a runbook',
    run_action: 'run an action',
    page: 'page',
    post_update: 'post an update',
  }[r.action];
  return `when ${when}: ${what}`;
}
