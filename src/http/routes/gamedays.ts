/**
 * Game days (docs/gamedays.md; the contract in issue 13): the scenario library, game days, start, injects, expected
 * actions, halt, end, cancel, the debrief and the measures. Reads: anyone signed in. Changes to a game day:
 * `gameday-actor` (responders of its team, its facilitator, organisation administrators); creating one or a scenario:
 * a responder of some team (the service checks the team in the body). Failure injection, halt conditions, the drill
 * key and firing a drill alert are registered by src/gamedays/live/.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  ACTION_OUTCOMES,
  CATEGORIES,
  HALT_KINDS,
  HYPOTHESIS_OUTCOMES,
  LEVELS,
  MAX_ACTIONS,
  MAX_DURATION_MINUTES,
  MAX_INJECT_BODY,
  MAX_INJECTS,
  MAX_OFFSET_SECONDS,
  MAX_TEXT,
  MAX_TITLE,
  MODES,
  PARTICIPANT_ROLES,
  RECURRENCES,
  STATUSES,
} from '../../gamedays/model.js';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import {
  DebriefSchema,
  GamedayListItemSchema,
  GamedaySchema,
  MeasuresSchema,
  ScenarioSchema,
} from './gameday-schemas.js';

const tags = ['gamedays'];
const Id = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Id });
const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const ms = (iso: string): number => Date.parse(iso);
const Text = Type.String({ maxLength: MAX_TEXT });
const ScriptInject = Type.Object({
  offsetSeconds: Type.Integer({ minimum: 0, maximum: MAX_OFFSET_SECONDS }),
  body: Type.String({ minLength: 1, maxLength: MAX_INJECT_BODY }),
});
const Injects = Type.Array(ScriptInject, { maxItems: MAX_INJECTS });
const Actions = Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: MAX_ACTIONS });

const ScenarioFields = {
  name: Type.String({ minLength: 1, maxLength: MAX_TITLE }),
  category: Type.Optional(lit(CATEGORIES)),
  level: Type.Optional(lit(LEVELS)),
  summary: Type.Optional(Text),
  hypothesis: Type.Optional(Text),
  expectedActions: Type.Optional(Actions),
  injects: Type.Optional(Injects),
  safetyNotes: Type.Optional(Text),
};

const GamedayFields = {
  title: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TITLE })),
  mode: Type.Optional(lit(MODES)),
  scenario: Type.Optional(Text),
  hypothesis: Type.Optional(Text),
  safetyNotes: Type.Optional(Text),
  facilitatorUserId: Type.Optional(Type.Union([Id, Type.Null()])),
  severity: Type.Optional(lit(['P1', 'P2', 'P3', 'P4'] as const)),
  scheduledAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  durationMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DURATION_MINUTES })),
  recurrence: Type.Optional(lit(RECURRENCES)),
  muteChat: Type.Optional(Type.Boolean()),
  participants: Type.Optional(
    Type.Array(Type.Object({ userId: Id, role: Type.Optional(lit(PARTICIPANT_ROLES)) }), { maxItems: 100 }),
  ),
  serviceIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
  injects: Type.Optional(Injects),
  expectedActions: Type.Optional(Actions),
};
const GamedayBody = Type.Object(GamedayFields);

const whenOf = (v: string | null | undefined): number | null | undefined =>
  v === undefined ? undefined : v === null ? null : ms(v);

/** The fields create and update share, named one by one (never a body spread into the service). */
const fieldsOf = (b: Static<typeof GamedayBody>) => ({
  title: b.title,
  mode: b.mode,
  scenario: b.scenario,
  hypothesis: b.hypothesis,
  safetyNotes: b.safetyNotes,
  facilitatorUserId: b.facilitatorUserId,
  severity: b.severity,
  scheduledAt: whenOf(b.scheduledAt),
  durationMinutes: b.durationMinutes,
  recurrence: b.recurrence,
  muteChat: b.muteChat,
  participants: b.participants,
  serviceIds: b.serviceIds,
  injects: b.injects,
  expectedActions: b.expectedActions,
});

export function registerGamedayRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const gds = services.gamedays;

  // ---- the scenario library ----------------------------------------------------------------------------------------

  r.get(
    '/api/gameday-scenarios',
    {
      schema: {
        tags,
        summary: "The scenario library: built-ins and teams' own (with ?teamId, the built-ins and that team's)",
        querystring: Type.Object({
          teamId: Type.Optional(Id),
          includeArchived: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: Type.Array(ScenarioSchema) }),
      },
    },
    async (req) =>
      gds.listScenarios(actorOf(req), { teamId: req.query.teamId, includeArchived: req.query.includeArchived }),
  );

  r.post(
    '/api/gameday-scenarios',
    {
      schema: {
        tags,
        summary: "Add a scenario to a team's library (a responder of the team)",
        body: Type.Object({ teamId: Id, ...ScenarioFields }),
        response: withErrors({ 201: ScenarioSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      return reply.status(201).send(
        await gds.createScenario(actorOf(req), {
          teamId: b.teamId,
          name: b.name,
          category: b.category,
          level: b.level,
          summary: b.summary,
          hypothesis: b.hypothesis,
          expectedActions: b.expectedActions,
          injects: b.injects,
          safetyNotes: b.safetyNotes,
        }),
      );
    },
  );

  r.get(
    '/api/gameday-scenarios/:id',
    { schema: { tags, summary: 'A scenario', params: IdParams, response: withErrors({ 200: ScenarioSchema }) } },
    async (req) => gds.getScenario(req.params.id),
  );

  r.patch(
    '/api/gameday-scenarios/:id',
    {
      schema: {
        tags,
        summary: "Change a team's scenario (built-ins are read-only: 403)",
        params: IdParams,
        body: Type.Object({ ...ScenarioFields, name: Type.Optional(ScenarioFields.name) }),
        response: withErrors({ 200: ScenarioSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      return gds.updateScenario(actorOf(req), req.params.id, {
        name: b.name,
        category: b.category,
        level: b.level,
        summary: b.summary,
        hypothesis: b.hypothesis,
        expectedActions: b.expectedActions,
        injects: b.injects,
        safetyNotes: b.safetyNotes,
      });
    },
  );

  r.delete(
    '/api/gameday-scenarios/:id',
    {
      schema: {
        tags,
        summary: "Archive a team's scenario (built-ins are read-only: 403)",
        params: IdParams,
        response: withErrors({ 200: ScenarioSchema }),
      },
    },
    async (req) => gds.archiveScenario(actorOf(req), req.params.id),
  );

  // ---- game days ----------------------------------------------------------------------------------------------------

  r.get(
    '/api/gamedays',
    {
      schema: {
        tags,
        summary: 'Game days, latest first: by team, status, and when (scheduled, else started) in [from, to)',
        querystring: Type.Object({
          teamId: Type.Optional(Id),
          status: Type.Optional(lit(STATUSES)),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: withErrors({ 200: Type.Array(GamedayListItemSchema) }),
      },
    },
    async (req) =>
      gds.list(actorOf(req), {
        teamId: req.query.teamId,
        status: req.query.status,
        from: req.query.from === undefined ? undefined : ms(req.query.from),
        to: req.query.to === undefined ? undefined : ms(req.query.to),
      }),
  );

  r.post(
    '/api/gamedays',
    {
      schema: {
        tags,
        summary: 'Plan a game day, from a scenario or from scratch (a responder of the team)',
        body: Type.Object({ teamId: Id, scenarioId: Type.Optional(Type.Union([Id, Type.Null()])), ...GamedayFields }),
        response: withErrors({ 201: GamedaySchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      return reply
        .status(201)
        .send(await gds.create(actorOf(req), { teamId: b.teamId, scenarioId: b.scenarioId, ...fieldsOf(b) }));
    },
  );

  r.get(
    '/api/gamedays/:id',
    {
      schema: {
        tags,
        summary: 'A game day: script, expected actions, participants, injection, halt conditions, its timeline',
        params: IdParams,
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => gds.get(actorOf(req), req.params.id),
  );

  r.patch(
    '/api/gamedays/:id',
    {
      schema: {
        tags,
        summary: 'Change a game day (the script and schedule only before it starts)',
        params: IdParams,
        body: GamedayBody,
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => gds.update(actorOf(req), req.params.id, fieldsOf(req.body)),
  );

  r.post(
    '/api/gamedays/:id/start',
    {
      schema: {
        tags,
        summary: 'Start: declare the drill incident (the drill room) and schedule the injects',
        params: IdParams,
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => gds.start(actorOf(req), req.params.id),
  );

  r.post(
    '/api/gamedays/:id/halt',
    {
      schema: {
        tags,
        summary: 'Halt a running drill: the reason goes on both timelines, pending injects are skipped, rollback runs',
        params: IdParams,
        body: Type.Object({
          reason: Type.Object({
            kind: Type.Optional(lit(HALT_KINDS)),
            detail: Type.String({ maxLength: 2000 }),
          }),
        }),
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) =>
      gds.halt(actorOf(req), req.params.id, { kind: req.body.reason.kind ?? 'abort', detail: req.body.reason.detail }),
  );

  r.post(
    '/api/gamedays/:id/end',
    {
      schema: {
        tags,
        summary: 'End the game day (running or halted): the drill incident is resolved, pending injects skipped',
        params: IdParams,
        body: Type.Optional(Type.Object({ hypothesisOutcome: Type.Optional(lit(HYPOTHESIS_OUTCOMES)) })),
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => gds.end(actorOf(req), req.params.id, { hypothesisOutcome: req.body?.hypothesisOutcome }),
  );

  r.post(
    '/api/gamedays/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a scheduled game day (a recurring one schedules the next)',
        params: IdParams,
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => gds.cancel(actorOf(req), req.params.id),
  );

  r.post(
    '/api/gamedays/:id/injects',
    {
      schema: {
        tags,
        summary: 'Add an inject: while running, posted at offsetSeconds after the start (now if none or past)',
        params: IdParams,
        body: Type.Object({
          body: Type.String({ minLength: 1, maxLength: MAX_INJECT_BODY }),
          offsetSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET_SECONDS })),
        }),
        response: withErrors({ 201: GamedaySchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(
        await gds.addInject(actorOf(req), req.params.id, {
          body: req.body.body,
          offsetSeconds: req.body.offsetSeconds,
        }),
      ),
  );

  r.put(
    '/api/gamedays/:id/actions/:actionId',
    {
      schema: {
        tags,
        summary: 'Mark an expected action done, missed or pending again (with the time and who marked it)',
        params: Type.Object({ id: Id, actionId: Id }),
        body: Type.Object({ outcome: lit(ACTION_OUTCOMES) }),
        response: withErrors({ 200: GamedaySchema }),
      },
    },
    async (req) => gds.markAction(actorOf(req), req.params.id, req.params.actionId, req.body.outcome),
  );

  r.post(
    '/api/gamedays/:id/debrief',
    {
      schema: {
        tags,
        summary: "Start the debrief: the drill incident's post-mortem with the Game day debrief template (idempotent)",
        params: IdParams,
        response: withErrors({ 200: DebriefSchema, 201: DebriefSchema }),
      },
    },
    async (req, reply) => {
      const r0 = await gds.debrief(actorOf(req), req.params.id);
      return reply.status(r0.created ? 201 : 200).send(r0);
    },
  );

  r.get(
    '/api/gamedays/:id/measures',
    {
      schema: {
        tags,
        summary:
          "How the people responded: times to acknowledge, severity, roles, recent changes, mitigation; the team's " +
          'earlier drills and its real incidents of the same severity',
        params: IdParams,
        response: withErrors({ 200: MeasuresSchema }),
      },
    },
    async (req) => gds.measure(actorOf(req), req.params.id),
  );
}
