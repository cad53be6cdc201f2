/**
 * Insights (docs/insights.md): alert quality over time ("Alert quality over time") and the weekly digest's settings
 * and preview ("Weekly digest"). Figures: anyone signed in. The digest: the signed-in person, for the teams they
 * administer (the service checks each team, 403 otherwise).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AlertQualityInsights, MAX_SERIES_LIMIT, type QualityBucket } from '../../insights/alert-quality.js';
import { DIGEST_JOB, DigestService, digestHandler } from '../../insights/digest.js';
import { ResponseTimeInsights } from '../../insights/response-times.js';
import type { ResolvedFilter } from '../../insights/response-times.js';
import { toIso } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { isoToMs } from '../../insights/filters.js';

const tags = ['insights'];

const Figures = {
  alerts: Type.Integer({ description: 'Alerts created' }),
  classified: Type.Integer({ description: 'Of those, judged (actionable, not actionable or false positive)' }),
  noisy: Type.Integer({ description: 'Judged not actionable or false positive' }),
  noisyShare: Type.Union([Type.Number(), Type.Null()], { description: 'noisy / classified; null when none judged' }),
};
const Bucket = Type.Object({ start: Type.String(), ...Figures });
const FilterOut = Type.Object({
  from: Type.String(),
  to: Type.String(),
  teamId: Type.Union([Type.String(), Type.Null()]),
  serviceId: Type.Union([Type.String(), Type.Null()]),
  severity: Type.Null({ description: 'Alerts have no severity: always null' }),
  kinds: Type.Array(Type.String(), { description: "'real', and 'drill' when drill alerts were asked for" }),
});

const presentFilter = (f: ResolvedFilter) => ({
  from: toIso(f.from),
  to: toIso(f.to),
  teamId: f.teamId ?? null,
  serviceId: f.serviceId ?? null,
  severity: null,
  kinds: f.kinds,
});
const presentBuckets = (bs: QualityBucket[]) => bs.map((b) => ({ ...b, start: toIso(b.start) }));

export function registerInsightAlertQualityRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const quality = new AlertQualityInsights(services.db, services.clock);
  const digest = digestServiceOf(services);

  r.get(
    '/api/insights/alert-quality',
    {
      schema: {
        tags,
        summary: 'The noisy share of alerts per week or month: overall and the worst rules or services',
        querystring: Type.Object({
          from: Type.Optional(
            Type.String({ format: 'date-time', description: 'Created at or after. Default: 90 days ago' }),
          ),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'Created before. Default: now' })),
          teamId: Type.Optional(
            Type.String({ minLength: 1, maxLength: 100, description: "Alerts of the team's services" }),
          ),
          serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          bucket: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'week' })),
          timeZone: Type.Optional(
            Type.String({
              maxLength: 100,
              description: "Buckets' zone. Default: the team's schedules' zone, else UTC",
            }),
          ),
          groupBy: Type.Optional(Type.Union([Type.Literal('rule'), Type.Literal('service')], { default: 'rule' })),
          includeKinds: Type.Optional(
            Type.String({
              maxLength: 100,
              description: "'drill' counts a game day's drill alerts (left out unless asked)",
            }),
          ),
          limit: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: MAX_SERIES_LIMIT,
              default: 10,
              description: 'Series: the worst this many',
            }),
          ),
        }),
        response: withErrors({
          200: Type.Object({
            filter: FilterOut,
            bucket: Type.String(),
            timeZone: Type.String(),
            timeZoneSource: Type.String({ description: 'request, team (its schedules) or default (UTC)' }),
            groupBy: Type.String(),
            overall: Type.Object({ ...Figures, buckets: Type.Array(Bucket) }),
            series: Type.Array(
              Type.Object({
                key: Type.String({ description: 'The rule key, or the service id' }),
                name: Type.String(),
                serviceIds: Type.Array(Type.String()),
                ...Figures,
                isNoisy: Type.Boolean({ description: "Above the noisy-rules view's threshold over the window" }),
                buckets: Type.Array(Bucket),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const groupBy = q.groupBy ?? 'rule';
      const bucket = q.bucket ?? 'week';
      const { filter, result } = await quality.overTime(
        {
          from: isoToMs(q.from),
          to: isoToMs(q.to),
          teamId: q.teamId,
          serviceId: q.serviceId,
          timeZone: q.timeZone,
          includeKinds: q.includeKinds,
        },
        { groupBy, bucket, limit: q.limit },
      );
      return {
        filter: presentFilter(filter),
        bucket,
        timeZone: filter.timeZone,
        timeZoneSource: filter.timeZoneSource,
        groupBy,
        overall: { ...result.overall, buckets: presentBuckets(result.overall.buckets) },
        series: result.series.map((s) => ({ ...s, buckets: presentBuckets(s.buckets) })),
      };
    },
  );

  const Settings = Type.Object({
    teams: Type.Array(Type.Object({ teamId: Type.String(), name: Type.String(), subscribed: Type.Boolean() })),
  });

  r.get(
    '/api/insights/digest',
    {
      schema: {
        tags,
        summary: "The weekly digest: the teams you administer and whether you get each one's digest",
        response: withErrors({ 200: Settings }),
      },
    },
    async (req) => ({ teams: await digest.settings(actorOf(req)) }),
  );

  r.put(
    '/api/insights/digest',
    {
      schema: {
        tags,
        summary: 'Get the weekly digest of exactly these teams (each one you administer); an empty list stops it',
        body: Type.Object({
          teamIds: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200 }),
        }),
        response: withErrors({ 200: Settings }),
      },
    },
    async (req) => ({ teams: await digest.subscribe(actorOf(req), req.body.teamIds) }),
  );

  r.get(
    '/api/insights/digest/preview',
    {
      schema: {
        tags,
        summary: "Last week's digest of a team you administer, as the email would say it",
        querystring: Type.Object({ teamId: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: withErrors({
          200: Type.Object({ subject: Type.String(), text: Type.String(), html: Type.String() }),
        }),
      },
    },
    async (req) => digest.preview(actorOf(req), req.query.teamId),
  );
}

/** The digest service over the app's services (the routes here and the weekly job in src/server.ts share it). */
export function digestServiceOf(services: Services): DigestService {
  return new DigestService({
    db: services.db,
    clock: services.clock,
    teams: services.teams,
    publicUrl: () => services.config.publicUrl,
  });
}

/** The weekly digest job (`insights.digest`), registered in src/server.ts registerJobHandlers. */
export function insightsDigestJob(services: Services) {
  const zones = new ResponseTimeInsights(services.db, services.clock);
  return {
    kind: DIGEST_JOB,
    handler: digestHandler({
      db: services.db,
      digest: digestServiceOf(services),
      notify: services.notify,
      publicUrl: () => services.config.publicUrl,
      teamTimeZone: (teamId) => zones.teamTimeZone(teamId),
    }),
  };
}
