/**
 * Responders (docs/insights.md "Responders"): one incident's responders and its uncoordinated periods (the room's
 * timeline shows them as a flag), and responders against time to mitigate across incidents. Reads: anyone signed in.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { RESPONDER_BUCKETS, ResponderInsights } from '../../insights/responders.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { FilterOut, StatsSchema } from './insights-schemas.js';
import { isoToMs } from '../../insights/filters.js';

const tags = ['insights'];

const Person = Type.Object({ userId: Type.String(), name: Type.String() });

export function registerInsightRespondersRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const insights = new ResponderInsights(services.db, services.clock);

  r.get(
    '/api/incidents/:id/responders',
    {
      schema: {
        tags,
        summary:
          'Who joined the room, acted or held a role while the incident was open, and when several acted with no Incident Commander (P1/P2)',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: withErrors({
          200: Type.Object({
            responders: Type.Array(
              Type.Object({
                userId: Type.String(),
                name: Type.String(),
                joinedAt: NullableTimestamp,
                firstActedAt: NullableTimestamp,
                actions: Type.Integer(),
                roles: Type.Array(Type.String(), { description: 'commander, technical_lead, communications_lead' }),
              }),
            ),
            roleHolders: Type.Integer({ description: 'People who held a role' }),
            acting: Type.Integer({ description: 'People who acted' }),
            uncoordinated: Type.Array(
              Type.Object({
                from: Timestamp,
                until: NullableTimestamp,
                people: Type.Array(Person, { description: 'The people whose actions started it' }),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const out = await insights.forIncident(req.params.id);
      return {
        responders: out.responders.map((p) => ({
          ...p,
          joinedAt: toIsoOrNull(p.joinedAt),
          firstActedAt: toIsoOrNull(p.firstActedAt),
        })),
        roleHolders: out.roleHolders,
        acting: out.acting,
        uncoordinated: out.uncoordinated.map((u) => ({
          from: toIso(u.from),
          until: toIsoOrNull(u.until),
          people: u.people,
        })),
      };
    },
  );

  r.get(
    '/api/insights/responders',
    {
      schema: {
        tags,
        summary:
          'Responders against time to mitigate per severity, bucketed by responder count; incidents run uncoordinated',
        querystring: Type.Object({
          from: Type.Optional(
            Type.String({ format: 'date-time', description: 'Declared at or after. Default: 90 days ago' }),
          ),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'Declared before. Default: now' })),
          teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          severity: Type.Optional(Type.Union(['P1', 'P2', 'P3', 'P4'].map((s) => Type.Literal(s)))),
          includeKinds: Type.Optional(
            Type.String({ maxLength: 100, description: 'Comma-separated: drill, imported (left out unless asked)' }),
          ),
        }),
        response: withErrors({
          200: Type.Object({
            filter: FilterOut,
            incidents: Type.Array(
              Type.Object({
                id: Type.String(),
                title: Type.String(),
                severity: Type.String(),
                declaredAt: Timestamp,
                responders: Type.Integer(),
                roleHolders: Type.Integer(),
                uncoordinatedSeconds: Type.Integer(),
                mttmSeconds: Type.Union([Type.Integer(), Type.Null()]),
              }),
              { description: `Newest first, at most 1,000 (truncated says when more matched)` },
            ),
            truncated: Type.Boolean(),
            bySeverity: Type.Array(
              Type.Object({
                severity: Type.String(),
                buckets: Type.Array(
                  Type.Object({
                    responders: Type.Union(RESPONDER_BUCKETS.map((b) => Type.Literal(b))),
                    incidents: Type.Integer(),
                    timeToMitigate: StatsSchema,
                  }),
                ),
              }),
            ),
            uncoordinatedIncidents: Type.Integer(),
            totalIncidents: Type.Integer(),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const out = await insights.report({ ...q, from: isoToMs(q.from), to: isoToMs(q.to) });
      const f = out.filter;
      return {
        filter: {
          from: toIso(f.from),
          to: toIso(f.to),
          teamId: f.teamId ?? null,
          serviceId: f.serviceId ?? null,
          severity: f.severity ?? null,
          kinds: f.kinds,
        },
        incidents: out.incidents.map((i) => ({ ...i, declaredAt: toIso(i.declaredAt) })),
        truncated: out.truncated,
        bySeverity: out.bySeverity,
        uncoordinatedIncidents: out.uncoordinatedIncidents,
        totalIncidents: out.totalIncidents,
      };
    },
  );
}
