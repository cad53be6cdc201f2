import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Alert, AlertDetail, AlertEvent, AlertGroup } from '../../alerts/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const StatusFilter = Type.Union(
  ['triggered', 'acknowledged', 'resolved', 'open'].map((s) => Type.Literal(s)),
  {
    description: 'open = triggered or acknowledged',
  },
);
const SeveritySchema = Type.Union(['critical', 'error', 'warning', 'info'].map((s) => Type.Literal(s)));
/** A string of a closed set, for answers: an enum in the document (typed clients), a plain string to serialise. */
const OneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

const ContextLinkSchema = Type.Object({
  kind: Type.String({ description: 'runbook, dashboard, deploys, panel, link, image, source or silence' }),
  title: Type.String(),
  url: Type.String(),
});

const AlertSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  groupId: Type.String(),
  integrationKeyId: Nullable(Type.String()),
  source: Type.String(),
  dedupKey: Type.String(),
  status: OneOf(['triggered', 'acknowledged', 'resolved'] as const),
  severity: OneOf(['critical', 'error', 'warning', 'info'] as const),
  summary: Type.String(),
  description: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  annotations: Type.Record(Type.String(), Type.String()),
  context: Type.Array(ContextLinkSchema, { description: 'Links, actionable first (runbook, dashboard, deploys)' }),
  isPaging: Type.Boolean(),
  hasRunbook: Type.Boolean(),
  isMissingRunbook: Type.Boolean({ description: 'A paging alert without a runbook link' }),
  sourceStartsAt: NullableTimestamp,
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  occurrenceCount: Type.Integer(),
  acknowledgedAt: NullableTimestamp,
  acknowledgedByUserId: Nullable(Type.String()),
  acknowledgedByLabel: Nullable(Type.String()),
  resolvedAt: NullableTimestamp,
  resolvedByUserId: Nullable(Type.String()),
  resolvedByLabel: Nullable(Type.String()),
  classification: Type.Union([OneOf(['actionable', 'not_actionable', 'false_positive'] as const), Type.Null()]),
  classificationNote: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  ruleKey: Type.String({ description: 'alertname, else PagerDuty class, else the alert name: alert-quality rule' }),
  isFlapping: Type.Boolean({
    description: 'Its key opened 3+ times in 30 minutes when it triggered (the second re-fire)',
  }),
  suppressedReason: Type.Union(
    [Type.Literal('silenced'), Type.Literal('maintenance'), Type.Literal('flapping'), Type.Null()],
    {
      description: 'Recorded but not paging, and why',
    },
  ),
  suppressedById: Nullable(Type.String({ description: 'The silence or maintenance window' })),
  suppressedUntil: NullableTimestamp,
  pagedAt: Type.Union([Timestamp, Type.Null()], { description: 'When paging started; null while held' }),
  snoozedUntil: Type.Union([Timestamp, Type.Null()], {
    description: 'An acknowledged alert snoozed until then: it pages again at that time unless resolved',
  }),
  isDrill: Type.Boolean({ description: 'Fired through a game-day drill key: pages drill participants only' }),
});

const AlertEventSchema = Type.Object({
  id: Type.String(),
  alertId: Type.String(),
  at: Timestamp,
  kind: Type.String({
    description:
      'triggered, re_sent, re_fired, acknowledged, resolved, classified, silenced, in_maintenance, flap_damped, flapping, paging_started, joined_page',
  }),
  actorUserId: Nullable(Type.String()),
  actorLabel: Type.String(),
  payloadId: Nullable(Type.String({ description: 'The raw intake payload that caused it' })),
  details: Type.Record(Type.String(), Type.Unknown()),
});

const AlertGroupSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  groupKey: Type.String(),
  title: Type.String(),
  status: Type.String(),
  alertCount: Type.Integer(),
  openCount: Type.Integer(),
  firstAlertAt: Timestamp,
  lastAlertAt: Timestamp,
  resolvedAt: NullableTimestamp,
  isFlapping: Type.Boolean(),
});

const AlertDetailSchema = Type.Composite([
  AlertSchema,
  Type.Object({ events: Type.Array(AlertEventSchema), group: Type.Union([AlertGroupSchema, Type.Null()]) }),
]);

export const presentAlert = (a: Alert) => ({
  ...a,
  sourceStartsAt: toIsoOrNull(a.sourceStartsAt),
  firstSeenAt: toIso(a.firstSeenAt),
  lastSeenAt: toIso(a.lastSeenAt),
  acknowledgedAt: toIsoOrNull(a.acknowledgedAt),
  resolvedAt: toIsoOrNull(a.resolvedAt),
  createdAt: toIso(a.createdAt),
  updatedAt: toIso(a.updatedAt),
  suppressedUntil: toIsoOrNull(a.suppressedUntil),
  pagedAt: toIsoOrNull(a.pagedAt),
  snoozedUntil: toIsoOrNull(a.snoozedUntil),
  isDrill: a.isDrill ?? false,
});

const presentEvent = (e: AlertEvent) => ({ ...e, at: toIso(e.at) });
const presentGroup = (g: AlertGroup) => ({
  ...g,
  firstAlertAt: toIso(g.firstAlertAt),
  lastAlertAt: toIso(g.lastAlertAt),
  resolvedAt: toIsoOrNull(g.resolvedAt),
});

export const presentAlertDetail = (a: AlertDetail) => {
  const { events, group, ...alert } = a;
  return { ...presentAlert(alert), events: events.map(presentEvent), group: group ? presentGroup(group) : null };
};

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
/** The judgement is optional: a POST without a body acknowledges or resolves with none. */
const emptyBodyIsNone = async (req: FastifyRequest): Promise<void> => {
  req.body ??= {};
};
const ClassificationSchema = Type.Union(['actionable', 'not_actionable', 'false_positive'].map((c) => Type.Literal(c)));
const Judgement = {
  classification: Type.Optional(ClassificationSchema),
  note: Type.Optional(Type.String({ maxLength: 4000 })),
};
/** Acknowledge and resolve act on every alert of the alert's page (paging groups) unless asked for this one alone. */
const Scope = {
  onlyThisAlert: Type.Optional(
    Type.Boolean({
      description:
        'Act on this alert alone; by default every alert of its page (its escalation run: docs/alerts.md) is acted on',
    }),
  ),
};

export function registerAlertRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['alerts'];

  r.get(
    '/api/alerts',
    {
      schema: {
        tags,
        summary: 'List alerts, newest first',
        querystring: Type.Object({
          status: Type.Optional(StatusFilter),
          service: Type.Optional(Type.String({ maxLength: 100, description: 'Service id or slug' })),
          severity: Type.Optional(SeveritySchema),
          group: Type.Optional(Type.String({ maxLength: 100, description: 'Alert group id' })),
          q: Type.Optional(Type.String({ maxLength: 200, description: 'Matches summary or dedup key' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          cursor: Type.Optional(
            Type.String({ maxLength: 300, description: "The previous page's next: the alerts after it" }),
          ),
          before: Type.Optional(
            Type.String({
              maxLength: 100,
              deprecated: true,
              description: 'Alerts older than this alert id (the older form of cursor)',
            }),
          ),
        }),
        response: withErrors({
          200: Type.Object({
            alerts: Type.Array(AlertSchema),
            next: Type.Union([Type.String(), Type.Null()], {
              description: 'Pass as cursor for the next page; null on the last page',
            }),
            nextBefore: Type.Union([Type.String(), Type.Null()], {
              deprecated: true,
              description: 'The last alert id when there is a next page (the older form of next)',
            }),
          }),
        }),
      },
    },
    async (req) => {
      const { status, service, severity, group, q, before, cursor } = req.query;
      const page = await services.alerts.list(actorOf(req), {
        status,
        service,
        severity,
        groupId: group,
        q,
        cursor,
        before,
        limit: req.query.limit ?? 100,
      });
      return {
        alerts: page.alerts.map(presentAlert),
        next: page.next,
        nextBefore: page.next ? page.alerts[page.alerts.length - 1]!.id : null,
      };
    },
  );

  r.get(
    '/api/alerts/:id',
    {
      schema: {
        tags,
        summary: 'An alert with its context links, group and history',
        params: IdParams,
        response: withErrors({ 200: AlertDetailSchema }),
      },
    },
    async (req) => presentAlertDetail(await services.alerts.get(actorOf(req), req.params.id)),
  );

  r.get(
    '/api/alerts/:id/payloads/:payloadId',
    {
      schema: {
        tags,
        summary: 'What exactly arrived: the stored body behind one of the alert’s history entries (its payloadId)',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), payloadId: Type.String({ maxLength: 100 }) }),
        response: withErrors({
          200: Type.Object({
            id: Type.String(),
            source: Type.String(),
            receivedAt: Type.String({ format: 'date-time' }),
            body: Type.Unknown({ description: 'As received; integration keys are kept by prefix only' }),
          }),
        }),
      },
    },
    async (req) => {
      const p = await services.alerts.payload(actorOf(req), req.params.id, req.params.payloadId);
      return { ...p, receivedAt: toIso(p.receivedAt) };
    },
  );

  r.post(
    '/api/alerts/:id/acknowledge',
    {
      preValidation: emptyBodyIsNone,
      schema: {
        tags,
        summary: 'Acknowledge: someone is on it, optionally judging the page (responders of the owning team)',
        params: IdParams,
        body: Type.Optional(Type.Object({ ...Judgement, ...Scope })),
        response: withErrors({ 200: AlertDetailSchema }),
      },
    },
    async (req) => presentAlertDetail(await services.alerts.acknowledge(actorOf(req), req.params.id, req.body ?? {})),
  );

  r.post(
    '/api/alerts/:id/classification',
    {
      schema: {
        tags,
        summary: 'Judge a page after the fact: actionable, not_actionable or false_positive (responders)',
        params: IdParams,
        body: Type.Object({ ...Judgement, classification: ClassificationSchema }),
        response: withErrors({ 200: AlertDetailSchema }),
      },
    },
    async (req) => presentAlertDetail(await services.alerts.classify(actorOf(req), req.params.id, req.body)),
  );

  r.post(
    '/api/alerts/:id/resolve',
    {
      preValidation: emptyBodyIsNone,
      schema: {
        tags,
        summary: 'Resolve, optionally judging the alert for alert-quality reports (responders of the owning team)',
        params: IdParams,
        body: Type.Optional(Type.Object({ ...Judgement, ...Scope })),
        response: withErrors({ 200: AlertDetailSchema }),
      },
    },
    async (req) => presentAlertDetail(await services.alerts.resolve(actorOf(req), req.params.id, req.body ?? {})),
  );
}
