/**
 * The incident's bridge call and "add responders" over HTTP (issue 22, items 1 and 2; docs/incidents.md):
 * a team's bridge setting, the incident's bridge (set in the room, joined from it), and responder requests — page an
 * escalation policy, schedule or person for the incident, and the paged person's answer.
 */
import { Type, type TLiteral, type TUnion } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  BRIDGE_MODES,
  incidentKeyOf,
  setTeamBridge,
  teamBridge,
  type IncidentBridge,
  type TeamBridge,
} from '../../incidents/index.js';
import { RESPONDER_TARGET_TYPES, type ResponderRequest } from '../../escalation/responders.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';

/** A union of string literals that keeps its literal types (a mapped array alone widens to never). */
const oneOf = <T extends string>(xs: readonly T[]) =>
  Type.Union(xs.map((x) => Type.Literal(x))) as unknown as TUnion<[TLiteral<T>]>;
const RESPONDER_STATES = ['paged', 'escalated', 'acknowledged', 'declined', 'exhausted', 'cancelled'] as const;

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const TeamParams = Type.Object({ team: Type.String({ minLength: 1, maxLength: 100 }) });
const RequestParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  requestId: Type.String({ minLength: 1, maxLength: 100 }),
});

const TeamBridgeSchema = Type.Object({
  teamId: Type.String(),
  mode: oneOf(BRIDGE_MODES),
  url: Type.String(),
  dialIn: Type.String(),
  updatedBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
});
const IncidentBridgeSchema = Type.Object({
  url: Type.String(),
  dialIn: Type.String(),
  source: Type.Union([Type.Literal('team'), Type.Literal('room')]),
  teamId: Type.Union([Type.String(), Type.Null()]),
  /** The key a template names the incident by. */
  incidentKey: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
});
const ResponderRequestSchema = Type.Object({
  id: Type.String(),
  incidentId: Type.String(),
  target: Type.Object({
    type: oneOf(RESPONDER_TARGET_TYPES),
    id: Type.String(),
    name: Type.String(),
  }),
  message: Type.String(),
  state: oneOf(RESPONDER_STATES),
  paged: Type.Array(Type.Object({ userId: Type.String(), name: Type.String(), hasDeclined: Type.Boolean() })),
  requestedBy: Type.Object({ userId: Type.Union([Type.String(), Type.Null()]), label: Type.String() }),
  respondedBy: Type.Object({
    userId: Type.Union([Type.String(), Type.Null()]),
    label: Type.Union([Type.String(), Type.Null()]),
    at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
  nextStepAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const presentTeamBridge = (b: TeamBridge) => ({
  teamId: b.teamId,
  mode: b.mode,
  url: b.url,
  dialIn: b.dialIn,
  updatedBy: b.updatedByLabel,
  updatedAt: toIso(b.updatedAt),
});
const presentBridge = (b: IncidentBridge) => ({
  url: b.url,
  dialIn: b.dialIn,
  source: b.source,
  teamId: b.teamId,
  incidentKey: incidentKeyOf(b.incidentId),
  updatedAt: toIso(b.updatedAt),
});
const presentRequest = (r: ResponderRequest) => ({
  ...r,
  respondedBy: { ...r.respondedBy, at: toIsoOrNull(r.respondedBy.at) },
  nextStepAt: toIsoOrNull(r.nextStepAt),
  createdAt: toIso(r.createdAt),
  updatedAt: toIso(r.updatedAt),
});

export function registerIncidentBridgeRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['incidents'];
  const inc = services.incidents;

  // ---- a team's bridge setting ----------------------------------------------------------------------------------
  r.get(
    '/api/teams/:team/bridge',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags: ['teams'],
        summary: "The team's bridge call for its incidents (null: none)",
        params: TeamParams,
        response: withErrors({ 200: Type.Object({ bridge: Type.Union([TeamBridgeSchema, Type.Null()]) }) }),
      },
    },
    async (req) => {
      const team = await services.teams.get(actorOf(req), req.params.team);
      const b = await teamBridge(services.db.kysely, team.id);
      return { bridge: b ? presentTeamBridge(b) : null };
    },
  );

  r.put(
    '/api/teams/:team/bridge',
    {
      config: { access: 'admin@team' },
      schema: {
        tags: ['teams'],
        summary: "Set the team's bridge call: a fixed URL and dial-in, or a URL template",
        description:
          'A template may use {incident_key} (a short unguessable key of the incident), {incident_id} and {team} (the ' +
          "team's slug). The URL is a link shown to people; Muster never fetches it. Send null to remove it.",
        params: TeamParams,
        body: Type.Union([
          Type.Object({
            mode: oneOf(BRIDGE_MODES),
            url: Type.String({ maxLength: 2000 }),
            dialIn: Type.Optional(Type.String({ maxLength: 1000 })),
          }),
          Type.Null(),
        ]),
        response: withErrors({ 200: Type.Object({ bridge: Type.Union([TeamBridgeSchema, Type.Null()]) }) }),
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const team = await services.teams.get(actor, req.params.team);
      const b = await setTeamBridge(services.db, actor, team.id, req.body, services.clock.now());
      return { bridge: b ? presentTeamBridge(b) : null };
    },
  );

  // ---- the incident's bridge ------------------------------------------------------------------------------------
  r.get(
    '/api/incidents/:id/bridge',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "The incident's bridge call (null: none)",
        params: IdParams,
        response: withErrors({ 200: Type.Object({ bridge: Type.Union([IncidentBridgeSchema, Type.Null()]) }) }),
      },
    },
    async (req) => {
      const b = await inc.bridge(req.params.id);
      return { bridge: b ? presentBridge(b) : null };
    },
  );

  r.put(
    '/api/incidents/:id/bridge',
    {
      config: { access: 'incident-actor' },
      schema: {
        tags,
        summary: "Set the incident's bridge call (a link shown to people), or remove it with null",
        params: IdParams,
        body: Type.Union([
          Type.Object({
            url: Type.String({ maxLength: 2000 }),
            dialIn: Type.Optional(Type.String({ maxLength: 1000 })),
          }),
          Type.Null(),
        ]),
        response: withErrors({ 200: Type.Object({ bridge: Type.Union([IncidentBridgeSchema, Type.Null()]) }) }),
      },
    },
    async (req) => {
      const b = await inc.setBridge(actorOf(req), req.params.id, req.body);
      return { bridge: b ? presentBridge(b) : null };
    },
  );

  r.post(
    '/api/incidents/:id/bridge/join',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Record joining the bridge call (ticks "open the incident channel")',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ isFirstJoin: Type.Boolean() }) }),
      },
    },
    async (req) => ({ isFirstJoin: await inc.joinBridge(actorOf(req), req.params.id) }),
  );

  // ---- add responders -------------------------------------------------------------------------------------------
  r.get(
    '/api/incidents/:id/responder-requests',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Responders asked for from the room, and their answers',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ requests: Type.Array(ResponderRequestSchema) }) }),
      },
    },
    async (req) => ({ requests: (await services.responders.list(req.params.id)).map(presentRequest) }),
  );

  r.post(
    '/api/incidents/:id/responder-requests',
    {
      config: { access: 'incident-actor' },
      schema: {
        tags,
        summary: 'Add responders: page escalation policies, schedules or people with a message',
        description:
          "Each target is paged through the same escalation as an alert's (a policy's levels and delays; a schedule's " +
          'on-call or a person re-paged twice, 5 minutes apart) with the incident, the message, the room and the bridge. ' +
          "A target's id may be its id, a policy's or schedule's name, or a person's email.",
        params: IdParams,
        body: Type.Object({
          message: Type.Optional(Type.String({ maxLength: 1000 })),
          targets: Type.Array(
            Type.Object({
              type: oneOf(RESPONDER_TARGET_TYPES),
              id: Type.String({ minLength: 1, maxLength: 200 }),
            }),
            { minItems: 1, maxItems: 10 },
          ),
        }),
        response: withErrors({ 201: Type.Object({ requests: Type.Array(ResponderRequestSchema) }) }),
      },
    },
    async (req, reply) => {
      const requests = await services.responders.request(actorOf(req), req.params.id, req.body);
      return reply.code(201).send({ requests: requests.map(presentRequest) });
    },
  );

  for (const answer of ['acknowledge', 'decline'] as const) {
    r.post(
      `/api/incidents/:id/responder-requests/:requestId/${answer}`,
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary:
            answer === 'acknowledge'
              ? 'The paged person acknowledges: they are coming to help'
              : "The paged person can't help (a policy moves on to its next level once everyone paged has said so)",
          params: RequestParams,
          body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }),
          response: withErrors({ 200: Type.Object({ request: ResponderRequestSchema }) }),
        },
      },
      async (req) => ({
        request: presentRequest(
          await services.responders.answer(actorOf(req), req.params.id, req.params.requestId, answer, req.body.note),
        ),
      }),
    );
  }
}
