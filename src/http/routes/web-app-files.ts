/**
 * The installable web app's files at the site root (web/public, copied into web/dist by the Vite build): the web app
 * manifest, the service worker and the icons. Public, like the bundles: the sign-in page links the manifest, and the
 * browser fetches the manifest and icons without credentials. The service worker must be served from /sw.js for its
 * scope to be the whole site, as JavaScript (a browser refuses a worker of any other type), and never from a stale
 * cache (no-cache: the browser checks for a new one). Without a web build these answer 404.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.js';
import { sendError } from '../errors.js';
import type { Services } from '../services.js';

const notFound = (req: FastifyRequest): AppError =>
  new AppError('route_not_found', `No route ${req.method} ${req.url.split('?')[0]}.`, { status: 404 });

/** The worker may call this origin and, when the public URL names another, that one (its one-click links). */
export function serviceWorkerCsp(publicUrl: string): string {
  let origin = '';
  try {
    origin = new URL(publicUrl).origin;
  } catch {
    origin = '';
  }
  return ["default-src 'self'", `connect-src 'self'${origin ? ` ${origin}` : ''}`, "img-src 'self'"].join('; ');
}

const ICON_TYPES: Record<string, string> = { png: 'image/png', svg: 'image/svg+xml' };

export function registerWebAppFiles(app: FastifyInstance, services: Services, distDir: string): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const send = (
    req: FastifyRequest,
    reply: FastifyReply,
    file: string,
    type: string,
    headers: Record<string, string>,
  ): FastifyReply => {
    const path = join(distDir, file);
    if (!existsSync(path)) return sendError(reply, req, notFound(req));
    return reply.type(type).header('x-content-type-options', 'nosniff').headers(headers).send(readFileSync(path));
  };

  r.get('/sw.js', { schema: { hide: true } }, async (req, reply) =>
    send(req, reply, 'sw.js', 'text/javascript; charset=utf-8', {
      'cache-control': 'no-cache',
      'content-security-policy': serviceWorkerCsp(services.config.publicUrl),
    }),
  );
  r.get('/manifest.webmanifest', { schema: { hide: true } }, async (req, reply) =>
    send(req, reply, 'manifest.webmanifest', 'application/manifest+json; charset=utf-8', {
      'cache-control': 'no-cache',
    }),
  );
  r.get(
    '/icons/:file',
    {
      schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[a-z0-9-]+\\.(png|svg)$' }) }) },
    },
    async (req, reply) => {
      const type = ICON_TYPES[req.params.file.split('.').pop()!]!;
      return send(req, reply, join('icons', req.params.file), type, { 'cache-control': 'public, max-age=86400' });
    },
  );
}
