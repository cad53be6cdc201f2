/**
 * Automation rules (docs/runbooks.md, "Automation rules"): list and read (anyone signed in), create (an admin of the
 * rule's team: the service checks the team in the body), change, enable/disable and delete (`admin@automation-rule`),
 * and each rule's firings.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  ACTIONS,
  MATCHER_OPS,
  MILESTONES,
  RULE_SEVERITIES,
  TRIGGERS,
  describeRule,
  type FiringView,
  type RuleView,
} from '../../automation/index.js';
import { MAX_LIST, MAX_MESSAGE, MAX_NAME, OUTCOMES } from '../../automation/model.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { OneOf } from './remediation-schemas.js';

const tags = ['automation'];
const Id = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Id });
const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

const Conditions = Type.Object({
  severities: Type.Optional(Type.Array(lit(RULE_SEVERITIES), { maxItems: 8 })),
  serviceIds: Type.Optional(Type.Array(Id, { maxItems: MAX_LIST })),
  alertnames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: MAX_LIST })),
  matchers: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 200 }),
        op: lit(MATCHER_OPS),
        value: Type.String({ maxLength: 1000 }),
      }),
      { maxItems: MAX_LIST },
    ),
  ),
  milestone: Type.Optional(lit(MILESTONES)),
  includeDrills: Type.Optional(Type.Boolean()),
});

const ActionConfig = Type.Object({
  runbookId: Type.Optional(Id),
  actionId: Type.Optional(Id),
  userId: Type.Optional(Id),
  scheduleId: Type.Optional(Id),
  escalationPolicyId: Type.Optional(Id),
  message: Type.Optional(Type.String({ maxLength: MAX_MESSAGE })),
});

const Fields = {
  name: Type.String({ minLength: 1, maxLength: MAX_NAME }),
  enabled: Type.Optional(Type.Boolean()),
  trigger: lit(TRIGGERS),
  conditions: Type.Optional(Conditions),
  action: lit(ACTIONS),
  actionConfig: Type.Optional(ActionConfig),
};
const CreateBody = Type.Object({ teamId: Id, ...Fields });
const PatchBody = Type.Object({
  name: Type.Optional(Fields.name),
  enabled: Fields.enabled,
  trigger: Type.Optional(Fields.trigger),
  conditions: Fields.conditions,
  action: Type.Optional(Fields.action),
  actionConfig: Fields.actionConfig,
});

const Str = Type.String();
const NullableStr = Type.Union([Str, Type.Null()]);

/** A rule as answered: conditions and action config as stored (a list left out means any). */
const RuleSchema = Type.Object({
  id: Str,
  teamId: Str,
  name: Str,
  enabled: Type.Boolean(),
  trigger: OneOf(TRIGGERS),
  conditions: Type.Object({
    severities: Type.Optional(Type.Array(Str, { description: 'Alert severities or incident severities (P1–P4)' })),
    serviceIds: Type.Optional(Type.Array(Str)),
    alertnames: Type.Optional(Type.Array(Str)),
    matchers: Type.Optional(Type.Array(Type.Object({ name: Str, op: OneOf(MATCHER_OPS), value: Str }))),
    milestone: Type.Optional(OneOf(MILESTONES, 'milestone_reached: which milestone')),
    includeDrills: Type.Optional(Type.Boolean({ description: 'Fire for game-day drills too' })),
  }),
  action: OneOf(ACTIONS),
  actionConfig: Type.Object(
    {
      runbookId: Type.Optional(Str),
      actionId: Type.Optional(Str),
      userId: Type.Optional(Str),
      scheduleId: Type.Optional(Str),
      escalationPolicyId: Type.Optional(Str),
      message: Type.Optional(Str),
    },
    { description: 'What the action needs: the runbook, the remediation action, whom to page, the update text' },
  ),
  description: Type.String({ description: 'The rule in words ("When an alert triggers … suggest …")' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastFiredAt: NullableTimestamp,
  firingCount: Type.Integer(),
});

const FiringSchema = Type.Object({
  id: Str,
  ruleId: Str,
  subjectId: Type.String({ description: 'The alert or incident it fired for' }),
  incidentId: NullableStr,
  incidentTitle: NullableStr,
  alertId: NullableStr,
  alertTitle: Type.Union([Str, Type.Null()], { description: "The alert's summary" }),
  outcome: OneOf(OUTCOMES),
  detail: Type.String({ description: 'What it did, or why it was skipped or failed' }),
  runId: Type.Union([Str, Type.Null()], { description: 'The remediation run it started' }),
  firedAt: Timestamp,
});

/** The conditions as given, each field named (never the body spread into the service). */
const conditionsOf = (c: Static<typeof Conditions> | undefined) =>
  c && {
    ...(c.severities ? { severities: c.severities } : {}),
    ...(c.serviceIds ? { serviceIds: c.serviceIds } : {}),
    ...(c.alertnames ? { alertnames: c.alertnames } : {}),
    ...(c.matchers ? { matchers: c.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })) } : {}),
    ...(c.milestone ? { milestone: c.milestone } : {}),
    ...(c.includeDrills !== undefined ? { includeDrills: c.includeDrills } : {}),
  };
const actionConfigOf = (a: Static<typeof ActionConfig> | undefined) =>
  a && {
    ...(a.runbookId ? { runbookId: a.runbookId } : {}),
    ...(a.actionId ? { actionId: a.actionId } : {}),
    ...(a.userId ? { userId: a.userId } : {}),
    ...(a.scheduleId ? { scheduleId: a.scheduleId } : {}),
    ...(a.escalationPolicyId ? { escalationPolicyId: a.escalationPolicyId } : {}),
    ...(a.message !== undefined ? { message: a.message } : {}),
  };

export const presentRule = (r: RuleView) => ({
  id: r.id,
  teamId: r.teamId,
  name: r.name,
  enabled: r.enabled,
  trigger: r.trigger,
  conditions: r.conditions,
  action: r.action,
  actionConfig: r.actionConfig,
  description: describeRule(r),
  createdAt: toIso(r.createdAt),
  updatedAt: toIso(r.updatedAt),
  lastFiredAt: toIsoOrNull(r.lastFiredAt),
  firingCount: r.firingCount,
});

export const presentFiring = (f: FiringView) => ({
  id: f.id,
  ruleId: f.ruleId,
  subjectId: f.subjectId,
  incidentId: f.incidentId,
  incidentTitle: f.incidentTitle,
  alertId: f.alertId,
  alertTitle: f.alertTitle,
  outcome: f.outcome,
  detail: f.detail,
  runId: f.runId,
  firedAt: toIso(f.firedAt),
});

export function registerAutomationRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const auto = services.automation;

  r.get(
    '/api/automation-rules',
    {
      schema: {
        tags,
        summary: "Automation rules (with ?teamId, that team's)",
        querystring: Type.Object({ teamId: Type.Optional(Id) }),
        response: withErrors({ 200: Type.Object({ items: Type.Array(RuleSchema) }) }),
      },
    },
    async (req) => ({ items: (await auto.list({ teamId: req.query.teamId })).map(presentRule) }),
  );

  r.post(
    '/api/automation-rules',
    {
      schema: {
        tags,
        summary: 'Create an automation rule (an admin of its team)',
        body: CreateBody,
        response: withErrors({ 201: RuleSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const rule = await auto.create(actorOf(req), {
        teamId: b.teamId,
        name: b.name,
        enabled: b.enabled,
        trigger: b.trigger,
        conditions: conditionsOf(b.conditions),
        action: b.action,
        actionConfig: actionConfigOf(b.actionConfig),
      });
      return reply.status(201).send(presentRule(rule));
    },
  );

  r.get(
    '/api/automation-rules/:id',
    { schema: { tags, summary: 'An automation rule', params: IdParams, response: withErrors({ 200: RuleSchema }) } },
    async (req) => presentRule(await auto.get(req.params.id)),
  );

  r.patch(
    '/api/automation-rules/:id',
    {
      schema: {
        tags,
        summary: 'Change an automation rule, or enable or disable it (an admin of its team)',
        params: IdParams,
        body: PatchBody,
        response: withErrors({ 200: RuleSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      return presentRule(
        await auto.update(actorOf(req), req.params.id, {
          name: b.name,
          enabled: b.enabled,
          trigger: b.trigger,
          conditions: conditionsOf(b.conditions),
          action: b.action,
          actionConfig: actionConfigOf(b.actionConfig),
        }),
      );
    },
  );

  r.delete(
    '/api/automation-rules/:id',
    {
      schema: {
        tags,
        summary: 'Delete an automation rule and its firings (an admin of its team)',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await auto.remove(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/automation-rules/:id/firings',
    {
      schema: {
        tags,
        summary: 'When the rule fired, for which incident or alert, and what it did (newest first)',
        params: IdParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          before: Type.Optional(Id),
        }),
        response: withErrors({ 200: Type.Object({ items: Type.Array(FiringSchema) }) }),
      },
    },
    async (req) => ({
      items: (await auto.firings(req.params.id, { limit: req.query.limit ?? 100, before: req.query.before })).map(
        presentFiring,
      ),
    }),
  );
}
