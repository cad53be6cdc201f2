/**
 * Recurrence (docs/insights.md "Recurrence"): the rate of incidents that recur an earlier one, by service and team,
 * each match's reasons and whether it came after every fix was done; one incident's chain; a responder's links
 * ("same as #123"). Reads: anyone signed in; links: whoever may act on the incident.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { RecurrenceService, parseKinds, type HistoryIncident, type Reason } from '../../insights/recurrence.js';
import { resolveInsightFilter } from '../../insights/filters.js';
import { toIso } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const tags = ['insights'];
const Rate = Type.Union([Type.Number(), Type.Null()]);

const IncidentOut = Type.Object({
  id: Type.String(),
  title: Type.String(),
  severity: Type.String(),
  status: Type.String(),
  kind: Type.String(),
  declaredAt: Timestamp,
  serviceIds: Type.Array(Type.String()),
});
const ReasonOut = Type.Object({
  kind: Type.Union([Type.Literal('same_rule'), Type.Literal('same_group'), Type.Literal('linked')]),
  detail: Type.String(),
});
const GroupOut = Type.Object({
  id: Type.String(),
  total: Type.Integer(),
  recurring: Type.Integer(),
  rate: Rate,
  recurredAfterFix: Type.Integer(),
});
const LinkOut = Type.Object({
  incidentId: Type.String(),
  title: Type.String(),
  declaredAt: Timestamp,
  note: Type.String(),
  createdByLabel: Type.String(),
  createdAt: Timestamp,
});
const WindowDays = Type.Optional(
  Type.Integer({ minimum: 1, maximum: 730, description: 'How far back an earlier incident counts. Default: 90' }),
);
const IncludeKinds = Type.Optional(
  Type.String({ maxLength: 100, description: 'Comma-separated: drill, imported (left out unless asked)' }),
);

const presentIncident = (i: HistoryIncident) => ({
  id: i.id,
  title: i.title,
  severity: i.severity,
  status: i.status,
  kind: i.kind,
  declaredAt: toIso(i.declaredAt),
  serviceIds: i.serviceIds,
});
const presentReasons = (r: Reason[]) => r.map((x) => ({ kind: x.kind, detail: x.detail }));
type Link = {
  incidentId: string;
  title: string;
  declaredAt: number;
  note: string;
  createdByLabel: string;
  createdAt: number;
};
const presentLink = (l: Link) => ({ ...l, declaredAt: toIso(l.declaredAt), createdAt: toIso(l.createdAt) });
const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

export function registerInsightRecurrenceRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const recurrence = new RecurrenceService({ db: services.db, clock: services.clock });

  r.get(
    '/api/insights/recurrence',
    {
      schema: {
        tags,
        summary: 'Recurrence rate: incidents that recur an earlier one, by service and team, with reasons',
        querystring: Type.Object({
          from: Type.Optional(
            Type.String({ format: 'date-time', description: 'Declared at or after. Default: 90 days ago' }),
          ),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'Declared before. Default: now' })),
          teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          windowDays: WindowDays,
          includeKinds: IncludeKinds,
          bucket: Type.Optional(
            Type.Union([Type.Literal('week'), Type.Literal('month')], {
              description: 'Buckets of `buckets`. Default: week',
            }),
          ),
          timeZone: Type.Optional(
            Type.String({
              maxLength: 64,
              description: "IANA zone of the buckets. Default: the team's (teamId), else UTC",
            }),
          ),
        }),
        response: withErrors({
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            windowDays: Type.Integer(),
            rate: Rate,
            recurring: Type.Integer(),
            total: Type.Integer(),
            recurredAfterFix: Type.Integer(),
            byService: Type.Array(GroupOut),
            byTeam: Type.Array(GroupOut),
            bucket: Type.Union([Type.Literal('week'), Type.Literal('month')]),
            timeZone: Type.String(),
            timeZoneSource: Type.Union([Type.Literal('request'), Type.Literal('team'), Type.Literal('default')]),
            buckets: Type.Array(
              Type.Object({
                start: Timestamp,
                total: Type.Integer(),
                recurring: Type.Integer(),
                rate: Rate,
                recurredAfterFix: Type.Integer(),
              }),
            ),
            items: Type.Array(
              Type.Object({
                incident: IncidentOut,
                recursOf: Type.Array(
                  Type.Object({
                    incident: IncidentOut,
                    reasons: Type.Array(ReasonOut),
                    recurredAfterFix: Type.Boolean(),
                  }),
                ),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      // The buckets' zone as every insights figure resolves it (the request's, else the team's, else UTC); the
      // window keeps recurrence's own defaults and checks.
      const zone = await resolveInsightFilter(services.db, services.clock, {
        teamId: q.teamId,
        timeZone: q.timeZone,
      });
      const bucket = q.bucket ?? 'week';
      const o = await recurrence.overview({
        from: ms(q.from),
        to: ms(q.to),
        teamId: q.teamId,
        serviceId: q.serviceId,
        windowDays: q.windowDays,
        includeKinds: parseKinds(q.includeKinds),
        bucket,
        timeZone: zone.timeZone,
      });
      return {
        ...o,
        from: toIso(o.from),
        to: toIso(o.to),
        bucket,
        timeZone: zone.timeZone,
        timeZoneSource: zone.timeZoneSource,
        buckets: o.buckets.map((b) => ({ ...b, start: toIso(b.start) })),
        items: o.items.map((it) => ({
          incident: presentIncident(it.incident),
          recursOf: it.recursOf.map((m) => ({
            incident: presentIncident(m.incident),
            reasons: presentReasons(m.reasons),
            recurredAfterFix: m.recurredAfterFix,
          })),
        })),
      };
    },
  );

  r.get(
    '/api/insights/recurrence/incidents/:id',
    {
      schema: {
        tags,
        summary: "One incident's recurrences: what it recurs and what recurs it, with reasons, and its links",
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        querystring: Type.Object({ windowDays: WindowDays, includeKinds: IncludeKinds }),
        response: withErrors({
          200: Type.Object({
            incident: IncidentOut,
            windowDays: Type.Integer(),
            links: Type.Array(LinkOut),
            chain: Type.Array(
              Type.Object({
                incident: IncidentOut,
                recursOf: IncidentOut,
                reasons: Type.Array(ReasonOut),
                recurredAfterFix: Type.Boolean(),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const c = await recurrence.chain(req.params.id, {
        windowDays: req.query.windowDays,
        includeKinds: parseKinds(req.query.includeKinds),
      });
      return {
        incident: presentIncident(c.incident),
        windowDays: c.windowDays,
        links: c.links.map(presentLink),
        chain: c.chain.map((m) => ({
          incident: presentIncident(m.incident),
          recursOf: presentIncident(m.recursOf),
          reasons: presentReasons(m.reasons),
          recurredAfterFix: m.recurredAfterFix,
        })),
      };
    },
  );

  r.post(
    '/api/incidents/:id/links',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Link this incident to another as the same problem ("same as #123"); counts as a recurrence',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        body: Type.Object({
          relatedIncidentId: Type.String({ minLength: 1, maxLength: 100 }),
          note: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: withErrors({ 200: Type.Object({ links: Type.Array(LinkOut) }) }),
      },
    },
    async (req) => {
      const links = await recurrence.link(actorOf(req), req.params.id, req.body.relatedIncidentId, req.body.note ?? '');
      return { links: links.map(presentLink) };
    },
  );

  r.delete(
    '/api/incidents/:id/links/:relatedId',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Remove a link between two incidents (either way round)',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), relatedId: Type.String({ maxLength: 100 }) }),
        response: withErrors({ 200: Type.Object({ links: Type.Array(LinkOut) }) }),
      },
    },
    async (req) => {
      const links = await recurrence.unlink(actorOf(req), req.params.id, req.params.relatedId);
      return { links: links.map(presentLink) };
    },
  );
}
