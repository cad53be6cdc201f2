/** Overrides, shift swaps and calendar feeds (the .ics endpoints are public and check their own token). */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { FeedKind } from '../../oncall/index.js';
import { DAY } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import {
  OverrideSchema,
  RangeQuery,
  ScheduleParams,
  SwapSchema,
  ms,
  presentOverride,
  presentSwap,
} from './oncall-schemas.js';

const OverrideParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  overrideId: Type.String({ minLength: 1, maxLength: 100 }),
});
const SwapStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('accepted'),
  Type.Literal('declined'),
  Type.Literal('cancelled'),
]);
const FeedLinkSchema = Type.Object({ url: Type.String(), webcalUrl: Type.String() });
const TokenQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) });

export function registerOverrideRoutes(app: FastifyInstance, services: Services): void {
  registerOverrides(app, services);
  registerSwaps(app, services);
  registerFeeds(app, services);
}

function registerOverrides(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['on-call'];
  const { overrides } = services.oncall;

  r.get(
    '/api/schedules/:id/overrides',
    {
      schema: {
        tags,
        summary: 'Overrides overlapping ?from … ?to (default: from now, 90 days)',
        params: ScheduleParams,
        querystring: RangeQuery,
        response: withErrors({ 200: Type.Object({ overrides: Type.Array(OverrideSchema) }) }),
      },
    },
    async (req) => {
      const from = req.query.from ? ms(req.query.from, 'from') : services.clock.now();
      const to = req.query.to ? ms(req.query.to, 'to') : from + 90 * DAY;
      return { overrides: (await overrides.list(req.params.id, from, to)).map(presentOverride) };
    },
  );

  r.post(
    '/api/schedules/:id/overrides',
    {
      schema: {
        tags,
        summary: 'Someone covers an interval; overrides win over every layer (team responders and above)',
        params: ScheduleParams,
        body: Type.Object({
          userId: Type.String({ minLength: 1, maxLength: 100 }),
          start: Timestamp,
          end: Timestamp,
          reason: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: withErrors({ 201: OverrideSchema }),
      },
    },
    async (req, reply) => {
      const o = await overrides.create(actorOf(req), req.params.id, {
        userId: req.body.userId,
        start: ms(req.body.start, 'start'),
        end: ms(req.body.end, 'end'),
        ...(req.body.reason !== undefined ? { reason: req.body.reason } : {}),
      });
      return reply.status(201).send(presentOverride(o));
    },
  );

  r.delete(
    '/api/schedules/:id/overrides/:overrideId',
    {
      schema: {
        tags,
        summary: 'Delete an override',
        params: OverrideParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await overrides.remove(actorOf(req), req.params.id, req.params.overrideId);
      return reply.status(204).send(null);
    },
  );
}

function registerSwaps(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['on-call'];
  const { overrides } = services.oncall;

  r.get(
    '/api/swaps',
    {
      schema: {
        tags,
        summary: 'Shift swap requests (?schedule=, ?status=, ?mine=true for ones you asked or were asked)',
        querystring: Type.Object({
          schedule: Type.Optional(Type.String({ maxLength: 100 })),
          status: Type.Optional(SwapStatusSchema),
          mine: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: Type.Object({ swaps: Type.Array(SwapSchema) }) }),
      },
    },
    async (req) => {
      const swaps = await overrides.listSwaps({
        ...(req.query.schedule ? { scheduleId: req.query.schedule } : {}),
        ...(req.query.status ? { status: req.query.status } : {}),
        ...(req.query.mine ? { userId: actorOf(req).userId ?? '' } : {}),
      });
      return { swaps: swaps.map(presentSwap) };
    },
  );

  r.post(
    '/api/schedules/:id/swaps',
    {
      schema: {
        tags,
        summary: 'Ask someone to take part of your on-call time',
        params: ScheduleParams,
        body: Type.Object({
          targetUserId: Type.String({ minLength: 1, maxLength: 100 }),
          start: Timestamp,
          end: Timestamp,
          note: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: withErrors({ 201: SwapSchema }),
      },
    },
    async (req, reply) => {
      const swap = await overrides.askSwap(actorOf(req), req.params.id, {
        targetUserId: req.body.targetUserId,
        start: ms(req.body.start, 'start'),
        end: ms(req.body.end, 'end'),
        ...(req.body.note !== undefined ? { note: req.body.note } : {}),
      });
      return reply.status(201).send(presentSwap(swap));
    },
  );

  r.post(
    '/api/swaps/:id/:action',
    {
      schema: {
        tags,
        summary: 'Accept (becomes an override), decline, or cancel a pending swap request',
        params: Type.Object({
          id: Type.String({ minLength: 1, maxLength: 100 }),
          action: Type.Union([Type.Literal('accept'), Type.Literal('decline'), Type.Literal('cancel')]),
        }),
        response: withErrors({ 200: SwapSchema }),
      },
    },
    async (req) => presentSwap(await overrides.decideSwap(actorOf(req), req.params.id, req.params.action)),
  );
}

function registerFeeds(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['on-call'];
  const { feeds } = services.oncall;
  const kinds: [FeedKind, string][] = [
    ['schedule', '/api/schedules/:id'],
    ['user', '/api/users/:id'],
  ];

  for (const [kind, base] of kinds) {
    r.post(
      `${base}/feed`,
      {
        schema: {
          tags,
          summary: `Create or rotate your secret iCalendar link for this ${kind} (the old link stops working)`,
          params: ScheduleParams,
          response: withErrors({ 201: FeedLinkSchema }),
        },
      },
      async (req, reply) => {
        const link = await feeds.rotate(actorOf(req), kind, req.params.id);
        return reply.status(201).header('cache-control', 'no-store').send({ url: link.url, webcalUrl: link.webcalUrl });
      },
    );

    r.delete(
      `${base}/feed`,
      {
        schema: {
          tags,
          summary: `Revoke your iCalendar link for this ${kind}`,
          params: ScheduleParams,
          response: withErrors({ 204: Type.Null() }),
        },
      },
      async (req, reply) => {
        await feeds.revoke(actorOf(req), kind, req.params.id);
        return reply.status(204).send(null);
      },
    );

    r.get(
      `${base}/feed.ics`,
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: `iCalendar feed of this ${kind}'s shifts, −15 … +180 days (the secret link's token is the credential)`,
          security: [],
          params: ScheduleParams,
          querystring: TokenQuery,
        },
      },
      async (req, reply) => {
        const text = await feeds.render(kind, req.params.id, req.query.token ?? '');
        return reply
          .header('content-type', 'text/calendar; charset=utf-8')
          .header('cache-control', 'private, max-age=300')
          .header('content-disposition', `inline; filename="${kind}-${req.params.id}.ics"`)
          .send(text);
      },
    );
  }
}
