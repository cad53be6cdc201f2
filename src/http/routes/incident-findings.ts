/**
 * The room's typed entries (hypothesis, ruled out, finding, decision) and the incident's tracker ticket over HTTP
 * (issue 22, items 4 and 5; docs/incidents.md "Findings, not noise" and "Small incidents leave as tickets").
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { TicketView } from '../../actions/index.js';
import type { Entry } from '../../incidents/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const EntryTypeSchema = Type.Union([
  Type.Literal('hypothesis'),
  Type.Literal('ruled_out'),
  Type.Literal('finding'),
  Type.Literal('decision'),
]);
const Id = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Id });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const EvidenceUrl = Type.String({
  maxLength: 2000,
  description: 'An http(s) link to the evidence (a graph, a log search, a trace): shown as a link, never fetched',
});

export const EntrySchema = Type.Object({
  id: Type.String(),
  type: EntryTypeSchema,
  text: Type.String(),
  evidenceUrl: Type.Union([Type.String(), Type.Null()]),
  author: Type.Object({ userId: Type.Union([Type.String(), Type.Null()]), label: Type.String() }),
  owner: Type.Union([Type.Object({ userId: Type.String(), name: Type.String() }), Type.Null()]),
  taskId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([
    Type.Literal('open'),
    Type.Literal('ruled_out'),
    Type.Literal('confirmed'),
    Type.Literal('recorded'),
  ]),
  outcomeNote: Type.Union([Type.String(), Type.Null()]),
  closedBy: Type.Union([Type.String(), Type.Null()]),
  closedAt: NullableTimestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const presentEntry = (e: Entry) => ({
  id: e.id,
  type: e.type,
  text: e.text,
  evidenceUrl: e.evidenceUrl,
  author: { userId: e.authorUserId, label: e.authorLabel },
  owner: e.ownerUserId ? { userId: e.ownerUserId, name: e.ownerName ?? e.ownerUserId } : null,
  taskId: e.taskId,
  status: e.status,
  outcomeNote: e.outcomeNote,
  closedBy: e.closedByLabel,
  closedAt: toIsoOrNull(e.closedAt),
  createdAt: toIso(e.createdAt),
  updatedAt: toIso(e.updatedAt),
});

const ProviderSchema = Type.Union([Type.Literal('github'), Type.Literal('gitlab'), Type.Literal('jira')]);

export const TicketSchema = Type.Object({
  team: Type.Object({ id: Type.String(), name: Type.String() }),
  provider: ProviderSchema,
  status: Type.Union([Type.Literal('pending'), Type.Literal('created'), Type.Literal('failed')]),
  key: Type.Union([Type.String(), Type.Null()]),
  url: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union([Type.String(), Type.Null()]),
  isClosed: Type.Boolean(),
  stateCheckedAt: NullableTimestamp,
  error: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Timestamp,
});

const presentTicket = (t: TicketView) => ({
  team: { id: t.teamId, name: t.teamName },
  provider: t.provider,
  status: t.status,
  key: t.key,
  url: t.url,
  state: t.state,
  isClosed: t.isClosed,
  stateCheckedAt: toIsoOrNull(t.stateCheckedAt),
  error: t.error,
  createdBy: t.createdByLabel,
  createdAt: toIso(t.createdAt),
});

const TicketStateSchema = Type.Object({
  ticket: Type.Union([TicketSchema, Type.Null()]),
  offer: Type.Object({
    isOffered: Type.Boolean(),
    reason: Type.Union([Type.Literal('resolved'), Type.Literal('low_severity'), Type.Null()]),
    choices: Type.Array(
      Type.Object({ team: Type.Object({ id: Type.String(), name: Type.String() }), provider: ProviderSchema }),
    ),
  }),
});

export function registerIncidentFindingsRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['incidents'];
  const inc = services.incidents;
  const tickets = services.incidentTickets;

  r.get(
    '/api/incidents/:id/entries',
    {
      schema: {
        tags,
        summary:
          'The room’s typed entries, oldest first: hypotheses (with owner and outcome), ruled out, findings, decisions',
        params: IdParams,
        querystring: Type.Object({
          type: Type.Optional(EntryTypeSchema),
        }),
        response: withErrors({ 200: Type.Object({ entries: Type.Array(EntrySchema) }) }),
      },
    },
    async (req) => ({ entries: (await inc.listEntries(req.params.id, req.query.type)).map(presentEntry) }),
  );

  r.post(
    '/api/incidents/:id/entries',
    {
      schema: {
        tags,
        summary:
          'Post a typed entry: hypothesis (owner: ownerUserId or you; it becomes a task), ruled_out, finding, decision',
        params: IdParams,
        body: Type.Object({
          type: EntryTypeSchema,
          text: Type.String({ minLength: 1, maxLength: 5000 }),
          evidenceUrl: Type.Optional(Nullable(EvidenceUrl)),
          ownerUserId: Type.Optional(Nullable(Id)),
        }),
        response: withErrors({ 201: EntrySchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(presentEntry(await inc.addEntry(actorOf(req), req.params.id, req.body))),
  );

  r.patch(
    '/api/incidents/:id/entries/:entryId',
    {
      schema: {
        tags,
        summary:
          'Rule a hypothesis out or confirm it (a finding), or hand it to someone: its owner, the IC or the Technical Lead',
        params: Type.Object({ id: Id, entryId: Id }),
        body: Type.Object({
          outcome: Type.Optional(Type.Union([Type.Literal('ruled_out'), Type.Literal('confirmed')])),
          note: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
          evidenceUrl: Type.Optional(Nullable(EvidenceUrl)),
          ownerUserId: Type.Optional(Id),
        }),
        response: withErrors({ 200: EntrySchema }),
      },
    },
    async (req) => presentEntry(await inc.updateEntry(actorOf(req), req.params.id, req.params.entryId, req.body)),
  );

  r.get(
    '/api/incidents/:id/ticket',
    {
      schema: {
        tags,
        summary:
          'The incident’s ticket in its team’s tracker (null: none) and whether one is offered (resolved, or P3/P4)',
        params: IdParams,
        response: withErrors({ 200: TicketStateSchema }),
      },
    },
    async (req) => {
      const v = await tickets.view(req.params.id);
      return {
        ticket: v.ticket ? presentTicket(v.ticket) : null,
        offer: {
          isOffered: v.offer.isOffered,
          reason: v.offer.reason,
          choices: v.offer.choices.map((c) => ({ team: { id: c.teamId, name: c.teamName }, provider: c.provider })),
        },
      };
    },
  );

  r.post(
    '/api/incidents/:id/ticket',
    {
      schema: {
        tags,
        summary:
          'Create a ticket in the tracker of a team owning an affected service (a durable job; linked both ways)',
        params: IdParams,
        body: Type.Object({
          provider: Type.Optional(ProviderSchema),
          teamId: Type.Optional(Id),
        }),
        response: withErrors({ 202: TicketSchema }),
      },
    },
    async (req, reply) =>
      reply.status(202).send(presentTicket(await tickets.create(actorOf(req), req.params.id, req.body ?? {}))),
  );

  r.post(
    '/api/incidents/:id/ticket/refresh',
    {
      schema: {
        tags,
        summary: 'Check the ticket’s state in the tracker now (a durable job)',
        params: IdParams,
        response: withErrors({ 202: TicketSchema }),
      },
    },
    async (req, reply) => reply.status(202).send(presentTicket(await tickets.refresh(actorOf(req), req.params.id))),
  );
}
