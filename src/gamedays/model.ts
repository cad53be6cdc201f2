/**
 * Game days as pure data (docs/gamedays.md): statuses, modes, recurrence, the scenario library's levels and the
 * advice shown with them, and the validation of what people type. No I/O here.
 */
import type { FieldProblem } from '../shared/errors.js';

export const MODES = ['tabletop', 'live'] as const;
export type Mode = (typeof MODES)[number];
export const STATUSES = ['scheduled', 'running', 'halted', 'ended', 'cancelled'] as const;
export type GamedayStatus = (typeof STATUSES)[number];
export const RECURRENCES = ['none', 'monthly', 'quarterly', 'yearly'] as const;
export type Recurrence = (typeof RECURRENCES)[number];
export const LEVELS = ['tabletop', 'live', 'injection'] as const;
export type Level = (typeof LEVELS)[number];
export const CATEGORIES = ['infrastructure', 'dependency', 'cascading', 'security', 'communication', 'custom'] as const;
export type Category = (typeof CATEGORIES)[number];
export const ACTION_OUTCOMES = ['pending', 'done', 'missed'] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];
export const HALT_KINDS = ['abort', 'real_incident', 'prometheus'] as const;
export type HaltKind = (typeof HALT_KINDS)[number];
export const HYPOTHESIS_OUTCOMES = ['confirmed', 'refuted', 'partly'] as const;
export type HypothesisOutcome = (typeof HYPOTHESIS_OUTCOMES)[number];
export const PARTICIPANT_ROLES = ['participant', 'observer'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export const MAX_TITLE = 200;
export const MAX_TEXT = 5000;
export const MAX_INJECT_BODY = 2000;
export const MAX_INJECTS = 50;
export const MAX_ACTIONS = 30;
/** An inject may be scripted up to a day after the start. */
export const MAX_OFFSET_SECONDS = 24 * 3600;
export const MAX_DURATION_MINUTES = 24 * 60;

/** Built-in scenarios have ids `gds_<key>`; the debrief template is `pmt_gameday` (migration 0027). */
export const DEBRIEF_TEMPLATE_ID = 'pmt_gameday';

/**
 * The seed's advice, by the level a scenario suggests: start with a tabletop; move to real failure injection as the
 * team matures. Shown beside every scenario in the library.
 */
export const LEVEL_ADVICE: Record<Level, string> = {
  tabletop:
    'Start with a tabletop: the facilitator reads timed injects into a drill room and the team responds as in a ' +
    'real incident. Nothing in production changes and nobody is paged.',
  live:
    'A live drill pages the real on-call through the real schedules and escalation, labelled DRILL. Run it as a ' +
    'tabletop first, and tell the people on call which day it happens.',
  injection:
    'Real failure injection: a chaos tool breaks something on purpose, with halt conditions and a rollback. Only ' +
    'after the team has run this scenario as a tabletop and as a live drill; start in staging.',
};

export const isOneOf = <T extends string>(xs: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (xs as readonly string[]).includes(v);

/** Statuses from which a game day can no longer change course. */
export const isFinished = (s: string): boolean => s === 'ended' || s === 'cancelled';

const MONTHS: Record<Exclude<Recurrence, 'none'>, number> = { monthly: 1, quarterly: 3, yearly: 12 };

/**
 * The next occurrence of a recurring game day: the same UTC day of month and time, 1, 3 or 12 months later (a 31st
 * falls back to the month's last day). Null for 'none'.
 */
export function nextOccurrence(at: number, recurrence: Recurrence): number | null {
  if (recurrence === 'none') return null;
  const d = new Date(at);
  const months = MONTHS[recurrence];
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(y, m, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** When the reminder goes out: a day before the game day (or at once if that is already past). */
export function reminderAt(scheduledAt: number, now: number): number {
  return Math.max(now, scheduledAt - 24 * 3600 * 1000);
}

export interface ScriptInject {
  offsetSeconds: number;
  body: string;
}

/** Problems with a script of injects (`field` prefixes the index, e.g. `injects/2/body`). */
export function injectProblems(injects: ScriptInject[], field = 'injects'): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (injects.length > MAX_INJECTS) out.push({ field, message: `at most ${MAX_INJECTS} injects` });
  injects.forEach((i, n) => {
    if (!Number.isInteger(i.offsetSeconds) || i.offsetSeconds < 0 || i.offsetSeconds > MAX_OFFSET_SECONDS) {
      out.push({
        field: `${field}/${n}/offsetSeconds`,
        message: `must be a whole number from 0 to ${MAX_OFFSET_SECONDS}`,
      });
    }
    if (!i.body.trim()) out.push({ field: `${field}/${n}/body`, message: 'must not be empty' });
    else if (i.body.length > MAX_INJECT_BODY)
      out.push({ field: `${field}/${n}/body`, message: `at most ${MAX_INJECT_BODY} characters` });
  });
  return out;
}

export function actionProblems(actions: string[], field = 'expectedActions'): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (actions.length > MAX_ACTIONS) out.push({ field, message: `at most ${MAX_ACTIONS} expected actions` });
  actions.forEach((a, n) => {
    if (!a.trim()) out.push({ field: `${field}/${n}`, message: 'must not be empty' });
  });
  return out;
}

/** Injects in script order: by offset, then as written. */
export const sortScript = (injects: ScriptInject[]): ScriptInject[] =>
  injects
    .map((x, n) => ({ x, n }))
    .sort((a, b) => a.x.offsetSeconds - b.x.offsetSeconds || a.n - b.n)
    .map((e) => e.x);

/** What a halt reason says on the timelines. */
export function haltText(kind: HaltKind, detail: string): string {
  const d = detail.trim();
  switch (kind) {
    case 'abort':
      return d ? `Aborted by the facilitator: ${d}` : 'Aborted by the facilitator.';
    case 'real_incident':
      return d ? `A real incident on a target service: ${d}` : 'A real incident on a target service.';
    case 'prometheus':
      return d
        ? `A Prometheus halt condition crossed its threshold: ${d}`
        : 'A Prometheus halt condition crossed its threshold.';
  }
}

/** When the halt's time passes without a start, or the game day ends: the next of a series is due. */
export const seriesRollAt = (scheduledAt: number, durationMinutes: number): number =>
  scheduledAt + durationMinutes * 60 * 1000;
