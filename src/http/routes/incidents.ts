import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import {
  ASSESSMENT_QUESTIONS,
  SEVERITY_DEFINITIONS,
  proposeSeverity,
  type IncidentRole,
} from '../../incidents/index.js';
import { actorOf } from '../auth.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import {
  AssessmentSchema,
  DetailSchema,
  IncidentSchema,
  SeveritySchema,
  StatusSchema,
  presentChange,
  presentDetail,
  presentIncident,
} from './incident-present.js';
import { WarningSchema, registerIncidentRoomRoutes } from './incident-room.js';

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const RoleParam = Type.Union(
  ['commander', 'technical_lead', 'communications_lead', 'ic', 'tl', 'cl'].map((r) => Type.Literal(r)),
  { description: 'commander (ic), technical_lead (tl), communications_lead (cl)' },
);
const ROLE_ALIASES: Record<string, IncidentRole> = { ic: 'commander', tl: 'technical_lead', cl: 'communications_lead' };
const roleOf = (r: string): IncidentRole => ROLE_ALIASES[r] ?? (r as IncidentRole);
const MilestoneParam = Type.Union(
  ['impactStartedAt', 'detectedAt', 'acknowledgedAt', 'mitigatedAt', 'resolvedAt'].map((m) => Type.Literal(m)),
);
const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const AssignedSchema = Type.Object({ ...DetailSchema.properties, warnings: Type.Array(WarningSchema) });

const tags = ['incidents'];

/** What a severity demands (src/incidents/severity.ts `SeverityPolicy`); administrators change it. */
const SeverityPolicySchema = Type.Object({
  severity: SeveritySchema,
  requireDistinctRoles: Type.Boolean({ description: 'All three roles held by three different people' }),
  commanderDeadlineMinutes: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Page and record when no Incident Commander is assigned this long after the declaration (0: at once)',
  }),
  updateReminderMinutes: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Remind the Communications Lead to post a status update this often while unresolved',
  }),
  pagesOutOfHours: Type.Boolean({ description: 'Pages people outside business hours' }),
});

const SeverityDefinition = Type.Object({ title: Type.String(), meaning: Type.Array(Type.String()) });

const SeveritiesSchema = Type.Object({
  definitions: Type.Object(
    { P1: SeverityDefinition, P2: SeverityDefinition, P3: SeverityDefinition, P4: SeverityDefinition },
    { description: 'Each severity by customer impact, in the words the UI shows' },
  ),
  questions: Type.Object(Object.fromEntries(Object.keys(ASSESSMENT_QUESTIONS).map((k) => [k, Type.String()])), {
    description: 'The questionnaire: each answer of an assessment, by its field, with its question',
  }),
  policies: Type.Array(SeverityPolicySchema, { description: 'P1 to P4' }),
});

const ProposedSeveritySchema = Type.Object({
  severity: SeveritySchema,
  reasons: Type.Array(Type.String(), { description: 'One line per answer that decided it' }),
});

const IncidentMetricsSchema = Type.Object({
  since: Timestamp,
  until: Timestamp,
  count: Type.Integer({ description: 'Incidents declared in the window' }),
  mttdSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Mean time to detect; null: none to count' }),
  mttaSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Mean time to acknowledge' }),
  mttrSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Mean time to resolve' }),
  checklist: Type.Array(
    Type.Object({
      step: Type.String({ description: 'A first-five-minutes checklist step' }),
      doneCount: Type.Integer(),
      meanSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Mean time from the declaration' }),
    }),
  ),
});

const RankedChangeSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  summary: Type.String(),
  source: Type.String(),
  at: Timestamp,
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'The change event as its source sent it' }),
  links: Type.Unknown({ description: 'The links the source sent with it' }),
  kind: Type.Unsafe<string>({ type: 'string', enum: ['deploy', 'config', 'infra', 'other'] }),
  relation: Type.Unsafe<string>({
    type: 'string',
    enum: ['affected_service', 'dependency'],
    description: 'It changed an affected service, or one it depends on',
  }),
  distance: Type.Integer({ description: 'Hops from an affected service: 0 for the service itself' }),
  score: Type.Number({ description: 'The rank: higher is more likely the cause' }),
  reasons: Type.Array(Type.String()),
});

const RecentChangesSchema = Type.Object({
  windowMinutes: Type.Integer(),
  referenceAt: Type.String({
    format: 'date-time',
    description: 'The start of impact (else the detection, else the declaration)',
  }),
  from: Timestamp,
  to: Timestamp,
  suspectedChangeId: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Array(RankedChangeSchema, { description: 'Most relevant first' }),
});

export function registerIncidentRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const inc = services.incidents;
  registerSeverityRoutes(r, inc);
  registerIncidentCoreRoutes(r, inc, services.postmortems, services.gamedays);
  registerCommandRoutes(r, inc);
  registerChangeRoutes(r, inc);
  registerIncidentRoomRoutes(app, services);
}

type Router = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
type Incidents = Services['incidents'];

/** Severity definitions, the questionnaire, policies and metrics. */
function registerSeverityRoutes(r: Router, inc: Incidents): void {
  r.get(
    '/api/incidents/severities',
    {
      schema: {
        tags,
        summary: 'Severity definitions (customer impact), the questionnaire, and the policies',
        response: withErrors({ 200: SeveritiesSchema }),
      },
    },
    async () => ({
      definitions: SEVERITY_DEFINITIONS,
      questions: ASSESSMENT_QUESTIONS,
      policies: await inc.policies(),
    }),
  );

  r.post(
    '/api/incidents/assess',
    {
      schema: {
        tags,
        summary: 'Propose a severity from the questionnaire (changes nothing)',
        body: Type.Object({ assessment: AssessmentSchema }),
        response: withErrors({ 200: ProposedSeveritySchema }),
      },
    },
    async (req) => proposeSeverity(req.body.assessment),
  );

  r.put(
    '/api/incidents/policies/:severity',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Change what a severity demands: distinct roles, IC deadline, update reminders, out-of-hours paging',
        params: Type.Object({ severity: SeveritySchema }),
        body: Type.Object({
          requireDistinctRoles: Type.Optional(Type.Boolean()),
          commanderDeadlineMinutes: Type.Optional(
            Type.Union([Type.Integer({ minimum: 1, maximum: 10080 }), Type.Null()]),
          ),
          updateReminderMinutes: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10080 }), Type.Null()])),
          pagesOutOfHours: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: SeverityPolicySchema }),
      },
    },
    async (req) => inc.setPolicy(actorOf(req), req.params.severity, req.body),
  );

  r.get(
    '/api/incidents/metrics',
    {
      schema: {
        tags,
        summary: 'MTTD, MTTA, MTTR and time to each first-five-minutes step over incidents declared in a window',
        querystring: Type.Object({
          since: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 30 days ago' })),
          until: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
          severity: Type.Optional(SeveritySchema),
        }),
        response: withErrors({ 200: IncidentMetricsSchema }),
      },
    },
    async (req) => {
      const m = await inc.metrics({
        since: ms(req.query.since),
        until: ms(req.query.until),
        severity: req.query.severity,
      });
      const sec = (v: number | null): number | null => (v === null ? null : Math.round(v / 1000));
      return {
        since: new Date(m.since).toISOString(),
        until: new Date(m.until).toISOString(),
        count: m.count,
        mttdSeconds: sec(m.mttdMs),
        mttaSeconds: sec(m.mttaMs),
        mttrSeconds: sec(m.mttrMs),
        checklist: m.checklist.map((c) => ({
          step: c.step,
          doneCount: c.doneCount,
          meanSeconds: sec(c.meanElapsedMs),
        })),
      };
    },
  );
}

/** Declare, list, read, edit. */
function registerIncidentCoreRoutes(
  r: Router,
  inc: Incidents,
  pms: Services['postmortems'],
  gds: Services['gamedays'],
): void {
  r.post(
    '/api/incidents',
    {
      schema: {
        tags,
        summary: 'Declare an incident',
        body: Type.Object({
          title: Type.String({ minLength: 1, maxLength: 300 }),
          summary: Type.Optional(Type.String({ maxLength: 10000 })),
          severity: SeveritySchema,
          assessment: Type.Optional(AssessmentSchema),
          serviceIds: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
          alertIds: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 200 })),
          impactStartedAt: Type.Optional(Type.String({ format: 'date-time' })),
          kind: Type.Optional(
            Type.Union([Type.Literal('real'), Type.Literal('drill'), Type.Literal('imported')], {
              description: 'real (default), drill or imported: insights leave drills and imports out unless asked',
            }),
          ),
        }),
        response: withErrors({ 201: DetailSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const d = await inc.declare(actorOf(req), {
        ...b,
        severity: b.severity,
        impactStartedAt: ms(b.impactStartedAt),
      });
      return reply.status(201).send(presentDetail(d));
    },
  );

  r.get(
    '/api/incidents',
    {
      schema: {
        tags,
        summary: 'List incidents, newest first',
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all'), StatusSchema])),
          severity: Type.Optional(SeveritySchema),
          serviceId: Type.Optional(Type.String({ maxLength: 100 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          cursor: Type.Optional(
            Type.String({ maxLength: 300, description: "The previous page's next: the incidents after it" }),
          ),
          before: Type.Optional(
            Type.String({
              maxLength: 100,
              deprecated: true,
              description: 'Incidents declared before this incident id (the older form of cursor)',
            }),
          ),
        }),
        response: withErrors({
          200: Type.Object({
            incidents: Type.Array(IncidentSchema),
            next: Type.Union([Type.String(), Type.Null()], {
              description: 'Pass as cursor for the next page; null on the last page',
            }),
          }),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const page = await inc.list({
        status: q.status,
        severity: q.severity,
        serviceId: q.serviceId,
        cursor: q.cursor,
        before: q.before,
        limit: q.limit ?? 100,
      });
      const pm = await pms.forIncidents(page.incidents);
      return {
        incidents: page.incidents.map((i) => ({ ...presentIncident(i), ...pm.get(i.id) })),
        next: page.next,
      };
    },
  );

  r.get(
    '/api/incidents/:id',
    {
      schema: {
        tags,
        summary: 'An incident with roles, checklist, tasks, warnings and metrics',
        params: IdParams,
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) => {
      const d = await inc.get(req.params.id);
      const pm = await pms.forIncidents([d.incident]);
      // A drill incident is a game day's drill room: the room shows a DRILL banner linking to it.
      const gameday = d.incident.kind === 'drill' ? await gds.forIncident(d.incident.id) : null;
      return { ...presentDetail(d), ...pm.get(d.incident.id), gameday };
    },
  );

  r.patch(
    '/api/incidents/:id',
    {
      schema: {
        tags,
        summary: 'Change the title or summary',
        params: IdParams,
        body: Type.Object({
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
          summary: Type.Optional(Type.String({ maxLength: 10000 })),
        }),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) => presentDetail(await inc.update(actorOf(req), req.params.id, req.body)),
  );
}

/** Severity, status, milestones, acknowledgement, roles, alerts. */
function registerCommandRoutes(r: Router, inc: Incidents): void {
  r.post(
    '/api/incidents/:id/severity',
    {
      schema: {
        tags,
        summary: 'Change (or confirm) the severity, with a reason; an assessment is kept with it',
        params: IdParams,
        body: Type.Object({
          severity: SeveritySchema,
          reason: Type.String({ minLength: 1, maxLength: 2000 }),
          assessment: Type.Optional(AssessmentSchema),
        }),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) =>
      presentDetail(
        await inc.setSeverity(actorOf(req), req.params.id, {
          ...req.body,
          severity: req.body.severity,
        }),
      ),
  );

  r.post(
    '/api/incidents/:id/status',
    {
      schema: {
        tags,
        summary: 'Move the status (investigating → identified → monitoring → resolved); from resolved it reopens',
        params: IdParams,
        body: Type.Object({ status: StatusSchema, message: Type.Optional(Type.String({ maxLength: 5000 })) }),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) =>
      presentDetail(
        await inc.setStatus(actorOf(req), req.params.id, {
          status: req.body.status,
          message: req.body.message,
        }),
      ),
  );

  r.put(
    '/api/incidents/:id/milestones/:milestone',
    {
      schema: {
        tags,
        summary: 'Correct a milestone (null clears it), with a reason',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), milestone: MilestoneParam }),
        body: Type.Object({
          at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          reason: Type.String({ minLength: 1, maxLength: 2000 }),
        }),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) =>
      presentDetail(
        await inc.setMilestone(actorOf(req), req.params.id, {
          milestone: req.params.milestone,
          at: req.body.at === null ? null : Date.parse(req.body.at),
          reason: req.body.reason,
        }),
      ),
  );

  r.post(
    '/api/incidents/:id/acknowledge',
    {
      schema: {
        tags,
        summary: 'Acknowledge the incident',
        params: IdParams,
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) => presentDetail(await inc.acknowledge(actorOf(req), req.params.id)),
  );

  r.put(
    '/api/incidents/:id/roles/:role',
    {
      schema: {
        tags,
        summary:
          'Assign a role; where the severity policy requires distinct roles, a second role for one person is refused ' +
          '(409 roles_not_distinct) unless overrideReason is given. Warnings: the policy, and double_booked',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), role: RoleParam }),
        body: Type.Object({
          userId: Type.String({ minLength: 1, maxLength: 100 }),
          overrideReason: Type.Optional(
            Type.String({
              maxLength: 2000,
              description: 'Why one person holds two roles where the policy requires three people (on the timeline)',
            }),
          ),
        }),
        response: withErrors({ 200: AssignedSchema }),
      },
    },
    async (req) =>
      presentDetail(
        await inc.assignRole(actorOf(req), req.params.id, roleOf(req.params.role), req.body.userId, {
          overrideReason: req.body.overrideReason,
        }),
      ),
  );

  r.delete(
    '/api/incidents/:id/roles/:role',
    {
      schema: {
        tags,
        summary: 'End the current assignment of a role',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), role: RoleParam }),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) => presentDetail(await inc.unassignRole(actorOf(req), req.params.id, roleOf(req.params.role))),
  );

  r.post(
    '/api/incidents/:id/services',
    {
      schema: {
        tags,
        summary: 'Mark a service affected (id or slug)',
        params: IdParams,
        body: Type.Object({ serviceId: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) => presentDetail(await inc.addService(actorOf(req), req.params.id, req.body.serviceId)),
  );

  r.delete(
    '/api/incidents/:id/services/:serviceId',
    {
      schema: {
        tags,
        summary: 'Unmark an affected service',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), serviceId: Type.String({ maxLength: 100 }) }),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) => presentDetail(await inc.removeService(actorOf(req), req.params.id, req.params.serviceId)),
  );

  r.post(
    '/api/incidents/:id/alerts',
    {
      schema: {
        tags,
        summary: 'Link an alert (its service becomes affected)',
        params: IdParams,
        body: Type.Object({ alertId: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) => presentDetail(await inc.linkAlert(actorOf(req), req.params.id, req.body.alertId)),
  );
}

/** Recent changes and the suspected cause. */
function registerChangeRoutes(r: Router, inc: Incidents): void {
  r.get(
    '/api/incidents/:id/changes',
    {
      schema: {
        tags,
        summary: 'Recent changes of the affected services and their dependencies, most relevant first',
        params: IdParams,
        querystring: Type.Object({ windowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10080 })) }),
        response: withErrors({ 200: RecentChangesSchema }),
      },
    },
    async (req) => {
      const rc = await inc.recentChanges(actorOf(req), req.params.id, req.query.windowMinutes);
      return {
        windowMinutes: Math.round(rc.windowMs / 60000),
        referenceAt: new Date(rc.referenceAt).toISOString(),
        from: new Date(rc.from).toISOString(),
        to: new Date(rc.to).toISOString(),
        suspectedChangeId: rc.suspectedChangeId,
        changes: rc.changes.map(presentChange),
      };
    },
  );

  r.post(
    '/api/incidents/:id/changes/:changeId/suspect',
    {
      schema: {
        tags,
        summary: 'Mark a change as the suspected cause',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), changeId: Type.String({ maxLength: 100 }) }),
        body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) })),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) =>
      presentDetail(await inc.suspectChange(actorOf(req), req.params.id, req.params.changeId, req.body?.note)),
  );

  r.post(
    '/api/incidents/:id/changes/reviewed',
    {
      schema: {
        tags,
        summary: 'Record that recent changes were checked (nothing suspicious)',
        params: IdParams,
        body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) })),
        response: withErrors({ 200: DetailSchema }),
      },
    },
    async (req) => presentDetail(await inc.markChangesReviewed(actorOf(req), req.params.id, req.body?.note)),
  );
}
