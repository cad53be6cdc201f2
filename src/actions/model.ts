/**
 * Action items as pure rules (docs/postmortems.md, "Action items"): the enums, the due date that follows from the
 * priority, the status transitions (done is someone's word; verified is evidence that the fix works), the board's
 * opaque keyset cursor and what counts as overdue. No I/O; time is passed in.
 */
import { DAY } from '../shared/clock.js';
import type { FieldProblem } from '../shared/errors.js';

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** 'runbook': "Update the runbook" (docs/runbooks.md): names a runbook of the item's team, marked reviewed when done. */
export const KINDS = ['mitigate', 'prevent', 'detect', 'process', 'runbook'] as const;
export type Kind = (typeof KINDS)[number];
export const STATUSES = ['open', 'in_progress', 'done', 'wont_do', 'verified'] as const;
export type Status = (typeof STATUSES)[number];
export const PROVIDERS = ['github', 'gitlab', 'jira'] as const;
export type Provider = (typeof PROVIDERS)[number];
/** How each tracker is named to people. */
export const PROVIDER_NAMES: Record<Provider, string> = { github: 'GitHub', gitlab: 'GitLab', jira: 'Jira' };

/** Statuses that still need work: reminders and the overdue digest look at these only. */
export const ACTIVE_STATUSES: readonly Status[] = ['open', 'in_progress'];

/** The due date when none is given: high 7 days, medium 14, low 30 (calendar days). */
export const DUE_DAYS: Record<Priority, number> = { high: 7, medium: 14, low: 30 };

export const isPriority = (v: string): v is Priority => (PRIORITIES as readonly string[]).includes(v);
export const isKind = (v: string): v is Kind => (KINDS as readonly string[]).includes(v);
export const isStatus = (v: string): v is Status => (STATUSES as readonly string[]).includes(v);
export const isProvider = (v: string): v is Provider => (PROVIDERS as readonly string[]).includes(v);

export function defaultDueAt(priority: Priority, now: number): number {
  return now + DUE_DAYS[priority] * DAY;
}

export function isOverdue(item: { dueAt: number; status: string }, now: number): boolean {
  return item.dueAt < now && (ACTIVE_STATUSES as readonly string[]).includes(item.status);
}

export interface StatusState {
  status: Status;
  statusReason: string | null;
  verification: string | null;
  verificationAlertRule: string | null;
  doneAt: number | null;
  verifiedAt: number | null;
}

export interface StatusChange {
  status?: Status | undefined;
  statusReason?: string | null | undefined;
  verification?: string | null | undefined;
  verificationAlertRule?: string | null | undefined;
}

const blank = (s: string | null | undefined): boolean => s === undefined || s === null || s.trim() === '';

/**
 * The item's status fields after a change, or the problems naming the fields. Rules: done records doneAt; won't do
 * needs a reason; verified needs verification (a link or note) and is reached from done, or directly when the change
 * itself brings the verification; reopening (back to open or in progress) clears done and verified.
 */
export function applyStatusChange(
  current: StatusState,
  change: StatusChange,
  now: number,
): { next: StatusState; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const next: StatusState = { ...current };
  if (change.verification !== undefined) next.verification = blank(change.verification) ? null : change.verification;
  if (change.verificationAlertRule !== undefined) {
    next.verificationAlertRule = blank(change.verificationAlertRule) ? null : change.verificationAlertRule;
  }
  if (change.statusReason !== undefined) next.statusReason = blank(change.statusReason) ? null : change.statusReason;
  const to = change.status;
  if (to === undefined || to === current.status) {
    if (current.status === 'verified' && next.verification === null) {
      problems.push({ field: 'verification', message: 'a verified item keeps its verification (a link or note)' });
    }
    if (current.status === 'wont_do' && next.statusReason === null) {
      problems.push({ field: 'statusReason', message: "an item that won't be done keeps its reason" });
    }
    return { next, problems };
  }
  next.status = to;
  switch (to) {
    case 'open':
    case 'in_progress':
      next.doneAt = null;
      next.verifiedAt = null;
      if (change.statusReason === undefined) next.statusReason = null;
      break;
    case 'done':
      next.doneAt = current.status === 'verified' ? current.doneAt : now;
      next.verifiedAt = null;
      if (change.statusReason === undefined) next.statusReason = null;
      break;
    case 'wont_do':
      if (blank(change.statusReason)) {
        problems.push({ field: 'statusReason', message: "say why it won't be done" });
      }
      next.doneAt = null;
      next.verifiedAt = null;
      break;
    case 'verified':
      if (current.status !== 'done' && blank(change.verification)) {
        problems.push({
          field: 'verification',
          message: 'verify an item that is done, or give the verification (a link or note) with this change',
        });
      } else if (next.verification === null) {
        problems.push({ field: 'verification', message: 'give the evidence that the fix works (a link or note)' });
      }
      next.doneAt = current.doneAt ?? now;
      next.verifiedAt = now;
      if (change.statusReason === undefined) next.statusReason = null;
      break;
  }
  return { next, problems };
}

/** The board's cursor: the last row's (dueAt, id), opaque to clients (base64url of JSON). */
export interface Cursor {
  dueAt: number;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.dueAt, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Cursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2) return null;
    const [dueAt, id] = v as unknown[];
    if (typeof dueAt !== 'number' || !Number.isSafeInteger(dueAt) || typeof id !== 'string' || id.length > 100) {
      return null;
    }
    return { dueAt, id };
  } catch {
    return null;
  }
}

/** A tracker link given by hand: which provider and key it names, when it is one we recognise. */
export function describeTrackerUrl(url: string): { provider: string; key: string | null } {
  try {
    const u = new URL(url);
    const gh = /^\/([^/]+)\/([^/]+)\/(?:issues|pull)\/(\d+)/.exec(u.pathname);
    if (u.hostname === 'github.com' && gh) return { provider: 'github', key: `${gh[1]}/${gh[2]}#${gh[3]}` };
    const gl = /^\/(.+?)\/-\/issues\/(\d+)/.exec(u.pathname);
    if (gl) return { provider: 'gitlab', key: `${decodeURIComponent(gl[1]!)}#${gl[2]}` };
    const jira = /\/browse\/([A-Z][A-Z0-9_]*-\d+)$/.exec(u.pathname);
    if (jira) return { provider: 'jira', key: jira[1]! };
  } catch {
    /* not a URL: the caller has checked */
  }
  return { provider: 'link', key: null };
}

/** Reminder instants for a due date: two days before (when that is still ahead) and on the day. */
export const REMIND_BEFORE_MS = 2 * DAY;

/** The on-the-day reminder comes this long before the due instant (a date given as a day is due at 17:00 UTC). */
export const REMIND_ON_DAY_MS = 8 * 3_600_000;

export function reminderTimes(dueAt: number, now: number): { kind: 'before' | 'due'; at: number }[] {
  const out: { kind: 'before' | 'due'; at: number }[] = [];
  if (dueAt - REMIND_BEFORE_MS > now) out.push({ kind: 'before', at: dueAt - REMIND_BEFORE_MS });
  if (dueAt > now) out.push({ kind: 'due', at: Math.max(now, dueAt - REMIND_ON_DAY_MS) });
  return out;
}

/** A due date as the API takes it: an RFC 3339 instant, or a day (YYYY-MM-DD), due at 17:00 UTC that day. */
export function parseDue(text: string): number | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = day ? Date.parse(`${text}T17:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

/** The overdue digest runs daily at this hour (UTC). */
export const DIGEST_HOUR_UTC = 9;

/** The next digest instant strictly after `now`. */
export function nextDigestAt(now: number): number {
  const d = new Date(now);
  let at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), DIGEST_HOUR_UTC);
  if (at <= now) at += DAY;
  return at;
}

export const digestDay = (at: number): string => new Date(at).toISOString().slice(0, 10);
