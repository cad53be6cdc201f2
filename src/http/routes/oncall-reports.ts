/** On-call health: the sustainability report and compensation (JSON and CSV) over a range. Every signed-in person reads. */
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { DAY } from '../../shared/clock.js';
import { validationError } from '../../shared/errors.js';
import { compensationCsv, DEFAULT_RATES, type CompensationRates } from '../../oncall/compensation.js';
import type { ReportScope } from '../../oncall/sustainability-service.js';
import { DEFAULT_WINDOWS, type ReportWindows } from '../../oncall/sustainability.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { ms } from './oncall-schemas.js';

const Clock = Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'HH:MM local time' });
const ReportQuery = Type.Object({
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  scheduleId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  workDays: Type.Optional(
    Type.String({ pattern: '^[1-7](,[1-7])*$', description: 'ISO weekdays, e.g. 1,2,3,4,5 (default)' }),
  ),
  workStart: Type.Optional(Clock),
  workEnd: Type.Optional(Clock),
  sleepStart: Type.Optional(Clock),
  sleepEnd: Type.Optional(Clock),
});
const RatesQuery = Type.Composite([
  ReportQuery,
  Type.Object({
    baseHourlyRate: Type.Number({ minimum: 0, description: 'Required: the hourly rate compensation is figured from' }),
    offHoursMultiplier: Type.Optional(Type.Number({ minimum: 0 })),
    weekendMultiplier: Type.Optional(Type.Number({ minimum: 0 })),
    perPageBonus: Type.Optional(Type.Number({ minimum: 0 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  }),
]);
type ReportQueryT = Static<typeof ReportQuery>;
type RatesQueryT = Static<typeof RatesQuery>;

const Hours = Type.Object({
  total: Type.Number(),
  working: Type.Number(),
  offHours: Type.Number(),
  weekend: Type.Number(),
  sleep: Type.Number(),
});
const PersonSchema = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  timezone: Type.String(),
  hours: Hours,
  pages: Type.Integer(),
  pagesOutsideWorkingHours: Type.Integer(),
  pagesDuringSleep: Type.Integer(),
  longestStreakWeeks: Type.Integer(),
  currentStreakWeeks: Type.Integer(),
});
const ReportSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  windows: Type.Object({
    workDays: Type.Array(Type.Integer()),
    workStart: Type.String(),
    workEnd: Type.String(),
    sleepStart: Type.String(),
    sleepEnd: Type.String(),
  }),
  schedules: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), teamId: Type.String() })),
  people: Type.Array(PersonSchema),
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true })),
});
const RowSchema = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  workingHours: Type.Number(),
  offHours: Type.Number(),
  weekendHours: Type.Number(),
  totalHours: Type.Number(),
  pages: Type.Integer(),
  hoursPay: Type.Number(),
  pageBonus: Type.Number(),
  total: Type.Number(),
});

function scopeOf(q: ReportQueryT, now: number): ReportScope {
  const to = q.to ? ms(q.to, 'to') : now;
  const from = q.from ? ms(q.from, 'from') : to - 28 * DAY;
  return { from, to, teamId: q.teamId, scheduleId: q.scheduleId };
}

function windowsOf(q: ReportQueryT): ReportWindows {
  return {
    workDays: q.workDays ? [...new Set(q.workDays.split(',').map(Number))] : DEFAULT_WINDOWS.workDays,
    workStart: q.workStart ?? DEFAULT_WINDOWS.workStart,
    workEnd: q.workEnd ?? DEFAULT_WINDOWS.workEnd,
    sleepStart: q.sleepStart ?? DEFAULT_WINDOWS.sleepStart,
    sleepEnd: q.sleepEnd ?? DEFAULT_WINDOWS.sleepEnd,
  };
}

function ratesOf(q: RatesQueryT): CompensationRates {
  if (q.baseHourlyRate === undefined) {
    throw validationError([{ field: 'baseHourlyRate', message: 'is required for compensation' }]);
  }
  return {
    baseHourlyRate: q.baseHourlyRate,
    offHoursMultiplier: q.offHoursMultiplier ?? DEFAULT_RATES.offHoursMultiplier,
    weekendMultiplier: q.weekendMultiplier ?? DEFAULT_RATES.weekendMultiplier,
    perPageBonus: q.perPageBonus ?? DEFAULT_RATES.perPageBonus,
    currency: q.currency ?? DEFAULT_RATES.currency,
  };
}

const iso = (t: number): string => new Date(t).toISOString();

export function registerOncallReportRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['on-call'];
  const reports = services.oncallReports;
  const now = (): number => services.clock.now();

  r.get(
    '/api/oncall/report',
    {
      schema: {
        tags,
        summary:
          'On-call health per person over ?from … ?to (default the last 28 days): hours, pages, pages outside ' +
          'working hours and during sleep (each person’s zone), consecutive weeks on call, rotation-size warnings',
        querystring: ReportQuery,
        response: withErrors({ 200: ReportSchema }),
      },
    },
    async (req) => {
      const report = await reports.report(scopeOf(req.query, now()), windowsOf(req.query));
      return { ...report, from: iso(report.from), to: iso(report.to) };
    },
  );

  r.get(
    '/api/oncall/compensation',
    {
      schema: {
        tags,
        summary: 'On-call pay per person: hours × base rate, off-hours and weekend multipliers, optional page bonus',
        querystring: RatesQuery,
        response: withErrors({
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            rates: Type.Object({
              baseHourlyRate: Type.Number(),
              offHoursMultiplier: Type.Number(),
              weekendMultiplier: Type.Number(),
              perPageBonus: Type.Number(),
              currency: Type.String(),
            }),
            rows: Type.Array(RowSchema),
            total: Type.Number(),
          }),
        }),
      },
    },
    async (req) => {
      const c = await reports.compensation(scopeOf(req.query, now()), windowsOf(req.query), ratesOf(req.query));
      return { from: iso(c.report.from), to: iso(c.report.to), rates: c.rates, rows: c.rows, total: c.total };
    },
  );

  r.get(
    '/api/oncall/compensation.csv',
    {
      schema: {
        tags,
        summary: 'The compensation report as CSV (RFC 4180, header row)',
        querystring: RatesQuery,
        produces: ['text/csv'],
      },
    },
    async (req, reply) => {
      const c = await reports.compensation(scopeOf(req.query, now()), windowsOf(req.query), ratesOf(req.query));
      const name = `oncall-compensation-${iso(c.report.from).slice(0, 10)}-${iso(c.report.to).slice(0, 10)}.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(compensationCsv(c.rows, c.rates.currency));
    },
  );
}
