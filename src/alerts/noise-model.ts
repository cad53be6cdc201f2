/**
 * Why an alert does not page, as pure functions with time passed in: silences (Alertmanager-style label matchers,
 * optionally scoped to one service), maintenance windows (a whole service) and flapping (a key that keeps opening).
 * No I/O here; src/alerts/suppression.ts loads the rows and calls these.
 */
import { MINUTE } from '../shared/clock.js';
import type { FieldProblem } from '../shared/errors.js';
import { patternProblem, storedPattern } from '../shared/pattern.js';

/** One label matcher, as in Alertmanager's silences API: `=`, `!=`, `=~`, `!~`. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export const MATCHER_VALUE_MAX = 1000;

/**
 * A missing label matches as the empty string, as in Alertmanager (`foo=""` matches alerts without `foo`). Regex
 * matchers are RE2 (src/shared/pattern.ts: linear time, so no silence can stall intake) and anchored like
 * Alertmanager's: `=~ "api.*"` matches the whole value, never a substring. A stored regex that does not compile (one
 * saved before patterns were RE2) matches nothing either way, `=~` or `!~`: its silence never mutes, so an alert
 * pages rather than being held by a rule nobody can read.
 */
export function matcherMatches(m: Matcher, labels: Record<string, string>): boolean {
  // Own labels only: a matcher named `toString` or `__proto__` must not read Object.prototype (a function there made
  // RE2 throw on every alert intake checked against the silence).
  const value = (Object.hasOwn(labels, m.name) ? labels[m.name] : undefined) ?? '';
  if (m.isRegex) {
    const pattern = storedPattern(m.value);
    if (!pattern) return false;
    const hit = pattern.matchesWhole(value);
    return m.isEqual ? hit : !hit;
  }
  const hit = value === m.value;
  return m.isEqual ? hit : !hit;
}

export const matchesAll = (matchers: Matcher[], labels: Record<string, string>): boolean =>
  matchers.every((m) => matcherMatches(m, labels));

/** A matcher written with its operator, as runbooks, automation rules and automatic actions store them. */
export interface OpMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** `matcherMatches` for an operator matcher: the same missing-label, own-label and RE2 rules. */
export const opMatcherHolds = (m: OpMatcher, labels: Record<string, string>): boolean =>
  matcherMatches(
    { name: m.name, value: m.value, isRegex: m.op === '=~' || m.op === '!~', isEqual: m.op === '=' || m.op === '=~' },
    labels,
  );

/** The problems with a silence's matchers; a silence needs a matcher or a service, so it never mutes everything. */
export function matcherProblems(matchers: Matcher[], hasService: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (matchers.length === 0 && !hasService) {
    problems.push({ field: 'matchers', message: 'needs at least one matcher, or a service' });
  }
  matchers.forEach((m, i) => {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name)) {
      problems.push({ field: `matchers[${i}].name`, message: 'must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)' });
    }
    if (m.isRegex) {
      const problem = patternProblem(`matchers[${i}].value`, m.value);
      if (problem) problems.push(problem);
    } else if (m.value.length > MATCHER_VALUE_MAX) {
      problems.push({ field: `matchers[${i}].value`, message: `must be at most ${MATCHER_VALUE_MAX} characters` });
    }
  });
  if (problems.length === 0 && matchers.length > 0 && matchers.every((m) => matcherMatches(m, {}))) {
    problems.push({ field: 'matchers', message: 'would match every alert (each matcher matches an empty label)' });
  }
  return problems;
}

/** `name="value"`, `name!~"re"`: how matchers are shown and how the CLI reads them. */
export function formatMatcher(m: Matcher): string {
  const op = `${m.isEqual ? '=' : '!'}${m.isRegex ? '~' : m.isEqual ? '' : '='}`;
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

export function parseMatcher(text: string): Matcher | null {
  const found = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!found) return null;
  const [, name, op, raw] = found as unknown as [string, string, string, string];
  const value = /^".*"$/.test(raw) ? (JSON.parse(raw) as string) : raw;
  return { name, value, isRegex: op.endsWith('~'), isEqual: !op.startsWith('!') };
}

export type SilenceStatus = 'pending' | 'active' | 'expired';

export const silenceStatus = (s: { startsAt: number; endsAt: number }, now: number): SilenceStatus =>
  now < s.startsAt ? 'pending' : now < s.endsAt ? 'active' : 'expired';

// ---- flapping --------------------------------------------------------------------------------------------------

/**
 * A key is flapping when its alert opened at least `minOpens` times within `windowMs` (counting the one opening
 * now): every re-open after the first means it resolved in between. Three opens (the second re-fire within the
 * window) are enough: damping used to start at five, after the fourth page of the same problem (issue 14).
 */
export const FLAPPING = { minOpens: 3, windowMs: 30 * MINUTE } as const;

export function isFlapping(openedAt: number[], now: number, rule: { minOpens: number; windowMs: number } = FLAPPING) {
  return openedAt.filter((t) => t > now - rule.windowMs && t <= now).length >= rule.minOpens;
}

// ---- the suppression decision ----------------------------------------------------------------------------------

export type SuppressionReason = 'maintenance' | 'silenced' | 'flapping';

export interface Suppression {
  suppressed: boolean;
  reason: SuppressionReason | null;
  /** The silence that mutes the alert (the one ending last, when several match). */
  silenceId?: string;
  maintenanceWindowId?: string;
  /** When to look again: paging may start then if the alert is still firing. */
  until?: number;
}

export interface SilenceRule {
  id: string;
  serviceId: string | null;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
}

export interface WindowRule {
  id: string;
  serviceId: string;
  startsAt: number;
  endsAt: number;
}

export interface SuppressionInput {
  alert: { serviceId: string; labels: Record<string, string> };
  silences: SilenceRule[];
  windows: WindowRule[];
  /** Flapping: is the key flapping, and when was an alert with the key last paged (null: never in the window). */
  flapping: { isFlapping: boolean; lastPagedAt: number | null };
}

const latest = <T extends { endsAt: number }>(xs: T[]): T | undefined =>
  xs.reduce<T | undefined>((a, b) => (a === undefined || b.endsAt > a.endsAt ? b : a), undefined);

/**
 * Should this alert page now? Maintenance first (the whole service is expected to misbehave), then silences, then
 * flap damping: a flapping key pages at most once per flapping window, so while one of its alerts paged less than
 * `FLAPPING.windowMs` ago, a new one waits until that window has passed and pages then if it is still firing.
 */
export function decideSuppression(input: SuppressionInput, now: number, rule = FLAPPING): Suppression {
  const isActive = (r: { startsAt: number; endsAt: number }) => silenceStatus(r, now) === 'active';
  const window = latest(input.windows.filter((w) => w.serviceId === input.alert.serviceId && isActive(w)));
  if (window) return { suppressed: true, reason: 'maintenance', maintenanceWindowId: window.id, until: window.endsAt };
  const silence = latest(
    input.silences.filter(
      (s) =>
        isActive(s) &&
        (s.serviceId === null || s.serviceId === input.alert.serviceId) &&
        matchesAll(s.matchers, input.alert.labels),
    ),
  );
  if (silence) return { suppressed: true, reason: 'silenced', silenceId: silence.id, until: silence.endsAt };
  const { isFlapping: flapping, lastPagedAt } = input.flapping;
  if (flapping && lastPagedAt !== null && now < lastPagedAt + rule.windowMs) {
    return { suppressed: true, reason: 'flapping', until: lastPagedAt + rule.windowMs };
  }
  return { suppressed: false, reason: null };
}
