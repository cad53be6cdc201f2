import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { listAuditEvents } from '../../identity/index.js';
import { presentAudit, presentJob } from '../present.js';
import { AuditEventSchema, JobSchema, Paging, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const JobStatusSchema = Type.Union(['pending', 'running', 'succeeded', 'dead'].map((s) => Type.Literal(s)));

export function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/audit-events',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log: who changed what, when, from where (administrators)',
        querystring: Type.Composite([
          Paging,
          Type.Object({
            targetType: Type.Optional(Type.String({ maxLength: 50 })),
            targetId: Type.Optional(Type.String({ maxLength: 100 })),
            actorUserId: Type.Optional(Type.String({ maxLength: 100 })),
            action: Type.Optional(Type.String({ maxLength: 100 })),
          }),
        ]),
        response: withErrors({ 200: Type.Object({ events: Type.Array(AuditEventSchema) }) }),
      },
    },
    async (req) => {
      const { limit = 100, ...filter } = req.query;
      return { events: (await listAuditEvents(services.db.kysely, { ...filter, limit })).map(presentAudit) };
    },
  );

  r.get(
    '/api/jobs',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: 'Durable jobs, newest first; status=dead lists the ones that need a person',
        querystring: Type.Composite([
          Paging,
          Type.Object({ status: Type.Optional(JobStatusSchema), kind: Type.Optional(Type.String({ maxLength: 100 })) }),
        ]),
        response: withErrors({
          200: Type.Object({ jobs: Type.Array(JobSchema), counts: Type.Record(Type.String(), Type.Integer()) }),
        }),
      },
    },
    async (req) => {
      const { limit = 100, status, kind, before } = req.query;
      const [jobs, counts] = await Promise.all([
        services.jobs.list({
          limit,
          ...(status ? { status } : {}),
          ...(kind ? { kind } : {}),
          ...(before ? { before } : {}),
        }),
        services.jobs.stats(),
      ]);
      return { jobs: jobs.map(presentJob), counts };
    },
  );

  r.get(
    '/api/jobs/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: 'One job',
        params: Type.Object({ id: Type.String() }),
        response: withErrors({ 200: JobSchema }),
      },
    },
    async (req) => presentJob(await services.jobs.get(req.params.id)),
  );

  r.post(
    '/api/jobs/:id/retry',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: 'Run a dead job again, now, with a fresh attempt budget',
        params: Type.Object({ id: Type.String() }),
        response: withErrors({ 200: JobSchema }),
      },
    },
    async (req) => presentJob(await services.jobs.retry(req.params.id)),
  );

  r.post(
    '/api/diagnostics/probes',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: 'Enqueue diagnostics probe jobs (only with MUSTER_JOBS_DIAGNOSTICS=true)',
        body: Type.Object({
          count: Type.Integer({ minimum: 1, maximum: 10000 }),
          delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400000 })),
          spreadMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400000 })),
          sleepMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000 })),
          failUntilAttempt: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          failPermanently: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 201: Type.Object({ jobIds: Type.Array(Type.String()) }) }),
      },
    },
    async (req, reply) => reply.status(201).send({ jobIds: await services.jobs.enqueueProbes(req.body) }),
  );

  r.get(
    '/api/diagnostics/probes',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: 'How many times each probe job ran',
        response: withErrors({
          200: Type.Object({ runs: Type.Array(Type.Object({ jobId: Type.String(), runs: Type.Integer() })) }),
        }),
      },
    },
    async () => ({ runs: await services.jobs.probeRuns() }),
  );
}
