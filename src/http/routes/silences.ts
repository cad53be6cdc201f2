/**
 * Silences (label matchers, optionally one service) and maintenance windows (per service): matching alerts are
 * recorded but do not page while active. See docs/alerts.md.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { MaintenanceWindow, Silence } from '../../alerts/index.js';
import { toIso } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const StatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')]);
const MatcherSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, description: 'Label name' }),
  value: Type.String({ maxLength: 1000 }),
  isRegex: Type.Boolean({ default: false, description: 'Anchored regular expression (=~, !~)' }),
  isEqual: Type.Boolean({ default: true, description: 'false negates (!=, !~)' }),
});
const SilenceSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.Union([Type.String(), Type.Null()], { description: 'null: every service' }),
  matchers: Type.Array(MatcherSchema),
  startsAt: Timestamp,
  endsAt: Timestamp,
  comment: Type.String(),
  createdByUserId: Type.Union([Type.String(), Type.Null()]),
  createdByLabel: Type.String({ description: 'The author' }),
  expiredByLabel: Type.Union([Type.String(), Type.Null()]),
  status: StatusSchema,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const WindowSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  comment: Type.String(),
  createdByUserId: Type.Union([Type.String(), Type.Null()]),
  createdByLabel: Type.String(),
  status: StatusSchema,
  createdAt: Timestamp,
});

const presentSilence = (s: Silence) => ({
  ...s,
  startsAt: toIso(s.startsAt),
  endsAt: toIso(s.endsAt),
  createdAt: toIso(s.createdAt),
  updatedAt: toIso(s.updatedAt),
});
const presentWindow = (w: MaintenanceWindow) => ({
  ...w,
  startsAt: toIso(w.startsAt),
  endsAt: toIso(w.endsAt),
  createdAt: toIso(w.createdAt),
});
const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ServiceParams = Type.Object({
  service: Type.String({ minLength: 1, maxLength: 100, description: 'Id or slug' }),
});

export function registerSilenceRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['silences'];
  const silences = services.silences;

  r.get(
    '/api/silences',
    {
      schema: {
        tags,
        summary: 'Silences, newest first',
        querystring: Type.Object({
          status: Type.Optional(StatusSchema),
          service: Type.Optional(Type.String({ maxLength: 100, description: 'Service id or slug' })),
        }),
        response: withErrors({ 200: Type.Object({ silences: Type.Array(SilenceSchema) }) }),
      },
    },
    async (req) => ({ silences: (await silences.listSilences(req.query)).map(presentSilence) }),
  );

  r.post(
    '/api/silences',
    {
      schema: {
        tags,
        summary: 'Silence matching alerts: recorded, not paged (service scope: its responders; none: administrators)',
        body: Type.Object({
          matchers: Type.Array(MatcherSchema, { maxItems: 50 }),
          service: Type.Optional(Type.String({ maxLength: 100, description: 'Only this service (id or slug)' })),
          startsAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default now' })),
          endsAt: Type.String({ format: 'date-time' }),
          comment: Type.String({ minLength: 1, maxLength: 4000 }),
        }),
        response: withErrors({ 201: SilenceSchema }),
      },
    },
    async (req, reply) => {
      const { startsAt, endsAt, ...rest } = req.body;
      const created = await silences.createSilence(actorOf(req), {
        ...rest,
        startsAt: ms(startsAt),
        endsAt: ms(endsAt)!,
      });
      return reply.status(201).send(presentSilence(created));
    },
  );

  r.get(
    '/api/silences/:id',
    { schema: { tags, summary: 'A silence', params: IdParams, response: withErrors({ 200: SilenceSchema }) } },
    async (req) => presentSilence(await silences.getSilence(req.params.id)),
  );

  r.post(
    '/api/silences/:id/expire',
    {
      schema: {
        tags,
        summary: 'End a silence now; alerts it held start paging if still firing',
        params: IdParams,
        response: withErrors({ 200: SilenceSchema }),
      },
    },
    async (req) => presentSilence(await silences.expireSilence(actorOf(req), req.params.id)),
  );

  r.get(
    '/api/services/:service/maintenance-windows',
    {
      schema: {
        tags,
        summary: "A service's maintenance windows, latest start first",
        params: ServiceParams,
        response: withErrors({ 200: Type.Object({ maintenanceWindows: Type.Array(WindowSchema) }) }),
      },
    },
    async (req) => ({ maintenanceWindows: (await silences.listWindows(req.params.service)).map(presentWindow) }),
  );

  r.post(
    '/api/services/:service/maintenance-windows',
    {
      schema: {
        tags,
        summary: 'Plan maintenance: the service does not page between startsAt and endsAt (responders)',
        params: ServiceParams,
        body: Type.Object({
          startsAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default now' })),
          endsAt: Type.String({ format: 'date-time' }),
          comment: Type.Optional(Type.String({ maxLength: 4000 })),
        }),
        response: withErrors({ 201: WindowSchema }),
      },
    },
    async (req, reply) => {
      const { startsAt, endsAt, comment } = req.body;
      const input = { startsAt: ms(startsAt), endsAt: ms(endsAt)!, comment };
      return reply
        .status(201)
        .send(presentWindow(await silences.createWindow(actorOf(req), req.params.service, input)));
    },
  );

  r.delete(
    '/api/services/:service/maintenance-windows/:id',
    {
      schema: {
        tags,
        summary: 'Remove a maintenance window (ending it early); held alerts page if still firing',
        params: Type.Object({ service: Type.String({ maxLength: 100 }), id: Type.String({ maxLength: 100 }) }),
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await silences.deleteWindow(actorOf(req), req.params.service, req.params.id);
      return reply.status(204).send(null);
    },
  );
}
