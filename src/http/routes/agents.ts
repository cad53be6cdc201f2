/**
 * Muster agents (docs/runbooks.md, "The agent"). Management: list (signed-in), create (an admin of the team: the
 * token is shown once), revoke (admin@agent). The protocol under /api/agent/v1 is for `muster agent` processes: access
 * `integration`, each route checks the agent's own bearer token (hashed, compared in constant time) before the body is
 * validated; a revoked agent gets 401.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { agentServiceFor, type Agent } from '../../remediation/agent/index.js';
import type { AuthenticatedAgent } from '../../remediation/agent/service.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const tags = ['agents'];
const Id = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Id });
const Name = Type.String({ minLength: 1, maxLength: 100 });

const AgentSchema = Type.Object({
  id: Type.String(),
  teamId: Type.String(),
  name: Type.String(),
  tokenPrefix: Type.String({ description: 'The first characters of its token, to tell tokens apart' }),
  lastSeenAt: Type.Union([Timestamp, Type.Null()], { description: 'Its last poll; null: never heard from' }),
  connected: Type.Boolean({ description: 'Polled in the last 30 seconds and not revoked' }),
  commands: Type.Array(Type.String(), { description: 'The allow-list it reported on its last poll' }),
  host: Type.Union([Type.String(), Type.Null()], { description: 'The host it reported' }),
  version: Type.Union([Type.String(), Type.Null()], { description: 'The muster agent version it reported' }),
  revokedAt: NullableTimestamp,
  runningRunId: Type.Union([Type.String(), Type.Null()], { description: 'The run it is running now' }),
  createdAt: Timestamp,
});
const Ok = Type.Object({ ok: Type.Literal(true) });
const PolledRunSchema = Type.Object(
  {
    id: Type.String(),
    command: Type.String({ description: "A command of the agent's allow-list" }),
    args: Type.Array(Type.String(), { description: 'The arguments, each one argv entry (no shell)' }),
    dryRun: Type.Boolean(),
    timeoutSeconds: Type.Integer(),
  },
  { description: 'The run the agent claimed: it is now running, held by a lease that output and heartbeats extend' },
);

const present = (a: Agent) => ({
  id: a.id,
  teamId: a.teamId,
  name: a.name,
  tokenPrefix: a.tokenPrefix,
  lastSeenAt: toIsoOrNull(a.lastSeenAt),
  connected: a.connected,
  commands: a.commands,
  host: a.host,
  version: a.version,
  revokedAt: toIsoOrNull(a.revokedAt),
  runningRunId: a.runningRunId,
  createdAt: toIso(a.createdAt),
});

export function registerAgentRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const agents = agentServiceFor(services);
  // Waiting polls answer at once when the server closes, instead of holding it up to 25 s.
  app.addHook('preClose', async () => agents.stop());

  // ---- management ---------------------------------------------------------------------------------------------------

  r.get(
    '/api/agents',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "Agents, with what each reported on its last poll (?teamId: one team's)",
        querystring: Type.Object({ teamId: Type.Optional(Id) }),
        response: withErrors({ 200: Type.Object({ items: Type.Array(AgentSchema) }) }),
      },
    },
    async (req) => ({ items: (await agents.list({ teamId: req.query.teamId })).map(present) }),
  );

  r.get(
    '/api/agents/:id',
    {
      config: { access: 'signed-in' },
      schema: { tags, summary: 'An agent', params: IdParams, response: withErrors({ 200: AgentSchema }) },
    },
    async (req) => present(await agents.get(req.params.id)),
  );

  r.post(
    '/api/agents',
    {
      config: { access: 'any-team-admin' },
      schema: {
        tags,
        summary: 'Create an agent of a team (an admin of the team); its token is shown only in this answer',
        body: Type.Object({ teamId: Id, name: Name }),
        response: withErrors({
          201: Type.Object({
            agent: AgentSchema,
            token: Type.String({ description: 'The agent’s token. Shown in this answer only; store it now.' }),
          }),
        }),
      },
    },
    async (req, reply) => {
      const created = await agents.create(actorOf(req), { teamId: req.body.teamId, name: req.body.name });
      return reply.status(201).send({ agent: present(created.agent), token: created.token });
    },
  );

  r.delete(
    '/api/agents/:id',
    {
      config: { access: 'admin@agent' },
      schema: {
        tags,
        summary: 'Revoke an agent: its token stops working and a run it holds ends failed',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await agents.revoke(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  // ---- the protocol -------------------------------------------------------------------------------------------------

  const callers = new WeakMap<FastifyRequest, AuthenticatedAgent>();
  const protocol = {
    config: { access: 'integration' as const },
    // Before the body is validated: a caller without a live agent token learns nothing about the fields.
    preValidation: async (req: FastifyRequest) => {
      callers.set(req, await agents.authenticate(req.headers.authorization));
    },
  };
  const caller = (req: FastifyRequest): AuthenticatedAgent => callers.get(req)!;
  const RunParams = Type.Object({ id: Id });

  r.post(
    '/api/agent/v1/poll',
    {
      ...protocol,
      schema: {
        tags,
        summary: 'An agent asks for work: waits up to 25 s, answers the run it claimed or null',
        body: Type.Object({
          commands: Type.Array(
            Type.Object({
              name: Type.String({ minLength: 1, maxLength: 63 }),
              description: Type.Optional(Type.String({ maxLength: 500 })),
            }),
            { maxItems: 500 },
          ),
          host: Type.String({ maxLength: 255 }),
          version: Type.String({ maxLength: 50 }),
          dryRunCommands: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 500 })),
        }),
        response: withErrors({
          200: Type.Object({
            run: Type.Union([PolledRunSchema, Type.Null()], { description: 'null: no work before the wait ended' }),
          }),
        }),
      },
    },
    async (req, reply) => {
      let gone = false;
      reply.raw.once('close', () => {
        if (!reply.raw.writableEnded) gone = true;
      });
      const run = await agents.poll(
        caller(req),
        {
          commands: req.body.commands,
          host: req.body.host,
          version: req.body.version,
          dryRunCommands: req.body.dryRunCommands,
        },
        () => gone,
      );
      return { run };
    },
  );

  r.post(
    '/api/agent/v1/runs/:id/output',
    {
      ...protocol,
      schema: {
        tags,
        summary: "A chunk of a run's output (idempotent on seq); extends the run's lease",
        params: RunParams,
        body: Type.Object({
          seq: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
          stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('system')]),
          chunk: Type.String({ maxLength: 16 * 1024 }),
        }),
        response: withErrors({ 200: Ok }),
      },
    },
    async (req) => {
      await agents.output(caller(req), req.params.id, {
        seq: req.body.seq,
        stream: req.body.stream,
        chunk: req.body.chunk,
      });
      return { ok: true };
    },
  );

  r.post(
    '/api/agent/v1/runs/:id/heartbeat',
    {
      ...protocol,
      schema: {
        tags,
        summary: "The command still runs: extends the run's lease",
        params: RunParams,
        body: Type.Object({}),
        response: withErrors({ 200: Ok }),
      },
    },
    async (req) => {
      await agents.heartbeat(caller(req), req.params.id);
      return { ok: true };
    },
  );

  r.post(
    '/api/agent/v1/runs/:id/finish',
    {
      ...protocol,
      schema: {
        tags,
        summary: 'The command ended: its exit status, or why it did not run',
        params: RunParams,
        body: Type.Object({
          exitCode: Type.Union([Type.Integer({ minimum: -1000, maximum: 1000 }), Type.Null()]),
          error: Type.Optional(Type.String({ maxLength: 2000 })),
          timedOut: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: Ok }),
      },
    },
    async (req) => {
      await agents.finish(caller(req), req.params.id, {
        exitCode: req.body.exitCode,
        error: req.body.error,
        timedOut: req.body.timedOut,
      });
      return { ok: true };
    },
  );
}
