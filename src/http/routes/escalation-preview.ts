/**
 * `GET /api/services/:service/escalation-preview`: who would be paged at each level for an alert on this service at a
 * given instant and urgency (src/escalation/preview.ts, through the planner running escalations use). Members of the
 * service's team and organisation administrators may ask: it names who is on call and when.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { EscalationPreviewService, type EscalationPreview, type PreviewStep } from '../../escalation/preview.js';
import { toIso } from '../../shared/clock.js';
import { validationError } from '../../shared/errors.js';
import { actorOf } from '../auth.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const PreviewQuery = Type.Object(
  {
    at: Type.Optional(Type.String({ format: 'date-time', description: 'RFC 3339 instant of the alert; default now' })),
    urgency: Type.Optional(
      Type.Union([Type.Literal('high'), Type.Literal('low')], { description: 'Default high (critical and error)' }),
    ),
  },
  { additionalProperties: false },
);
const QUERY_FIELDS = new Set(Object.keys(PreviewQuery.properties));

/**
 * Unknown query parameters are refused (400 naming each), not dropped as the validator would: a misspelt `urgncy=low`
 * must not answer for high urgency.
 */
function unknownQueryFields(url: string): string[] {
  const search = new URL(url, 'http://x').searchParams;
  return [...new Set(search.keys())].filter((k) => !QUERY_FIELDS.has(k));
}

const Condition = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('always'),
      Type.Literal('working_hours'),
      Type.Literal('outside_working_hours'),
      Type.Literal('days_of_week'),
    ]),
    days: Type.Optional(Type.Array(Type.Integer())),
  },
  { additionalProperties: false },
);

const Target = Type.Object({
  type: Type.Union([Type.Literal('user'), Type.Literal('schedule')]),
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  userIds: Type.Array(Type.String(), { description: "Who it comes to at the step's instant" }),
});

const LevelStepFields = {
  at: Timestamp,
  level: Type.Integer({ description: '1-based level number' }),
  pass: Type.Integer({ description: '0: the first pass; 1: the first repeat; …' }),
  delayMinutes: Type.Integer(),
  condition: Condition,
  conditionHolds: Type.Boolean(),
  targets: Type.Array(Target),
};

const Step = Type.Union([
  Type.Object({
    kind: Type.Literal('hold'),
    at: Timestamp,
    until: Timestamp,
    reason: Type.Literal('low_urgency_outside_working_hours'),
  }),
  Type.Object({
    kind: Type.Literal('skipped'),
    reason: Type.Union([Type.Literal('condition_not_met'), Type.Literal('nobody_on_call')]),
    ...LevelStepFields,
  }),
  Type.Object({
    kind: Type.Literal('page'),
    userIds: Type.Array(Type.String()),
    nextAt: Type.Union([Timestamp, Type.Null()]),
    ...LevelStepFields,
  }),
]);

const PreviewSchema = Type.Object({
  service: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String(), teamId: Type.String() }),
  at: Timestamp,
  urgency: Type.Union([Type.Literal('high'), Type.Literal('low')]),
  policy: Type.Union([
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      repeat: Type.Integer(),
      ackTimeoutMinutes: Type.Union([Type.Integer(), Type.Null()]),
      workingHours: Type.Object({
        timezone: Type.String(),
        days: Type.Array(Type.Integer()),
        start: Type.String(),
        end: Type.String(),
      }),
      levels: Type.Array(
        Type.Object({
          delayMinutes: Type.Integer(),
          condition: Condition,
          targets: Type.Array(Type.Object({ type: Type.String(), id: Type.String() })),
        }),
      ),
    }),
    Type.Null(),
  ]),
  steps: Type.Array(Step),
  end: Type.Object({
    kind: Type.Union([
      Type.Literal('last_level_paged'),
      Type.Literal('exhausted'),
      Type.Literal('no_policy'),
      Type.Literal('truncated'),
    ]),
    at: Timestamp,
  }),
  people: Type.Record(Type.String(), Type.Object({ name: Type.String(), email: Type.String() })),
});

function presentStep(s: PreviewStep) {
  if (s.kind === 'hold') return { kind: s.kind, at: toIso(s.at), until: toIso(s.until), reason: s.reason };
  const level = {
    at: toIso(s.at),
    level: s.levelIndex + 1,
    pass: s.pass,
    delayMinutes: s.delayMinutes,
    condition: s.condition,
    conditionHolds: s.conditionHolds,
    targets: s.targets,
  };
  return s.kind === 'page'
    ? { kind: s.kind, ...level, userIds: s.userIds, nextAt: s.nextAt === null ? null : toIso(s.nextAt) }
    : { kind: s.kind, ...level, reason: s.reason };
}

function present(p: EscalationPreview) {
  return {
    service: p.service,
    at: toIso(p.at),
    urgency: p.urgency,
    policy: p.policy,
    steps: p.steps.map(presentStep),
    end: { kind: p.end.kind, at: toIso(p.end.at) },
    people: p.people,
  };
}

export function registerEscalationPreviewRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const previews = new EscalationPreviewService({ db: services.db, catalog: services.catalog });
  r.get(
    '/api/services/:service/escalation-preview',
    {
      config: { access: 'viewer@service' },
      schema: {
        tags: ['escalation'],
        summary: 'Who would be paged at each level for an alert on this service at a time and urgency',
        description:
          "Walks the service's escalation policy as a run would, through the same step planner: schedules resolved " +
          "to who is on call at each level's own time, level conditions on the policy's working hours, and for low " +
          'urgency the hold until working hours. Nothing is paged.',
        params: Type.Object({ service: Type.String({ minLength: 1, maxLength: 100 }) }),
        querystring: PreviewQuery,
        response: withErrors({ 200: PreviewSchema }),
      },
    },
    async (req) => {
      const unknown = unknownQueryFields(req.url);
      if (unknown.length) {
        throw validationError(
          unknown.map((k) => ({ field: `query.${k}`, message: 'is not a parameter of this route (at, urgency)' })),
        );
      }
      const at = req.query.at === undefined ? services.clock.now() : Date.parse(req.query.at);
      if (!Number.isFinite(at))
        throw validationError([{ field: 'query.at', message: 'must be an RFC 3339 date-time' }]);
      return present(await previews.preview(actorOf(req), req.params.service, at, req.query.urgency ?? 'high'));
    },
  );
}
