/**
 * Insights: the learning process (docs/insights.md, "The learning process"; issue 12 item 4): post-mortem completion
 * against 90%, post-mortems overdue, action items open, overdue, closed and time to close, overall, per team and over
 * time, and contributing factors counted across post-mortems. Reads: anyone signed in.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { LearningInsights, type Learning } from '../../insights/learning.js';
import { toIso } from '../../shared/clock.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { StatsSchema } from './insights-schemas.js';

const tags = ['insights'];
const Rate = Type.Union([Type.Number(), Type.Null()]);

const LearningFields = {
  completion: Type.Object({
    eligible: Type.Integer({
      description: 'P1/P2 incidents resolved in the window, less those whose post-mortem is not due yet',
    }),
    completed: Type.Integer({ description: 'Of those, with a published post-mortem' }),
    inProgress: Type.Integer({ description: 'Resolved in the window, post-mortem unpublished and not due yet' }),
    rate: Rate,
    belowTarget: Type.Boolean({ description: 'rate below 90% (false when nothing is eligible)' }),
  }),
  postmortemsOverdue: Type.Integer({ description: 'Now: not published and past the due date' }),
  actionItems: Type.Object({
    open: Type.Integer({ description: 'Now: open or in progress' }),
    overdue: Type.Integer({ description: 'Now: open or in progress and past the due date' }),
    closedInWindow: Type.Integer({ description: 'Done or verified in the window' }),
    timeToClose: StatsSchema,
  }),
};
const FilterOut = Type.Object({
  from: Type.String(),
  to: Type.String(),
  teamId: Type.Union([Type.String(), Type.Null()]),
  serviceId: Type.Null(),
  severity: Type.Null(),
  kinds: Type.Array(Type.String()),
});

const present = (l: Learning) => ({
  completion: { ...l.completion },
  postmortemsOverdue: l.postmortemsOverdue,
  actionItems: { ...l.actionItems },
});

export function registerInsightLearningRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const learning = new LearningInsights(services.db, services.clock);

  r.get(
    '/api/insights/learning',
    {
      schema: {
        tags,
        summary:
          'The learning process: post-mortem completion against 90%, post-mortems overdue, action items open, ' +
          'overdue, closed and time to close (overall, per team, over time) and contributing factors',
        querystring: Type.Object({
          from: Type.Optional(
            Type.String({ format: 'date-time', description: 'Resolved / closed at or after. Default: 90 days ago' }),
          ),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'Before. Default: now' })),
          teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          bucket: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'week' })),
          includeKinds: Type.Optional(
            Type.String({ maxLength: 100, description: 'Comma-separated: drill, imported (left out unless asked)' }),
          ),
          timeZone: Type.Optional(
            Type.String({
              maxLength: 100,
              description: "Buckets' zone. Default: the team's schedules' zone, else UTC",
            }),
          ),
        }),
        response: withErrors({
          200: Type.Object({
            filter: FilterOut,
            bucket: Type.String(),
            timeZone: Type.String(),
            timeZoneSource: Type.String({ description: 'request, team (its schedules) or default (UTC)' }),
            target: Type.Number(),
            overall: Type.Object(LearningFields),
            byTeam: Type.Array(Type.Object({ teamId: Type.String(), name: Type.String(), ...LearningFields })),
            buckets: Type.Array(
              Type.Object({
                start: Type.String(),
                completion: Type.Object({ eligible: Type.Integer(), completed: Type.Integer(), rate: Rate }),
                actionItemsClosed: Type.Integer(),
                actionItemsOpened: Type.Integer(),
              }),
            ),
            factors: Type.Array(
              Type.Object({
                id: Type.String(),
                key: Type.String(),
                name: Type.String(),
                count: Type.Integer({ description: 'Post-mortems carrying it (incidents resolved in the window)' }),
                incidentIds: Type.Array(Type.String(), { description: 'The latest resolved first, at most 20' }),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
      const bucket = q.bucket ?? 'week';
      const { filter, report, factors } = await learning.report(
        { from: ms(q.from), to: ms(q.to), teamId: q.teamId, includeKinds: q.includeKinds, timeZone: q.timeZone },
        bucket,
      );
      return {
        filter: {
          from: toIso(filter.from),
          to: toIso(filter.to),
          teamId: filter.teamId ?? null,
          serviceId: null,
          severity: null,
          kinds: filter.kinds,
        },
        bucket,
        timeZone: filter.timeZone,
        timeZoneSource: filter.timeZoneSource,
        target: report.target,
        overall: present(report.overall),
        byTeam: report.byTeam.map(({ teamId, name, ...l }) => ({ teamId, name, ...present(l) })),
        buckets: report.buckets.map((b) => ({ ...b, start: toIso(b.start) })),
        factors: factors.map((f) => ({
          id: f.id,
          key: f.key,
          name: f.name,
          count: f.count,
          incidentIds: f.incidentIds,
        })),
      };
    },
  );
}
