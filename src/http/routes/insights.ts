/**
 * Insights (docs/insights.md): response times (MTTD, MTTA, MTTR, time to mitigate) overall, per group and per week or
 * month, and the incidents behind each figure. Reads: anyone signed in. Supersedes GET /api/incidents/metrics.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ResponseTimeInsights } from '../../insights/response-times.js';
import { mttaStart, type MetricStats } from '../../insights/model.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { validationError } from '../../shared/errors.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { FilterOut, StatsSchema } from './insights-schemas.js';
import { isoToMs, presentFilter } from '../../insights/filters.js';

const tags = ['insights'];

const Filters = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Declared at or after. Default: 90 days ago' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Declared before. Default: now' })),
  teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  severity: Type.Optional(Type.Union(['P1', 'P2', 'P3', 'P4'].map((s) => Type.Literal(s)))),
  groupBy: Type.Optional(
    Type.Union(
      ['severity', 'service', 'team', 'none'].map((s) => Type.Literal(s)),
      { default: 'severity' },
    ),
  ),
  includeKinds: Type.Optional(
    Type.String({ maxLength: 100, description: 'Comma-separated: drill, imported (left out unless asked)' }),
  ),
  timeZone: Type.Optional(
    Type.String({ maxLength: 100, description: "Buckets' zone. Default: the team's schedules' zone, else UTC" }),
  ),
};

const MetricsSchema = Type.Object({ mttd: StatsSchema, mtta: StatsSchema, mttr: StatsSchema, mttm: StatsSchema });

const metrics = (m: MetricStats) => m;

export function registerInsightRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const insights = new ResponseTimeInsights(services.db, services.clock);

  r.get(
    '/api/insights/response-times',
    {
      schema: {
        tags,
        summary:
          'MTTD, MTTA, MTTR and time to mitigate (median, p90, mean, count in seconds): overall, per group, over time',
        querystring: Type.Object({
          ...Filters,
          bucket: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'week' })),
        }),
        response: withErrors({
          200: Type.Object({
            filter: FilterOut,
            groupBy: Type.String(),
            bucket: Type.String(),
            timeZone: Type.String(),
            timeZoneSource: Type.String({ description: 'request, team (its schedules) or default (UTC)' }),
            overall: MetricsSchema,
            groups: Type.Array(Type.Object({ key: Type.String(), metrics: MetricsSchema })),
            buckets: Type.Array(Type.Object({ start: Type.String(), metrics: MetricsSchema })),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const groupBy = (q.groupBy ?? 'severity') as 'severity' | 'service' | 'team' | 'none';
      const bucket = q.bucket ?? 'week';
      const { filter, result } = await insights.responseTimes(
        { ...q, from: isoToMs(q.from), to: isoToMs(q.to) },
        { groupBy, bucket },
      );
      return {
        filter: presentFilter(filter),
        groupBy,
        bucket,
        timeZone: filter.timeZone,
        timeZoneSource: filter.timeZoneSource,
        overall: metrics(result.overall),
        groups: result.groups,
        buckets: result.buckets.map((b) => ({ start: toIso(b.start), metrics: b.metrics })),
      };
    },
  );

  r.get(
    '/api/insights/response-times/incidents',
    {
      schema: {
        tags,
        summary: 'The incidents behind one response-time figure, with their durations, longest first',
        querystring: Type.Object({
          ...Filters,
          metric: Type.Union(['mttd', 'mtta', 'mttr', 'mttm'].map((s) => Type.Literal(s))),
          bucket: Type.Optional(
            Type.String({ maxLength: 40, description: "A bucket's start as the figures gave it (RFC 3339)" }),
          ),
          bucketUnit: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'week' })),
          group: Type.Optional(Type.String({ maxLength: 100, description: 'A group key from groups[].key' })),
        }),
        response: withErrors({
          200: Type.Object({
            filter: FilterOut,
            metric: Type.String(),
            timeZone: Type.String(),
            total: Type.Integer({ description: 'How many incidents the figure has (the list holds at most 500)' }),
            truncated: Type.Boolean({ description: 'True when the list holds only the 500 longest of total' }),
            incidents: Type.Array(
              Type.Object({
                id: Type.String(),
                title: Type.String(),
                severity: Type.String(),
                kind: Type.String(),
                declaredAt: Type.String(),
                from: Type.Union([Type.String(), Type.Null()]),
                until: Type.Union([Type.String(), Type.Null()]),
                durationSeconds: Type.Number(),
                serviceIds: Type.Array(Type.String()),
                teamIds: Type.Array(Type.String()),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      let bucketStart: number | undefined;
      if (q.bucket !== undefined) {
        bucketStart = Date.parse(q.bucket);
        if (Number.isNaN(bucketStart))
          throw validationError([{ field: 'bucket', message: "must be a bucket's start (RFC 3339)" }]);
      }
      const groupBy = (q.groupBy ?? 'severity') as 'severity' | 'service' | 'team' | 'none';
      const metric = q.metric as 'mttd' | 'mtta' | 'mttr' | 'mttm';
      const { filter, incidents, total, truncated } = await insights.incidents(
        { ...q, from: isoToMs(q.from), to: isoToMs(q.to) },
        { metric, groupBy, group: q.group, bucketUnit: q.bucketUnit ?? 'week', bucketStart },
      );
      const span = (i: (typeof incidents)[number]['incident']): [number | null, number | null] => {
        switch (metric) {
          case 'mttd':
            return [i.impactStartedAt, i.detectedAt];
          case 'mtta':
            return [mttaStart(i), i.acknowledgedAt];
          case 'mttr':
            return [i.detectedAt, i.resolvedAt];
          case 'mttm':
            return [i.detectedAt, i.mitigatedAt];
        }
      };
      return {
        filter: presentFilter(filter),
        metric,
        timeZone: filter.timeZone,
        total,
        truncated,
        incidents: incidents.map(({ incident: i, durationSeconds }) => {
          const [a, b] = span(i);
          return {
            id: i.id,
            title: i.title,
            severity: i.severity,
            kind: i.kind,
            declaredAt: toIso(i.declaredAt),
            from: toIsoOrNull(a),
            until: toIsoOrNull(b),
            durationSeconds,
            serviceIds: i.serviceIds,
            teamIds: i.teamIds,
          };
        }),
      };
    },
  );
}
