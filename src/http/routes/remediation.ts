/**
 * Remediation actions and runs (docs/runbooks.md, "Actions"): actions (team admins write them), runs (responders of
 * the action's team request them; approval by a second person or the incident's Incident Commander), the live output
 * stream, the approvals inbox, and the team's kill switch for automatic runs.
 */
import type { ServerResponse } from 'node:http';
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ACTION_KINDS, ACTION_MODES, HTTP_METHODS, RUN_STATUSES, isFinal } from '../../remediation/model.js';
import type { Action, AutomationSettings, Chunk, Run } from '../../remediation/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import type { Services } from '../services.js';
import { teamIdOf } from '../team-param.js';
import { OPEN_BODY } from '../closed-schemas.js';
import { withErrors } from '../schemas.js';
import { openEventStream } from '../sse.js';
import { ActionSchema, AutomationSettingsSchema, RunDetailSchema, RunSchema } from './remediation-schemas.js';

const tags = ['remediation'];
const Id = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Id });
const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const Template = Type.String({ maxLength: 2000 });

const ParamSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  from: lit(['label', 'annotation', 'input'] as const),
  key: Type.String({ minLength: 1, maxLength: 128 }),
  pattern: Type.Optional(Type.String({ maxLength: 1000 })),
  required: Type.Boolean(),
});
/** The JSON an HTTP action sends is the team's own document (any shape its automation takes), with templates in it. */
const TEMPLATE_BODY =
  "the JSON body the action sends to the team's automation, any shape; its string values are templates checked when saved";
const Strings = Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 2000 }));
const HttpSchema = Type.Object({
  method: lit([...HTTP_METHODS, ...HTTP_METHODS.map((m) => m.toLowerCase())] as string[]),
  url: Type.String({ minLength: 1, maxLength: 2000 }),
  headers: Type.Optional(Strings),
  body: Type.Optional(
    Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown()), Type.Null()], {
      [OPEN_BODY]: TEMPLATE_BODY,
    }),
  ),
  dryRun: Type.Optional(
    Type.Object({
      query: Type.Optional(Strings),
      header: Type.Optional(Strings),
      body: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { [OPEN_BODY]: TEMPLATE_BODY })),
    }),
  ),
  secret: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  allowPrivateAddress: Type.Optional(Type.Boolean()),
});
const AgentSchema = Type.Object({
  agentId: Type.Optional(Type.Union([Id, Type.Null()])),
  command: Type.String({ minLength: 1, maxLength: 100 }),
  args: Type.Optional(Type.Array(Template, { maxItems: 50 })),
  dryRunArgs: Type.Optional(Type.Array(Template, { maxItems: 50 })),
});
const AutoConditionsSchema = Type.Object({
  alertnames: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 })),
  serviceIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
  severities: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 10 })),
  matchers: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 200 }),
        op: lit(['=', '!=', '=~', '!~'] as const),
        value: Type.String({ maxLength: 1000 }),
      }),
      { maxItems: 20 },
    ),
  ),
});
const ActionFields = {
  runbookId: Type.Optional(Type.Union([Id, Type.Null()])),
  slug: Type.Optional(Type.String({ maxLength: 64 })),
  description: Type.Optional(Type.String({ maxLength: 5000 })),
  mode: Type.Optional(lit(ACTION_MODES)),
  params: Type.Optional(Type.Array(ParamSchema, { maxItems: 20 })),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  rateLimitPerHour: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  autoConditions: Type.Optional(AutoConditionsSchema),
  enabled: Type.Optional(Type.Boolean()),
  http: Type.Optional(HttpSchema),
  agent: Type.Optional(AgentSchema),
};
const CreateBody = Type.Object({
  teamId: Id,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  kind: lit(ACTION_KINDS),
  ...ActionFields,
});
const PatchBody = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...ActionFields });

type HttpBody = Static<typeof HttpSchema>;
type AgentBody = Static<typeof AgentSchema>;
const httpOf = (h: HttpBody | undefined) =>
  h && {
    method: h.method,
    url: h.url,
    headers: h.headers,
    body: h.body,
    dryRun: h.dryRun,
    secret: h.secret,
    allowPrivateAddress: h.allowPrivateAddress,
  };
const agentOf = (a: AgentBody | undefined) =>
  a && { agentId: a.agentId, command: a.command, args: a.args, dryRunArgs: a.dryRunArgs };

/** The fields create and update share, named one by one (never a body spread into the service). */
const fieldsOf = (b: Static<typeof PatchBody>) => ({
  name: b.name,
  runbookId: b.runbookId,
  slug: b.slug,
  description: b.description,
  mode: b.mode,
  params: b.params,
  timeoutSeconds: b.timeoutSeconds,
  rateLimitPerHour: b.rateLimitPerHour,
  autoConditions: b.autoConditions,
  enabled: b.enabled,
  http: httpOf(b.http),
  agent: agentOf(b.agent),
});

export const presentAction = (a: Action) => ({
  ...a,
  http: a.http && { ...a.http, dryRun: a.http.dryRun ?? null }, // always set by toAction; the type allows undefined
  createdAt: toIso(a.createdAt),
  updatedAt: toIso(a.updatedAt),
});

export const presentRun = (r: Run) => ({
  ...r,
  decidedAt: toIsoOrNull(r.decidedAt),
  startedAt: toIsoOrNull(r.startedAt),
  finishedAt: toIsoOrNull(r.finishedAt),
  createdAt: toIso(r.createdAt),
});
const presentChunk = (c: Chunk) => ({ ...c, at: toIso(c.at) });
const presentSettings = (s: AutomationSettings) => ({ ...s, updatedAt: toIsoOrNull(s.updatedAt) });

const STREAM_POLL_MS = 400;
const HEARTBEAT_MS = 15_000;

export function registerRemediationRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const rem = services.remediation;
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });

  // ---- actions -------------------------------------------------------------------------------------------------

  r.get(
    '/api/actions',
    {
      schema: {
        tags,
        summary: "Remediation actions (a team's, or a runbook's)",
        querystring: Type.Object({ teamId: Type.Optional(Id), runbookId: Type.Optional(Id) }),
        response: withErrors({ 200: Type.Object({ items: Type.Array(ActionSchema) }) }),
      },
    },
    async (req) => ({
      items: (await rem.listActions({ teamId: req.query.teamId, runbookId: req.query.runbookId })).map(presentAction),
    }),
  );

  r.post(
    '/api/actions',
    {
      schema: {
        tags,
        summary: 'Create an action (an admin of its team)',
        body: CreateBody,
        response: withErrors({ 201: ActionSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const action = await rem.createAction(actorOf(req), { teamId: b.teamId, kind: b.kind, ...fieldsOf(b) });
      return reply.status(201).send(presentAction(action));
    },
  );

  r.get(
    '/api/actions/:id',
    { schema: { tags, summary: 'One action', params: IdParams, response: withErrors({ 200: ActionSchema }) } },
    async (req) => presentAction(await rem.getAction(req.params.id)),
  );

  r.patch(
    '/api/actions/:id',
    {
      schema: {
        tags,
        summary: 'Change an action (an admin of its team)',
        params: IdParams,
        body: PatchBody,
        response: withErrors({ 200: ActionSchema }),
      },
    },
    async (req) => presentAction(await rem.updateAction(actorOf(req), req.params.id, fieldsOf(req.body))),
  );

  r.delete(
    '/api/actions/:id',
    {
      schema: {
        tags,
        summary: 'Delete an action (an admin of its team)',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await rem.deleteAction(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  // ---- runs ----------------------------------------------------------------------------------------------------

  r.post(
    '/api/actions/:id/runs',
    {
      schema: {
        tags,
        summary: 'Run an action (a responder of its team): queued at once, or awaiting approval in mode approval',
        params: IdParams,
        body: Type.Object({
          alertId: Type.Optional(Id),
          incidentId: Type.Optional(Id),
          params: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1000 }))),
          dryRun: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 201: RunSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const run = await rem.requestRun(actorOf(req), {
        actionId: req.params.id,
        alertId: b.alertId,
        incidentId: b.incidentId,
        params: b.params,
        dryRun: b.dryRun,
        trigger: 'manual',
      });
      return reply.status(201).send(presentRun(run));
    },
  );

  r.get(
    '/api/runs',
    {
      schema: {
        tags,
        summary: 'Runs, newest first',
        querystring: Type.Object({
          teamId: Type.Optional(Id),
          status: Type.Optional(lit(RUN_STATUSES)),
          incidentId: Type.Optional(Id),
          actionId: Type.Optional(Id),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        }),
        response: withErrors({ 200: Type.Object({ items: Type.Array(RunSchema) }) }),
      },
    },
    async (req) => ({ items: (await rem.listRuns(req.query)).map(presentRun) }),
  );

  r.get(
    '/api/runs/:id',
    {
      schema: {
        tags,
        summary: 'One run with its output chunks',
        params: IdParams,
        response: withErrors({ 200: RunDetailSchema }),
      },
    },
    async (req) => {
      const run = await rem.getRun(req.params.id);
      return { ...presentRun(run), chunks: run.chunks.map(presentChunk) };
    },
  );

  r.get(
    '/api/runs/:id/stream',
    {
      schema: {
        tags,
        summary:
          "A run's live output: server-sent events `output` (id = seq; resumable with Last-Event-ID) and `status`; ends after the final status",
        params: IdParams,
      },
    },
    async (req, reply) => {
      await rem.findRun(req.params.id); // 404 before the stream opens
      const header = req.headers['last-event-id'];
      const after = Number(Array.isArray(header) ? header[0] : header);
      reply.hijack();
      openRunStream(req, reply.raw, {
        services,
        streams,
        runId: req.params.id,
        afterSeq: header !== undefined && Number.isFinite(after) ? after : -1,
      });
    },
  );

  r.post(
    '/api/runs/:id/approve',
    {
      schema: {
        tags,
        summary: "Approve a run awaiting approval (a second person: a responder of the team or the incident's IC)",
        params: IdParams,
        body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }),
        response: withErrors({ 200: RunSchema }),
      },
    },
    async (req) => presentRun(await rem.approve(actorOf(req), req.params.id, req.body.note)),
  );

  r.post(
    '/api/runs/:id/reject',
    {
      schema: {
        tags,
        summary: 'Reject a run awaiting approval, with the reason',
        params: IdParams,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }),
        response: withErrors({ 200: RunSchema }),
      },
    },
    async (req) => presentRun(await rem.reject(actorOf(req), req.params.id, req.body.reason)),
  );

  r.post(
    '/api/runs/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a run that has not ended',
        params: IdParams,
        body: Type.Optional(Type.Object({})),
        response: withErrors({ 200: RunSchema }),
      },
    },
    async (req) => presentRun(await rem.cancel(actorOf(req), req.params.id)),
  );

  r.get(
    '/api/approvals',
    {
      schema: {
        tags,
        summary: 'Runs awaiting an approval the caller may give',
        response: withErrors({ 200: Type.Object({ items: Type.Array(RunSchema) }) }),
      },
    },
    async (req) => ({
      items: (await rem.approvals(actorOf(req))).map(presentRun),
    }),
  );

  // ---- the kill switch -----------------------------------------------------------------------------------------

  const TeamParams = Type.Object({ team: Id });
  r.get(
    '/api/teams/:team/automation',
    {
      schema: {
        tags,
        summary: "The team's kill switch for automatic runs",
        params: TeamParams,
        response: withErrors({ 200: AutomationSettingsSchema }),
      },
    },
    async (req) => presentSettings(await rem.automationSettings(await teamIdOf(services, req.params.team))),
  );
  r.put(
    '/api/teams/:team/automation',
    {
      schema: {
        tags,
        summary: 'Pause or resume automatic runs for the team (manual and approved runs still run)',
        params: TeamParams,
        body: Type.Object({
          automaticPaused: Type.Boolean(),
          reason: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
        }),
        response: withErrors({ 200: AutomationSettingsSchema }),
      },
    },
    async (req) =>
      presentSettings(
        await rem.setAutomation(actorOf(req), await teamIdOf(services, req.params.team), {
          automaticPaused: req.body.automaticPaused,
          reason: req.body.reason,
        }),
      ),
  );
}

function openRunStream(
  req: FastifyRequest,
  res: ServerResponse,
  o: { services: Services; streams: Set<ServerResponse>; runId: string; afterSeq: number },
): void {
  let seq = o.afterSeq;
  let lastStatus = '';
  let isClosed = false;
  let busy = false;
  openEventStream(req, res, 2000);
  const tick = async (): Promise<void> => {
    if (busy || isClosed) return;
    busy = true;
    try {
      for (;;) {
        const { run, chunks } = await o.services.remediation.runProgress(o.runId, seq);
        if (isClosed) return;
        for (const c of chunks) {
          res.write(`id: ${c.seq}\nevent: output\ndata: ${JSON.stringify(presentChunk(c))}\n\n`);
          seq = c.seq;
        }
        if (chunks.length >= 500) continue;
        if (run.status !== lastStatus) {
          lastStatus = run.status;
          res.write(`event: status\ndata: ${JSON.stringify(presentRun({ ...run, output: '' }))}\n\n`);
        }
        if (isFinal(run.status)) {
          res.end();
          close();
        }
        return;
      }
    } catch (err) {
      req.log.warn({ err }, 'run stream read failed');
    } finally {
      busy = false;
    }
  };
  const poll = setInterval(() => void tick(), STREAM_POLL_MS);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  o.streams.add(res);
  const close = () => {
    isClosed = true;
    clearInterval(poll);
    clearInterval(heartbeat);
    o.streams.delete(res);
  };
  if (res.destroyed || req.raw.destroyed) close();
  else {
    res.on('close', close);
    void tick();
  }
}
