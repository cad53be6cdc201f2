/** The shapes of the runbooks API (docs/runbooks.md) as the web pages use them; timestamps are RFC 3339 strings. */
import type { ActionSummary as RemediationAction } from '../automation/types.js';

export interface ServiceRef {
  id: string;
  name: string;
  slug: string;
}

export interface RunbookSummary {
  id: string;
  teamId: string;
  teamName: string;
  slug: string;
  title: string;
  version: number;
  reviewIntervalDays: number;
  lastReviewedAt: string | null;
  reviewDueAt: string | null;
  isStale: boolean;
  serviceIds: string[];
  services: ServiceRef[];
  actionCount: number;
  updatedAt: string;
}

export type MatcherOp = '=' | '!=' | '=~' | '!~';
export const MATCHER_OPS: readonly MatcherOp[] = ['=', '!=', '=~', '!~'];

export interface Matcher {
  name: string;
  op: MatcherOp;
  value: string;
}

export interface AlertRule {
  id?: string;
  alertname: string | null;
  matchers: Matcher[];
}

/** A runbook's action as the runbook answers it: the automation API's action without its rate limit and automatic conditions. */
export type ActionSummary = Omit<RemediationAction, 'rateLimitPerHour' | 'autoConditions'>;

export interface Runbook extends RunbookSummary {
  body: string;
  alertRules: AlertRule[];
  actions: ActionSummary[];
  createdAt: string;
}

export interface RunbookVersion {
  version: number;
  title: string;
  note: string | null;
  authorLabel: string;
  createdAt: string;
}

export interface RunbookVersionDetail extends RunbookVersion {
  body: string;
}

/** What changed between two versions: the titles and a unified diff of the bodies (the `diff` package's patch). */
export interface RunbookDiff {
  from: number;
  to: number;
  title: { from: string; to: string };
  unified: string;
  changed: boolean;
}

export type MatchReason = 'alert_rule' | 'service' | 'suggested';

export interface MatchedRunbook {
  runbook: RunbookSummary;
  reason: MatchReason;
  actions: ActionSummary[];
}

export interface MatchedRunbooks {
  items: MatchedRunbook[];
  externalUrl: string | null;
}

export interface Run {
  id: string;
  actionId: string;
  status: string;
  dryRun: boolean;
}

export const runbookPath = (id: string): string => `/runbooks/${encodeURIComponent(id)}`;
export const runPath = (id: string): string => `/automation/runs/${encodeURIComponent(id)}`;

export const REASON_TEXT: Record<MatchReason, string> = {
  alert_rule: 'Matches this alert',
  service: 'For this service',
  suggested: 'Suggested by an automation rule',
};

export const MODE_TEXT: Record<ActionSummary['mode'], string> = {
  manual: 'Run by hand',
  approval: 'Needs a second person',
  automatic: 'Runs automatically',
};

/** How an alert rule reads: `alertname = HighErrorRate, env = prod, pod =~ api-.*`. */
export function ruleText(rule: AlertRule): string {
  const parts = [
    ...(rule.alertname ? [`alertname = ${rule.alertname}`] : []),
    ...rule.matchers.map((m) => `${m.name} ${m.op} ${m.value}`),
  ];
  return parts.join(', ') || 'any alert';
}

/**
 * The lines of a diff as `[' ' | '+' | '-' | '@', text]`, from the unified text. Only lines inside a hunk count: a
 * removed line `-- note` reads `--- note`, which is not the `---` file header.
 */
export function diffLines(d: RunbookDiff): { sign: ' ' | '+' | '-' | '@'; text: string }[] {
  const out: { sign: ' ' | '+' | '-' | '@'; text: string }[] = [];
  let inHunk = false;
  for (const l of d.unified.split('\n')) {
    if (l.startsWith('@@')) {
      inHunk = true;
      out.push({ sign: '@', text: l });
    } else if (inHunk && l && !l.startsWith('\\')) out.push(lineOf(l)); // not "\ No newline at end of file"
  }
  return out;
}

function lineOf(l: string): { sign: ' ' | '+' | '-'; text: string } {
  const c = l[0];
  if (c === '+' || c === '-') return { sign: c, text: l.slice(1) };
  return { sign: ' ', text: c === ' ' ? l.slice(1) : l };
}
