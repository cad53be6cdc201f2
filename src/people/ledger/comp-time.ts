/**
 * Comp time, as pure maths (docs/people-health.md, "Comp time"): the team policy, what one response span accrues, the
 * weekends a person was on call, balances and the CSV. Time is always passed in.
 */
import { csvDocument } from '../../shared/csv.js';
import { addLocalDays, zonedParts, zonedToInstant } from '../../shared/time.js';
import { DEFAULT_WINDOWS, mergeIntervals, splitHours, type ReportWindows } from '../../oncall/sustainability.js';
import type { Interval } from '../../oncall/model.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const POLICY_KINDS = ['none', 'hours_factor', 'weekend_fixed'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export interface CompTimePolicy {
  kind: PolicyKind;
  /** Hours responding outside working hours × factor (hours_factor). */
  factor: number;
  /** What a page answered outside working hours counts at least, in hours (hours_factor). */
  minimumHours: number;
  /** The fixed amount per on-call weekend, in hours (weekend_fixed). */
  weekendHours: number;
}

export const DEFAULT_POLICY: CompTimePolicy = { kind: 'none', factor: 1, minimumHours: 0.5, weekendHours: 8 };

/** A response span counts at most this long: a page left unresolved for days is not days of work. */
export const MAX_SPAN_MS = 12 * HOUR;
/** A weekend counts as an on-call weekend from this much on-call time between Saturday and Monday 00:00 (local). */
export const WEEKEND_MIN_MS = 24 * HOUR;

export function policyProblems(p: CompTimePolicy): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (!(p.factor >= 0 && p.factor <= 10)) out.push({ field: 'factor', message: 'Use a factor from 0 to 10.' });
  if (!(p.minimumHours >= 0 && p.minimumHours <= 24))
    out.push({ field: 'minimumHours', message: 'Use from 0 to 24 hours.' });
  if (!(p.weekendHours >= 0 && p.weekendHours <= 72))
    out.push({ field: 'weekendHours', message: 'Use from 0 to 72 hours.' });
  return out;
}

/** A person responding from `start` to `end` (a page answered, or their part in an incident). */
export interface ResponseSpan {
  timezone: string;
  start: number;
  end: number;
  /** Paged at an instant outside their working hours: the span counts at least the policy's minimum. */
  pagedOutOfHours: boolean;
}

/**
 * Minutes accrued for one span under an hours_factor policy: the part outside working hours (weekday evenings,
 * nights and weekends, in the person's zone; on-call health's windows), at most MAX_SPAN_MS of span, at least the
 * minimum when the page came outside working hours, × the factor. Whole minutes.
 */
export function spanMinutes(span: ResponseSpan, policy: CompTimePolicy, w: ReportWindows = DEFAULT_WINDOWS): number {
  if (policy.kind !== 'hours_factor') return 0;
  const end = Math.min(span.end, span.start + MAX_SPAN_MS);
  const split = end > span.start ? splitHours([{ start: span.start, end }], span.timezone, w) : null;
  let minutes = split ? Math.round((split.offHours + split.weekend) * 60) : 0;
  if (span.pagedOutOfHours) minutes = Math.max(minutes, Math.round(policy.minimumHours * 60));
  return Math.round(minutes * policy.factor);
}

/** The Saturdays (YYYY-MM-DD, local) of the weekends in [from, to) on which these shifts hold ≥ WEEKEND_MIN_MS. */
export function onCallWeekends(shifts: Interval[], timezone: string, from: number, to: number): string[] {
  const merged = mergeIntervals(shifts);
  const out: string[] = [];
  const p = zonedParts(from, timezone);
  // The Saturday on or before `from`.
  let sat = addLocalDays(p, -((p.weekday + 1) % 7));
  for (let i = 0; i < 300; i++) {
    const start = zonedToInstant({ ...sat, hour: 0, minute: 0 }, timezone);
    const end = zonedToInstant({ ...addLocalDays(sat, 2), hour: 0, minute: 0 }, timezone);
    if (start >= to) break;
    // Only weekends that are over and end inside the window.
    if (end > from && end <= to) {
      let held = 0;
      for (const s of merged) held += Math.max(0, Math.min(s.end, end) - Math.max(s.start, start));
      if (held >= WEEKEND_MIN_MS) out.push(dayOf(sat));
    }
    sat = addLocalDays(sat, 7);
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');
const dayOf = (d: { year: number; month: number; day: number }) => `${d.year}-${pad(d.month)}-${pad(d.day)}`;

export const hoursOf = (minutes: number): number => Math.round((minutes / 60) * 100) / 100;

export interface LedgerEntry {
  id: string;
  userId: string;
  name: string;
  kind: string;
  minutes: number;
  occurredAt: number;
  incidentId: string | null;
  note: string;
  createdByLabel: string;
  /** `weekend:<user>:<saturday>` and the like; null for time off. */
  source?: string | null;
}

/**
 * The entry's day for the CSV: a weekend's local Saturday (its instant is Saturday 00:00 in the schedule's zone, which
 * is Friday in UTC east of Greenwich); otherwise the UTC day (time off is stored at 00:00 UTC of its day).
 */
function entryDay(e: LedgerEntry): string {
  const saturday = e.kind === 'weekend' ? /^weekend:.*:(\d{4}-\d{2}-\d{2})$/.exec(e.source ?? '')?.[1] : undefined;
  return saturday ?? new Date(e.occurredAt).toISOString().slice(0, 10);
}

export interface Balance {
  userId: string;
  name: string;
  accruedHours: number;
  takenHours: number;
  balanceHours: number;
}

/** Per person: accrued (positive entries), taken (time off) and the balance, most owed first. */
export function balances(entries: LedgerEntry[]): Balance[] {
  const by = new Map<string, { name: string; accrued: number; taken: number }>();
  for (const e of entries) {
    const b = by.get(e.userId) ?? { name: e.name, accrued: 0, taken: 0 };
    if (e.minutes >= 0) b.accrued += e.minutes;
    else b.taken += -e.minutes;
    by.set(e.userId, b);
  }
  return [...by.entries()]
    .map(([userId, b]) => ({
      userId,
      name: b.name,
      accruedHours: hoursOf(b.accrued),
      takenHours: hoursOf(b.taken),
      balanceHours: hoursOf(b.accrued - b.taken),
    }))
    .sort((a, b) => b.balanceHours - a.balanceHours || a.name.localeCompare(b.name));
}

export const CSV_HEADER = ['date', 'person', 'user_id', 'kind', 'hours', 'incident_id', 'note'] as const;

/** The ledger as RFC 4180 CSV (shared/csv: quoting, CRLF, the formula-injection guard), oldest first. */
export function ledgerCsv(entries: LedgerEntry[]): string {
  return csvDocument(
    CSV_HEADER,
    [...entries]
      .sort((a, b) => a.occurredAt - b.occurredAt || a.id.localeCompare(b.id))
      .map((e) => [entryDay(e), e.name, e.userId, e.kind, hoursOf(e.minutes), e.incidentId ?? '', e.note]),
  );
}
