/**
 * Change hooks over HTTP (docs/integrations/changes.md): the receiver the tools send to
 * (`POST /integrations/changes/:hookId`, raw body kept for the signature check), a team's hooks (create, rename,
 * rotate, delete; the secret shown once), their recent deliveries, and the team's mapping config.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { intakeBusy } from '../../alerts/index.js';
import {
  CHANGE_MATCHER_OPS,
  CHANGE_SOURCES,
  type ChangeConfig,
  type ChangeHook,
  type HookDelivery,
} from '../../changes/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { ErrorEnvelope, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { ChangeWarningSchema } from './changes.js';

const TeamParams = Type.Object({ team: Type.String({ minLength: 1, maxLength: 100 }) });
const HookParams = Type.Object({
  team: Type.String({ minLength: 1, maxLength: 100 }),
  hookId: Type.String({ minLength: 1, maxLength: 100 }),
});
const SourceSchema = Type.Union(CHANGE_SOURCES.map((s) => Type.Literal(s)));
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const HookSchema = Type.Object({
  id: Type.String(),
  teamId: Type.String(),
  source: Type.String({ description: CHANGE_SOURCES.join(', ') }),
  name: Type.String(),
  url: Type.String({ description: 'Where the tool sends its deliveries' }),
  defaultServiceId: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  rotatedAt: Nullable(Type.String({ format: 'date-time' })),
  previousSecretUntil: Nullable(Type.String({ format: 'date-time' })),
  lastDeliveryAt: Nullable(Type.String({ format: 'date-time' })),
});
const WithSecret = Type.Object({
  hook: HookSchema,
  secret: Type.String({ description: 'Shown in this response only; stored sealed' }),
});
const DeliverySchema = Type.Object({
  id: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  event: Type.String(),
  outcome: Type.String({ description: 'recorded, ignored, unmapped or rejected' }),
  field: Nullable(Type.String()),
  reason: Type.String(),
  changeIds: Type.Array(Type.String()),
  raw: Type.String(),
  rawTruncated: Type.Boolean(),
});
const MatcherSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253 }),
  op: Type.Union(CHANGE_MATCHER_OPS.map((o) => Type.Literal(o))),
  value: Type.String({ maxLength: 1000 }),
});
const ConfigSchema = Type.Object({
  teamId: Type.String(),
  mappings: Type.Array(
    Type.Object({
      serviceId: Type.String(),
      repository: Nullable(Type.String()),
      namespace: Nullable(Type.String()),
      matchers: Type.Array(Type.Object({ name: Type.String(), op: Type.String(), value: Type.String() })),
    }),
  ),
  pageCommanderOnChange: Type.Boolean(),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
});
const SecretIn = Type.String({
  minLength: 16,
  maxLength: 500,
  description: "The tool's own secret when it makes one (LaunchDarkly); default: Muster makes one",
});

const presentHook = (h: ChangeHook) => ({
  ...h,
  createdAt: toIso(h.createdAt),
  rotatedAt: toIsoOrNull(h.rotatedAt),
  previousSecretUntil: toIsoOrNull(h.previousSecretUntil),
  lastDeliveryAt: toIsoOrNull(h.lastDeliveryAt),
});
const presentDelivery = (d: HookDelivery) => {
  const { hookId: _hook, ...rest } = d;
  return { ...rest, receivedAt: toIso(d.receivedAt) };
};
const presentConfig = (c: ChangeConfig) => ({ ...c, updatedAt: toIsoOrNull(c.updatedAt) });

export async function registerChangeHookRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const hooks = services.changeHooks;

  // The receiver: bodies stay raw text in this scope, so the signature is checked over the bytes the tool signed.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    scope.withTypeProvider<TypeBoxTypeProvider>().post(
      '/integrations/changes/:hookId',
      {
        config: { access: 'integration' },
        schema: {
          tags: ['intake'],
          summary: 'A change hook: deploys, flag changes and infrastructure runs from the tool the hook is for',
          description:
            'The body is what the tool sends (JSON). The hook checks its signature or token header: see ' +
            'docs/integrations/changes.md for each tool.',
          security: [],
          params: Type.Object({ hookId: Type.String({ minLength: 1, maxLength: 100 }) }),
          response: {
            200: Type.Object({ status: Type.Literal('ignored'), reason: Type.String() }),
            202: Type.Union([
              Type.Object({
                status: Type.Literal('recorded'),
                changes: Type.Array(Type.Object({ id: Type.String(), serviceId: Type.String() })),
                duplicates: Type.Integer(),
                warnings: Type.Array(ChangeWarningSchema),
              }),
              Type.Object({ status: Type.Literal('unmapped'), reason: Type.String() }),
            ]),
            400: ErrorEnvelope,
            401: ErrorEnvelope,
            404: ErrorEnvelope,
            503: ErrorEnvelope,
          },
        },
      },
      async (req, reply) => {
        const raw = typeof req.body === 'string' ? req.body : '';
        const { hookId } = req.params;
        const result = await services.intakeLimiter.run(() => hooks.receive(hookId, req.headers, raw), hookId);
        if (!result) throw intakeBusy(1);
        const r = result.value;
        return reply.status(r.status === 'ignored' ? 200 : 202).send(r);
      },
    );
  });

  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['changes'];

  r.get(
    '/api/teams/:team/change-hooks',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: "The team's change hooks",
        params: TeamParams,
        response: withErrors({ 200: Type.Object({ hooks: Type.Array(HookSchema) }) }),
      },
    },
    async (req) => ({ hooks: (await hooks.list(actorOf(req), req.params.team)).map(presentHook) }),
  );

  r.post(
    '/api/teams/:team/change-hooks',
    {
      config: { access: 'admin@team' },
      schema: {
        tags,
        summary: 'Create a change hook for a tool (team admins); the secret is returned once',
        params: TeamParams,
        body: Type.Object({
          source: SourceSchema,
          name: Type.Optional(Type.String({ maxLength: 200 })),
          defaultService: Type.Optional(
            Nullable(Type.String({ maxLength: 100, description: 'Id or slug: where unmapped changes go' })),
          ),
          secret: Type.Optional(SecretIn),
        }),
        response: withErrors({ 201: WithSecret }),
      },
    },
    async (req, reply) => {
      const { hook, secret } = await hooks.create(actorOf(req), req.params.team, req.body);
      return reply.status(201).send({ hook: presentHook(hook), secret });
    },
  );

  r.get(
    '/api/teams/:team/change-hooks/:hookId',
    {
      config: { access: 'viewer@team' },
      schema: { tags, summary: 'A change hook', params: HookParams, response: withErrors({ 200: HookSchema }) },
    },
    async (req) => presentHook(await hooks.get(actorOf(req), req.params.team, req.params.hookId)),
  );

  r.patch(
    '/api/teams/:team/change-hooks/:hookId',
    {
      config: { access: 'admin@team' },
      schema: {
        tags,
        summary: 'Rename a change hook or change its default service (null: none)',
        params: HookParams,
        body: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          defaultService: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
        }),
        response: withErrors({ 200: HookSchema }),
      },
    },
    async (req) => presentHook(await hooks.update(actorOf(req), req.params.team, req.params.hookId, req.body)),
  );

  r.post(
    '/api/teams/:team/change-hooks/:hookId/rotate',
    {
      config: { access: 'admin@team' },
      schema: {
        tags,
        summary: "Rotate a change hook's secret; the old one still counts for graceMinutes (default 60)",
        params: HookParams,
        body: Type.Optional(
          Type.Object({
            secret: Type.Optional(SecretIn),
            graceMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10080 })),
          }),
        ),
        response: withErrors({ 200: WithSecret }),
      },
    },
    async (req) => {
      const { hook, secret } = await hooks.rotate(actorOf(req), req.params.team, req.params.hookId, req.body ?? {});
      return { hook: presentHook(hook), secret };
    },
  );

  r.delete(
    '/api/teams/:team/change-hooks/:hookId',
    {
      config: { access: 'admin@team' },
      schema: {
        tags,
        summary: 'Delete a change hook (its recorded changes stay)',
        params: HookParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await hooks.remove(actorOf(req), req.params.team, req.params.hookId);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/teams/:team/change-hooks/:hookId/deliveries',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: "A change hook's recent deliveries, newest first: recorded, ignored, unmapped or rejected, and why",
        params: HookParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }),
        response: withErrors({ 200: Type.Object({ deliveries: Type.Array(DeliverySchema) }) }),
      },
    },
    async (req) => {
      const list = await hooks.deliveries(actorOf(req), req.params.team, req.params.hookId, req.query.limit ?? 50);
      return { deliveries: list.map(presentDelivery) };
    },
  );

  r.get(
    '/api/teams/:team/change-config',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: "The team's change mapping (repository, namespace, labels → service) and its IC-page option",
        params: TeamParams,
        response: withErrors({ 200: ConfigSchema }),
      },
    },
    async (req) => presentConfig(await hooks.config(actorOf(req), req.params.team)),
  );

  r.put(
    '/api/teams/:team/change-config',
    {
      config: { access: 'admin@team' },
      schema: {
        tags,
        summary:
          "Set the team's change mapping (rules in order) and whether a change during an open P1/P2 pages the IC",
        params: TeamParams,
        body: Type.Object({
          mappings: Type.Optional(
            Type.Array(
              Type.Object({
                service: Type.String({ minLength: 1, maxLength: 100, description: 'Id or slug, of this team' }),
                repository: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
                namespace: Type.Optional(Nullable(Type.String({ maxLength: 253 }))),
                matchers: Type.Optional(Type.Array(MatcherSchema, { maxItems: 20 })),
              }),
              { maxItems: 200 },
            ),
          ),
          pageCommanderOnChange: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: ConfigSchema }),
      },
    },
    async (req) => presentConfig(await hooks.setConfig(actorOf(req), req.params.team, req.body)),
  );
}
