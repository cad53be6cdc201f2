/** On-call schedules: definitions (team admins edit, everyone signed-in reads) and the who-is-on-call queries. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { DAY } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import {
  LayerBody,
  LayerPatchBody,
  OnCallSchema,
  RangeQuery,
  ScheduleBody,
  ScheduleParams,
  ScheduleSchema,
  ShiftSchema,
  layerInput,
  ms,
  presentLayer,
  presentOnCall,
  presentOverride,
  presentSchedule,
  presentShift,
  OverrideSchema,
  LayerSchema,
} from './oncall-schemas.js';
import { registerOverrideRoutes } from './oncall-overrides.js';

const LayerParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  layerId: Type.String({ minLength: 1, maxLength: 100 }),
});

const WarningSchema = Type.Object(
  { code: Type.String(), message: Type.String(), layerId: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

export function registerOncallRoutes(app: FastifyInstance, services: Services): void {
  registerScheduleRoutes(app, services);
  registerLayerRoutes(app, services);
  registerQueryRoutes(app, services);
  registerOverrideRoutes(app, services);
}

function registerScheduleRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['on-call'];
  const { schedules } = services.oncall;

  r.get(
    '/api/schedules',
    {
      schema: {
        tags,
        summary: 'List on-call schedules',
        querystring: Type.Object({ teamId: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: withErrors({ 200: Type.Object({ schedules: Type.Array(ScheduleSchema) }) }),
      },
    },
    async (req) => ({ schedules: (await schedules.list(req.query)).map(presentSchedule) }),
  );

  r.post(
    '/api/schedules',
    {
      schema: {
        tags,
        summary: 'Create a schedule, optionally with its layers (admins of the owning team)',
        body: ScheduleBody,
        response: withErrors({ 201: ScheduleSchema }),
      },
    },
    async (req, reply) => {
      const { layers, ...rest } = req.body;
      const created = await schedules.create(actorOf(req), {
        ...rest,
        ...(layers ? { layers: layers.map((l) => ({ ...layerInput(l), restrictions: l.restrictions ?? [] })) } : {}),
      });
      return reply.status(201).send(presentSchedule(created));
    },
  );

  r.get(
    '/api/schedules/:id',
    {
      schema: {
        tags,
        summary: 'A schedule and its layers',
        params: ScheduleParams,
        response: withErrors({ 200: ScheduleSchema }),
      },
    },
    async (req) => presentSchedule(await schedules.get(req.params.id)),
  );

  r.patch(
    '/api/schedules/:id',
    {
      schema: {
        tags,
        summary: 'Rename, describe, move to another zone or team (team admins)',
        params: ScheduleParams,
        body: Type.Partial(Type.Omit(ScheduleBody, ['layers'])),
        response: withErrors({ 200: ScheduleSchema }),
      },
    },
    async (req) => presentSchedule(await schedules.update(actorOf(req), req.params.id, req.body)),
  );

  r.delete(
    '/api/schedules/:id',
    {
      schema: {
        tags,
        summary: 'Delete a schedule (team admins)',
        params: ScheduleParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await schedules.remove(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}

function registerLayerRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['on-call'];
  const { schedules } = services.oncall;

  r.post(
    '/api/schedules/:id/layers',
    {
      schema: {
        tags,
        summary: 'Add a layer on top of the others (team admins)',
        params: ScheduleParams,
        body: LayerBody,
        response: withErrors({ 201: ScheduleSchema }),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(presentSchedule(await schedules.addLayer(actorOf(req), req.params.id, layerInput(req.body)))),
  );

  r.patch(
    '/api/schedules/:id/layers/:layerId',
    {
      schema: {
        tags,
        summary: 'Change a layer (team admins); a higher position wins over lower ones',
        params: LayerParams,
        body: LayerPatchBody,
        response: withErrors({ 200: ScheduleSchema }),
      },
    },
    async (req) =>
      presentSchedule(
        await schedules.updateLayer(actorOf(req), req.params.id, req.params.layerId, layerInput(req.body)),
      ),
  );

  r.delete(
    '/api/schedules/:id/layers/:layerId',
    {
      schema: {
        tags,
        summary: 'Remove a layer (team admins)',
        params: LayerParams,
        response: withErrors({ 200: ScheduleSchema }),
      },
    },
    async (req) => presentSchedule(await schedules.removeLayer(actorOf(req), req.params.id, req.params.layerId)),
  );
}

function registerQueryRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['on-call'];
  const { shifts } = services.oncall;
  const now = (): number => services.clock.now();

  r.get(
    '/api/schedules/:id/oncall',
    {
      schema: {
        tags,
        summary: 'Who is on call now, or at ?at=, and who is next',
        params: ScheduleParams,
        querystring: Type.Object({ at: Type.Optional(Timestamp) }),
        response: withErrors({ 200: OnCallSchema }),
      },
    },
    async (req) => {
      const r = await shifts.onCall(req.params.id, req.query.at ? ms(req.query.at, 'at') : undefined);
      return presentOnCall(r, r.people);
    },
  );

  r.get(
    '/api/oncall/now',
    {
      schema: {
        tags,
        summary: 'Who is on call now in every schedule (or ?schedule=)',
        querystring: Type.Object({
          schedule: Type.Optional(Type.String({ maxLength: 100 })),
          at: Type.Optional(Timestamp),
        }),
        response: withErrors({ 200: Type.Object({ oncall: Type.Array(OnCallSchema) }) }),
      },
    },
    async (req) => {
      const r = await shifts.now({
        ...(req.query.schedule ? { scheduleId: req.query.schedule } : {}),
        ...(req.query.at ? { at: ms(req.query.at, 'at') } : {}),
      });
      return { oncall: r.entries.map((e) => presentOnCall(e, r.people)) };
    },
  );

  r.get(
    '/api/schedules/:id/shifts',
    {
      schema: {
        tags,
        summary:
          'Final schedule, per-layer shifts, gaps, warnings and hours per person over ?from … ?to (default 14 days)',
        params: ScheduleParams,
        querystring: RangeQuery,
        response: withErrors({
          200: Type.Object({
            schedule: ScheduleSchema,
            from: Timestamp,
            to: Timestamp,
            final: Type.Array(ShiftSchema),
            layers: Type.Array(Type.Object({ layer: LayerSchema, shifts: Type.Array(ShiftSchema) })),
            overrides: Type.Array(OverrideSchema),
            gaps: Type.Array(Type.Object({ start: Timestamp, end: Timestamp })),
            warnings: Type.Array(WarningSchema),
            hoursByUser: Type.Record(Type.String(), Type.Number()),
          }),
        }),
      },
    },
    async (req) => {
      const from = req.query.from ? ms(req.query.from, 'from') : now();
      const to = req.query.to ? ms(req.query.to, 'to') : from + 14 * DAY;
      const schedule = await services.oncall.schedules.get(req.params.id);
      const r = await shifts.shifts(req.params.id, from, to);
      const iso = (t: number) => new Date(t).toISOString();
      return {
        schedule: presentSchedule(schedule),
        from: iso(r.from),
        to: iso(r.to),
        final: r.final.map((s) => presentShift(s, r.people)),
        layers: schedule.layers.map((l) => ({
          layer: presentLayer(l),
          shifts: (r.layers.find((x) => x.layerId === l.id)?.shifts ?? []).map((s) =>
            presentShift({ ...s, source: l.id, sourceKind: 'layer' }, r.people),
          ),
        })),
        overrides: r.overridesDetail.map(presentOverride),
        gaps: r.gaps.map((g) => ({ start: iso(g.start), end: iso(g.end) })),
        warnings: r.warnings,
        hoursByUser: r.hoursByUser,
      };
    },
  );

  r.get(
    '/api/users/:id/shifts',
    {
      schema: {
        tags,
        summary: 'A person\'s on-call shifts across every schedule ("my on-call"); ?from … ?to, default 30 days',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'User id, or "me"' }) }),
        querystring: RangeQuery,
        response: withErrors({
          200: Type.Object({
            userId: Type.String(),
            from: Timestamp,
            to: Timestamp,
            hours: Type.Number(),
            shifts: Type.Array(
              Type.Composite([ShiftSchema, Type.Object({ scheduleId: Type.String(), scheduleName: Type.String() })]),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const userId = req.params.id === 'me' ? (actorOf(req).userId ?? '') : req.params.id;
      const from = req.query.from ? ms(req.query.from, 'from') : now();
      const to = req.query.to ? ms(req.query.to, 'to') : from + 30 * DAY;
      const r = await shifts.userShifts(userId, from, to);
      return {
        userId,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        hours: r.hours,
        shifts: r.shifts.map((s) => ({ ...presentShift(s), scheduleId: s.scheduleId, scheduleName: s.scheduleName })),
      };
    },
  );
}
