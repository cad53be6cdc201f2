/**
 * Runbooks as pure rules (docs/runbooks.md): alert rules (an alertname and label matchers, regexes on RE2 through
 * src/shared/pattern.ts) and whether an alert matches one, the review due date and staleness, slugs, and the daily
 * freshness check's instants. No I/O; time is passed in.
 */
import { DAY } from '../shared/clock.js';
import type { FieldProblem } from '../shared/errors.js';
import { opMatcherHolds } from '../alerts/noise-model.js';
import { labelMatcherProblems } from '../shared/pattern.js';

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

export interface Matcher {
  name: string;
  op: MatcherOp;
  value: string;
}

/** Which alerts a runbook is for: an alert rule key (alertname, …; null for any) and matchers that must all hold. */
export interface AlertRule {
  alertname: string | null;
  matchers: Matcher[];
}

/** What matching needs of an alert: its rule key (alertname, PagerDuty class, …) and its labels. */
export interface AlertFacts {
  ruleKey: string;
  labels: Record<string, string>;
}

export const MAX_TITLE = 200;
export const MAX_BODY = 200_000;
export const MAX_NOTE = 500;
export const MAX_RULES = 20;
export const MAX_MATCHERS = 20;
export const MAX_SERVICES = 50;
export const DEFAULT_REVIEW_DAYS = 90;
export const MIN_REVIEW_DAYS = 1;
export const MAX_REVIEW_DAYS = 730;

/**
 * Whether the alert matches the rule: the alertname (when the rule names one) equals the alert's rule key or its
 * `alertname` label, and every matcher holds (Alertmanager's rules, shared with silences: a missing label reads as the
 * empty string; a stored regex that no longer compiles matches nothing, nor does its negation). A rule with neither alertname nor matchers matches nothing (it would put
 * the runbook on every alert; validation refuses it, this keeps a stored one harmless).
 */
export function matchesAlertRule(rule: AlertRule, alert: AlertFacts): boolean {
  if (rule.alertname === null && rule.matchers.length === 0) return false;
  if (rule.alertname !== null && rule.alertname !== alert.ruleKey && rule.alertname !== alert.labels.alertname) {
    return false;
  }
  return rule.matchers.every((m) => opMatcherHolds(m, alert.labels));
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/**
 * The problems with alert rules given in `field` (`alertRules`), each naming its place (`alertRules[0].matchers[1].value`).
 * Regexes compile through RE2 within the bounds of src/shared/pattern.ts: a pathological or invalid one is refused.
 */
export function alertRuleProblems(rules: readonly AlertRule[], field = 'alertRules'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (rules.length > MAX_RULES) problems.push({ field, message: `at most ${MAX_RULES} alert rules` });
  rules.forEach((r, i) => {
    const at = `${field}[${i}]`;
    const name = r.alertname === null ? null : r.alertname.trim();
    if (name !== null && name === '') {
      problems.push({ field: `${at}.alertname`, message: 'give the alertname, or null to match on labels only' });
    }
    if (name === null && r.matchers.length === 0) {
      problems.push({ field: at, message: 'give an alertname or at least one label matcher' });
    }
    problems.push(
      ...labelMatcherProblems(r.matchers, at, {
        max: MAX_MATCHERS,
        labelName: LABEL_NAME,
        nameRule: 'must be a label name (letters, digits and _)',
      }),
    );
  });
  return problems;
}

/** Rules as stored: alertnames trimmed. */
export function normaliseRules(rules: readonly AlertRule[]): AlertRule[] {
  return rules.map((r) => ({
    alertname: r.alertname === null ? null : r.alertname.trim(),
    matchers: r.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
  }));
}

/** When a runbook's review falls due: the last review (or its creation) plus the interval. */
export function reviewDueAt(r: { lastReviewedAt: number | null; createdAt: number; reviewIntervalDays: number }) {
  return (r.lastReviewedAt ?? r.createdAt) + r.reviewIntervalDays * DAY;
}

export function isStale(
  r: { lastReviewedAt: number | null; createdAt: number; reviewIntervalDays: number },
  now: number,
): boolean {
  return reviewDueAt(r) <= now;
}

/**
 * Whether the freshness check should remind the owners now: stale, and not reminded since it last went stale (a
 * review after the reminder starts a new period, so the next staleness is reminded again).
 */
export function needsStaleReminder(
  r: {
    lastReviewedAt: number | null;
    createdAt: number;
    reviewIntervalDays: number;
    staleNotifiedAt: number | null;
  },
  now: number,
): boolean {
  if (!isStale(r, now)) return false;
  return r.staleNotifiedAt === null || r.staleNotifiedAt < reviewDueAt(r);
}

/** A URL-safe slug from a title: lower case, a-z 0-9 and hyphens, at most 60 characters. */
export function runbookSlug(title: string): string {
  return (
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'runbook'
  );
}

export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$/;

/** The freshness check runs daily at this hour (UTC). */
export const FRESHNESS_HOUR_UTC = 8;

/** The next freshness check strictly after `now`. */
export function nextFreshnessAt(now: number): number {
  const d = new Date(now);
  let at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), FRESHNESS_HOUR_UTC);
  if (at <= now) at += DAY;
  return at;
}

export const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);
