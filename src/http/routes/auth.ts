import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf, clearSessionCookie, setSessionCookie } from '../auth.js';
import { presentUser } from '../present.js';
import { UserSchema, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const SessionResponse = Type.Object({
  user: UserSchema,
  csrfToken: Type.Union([Type.String(), Type.Null()], {
    description: 'Send as X-CSRF-Token on every cookie-authenticated POST, PUT, PATCH and DELETE.',
  }),
});

export function signInUrl(services: Services, token: string): string {
  // The token rides in the fragment, so it never reaches a server or proxy log.
  return `${services.config.publicUrl}/signin/link#token=${encodeURIComponent(token)}`;
}

export function registerAuthRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/api/auth/sign-in',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: Type.Object({
          email: Type.String({ minLength: 3, maxLength: 320 }),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
        }),
        response: withErrors({ 200: SessionResponse }),
      },
    },
    async (req, reply) => {
      const s = await services.identity.signIn({
        email: req.body.email,
        password: req.body.password,
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? '',
      });
      setSessionCookie(reply, services, s.token, s.expiresAt);
      return { user: presentUser(s.user), csrfToken: s.csrfToken };
    },
  );

  r.post(
    '/api/auth/link',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a one-time link token (first admin, account recovery)',
        body: Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }),
        response: withErrors({ 200: SessionResponse }),
      },
    },
    async (req, reply) => {
      const s = await services.identity.consumeSignInLink({
        token: req.body.token,
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? '',
      });
      setSessionCookie(reply, services, s.token, s.expiresAt);
      return { user: presentUser(s.user), csrfToken: s.csrfToken };
    },
  );

  r.post(
    '/api/auth/sign-out',
    { schema: { tags: ['auth'], summary: 'End this session', response: withErrors({ 204: Type.Null() }) } },
    async (req, reply) => {
      if (req.sessionId) await services.identity.signOut(actorOf(req), req.sessionId);
      clearSessionCookie(reply, services);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is signed in, and the CSRF token for this session',
        response: withErrors({ 200: SessionResponse }),
      },
    },
    async (req) => ({ user: presentUser(req.user!), csrfToken: req.csrfToken }),
  );
}
