/**
 * Action items (issue 11, docs/postmortems.md "Action items" and "Trackers"): the board with keyset pagination on
 * (dueAt, id), create and update with the rules in src/actions, the tracker issue, and each team's tracker
 * connections (GitHub Issues, GitLab, Jira Cloud; the token is never returned).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { parseDue, type ActionItem, type TrackerConnection } from '../../actions/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { validationError } from '../../shared/errors.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const Named = Type.Object({ id: Type.String(), name: Type.String() });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Str = Type.String();

const ActionItemSchema = Type.Object({
  id: Str,
  postmortemId: Nullable(Str),
  incidentId: Nullable(Str),
  incident: Type.Union([Type.Object({ id: Str, title: Str, severity: Str }), Type.Null()]),
  title: Str,
  description: Str,
  owner: Named,
  team: Named,
  dueAt: Timestamp,
  priority: Type.String({ description: 'high, medium or low' }),
  kind: Type.String({ description: 'mitigate, prevent, detect, process or runbook ("Update the runbook")' }),
  runbookId: Nullable(Str),
  status: Type.String({ description: 'open, in_progress, done, wont_do or verified' }),
  statusReason: Nullable(Str),
  verification: Nullable(Str),
  verificationAlertRule: Nullable(Str),
  sourceSection: Nullable(Str),
  sourceWhyId: Nullable(Str),
  tracker: Type.Union([Type.Object({ provider: Str, key: Nullable(Str), url: Str }), Type.Null()]),
  trackerIssue: Type.Union([
    Type.Object(
      { status: Type.String({ description: 'pending or failed' }), error: Nullable(Str) },
      { description: 'Creating the issue in the team tracker: pending, or failed with the provider’s answer.' },
    ),
    Type.Null(),
  ]),
  isOverdue: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  doneAt: NullableTimestamp,
  verifiedAt: NullableTimestamp,
});

const TrackerConnectionSchema = Type.Object({
  teamId: Str,
  provider: Str,
  baseUrl: Str,
  project: Str,
  issueType: Nullable(Str),
  username: Nullable(Str),
  allowPrivateAddress: Type.Boolean(),
  hasToken: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const present = (a: ActionItem) => ({
  ...a,
  dueAt: toIso(a.dueAt),
  createdAt: toIso(a.createdAt),
  updatedAt: toIso(a.updatedAt),
  doneAt: toIsoOrNull(a.doneAt),
  verifiedAt: toIsoOrNull(a.verifiedAt),
});

const presentConnection = (c: TrackerConnection) => ({
  ...c,
  createdAt: toIso(c.createdAt),
  updatedAt: toIso(c.updatedAt),
});

const Due = Type.String({
  maxLength: 40,
  description: 'An RFC 3339 instant, or a day (YYYY-MM-DD: due at 17:00 UTC). Default from the priority.',
});
const idLimits = { minLength: 1, maxLength: 100 };
const Id = Type.String(idLimits);
const Text = (max: number) => Type.String({ maxLength: max });

function dueOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDue(text);
  if (ms === null)
    throw validationError([{ field: 'dueAt', message: 'must be a date (YYYY-MM-DD) or an RFC 3339 time' }]);
  return ms;
}

export function registerActionItemRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['action items'];
  const items = services.actionItems;

  r.get(
    '/api/action-items',
    {
      schema: {
        tags,
        summary: 'The action-items board: by due date, then id (keyset pagination with nextCursor)',
        querystring: Type.Object({
          owner: Type.Optional(Type.String({ maxLength: 100, description: '"me" or a user id' })),
          teamId: Type.Optional(Id),
          status: Type.Optional(Type.String({ maxLength: 100, description: 'One status, or several comma-separated' })),
          overdue: Type.Optional(Type.Boolean({ description: 'Past due and still open or in progress' })),
          postmortemId: Type.Optional(Id),
          incidentId: Type.Optional(Id),
          cursor: Type.Optional(Type.String({ maxLength: 300 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        }),
        response: withErrors({
          200: Type.Object({ items: Type.Array(ActionItemSchema), nextCursor: Nullable(Str) }),
        }),
      },
    },
    async (req) => {
      const page = await items.list(actorOf(req), req.query);
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/action-items/:id',
    {
      schema: {
        tags,
        summary: 'One action item',
        params: Type.Object({ id: Id }),
        response: withErrors({ 200: ActionItemSchema }),
      },
    },
    async (req) => present(await items.get(req.params.id)),
  );

  r.post(
    '/api/action-items',
    {
      schema: {
        tags,
        summary:
          'Add an action item to a post-mortem or an incident (an owner is required; the due date defaults from the priority)',
        body: Type.Object({
          postmortemId: Type.Optional(Id),
          incidentId: Type.Optional(Id),
          title: Type.String({ minLength: 1, maxLength: 300 }),
          description: Type.Optional(Text(20_000)),
          ownerUserId: Type.Optional(Type.String({ maxLength: 320, description: 'Required: a user id (or email)' })),
          teamId: Type.Optional(Id),
          dueAt: Type.Optional(Due),
          priority: Type.Optional(
            Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')], { default: 'medium' }),
          ),
          kind: Type.Optional(
            Type.Union(
              [
                Type.Literal('mitigate'),
                Type.Literal('prevent'),
                Type.Literal('detect'),
                Type.Literal('process'),
                Type.Literal('runbook'),
              ],
              { default: 'prevent' },
            ),
          ),
          runbookId: Type.Optional(
            Type.String({ ...idLimits, description: 'Kind runbook: the runbook (of the same team) it marks reviewed' }),
          ),
          sourceSection: Type.Optional(Text(100)),
          sourceWhyId: Type.Optional(Text(100)),
          trackerUrl: Type.Optional(Text(2000)),
          createTrackerIssue: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 201: ActionItemSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const created = await items.create(actorOf(req), {
        postmortemId: b.postmortemId,
        incidentId: b.incidentId,
        title: b.title,
        description: b.description,
        ownerUserId: b.ownerUserId,
        teamId: b.teamId,
        dueAt: dueOf(b.dueAt),
        priority: b.priority,
        kind: b.kind,
        runbookId: b.runbookId,
        sourceSection: b.sourceSection,
        sourceWhyId: b.sourceWhyId,
        trackerUrl: b.trackerUrl,
        createTrackerIssue: b.createTrackerIssue,
      });
      return reply.status(201).send(present(created));
    },
  );

  r.patch(
    '/api/action-items/:id',
    {
      schema: {
        tags,
        summary:
          "Change an action item: won't do needs statusReason; verified needs verification; reopening clears done",
        params: Type.Object({ id: Id }),
        body: Type.Object({
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
          description: Type.Optional(Text(20_000)),
          ownerUserId: Type.Optional(Type.String({ maxLength: 320 })),
          teamId: Type.Optional(Id),
          dueAt: Type.Optional(Due),
          priority: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')])),
          kind: Type.Optional(
            Type.Union([
              Type.Literal('mitigate'),
              Type.Literal('prevent'),
              Type.Literal('detect'),
              Type.Literal('process'),
              Type.Literal('runbook'),
            ]),
          ),
          runbookId: Type.Optional(Type.Union([Type.String(idLimits), Type.Null()])),
          status: Type.Optional(
            Type.Union([
              Type.Literal('open'),
              Type.Literal('in_progress'),
              Type.Literal('done'),
              Type.Literal('wont_do'),
              Type.Literal('verified'),
            ]),
          ),
          statusReason: Type.Optional(Type.Union([Text(2000), Type.Null()])),
          verification: Type.Optional(
            Type.Union([Text(4000), Type.Null()], { description: 'Evidence that the fix works: a link or a note' }),
          ),
          verificationAlertRule: Type.Optional(
            Type.Union([Text(500), Type.Null()], {
              description: 'The alert rule (or fingerprint) that should stop firing',
            }),
          ),
          trackerUrl: Type.Optional(Type.Union([Text(2000), Type.Null()])),
        }),
        response: withErrors({ 200: ActionItemSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      const updated = await items.update(actorOf(req), req.params.id, {
        title: b.title,
        description: b.description,
        ownerUserId: b.ownerUserId,
        teamId: b.teamId,
        dueAt: dueOf(b.dueAt),
        priority: b.priority,
        kind: b.kind,
        runbookId: b.runbookId,
        status: b.status,
        statusReason: b.statusReason,
        verification: b.verification,
        verificationAlertRule: b.verificationAlertRule,
        trackerUrl: b.trackerUrl,
      });
      return present(updated);
    },
  );

  r.post(
    '/api/action-items/:id/tracker',
    {
      schema: {
        tags,
        summary: "Create the item's issue in its team's tracker (GitHub, GitLab or Jira), as a job: see trackerIssue",
        params: Type.Object({ id: Id }),
        body: Type.Optional(
          Type.Object({
            provider: Type.Optional(
              Type.String({ maxLength: 20, description: 'github, gitlab or jira; default the team’s one' }),
            ),
          }),
        ),
        response: withErrors({ 202: ActionItemSchema }),
      },
    },
    async (req, reply) => {
      const item = await items.requestTrackerIssue(actorOf(req), req.params.id, req.body?.provider);
      return reply.status(202).send(present(item));
    },
  );

  const trackerParams = Type.Object({
    team: Type.String({ minLength: 1, maxLength: 100 }),
    provider: Type.String({ maxLength: 20 }),
  });

  r.get(
    '/api/teams/:team/trackers/:provider',
    {
      schema: {
        tags,
        summary: "The team's tracker connection (the token is never shown)",
        params: trackerParams,
        response: withErrors({ 200: TrackerConnectionSchema }),
      },
    },
    async (req) => {
      const team = await services.teams.get(actorOf(req), req.params.team);
      return presentConnection(await items.trackers.get(team.id, req.params.provider));
    },
  );

  r.put(
    '/api/teams/:team/trackers/:provider',
    {
      schema: {
        tags,
        summary: 'Connect (or change) the team’s GitHub, GitLab or Jira tracker; the token is stored sealed',
        params: trackerParams,
        body: Type.Object({
          baseUrl: Type.Optional(
            Type.String({
              maxLength: 500,
              description:
                'GitHub: default https://api.github.com; GitLab: default https://gitlab.com, or your self-managed GitLab; Jira: your site',
            }),
          ),
          project: Type.String({
            minLength: 1,
            maxLength: 200,
            description: 'GitHub owner/repo, the GitLab project path (group/project), or the Jira project key',
          }),
          issueType: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
          username: Type.Optional(
            Type.Union([Type.String({ maxLength: 320 }), Type.Null()], {
              description: "Jira: the token's account email",
            }),
          ),
          token: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Required the first time' })),
          allowPrivateAddress: Type.Optional(Type.Boolean({ description: 'Organisation administrators only' })),
        }),
        response: withErrors({ 200: TrackerConnectionSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      const saved = await items.trackers.put(actorOf(req), req.params.team, req.params.provider, {
        baseUrl: b.baseUrl,
        project: b.project,
        issueType: b.issueType,
        username: b.username,
        token: b.token,
        allowPrivateAddress: b.allowPrivateAddress,
      });
      return presentConnection(saved);
    },
  );

  r.delete(
    '/api/teams/:team/trackers/:provider',
    {
      schema: {
        tags,
        summary: "Disconnect the team's tracker (issues already created stay linked)",
        params: trackerParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await items.trackers.remove(actorOf(req), req.params.team, req.params.provider);
      return reply.status(204).send(null);
    },
  );
}
