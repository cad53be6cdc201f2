/**
 * Insights: paging (issue 12; docs/insights.md "Paging"): pages per person, rotation and service, pages per on-call
 * week, pages outside working hours and during sleep over time, time to acknowledge; and the pages behind a figure.
 * Reads: anyone signed in.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { isoToMs, parseBucketStart, presentFilter } from '../../insights/filters.js';
import { PagingInsights } from '../../insights/paging.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { FilterOut, StatsSchema } from './insights-schemas.js';

const tags = ['insights'];

const Filters = {
  from: Type.Optional(
    Type.String({ format: 'date-time', description: 'Pages sent at or after. Default: 90 days ago' }),
  ),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Pages sent before. Default: now' })),
  teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "Pages for the team's services" })),
  serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  includeKinds: Type.Optional(
    Type.String({
      maxLength: 100,
      description: 'Comma-separated: drill, imported. Pages for alerts linked only to such incidents are left out',
    }),
  ),
  timeZone: Type.Optional(
    Type.String({ maxLength: 100, description: "Buckets' zone. Default: the team's schedules' zone, else UTC" }),
  ),
};
const BucketUnit = Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'week' });

const Counts = {
  pages: Type.Integer(),
  acknowledged: Type.Integer({ description: 'Pages acknowledged afterwards (by anyone)' }),
  timeToAck: StatsSchema,
};
const OffHours = {
  outsideWorkingHours: Type.Integer(),
  duringSleep: Type.Integer(),
};
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const PerWeek = {
  onCallWeeks: Type.Integer(),
  pagesPerOnCallWeek: Nullable(Type.Number()),
};

export function registerInsightPagingRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const insights = new PagingInsights(services.db, services.clock);

  r.get(
    '/api/insights/paging',
    {
      schema: {
        tags,
        summary:
          'Pages per person, rotation and service, pages per on-call week, off-hours and sleep over time, time to acknowledge',
        querystring: Type.Object({ ...Filters, bucket: Type.Optional(BucketUnit) }),
        response: withErrors({
          200: Type.Object({
            filter: FilterOut,
            bucket: Type.String(),
            timeZone: Type.String(),
            timeZoneSource: Type.String({ description: 'request, team (its schedules) or default (UTC)' }),
            overall: Type.Object({ ...Counts, ...OffHours }),
            byPerson: Type.Array(
              Type.Object({ userId: Type.String(), name: Type.String(), ...Counts, ...OffHours, ...PerWeek }),
            ),
            byRotation: Type.Array(
              Type.Object({ scheduleId: Type.String(), name: Type.String(), ...Counts, ...PerWeek }),
            ),
            byService: Type.Array(Type.Object({ serviceId: Type.String(), name: Type.String(), ...Counts })),
            buckets: Type.Array(
              Type.Object({ start: Type.String(), pages: Type.Integer(), ...OffHours, timeToAck: StatsSchema }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const bucket = q.bucket ?? 'week';
      const { filter, figures } = await insights.figures({ ...q, from: isoToMs(q.from), to: isoToMs(q.to) }, bucket);
      return {
        filter: presentFilter(filter),
        bucket,
        timeZone: filter.timeZone,
        timeZoneSource: filter.timeZoneSource,
        overall: figures.overall,
        byPerson: figures.byPerson,
        byRotation: figures.byRotation,
        byService: figures.byService,
        buckets: figures.buckets.map((b) => ({ ...b, start: toIso(b.start) })),
      };
    },
  );

  r.get(
    '/api/insights/paging/pages',
    {
      schema: {
        tags,
        summary: 'The pages behind a paging figure, newest first (at most 500)',
        querystring: Type.Object({
          ...Filters,
          userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'byPerson[].userId' })),
          scheduleId: Type.Optional(
            Type.String({ minLength: 1, maxLength: 100, description: 'byRotation[].scheduleId' }),
          ),
          bucket: Type.Optional(
            Type.String({ maxLength: 40, description: "A bucket's start as the figures gave it (RFC 3339)" }),
          ),
          bucketUnit: Type.Optional(BucketUnit),
        }),
        response: withErrors({
          200: Type.Object({
            filter: FilterOut,
            timeZone: Type.String(),
            truncated: Type.Boolean(),
            pages: Type.Array(
              Type.Object({
                at: Type.String(),
                userId: Type.String(),
                userName: Type.String(),
                serviceId: Type.String(),
                serviceName: Type.String(),
                alertId: Type.String(),
                alertTitle: Type.String(),
                incidentId: Type.Union([Type.String(), Type.Null()]),
                acknowledgedAt: Type.Union([Type.String(), Type.Null()]),
                timeToAckSeconds: Nullable(Type.Number()),
                outsideWorkingHours: Type.Boolean(),
                duringSleep: Type.Boolean(),
                scheduleIds: Type.Array(Type.String()),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const bucketStart = parseBucketStart(q.bucket);
      const { filter, people, pages, truncated } = await insights.pages(
        { ...q, from: isoToMs(q.from), to: isoToMs(q.to) },
        { userId: q.userId, scheduleId: q.scheduleId, bucketStart, bucketUnit: q.bucketUnit ?? 'week' },
      );
      return {
        filter: presentFilter(filter),
        timeZone: filter.timeZone,
        truncated,
        pages: pages.map((p) => ({
          at: toIso(p.at),
          userId: p.userId,
          userName: people.get(p.userId)?.name ?? p.userId,
          serviceId: p.serviceId,
          serviceName: p.serviceName,
          alertId: p.alertId,
          alertTitle: p.alertTitle,
          incidentId: p.incidentId,
          acknowledgedAt: toIsoOrNull(p.acknowledgedAt),
          timeToAckSeconds: p.timeToAckMs === null ? null : Math.round(p.timeToAckMs / 1000),
          outsideWorkingHours: p.outsideWorkingHours,
          duringSleep: p.duringSleep,
          scheduleIds: p.scheduleIds,
        })),
      };
    },
  );
}
