/**
 * The one place a user-supplied regular expression is compiled (silence matchers today; anything later that takes a
 * pattern from a user, an integration or a config file that users edit goes through here too).
 *
 * Patterns run on RE2 (re2js, a pure-JS port of Go's regexp/RE2): RE2 syntax, and matching time linear in the input,
 * so no pattern can stall the event loop by backtracking — `(a+)+b` against thirty "a" and a "c" takes microseconds
 * where JavaScript's RegExp took 10 seconds. RE2 has no look-around and no back-references; `(?i)` and the other
 * inline flags, `\d`, `\w`, `\pL`, `[[:alpha:]]` and named groups `(?P<name>…)` work as in Go and Alertmanager.
 *
 * Linear is not free: the cost is the input length times the compiled program's size, so patterns are bounded twice,
 * by their length (`PATTERN_MAX_LENGTH` characters) and by the size of the program they compile to
 * (`PATTERN_MAX_PROGRAM`, which refuses `\pL{1000}` repeated a hundred times: short, but 100,000 instructions).
 * Fixed regexes written in Muster's own source stay JavaScript RegExps; this file is for patterns from outside.
 */
import { RE2JS } from 're2js';
import { validationError, type FieldProblem } from './errors.js';

/** The longest pattern accepted, in characters (Alertmanager has no bound; ours keeps compile time small). */
export const PATTERN_MAX_LENGTH = 1000;
/** The most RE2 instructions a pattern may compile to (a repeat count is expanded: `a{1000}` is 1,000). */
export const PATTERN_MAX_PROGRAM = 5000;

/** A compiled user pattern. */
export interface Pattern {
  readonly source: string;
  /** The whole value matches (Alertmanager anchors matcher regexes: `api.*` never matches a substring). */
  matchesWhole(value: string): boolean;
  /** Some part of the value matches. */
  matchesPart(value: string): boolean;
}

class Re2Pattern implements Pattern {
  constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {}
  matchesWhole(value: string): boolean {
    return this.re.testExact(value);
  }
  matchesPart(value: string): boolean {
    return this.re.test(value);
  }
}

/** The size of a compiled program (re2js keeps it on the RE2 object; not in its typings). */
function programSize(re: RE2JS): number {
  const prog = (re.re2() as unknown as { prog?: { inst?: unknown[] } }).prog;
  return prog?.inst?.length ?? 0;
}

/** The compiled pattern, or why `source` is not acceptable (a sentence to follow the field name). */
function problemWith(source: string): { message: string } | { pattern: Pattern } {
  if (typeof source !== 'string') return { message: 'must be a string' };
  if (source.length > PATTERN_MAX_LENGTH) {
    return { message: `is too long for a pattern: at most ${PATTERN_MAX_LENGTH} characters` };
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (e) {
    const detail = e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e);
    return { message: `is not a valid RE2 regular expression (${detail}); see docs/alerts.md for the syntax` };
  }
  if (programSize(re) > PATTERN_MAX_PROGRAM) {
    return {
      message: `is too complex: it compiles to more than ${PATTERN_MAX_PROGRAM} RE2 instructions (repeat counts expand)`,
    };
  }
  return { pattern: new Re2Pattern(source, re) };
}

/** The problem with a pattern given in `field`, or null when it compiles within the bounds. */
export function patternProblem(field: string, source: string): FieldProblem | null {
  const r = problemWith(source);
  return 'message' in r ? { field, message: r.message } : null;
}

/** Compile a pattern given in `field`; a bad one is a 400 `validation_failed` naming the field. */
export function compilePattern(field: string, source: string): Pattern {
  const r = problemWith(source);
  if ('message' in r) throw validationError([{ field, message: r.message }]);
  return r.pattern;
}

/** Compiled patterns by source: matching runs per alert, compiling once per process is enough. */
const cache = new Map<string, Pattern | null>();
const CACHE_MAX = 2000;

/**
 * A stored pattern, compiled (and remembered) for matching; null when it does not compile within the bounds (one
 * stored before patterns were RE2, or before a bound shrank): the caller decides what a pattern that cannot run
 * means — a silence with one never mutes anything.
 */
export function storedPattern(source: string): Pattern | null {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  const r = problemWith(source);
  const pattern = 'pattern' in r ? r.pattern : null;
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string); // the oldest first
  cache.set(source, pattern);
  return pattern;
}

/**
 * The problems of a list of label matchers (`name op value`, the value an RE2 pattern for `=~` and `!~`) at `at`:
 * at most `max`, each name matching `labelName` (whose rule `nameRule` says in words), a known op, a valid pattern.
 */
export function labelMatcherProblems(
  matchers: readonly { name: string; op: string; value: string }[],
  at: string,
  rules: { max: number; labelName: RegExp; nameRule: string },
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (matchers.length > rules.max) problems.push({ field: `${at}.matchers`, message: `at most ${rules.max} matchers` });
  matchers.forEach((m, j) => {
    const mat = `${at}.matchers[${j}]`;
    if (!rules.labelName.test(m.name)) problems.push({ field: `${mat}.name`, message: rules.nameRule });
    if (!['=', '!=', '=~', '!~'].includes(m.op))
      problems.push({ field: `${mat}.op`, message: 'must be =, !=, =~ or !~' });
    if (m.op === '=~' || m.op === '!~') {
      const p = patternProblem(`${mat}.value`, m.value);
      if (p) problems.push(p);
    }
  });
  return problems;
}
