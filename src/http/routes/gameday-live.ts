/**
 * Live game days (docs/gamedays.md, "Live drills" and "Failure injection and halting"): the failure injection, the
 * halt conditions, the drill key and the fire button. Access: `gameday-actor` (responders of the game day's team, its
 * facilitator, organisation administrators; checked again in src/gamedays/live/hooks.ts).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { COMPARATORS } from '../../gamedays/live/halt.js';
import { PROVIDERS } from '../../gamedays/live/injection/index.js';
import { DRILL_SEVERITIES } from '../../gamedays/live/labels.js';
import { actorOf } from '../auth.js';
import { openBody } from '../closed-schemas.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { presentIntegrationKey } from './catalog.js';
import { DrillKeySchema, FiredSchema, GamedaySchema } from './gameday-schemas.js';

const tags = ['gamedays'];
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const Url = Type.String({ minLength: 1, maxLength: 2000 });

export function registerGamedayLiveRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const live = services.gamedayLive;
  const gds = services.gamedays;

  r.put(
    '/api/gamedays/:id/injection',
    {
      schema: {
        tags,
        summary: 'Set the failure injection started with the game day and rolled back when it halts or ends',
        params: IdParams,
        body: Type.Object({
          provider: lit(PROVIDERS),
          url: Url,
          secret: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
          config: Type.Optional(
            openBody(
              "The provider's own document: a Chaos Toolkit experiment, a ChaosEngine spec, a Gremlin attack, or the webhook's config",
              'a chaos tool document passed through; the provider adapter checks the fields it needs',
            ),
          ),
          allowPrivateAddress: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => {
      const b = req.body;
      await live.putInjection(actorOf(req), req.params.id, {
        provider: b.provider,
        url: b.url,
        secret: b.secret,
        config: b.config as Record<string, unknown> | undefined,
        allowPrivateAddress: b.allowPrivateAddress,
      });
      return gds.get(actorOf(req), req.params.id);
    },
  );

  r.delete(
    '/api/gamedays/:id/injection',
    {
      schema: {
        tags,
        summary: 'Remove the failure injection (not while the game day runs)',
        params: IdParams,
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => {
      await live.removeInjection(actorOf(req), req.params.id);
      return gds.get(actorOf(req), req.params.id);
    },
  );

  r.put(
    '/api/gamedays/:id/halt-conditions',
    {
      schema: {
        tags,
        summary: 'Replace the halt conditions: Prometheus thresholds and a real P1/P2 on a target service',
        params: IdParams,
        body: Type.Object({
          conditions: Type.Array(
            Type.Union([
              Type.Object({
                kind: Type.Literal('prometheus'),
                prometheusUrl: Url,
                query: Type.String({ minLength: 1, maxLength: 2000 }),
                comparator: lit(COMPARATORS),
                threshold: Type.Number(),
                allowPrivateAddress: Type.Optional(Type.Boolean()),
              }),
              Type.Object({ kind: Type.Literal('real_incident') }),
            ]),
            { maxItems: 10 },
          ),
        }),
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => {
      await live.putHaltConditions(actorOf(req), req.params.id, {
        conditions: req.body.conditions.map((c) =>
          c.kind === 'prometheus'
            ? {
                kind: 'prometheus' as const,
                prometheusUrl: c.prometheusUrl,
                query: c.query,
                comparator: c.comparator,
                threshold: c.threshold,
                allowPrivateAddress: c.allowPrivateAddress,
              }
            : { kind: 'real_incident' as const },
        ),
      });
      return gds.get(actorOf(req), req.params.id);
    },
  );

  r.post(
    '/api/gamedays/:id/drill-key',
    {
      schema: {
        tags,
        summary: 'A drill integration key on a target service (shown once): its alerts page as drills',
        params: IdParams,
        body: Type.Optional(Type.Object({ serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) })),
        response: withErrors({ 201: DrillKeySchema }),
      },
    },
    async (req, reply) => {
      const created = await live.createDrillKey(actorOf(req), req.params.id, { serviceId: req.body?.serviceId });
      reply.code(201);
      return { key: created.key, integrationKey: presentIntegrationKey(created.integrationKey) };
    },
  );

  r.post(
    '/api/gamedays/:id/fire',
    {
      schema: {
        tags,
        summary: "Fire a drill alert through the real intake with the game day's drill key (pages the real on-call)",
        params: IdParams,
        body: Type.Optional(
          Type.Object({
            summary: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
            severity: Type.Optional(lit(DRILL_SEVERITIES)),
          }),
        ),
        response: withErrors({ 202: FiredSchema }),
      },
    },
    async (req, reply) => {
      const out = await live.fire(actorOf(req), req.params.id, {
        summary: req.body?.summary,
        severity: req.body?.severity,
      });
      reply.code(202);
      return out;
    },
  );
}
