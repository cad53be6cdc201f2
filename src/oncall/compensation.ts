/**
 * On-call compensation (the seed: "On-call is work … recognize that carrying a pager has a real cost"): hours from the
 * sustainability report × configurable rates, and a CSV export (RFC 4180). Pure.
 */
import { csvDocument, csvField } from '../shared/csv.js';
import type { PersonReport } from './sustainability.js';

export interface CompensationRates {
  /** Pay per on-call hour inside working hours. */
  baseHourlyRate: number;
  /** Multiplier for weekday hours outside working hours. */
  offHoursMultiplier: number;
  /** Multiplier for Saturday and Sunday hours (local). */
  weekendMultiplier: number;
  /** Paid per page received (0 = none). */
  perPageBonus: number;
  currency: string;
}

export const DEFAULT_RATES: CompensationRates = {
  baseHourlyRate: 0,
  offHoursMultiplier: 1.5,
  weekendMultiplier: 2,
  perPageBonus: 0,
  currency: 'EUR',
};

export interface CompensationRow {
  userId: string;
  name: string;
  email: string;
  workingHours: number;
  offHours: number;
  weekendHours: number;
  totalHours: number;
  pages: number;
  hoursPay: number;
  pageBonus: number;
  total: number;
}

const money = (n: number): number => Math.round(n * 100) / 100;

export function compensationRow(
  p: PersonReport,
  person: { name: string; email: string },
  r: CompensationRates,
): CompensationRow {
  const h = p.hours;
  const hoursPay = money(
    r.baseHourlyRate * (h.working + h.offHours * r.offHoursMultiplier + h.weekend * r.weekendMultiplier),
  );
  const pageBonus = money(p.pages * r.perPageBonus);
  return {
    userId: p.userId,
    name: person.name,
    email: person.email,
    workingHours: h.working,
    offHours: h.offHours,
    weekendHours: h.weekend,
    totalHours: h.total,
    pages: p.pages,
    hoursPay,
    pageBonus,
    total: money(hoursPay + pageBonus),
  };
}

export function rateProblems(r: CompensationRates): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const f of ['baseHourlyRate', 'offHoursMultiplier', 'weekendMultiplier', 'perPageBonus'] as const) {
    if (!Number.isFinite(r[f]) || r[f] < 0) problems.push({ field: f, message: 'must be a number ≥ 0' });
  }
  if (!/^[A-Z]{3}$/.test(r.currency)) problems.push({ field: 'currency', message: 'must be an ISO 4217 code' });
  return problems;
}

/** One CSV field (src/shared/csv.ts: RFC 4180 quoting and the formula-injection guard). */
export { csvField };

export const CSV_COLUMNS = [
  'user_id',
  'name',
  'email',
  'working_hours',
  'off_hours',
  'weekend_hours',
  'total_hours',
  'pages',
  'hours_pay',
  'page_bonus',
  'total',
  'currency',
] as const;

/** The header row and one row per person, CRLF line ends (RFC 4180 §2); text cells formula-guarded (shared/csv). */
export function compensationCsv(rows: CompensationRow[], currency: string): string {
  return csvDocument(
    CSV_COLUMNS,
    rows.map((r) => [
      r.userId,
      r.name,
      r.email,
      r.workingHours,
      r.offHours,
      r.weekendHours,
      r.totalHours,
      r.pages,
      r.hoursPay.toFixed(2),
      r.pageBonus.toFixed(2),
      r.total.toFixed(2),
      currency,
    ]),
  );
}
