import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import { presentUser } from '../present.js';
import { Timestamp, UserSchema, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { signInUrl } from './auth.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const SignInLink = Type.Object({ url: Type.String(), expiresAt: Timestamp });

export function registerUserRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['users'];

  r.get(
    '/api/me',
    { schema: { tags, summary: 'The signed-in user', response: withErrors({ 200: UserSchema }) } },
    async (req) => presentUser(req.user!),
  );

  r.get(
    '/api/users',
    {
      schema: {
        tags,
        summary: 'List users',
        querystring: Type.Object({ includeDisabled: Type.Optional(Type.Boolean()) }),
        response: withErrors({ 200: Type.Object({ users: Type.Array(UserSchema) }) }),
      },
    },
    async (req) => ({
      users: (await services.identity.listUsers({ includeDisabled: req.query.includeDisabled ?? false })).map(
        presentUser,
      ),
    }),
  );

  r.post(
    '/api/users',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Create a user (administrators). Without a password the response carries a one-time sign-in link.',
        body: Type.Object({
          email: Type.String({ maxLength: 320 }),
          name: Type.String({ maxLength: 200 }),
          password: Type.Optional(Type.String({ maxLength: 256 })),
          isAdmin: Type.Optional(Type.Boolean()),
          timezone: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: withErrors({ 201: Type.Object({ user: UserSchema, signInLink: Type.Optional(SignInLink) }) }),
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const user = await services.identity.createUser(actor, req.body);
      let signInLink;
      if (!req.body.password) {
        const link = await services.identity.createSignInLink(actor, user.id);
        signInLink = { url: signInUrl(services, link.token), expiresAt: new Date(link.expiresAt).toISOString() };
      }
      return reply.status(201).send({ user: presentUser(user), ...(signInLink ? { signInLink } : {}) });
    },
  );

  r.get(
    '/api/users/:id',
    { schema: { tags, summary: 'One user', params: IdParams, response: withErrors({ 200: UserSchema }) } },
    async (req) => presentUser(await services.identity.getUser(req.params.id)),
  );

  r.patch(
    '/api/users/:id',
    {
      schema: {
        tags,
        summary: 'Change a profile (yourself), or admin rights and disabling (administrators)',
        params: IdParams,
        body: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 200 })),
          email: Type.Optional(Type.String({ maxLength: 320 })),
          timezone: Type.Optional(Type.String({ maxLength: 64 })),
          isAdmin: Type.Optional(Type.Boolean()),
          disabled: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: UserSchema }),
      },
    },
    async (req) => presentUser(await services.identity.updateUser(actorOf(req), req.params.id, req.body)),
  );

  r.put(
    '/api/users/:id/password',
    {
      schema: {
        tags,
        summary: 'Set a password; changing your own needs the current one',
        params: IdParams,
        body: Type.Object({
          password: Type.String({ maxLength: 256 }),
          currentPassword: Type.Optional(Type.String({ maxLength: 1024 })),
        }),
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await services.identity.setPassword(actorOf(req), req.params.id, req.body);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/users/:id/sign-in-links',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'A one-time sign-in link for a user (administrators), valid 24 hours',
        params: IdParams,
        response: withErrors({ 201: SignInLink }),
      },
    },
    async (req, reply) => {
      const link = await services.identity.createSignInLink(actorOf(req), req.params.id);
      return reply
        .status(201)
        .send({ url: signInUrl(services, link.token), expiresAt: new Date(link.expiresAt).toISOString() });
    },
  );
}
