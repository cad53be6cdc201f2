import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import { presentToken } from '../present.js';
import { ApiTokenSchema, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

export function registerTokenRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['tokens'];

  r.get(
    '/api/tokens',
    {
      schema: {
        tags,
        summary: 'Your API tokens (administrators may pass userId)',
        querystring: Type.Object({ userId: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: withErrors({ 200: Type.Object({ tokens: Type.Array(ApiTokenSchema) }) }),
      },
    },
    async (req) => ({ tokens: (await services.tokens.list(actorOf(req), req.query.userId)).map(presentToken) }),
  );

  r.post(
    '/api/tokens',
    {
      schema: {
        tags,
        summary: 'Create a personal API token. The token is in this response only; store it now.',
        body: Type.Object({
          name: Type.String({ maxLength: 100 }),
          expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
          userId: Type.Optional(Type.String({ maxLength: 100 })),
        }),
        response: withErrors({ 201: Type.Object({ token: Type.String(), apiToken: ApiTokenSchema }) }),
      },
    },
    async (req, reply) => {
      const { token, apiToken } = await services.tokens.create(actorOf(req), {
        name: req.body.name,
        ...(req.body.userId ? { userId: req.body.userId } : {}),
        expiresAt: req.body.expiresAt ? Date.parse(req.body.expiresAt) : null,
      });
      return reply.status(201).send({ token, apiToken: presentToken(apiToken) });
    },
  );

  r.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a token; it stops working at once',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await services.tokens.revoke(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}
