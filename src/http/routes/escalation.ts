import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  commanderScheduleId,
  escalationFor,
  setCommanderScheduleId,
  type EscalationPolicy,
} from '../../escalation/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { actorOf } from '../auth.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const Target = Type.Union([
  Type.Object({ type: Type.Literal('user'), id: Type.String({ minLength: 1, maxLength: 100 }) }),
  Type.Object({ type: Type.Literal('schedule'), id: Type.String({ minLength: 1, maxLength: 100 }) }),
]);
const Condition = Type.Union([
  Type.Object({ kind: Type.Literal('always') }),
  Type.Object({ kind: Type.Literal('working_hours') }),
  Type.Object({ kind: Type.Literal('outside_working_hours') }),
  Type.Object({
    kind: Type.Literal('days_of_week'),
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { maxItems: 7 }),
  }),
]);
const Level = Type.Object({
  delayMinutes: Type.Integer({ description: 'Minutes before the next level when nobody acknowledges' }),
  targets: Type.Array(Target, { maxItems: 50 }),
  condition: Type.Optional(Condition),
});
const WorkingHours = Type.Object({
  timezone: Type.String({ description: 'IANA time zone, e.g. Europe/London', maxLength: 64 }),
  days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { description: 'ISO weekdays, 1 = Monday', maxItems: 7 }),
  start: Type.String({ description: 'HH:MM', maxLength: 5 }),
  end: Type.String({ description: 'HH:MM', maxLength: 5 }),
});
const PolicySchema = Type.Object({
  id: Type.String(),
  teamId: Type.String(),
  name: Type.String(),
  description: Type.String(),
  repeat: Type.Integer(),
  levels: Type.Array(Level),
  workingHours: WorkingHours,
  ackTimeoutMinutes: Type.Union([Type.Integer(), Type.Null()]),
  shared: Type.Boolean({ description: "Other teams may attach it to their services (set by its team's admins)" }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const Body = Type.Object({
  name: Type.String({ maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  repeat: Type.Optional(Type.Integer({ description: 'Extra passes through the levels, 0 to 9' })),
  levels: Type.Array(Level, { maxItems: 20 }),
  workingHours: WorkingHours,
  // Null first: with type coercion on, a null tried against the integer branch first would become 0.
  ackTimeoutMinutes: Type.Optional(
    Type.Union([Type.Null(), Type.Integer()], {
      description:
        'Re-page from level 1 when an acknowledged alert is not resolved within this many minutes (5 to 10080)',
    }),
  ),
  shared: Type.Optional(
    Type.Boolean({
      description: "Let other teams attach this policy to their services (default false: this team's only)",
    }),
  ),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

const present = (p: EscalationPolicy) => ({ ...p, createdAt: toIso(p.createdAt), updatedAt: toIso(p.updatedAt) });

export function registerEscalationRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['escalation'];

  r.get(
    '/api/escalation-policies',
    {
      schema: {
        tags,
        summary: 'Escalation policies',
        querystring: Type.Object({ teamId: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: withErrors({ 200: Type.Object({ policies: Type.Array(PolicySchema) }) }),
      },
    },
    async (req) => ({
      policies: (await services.escalationPolicies.list(req.query.teamId ? { teamId: req.query.teamId } : {})).map(
        present,
      ),
    }),
  );

  r.post(
    '/api/escalation-policies',
    {
      schema: {
        tags,
        summary: 'Create an escalation policy for a team (team admins)',
        body: Type.Composite([Body, Type.Object({ teamId: Type.String({ maxLength: 100 }) })]),
        response: withErrors({ 201: PolicySchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(present(await services.escalationPolicies.create(actorOf(req), req.body))),
  );

  r.get(
    '/api/escalation-policies/:id',
    {
      schema: { tags, summary: 'One escalation policy', params: IdParams, response: withErrors({ 200: PolicySchema }) },
    },
    async (req) => present(await services.escalationPolicies.get(req.params.id)),
  );

  r.patch(
    '/api/escalation-policies/:id',
    {
      schema: {
        tags,
        summary: 'Change a policy; pages already in flight keep the snapshot they started with',
        params: IdParams,
        body: Type.Partial(Body),
        response: withErrors({ 200: PolicySchema }),
      },
    },
    async (req) => present(await services.escalationPolicies.update(actorOf(req), req.params.id, req.body)),
  );

  r.delete(
    '/api/escalation-policies/:id',
    {
      schema: {
        tags,
        summary: 'Delete a policy no service uses',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await services.escalationPolicies.remove(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/alerts/:id/escalation',
    {
      schema: {
        tags,
        summary: 'How an alert is being paged: the run (policy snapshot, position, status) and every step taken',
        params: IdParams,
        response: withErrors({
          200: Type.Object({
            run: Type.Object({
              id: Type.String(),
              alertId: Type.String({ description: 'The lead alert of the run' }),
              serviceId: Type.Union([Type.String(), Type.Null()]),
              pagingKey: Type.Union([Type.String(), Type.Null()], {
                description: 'The paging group the run pages for; null: it takes no other alert',
              }),
              generation: Type.Integer({ description: 'Bumped on each reassignment or re-page' }),
              policyId: Type.String(),
              status: Type.String(),
              urgency: Type.String(),
              levelIndex: Type.Integer(),
              pass: Type.Integer(),
              nextStepAt: Type.Union([Timestamp, Type.Null()]),
              startedAt: Timestamp,
              updatedAt: Timestamp,
              snapshot: Type.Unknown(),
            }),
            log: Type.Array(
              Type.Object({
                at: Timestamp,
                kind: Type.String(),
                levelIndex: Type.Union([Type.Integer(), Type.Null()]),
                pass: Type.Union([Type.Integer(), Type.Null()]),
                userIds: Type.Array(Type.String()),
                reason: Type.String(),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const view = await escalationFor(services.db.kysely, req.params.id);
      if (!view) {
        throw new AppError('escalation_not_found', `Alert ${req.params.id} has no escalation run (not paged).`, {
          status: 404,
        });
      }
      const { run } = view;
      return {
        run: {
          ...run,
          nextStepAt: toIsoOrNull(run.nextStepAt),
          startedAt: toIso(run.startedAt),
          updatedAt: toIso(run.updatedAt),
        },
        log: view.log.map((l) => ({ ...l, at: toIso(l.at) })),
      };
    },
  );
  const CommanderSetting = Type.Object({
    scheduleId: Type.Union([Type.Null(), Type.String({ maxLength: 100 })], {
      description: 'The on-call schedule paged when an incident lacks an Incident Commander; null: page nobody',
    }),
  });
  r.get(
    '/api/settings/incident-commander-schedule',
    {
      schema: {
        tags,
        summary: 'The Incident Commander rotation paged by the severity rules (P1 at once, P2 after 30 minutes)',
        response: withErrors({ 200: CommanderSetting }),
      },
    },
    async () => ({ scheduleId: await commanderScheduleId(services.db.kysely) }),
  );
  r.put(
    '/api/settings/incident-commander-schedule',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Set the Incident Commander rotation (administrators)',
        body: CommanderSetting,
        response: withErrors({ 200: CommanderSetting }),
      },
    },
    async (req) => {
      await setCommanderScheduleId(services.db, actorOf(req), req.body.scheduleId, services.clock.now());
      return { scheduleId: req.body.scheduleId };
    },
  );
}
