import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { safeEqual } from '../../shared/crypto.js';
import { forbidden, unauthenticated } from '../../shared/errors.js';
import type { Services } from '../services.js';

export function registerSystemRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  r.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Readiness: the database answers and migrations are applied',
        response: {
          200: Type.Object({ status: Type.String(), engine: Type.String() }),
          503: Type.Object({ status: Type.String(), engine: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      const ok = await services.isReady().catch(() => false);
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', engine: services.db.engine });
    },
  );

  // Prometheus scrapes with `authorization: {credentials: <MUSTER_METRICS_TOKEN>}`; an administrator's API token works too.
  r.get(
    '/metrics',
    {
      config: { auth: 'public' },
      schema: { tags: ['system'], summary: 'Prometheus metrics (metrics token or an administrator)' },
    },
    async (req, reply) => {
      const header = req.headers.authorization ?? '';
      const bearer = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
      const byMetricsToken =
        !!services.config.metricsToken && !!bearer && safeEqual(bearer, services.config.metricsToken);
      if (!byMetricsToken) {
        if (!req.user)
          throw unauthenticated('Send MUSTER_METRICS_TOKEN or an administrator API token as a bearer token.');
        if (!req.user.isAdmin) throw forbidden('Metrics need an administrator or the metrics token.');
      }
      return reply.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics());
    },
  );
}
