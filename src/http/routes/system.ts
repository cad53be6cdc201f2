import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../../db/health.js';
import { safeEqual } from '../../shared/crypto.js';
import { forbidden, unauthenticated } from '../../shared/errors.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../errors.js';
import type { Services } from '../services.js';

/** /readyz answers 503 when the database has not answered within this long: a load balancer must never hang on it. */
export const READY_TIMEOUT_MS = 2000;

const Readiness = Type.Object({
  status: Type.String({ description: 'ready or not_ready' }),
  engine: Type.String(),
  reason: Type.Optional(Type.String({ description: 'why not ready: database_unavailable' })),
});

export function registerSystemRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  // One probe at a time, shared by concurrent callers: a load balancer polling a process whose database is away must
  // not pile up queries waiting for a connection.
  let probe: Promise<boolean> | null = null;
  const checkReady = (): Promise<boolean> =>
    (probe ??= withTimeout(services.isReady(), READY_TIMEOUT_MS, 'the database')
      .then(
        () => {
          services.db.health.noteSuccess();
          return true;
        },
        (err: unknown) => {
          services.db.health.noteFailure(err);
          return false;
        },
      )
      .finally(() => {
        probe = null;
      }));

  r.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process answers (200 even while the database is away: restarting would not help)',
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
        summary: `Readiness: the database answers within ${READY_TIMEOUT_MS} ms (503 otherwise: take the process out of rotation)`,
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply) => {
      const { engine } = services.db;
      if (await checkReady()) return reply.status(200).send({ status: 'ready', engine });
      return reply
        .status(503)
        .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
        .send({ status: 'not_ready', engine, reason: 'database_unavailable' });
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
