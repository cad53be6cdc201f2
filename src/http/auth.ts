import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, User } from '../identity/index.js';
import { safeEqual } from '../shared/crypto.js';
import { AppError, unauthenticated } from '../shared/errors.js';
import { authorize, isOpen, type Access } from './access.js';
import type { Services } from './services.js';

export const SESSION_COOKIE = 'muster_session';

/**
 * Route access levels, set per route with `config: { auth: … }` (older form; every route now also has a named access
 * policy, src/http/access.ts, which must agree with it). `public` is for health checks and the sign-in endpoints;
 * intake routes use `integration` and check their own keys.
 */
export type AuthLevel = 'public' | 'integration' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
  interface FastifyRequest {
    actor: Actor | null;
    user: User | null;
    sessionId: string | null;
    csrfToken: string | null;
  }
}

function clientIp(request: FastifyRequest): string {
  return request.ip || request.socket.remoteAddress || 'unknown';
}

export function actorFor(user: User, request: FastifyRequest, tokenId: string | null): Actor {
  return { userId: user.id, tokenId, label: user.email, ip: clientIp(request), isAdmin: user.isAdmin };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authentication and the route's access policy run in `onRequest`: before the body is read, parsed or validated, so
 * an anonymous or unauthorised caller gets 401/403 and never a validation error that names the route's fields.
 * (@fastify/cookie parses cookies in its own `onRequest` hook, registered before this one.)
 */
export function installAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('user', null);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('csrfToken', null);

  app.addHook('onRequest', async (request) => {
    // Unmatched paths reach the not-found handler, which serves the web UI's index.html (it holds no data and a
    // signed-out browser must load it to reach /signin) or a 404 envelope.
    const access: Access =
      request.routeOptions.url === undefined ? 'public' : (request.routeOptions.config.access ?? 'signed-in');
    if (isOpen(access)) {
      await identify(request, services, false).catch(() => undefined);
      return;
    }
    await identify(request, services, true);
    if (!request.user) throw unauthenticated();
    await authorize(services, request, access);
  });
}

/** Resolve the caller from a bearer API token or the session cookie; enforce CSRF on cookie-authenticated writes. */
async function identify(request: FastifyRequest, services: Services, enforceCsrf: boolean): Promise<void> {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() !== 'bearer' || !value)
      throw unauthenticated('Send the API token as: Authorization: Bearer <token>.');
    const found = await services.tokens.authenticate(value.trim());
    if (!found) throw unauthenticated('The API token is not valid, or was revoked or expired.');
    request.user = found.user;
    request.actor = actorFor(found.user, request, found.tokenId);
    return;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return;
  const session = await services.identity.authenticateSession(cookie);
  if (!session) return;
  if (enforceCsrf && UNSAFE.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
      throw new AppError('csrf_failed', 'Missing or wrong X-CSRF-Token header for a cookie-authenticated request.', {
        status: 403,
      });
    }
  }
  request.user = session.user;
  request.sessionId = session.sessionId;
  request.csrfToken = session.csrfToken;
  request.actor = actorFor(session.user, request, null);
}

/** The authenticated actor; routes at level `user` or `admin` always have one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthenticated();
  return request.actor;
}

export function setSessionCookie(reply: FastifyReply, services: Services, token: string, expiresAt: number): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: cookieSecure(services),
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, services: Services): void {
  void reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: cookieSecure(services),
  });
}

/**
 * Secure cookies by default. Browsers accept Secure cookies from http://localhost and 127.0.0.1, so only a plain-http
 * public URL on another host turns it off (with a warning at start); MUSTER_COOKIE_SECURE overrides.
 */
export function cookieSecure(services: Services): boolean {
  if (services.config.cookieSecure !== undefined) return services.config.cookieSecure;
  const url = new URL(services.config.publicUrl);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}
