/**
 * The people ledger over HTTP (issue 21; docs/people-health.md): engagements (double-booking), role-separation
 * overrides per team, the comp-time policy, ledger, time off and CSV, and the anonymous pulse. Access: reads of a
 * team's ledger and pulse `viewer@team`, its policy `admin@team`; time off `viewer@team` (the service checks the
 * person or a team admin); the pulse answer `signed-in` (the service finds the caller's invitation, 404 without).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { teamIdOf } from '../team-param.js';
import { RoleOverridesSchema } from './insights-schemas.js';
import {
  CompTimeLedgerSchema,
  CompTimePolicySchema,
  EngagementsSchema,
  MyOpenPulsesSchema,
  MyPulseSchema,
  PulseAnsweredSchema,
  TeamPulseSchema,
  TimeOffSchema,
  UserEngagementsSchema,
} from './people-schemas.js';

const tags = ['people'];
const Id = Type.String({ minLength: 1, maxLength: 100 });
const Window = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
});
const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const iso = (at: number): string => new Date(at).toISOString();
const Score = Type.Integer({ minimum: 1, maximum: 5 });
const PolicyBody = Type.Object({
  kind: Type.Optional(Type.Union(['none', 'hours_factor', 'weekend_fixed'].map((k) => Type.Literal(k)))),
  factor: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
  minimumHours: Type.Optional(Type.Number({ minimum: 0, maximum: 24 })),
  weekendHours: Type.Optional(Type.Number({ minimum: 0, maximum: 72 })),
});

const presentEngagement = (e: {
  incidentId: string;
  title: string;
  severity: string;
  status: string;
  roles: string[];
  paged: boolean;
  joined: boolean;
}) => ({
  incidentId: e.incidentId,
  title: e.title,
  severity: e.severity,
  status: e.status,
  roles: e.roles,
  paged: e.paged,
  joined: e.joined,
});

export function registerPeopleLedgerRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const ledger = services.peopleLedger;

  // ---- double-booking and role separation ------------------------------------------------------------------------

  r.get(
    '/api/users/:id/engagements',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'The open incidents a person is engaged in: holding a role, paged for one of its alerts, or joined',
        params: Type.Object({ id: Id }),
        response: withErrors({ 200: UserEngagementsSchema }),
      },
    },
    async (req) => ({
      userId: req.params.id,
      incidents: (await ledger.engagements(req.params.id)).map(presentEngagement),
    }),
  );

  r.get(
    '/api/engagements',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Everyone engaged in an open incident now (the room marks them double-booked)',
        response: withErrors({ 200: EngagementsSchema }),
      },
    },
    async () => ({
      people: (await ledger.engaged()).map((p) => ({
        userId: p.userId,
        incidents: p.incidents.map(presentEngagement),
      })),
    }),
  );

  r.get(
    '/api/insights/role-overrides',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['insights'],
        summary: 'Role-separation overrides (one person in two roles against the policy) per team, with their reasons',
        querystring: Type.Object({ teamId: Type.Optional(Id), ...Window.properties }),
        response: withErrors({ 200: RoleOverridesSchema }),
      },
    },
    async (req) => {
      const out = await ledger.roleOverrides({
        teamId: req.query.teamId,
        from: ms(req.query.from),
        to: ms(req.query.to),
      });
      return { ...out, from: iso(out.from), to: iso(out.to), events: out.events.map((e) => ({ ...e, at: iso(e.at) })) };
    },
  );

  // ---- comp time -------------------------------------------------------------------------------------------------

  r.get(
    '/api/teams/:team/comp-time-policy',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: "The team's comp-time policy",
        params: Type.Object({ team: Id }),
        response: withErrors({ 200: CompTimePolicySchema }),
      },
    },
    async (req) => ledger.policy(await teamIdOf(services, req.params.team)),
  );

  r.put(
    '/api/teams/:team/comp-time-policy',
    {
      config: { access: 'admin@team' },
      schema: {
        tags,
        summary:
          "Set the team's comp-time policy: none, hours_factor (hours responding outside working hours × factor, a " +
          'page at least minimumHours) or weekend_fixed (weekendHours per on-call weekend)',
        params: Type.Object({ team: Id }),
        body: PolicyBody,
        response: withErrors({ 200: CompTimePolicySchema }),
      },
    },
    async (req) =>
      ledger.setPolicy(actorOf(req), await teamIdOf(services, req.params.team), {
        kind: req.body.kind,
        factor: req.body.factor,
        minimumHours: req.body.minimumHours,
        weekendHours: req.body.weekendHours,
      }),
  );

  r.get(
    '/api/teams/:team/comp-time',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: 'The comp-time ledger: balances per person and the entries (default the last year)',
        params: Type.Object({ team: Id }),
        querystring: Window,
        response: withErrors({ 200: CompTimeLedgerSchema }),
      },
    },
    async (req) => {
      const l = await ledger.ledger(await teamIdOf(services, req.params.team), {
        from: ms(req.query.from),
        to: ms(req.query.to),
      });
      return {
        teamId: l.teamId,
        from: iso(l.from),
        to: iso(l.to),
        policy: l.policy,
        balances: l.balances,
        entries: l.entries.map((e) => ({
          id: e.id,
          userId: e.userId,
          name: e.name,
          kind: e.kind,
          hours: Math.round((e.minutes / 60) * 100) / 100,
          occurredAt: iso(e.occurredAt),
          incidentId: e.incidentId,
          note: e.note,
          createdBy: e.createdByLabel,
        })),
      };
    },
  );

  r.get(
    '/api/teams/:team/comp-time.csv',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: 'The comp-time ledger as CSV (RFC 4180)',
        params: Type.Object({ team: Id }),
        querystring: Window,
      },
    },
    async (req, reply) => {
      const csv = await ledger.csv(await teamIdOf(services, req.params.team), {
        from: ms(req.query.from),
        to: ms(req.query.to),
      });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="comp-time.csv"')
        .send(csv);
    },
  );

  r.post(
    '/api/teams/:team/comp-time',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: 'Record time off taken (the person themself or a team admin)',
        params: Type.Object({ team: Id }),
        body: Type.Object({
          userId: Id,
          hours: Type.Number({ exclusiveMinimum: 0, maximum: 200 }),
          takenOn: Type.String({ format: 'date' }),
          note: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: withErrors({ 201: TimeOffSchema }),
      },
    },
    async (req, reply) => {
      const e = await ledger.takeTimeOff(actorOf(req), await teamIdOf(services, req.params.team), {
        userId: req.body.userId,
        hours: req.body.hours,
        takenOn: req.body.takenOn,
        note: req.body.note,
      });
      return reply.code(201).send({
        id: e.id,
        userId: e.userId,
        name: e.name,
        kind: e.kind,
        hours: Math.round((e.minutes / 60) * 100) / 100,
        occurredAt: iso(e.occurredAt),
        note: e.note,
      });
    },
  );

  // ---- the pulse -------------------------------------------------------------------------------------------------

  r.get(
    '/api/incidents/:id/pulse',
    {
      config: { access: 'signed-in' },
      logLevel: 'silent', // who looked at their check-in, and when, is not logged either (see the answer)
      schema: {
        tags,
        summary: "The caller's check-in for this incident: invited, answered (never anyone's answers)",
        params: Type.Object({ id: Id }),
        response: withErrors({ 200: MyPulseSchema }),
      },
    },
    async (req) => ledger.myPulse(actorOf(req), req.params.id),
  );

  r.post(
    '/api/incidents/:id/pulse',
    {
      config: { access: 'signed-in' },
      // No request line, no error line: the incident id, the time and the caller's address in the log would tie a
      // team's only answer of a day to its person. The request is still counted (http_request_duration_seconds, by
      // route template and status); a failure is logged by app.ts without the path or the request id.
      logLevel: 'silent',
      schema: {
        tags,
        summary: 'Answer the anonymous check-in, once (stored without the person, the incident or the time of day)',
        params: Type.Object({ id: Id }),
        body: Type.Object({
          safe: Score,
          calm: Score,
          roleClear: Score,
          text: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: withErrors({ 200: PulseAnsweredSchema }),
      },
    },
    async (req) =>
      ledger.answerPulse(actorOf(req), req.params.id, {
        safe: req.body.safe,
        calm: req.body.calm,
        roleClear: req.body.roleClear,
        text: req.body.text,
      }),
  );

  r.get(
    '/api/me/pulse',
    {
      config: { access: 'signed-in' },
      logLevel: 'silent', // who looked at their check-in, and when, is not logged either (see the answer)
      schema: {
        tags,
        summary: "The caller's open check-ins (resolved incidents they responded to)",
        response: withErrors({ 200: MyOpenPulsesSchema }),
      },
    },
    async (req) => ({ invitations: await ledger.myOpenPulses(actorOf(req)) }),
  );

  r.get(
    '/api/teams/:team/pulse',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: 'The pulse per calendar quarter: figures only from 5 answers on, else { suppressed: true }',
        params: Type.Object({ team: Id }),
        querystring: Window,
        response: withErrors({ 200: TeamPulseSchema }),
      },
    },
    async (req) => {
      const s = await ledger.pulseSummary(await teamIdOf(services, req.params.team), {
        from: ms(req.query.from),
        to: ms(req.query.to),
      });
      return { ...s, quarters: s.quarters.map((q) => ({ ...q, from: iso(q.from), to: iso(q.to) })) };
    },
  );
}
