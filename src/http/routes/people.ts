/**
 * People health (issue 21; docs/people-health.md): the hero signal, knowledge held by one person, load and recovery,
 * the service health card and its team ranking, and each team's settings. Reads: anyone signed in; the settings:
 * admins of the team; the one-click recovery cover: responders of the schedule's team (the override service checks).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { isoToMs } from '../../insights/filters.js';
import type { RecoveryEntry } from '../../people/service.js';
import { toIso } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { ms, OverrideSchema, presentOverride } from './oncall-schemas.js';
import {
  HealthCardSchema,
  HeroItemsSchema,
  HeroReportSchema,
  KnowledgeReportSchema,
  LoadReportSchema,
  MyRecoverySchema,
  PeopleSettingsSchema,
  TeamServiceHealthSchema,
} from './people-schemas.js';

const tags = ['people'];
const Id = Type.String({ minLength: 1, maxLength: 100 });
const Window = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 90 days ago' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
  includeKinds: Type.Optional(Type.String({ maxLength: 100, description: 'Comma-separated: drill, imported' })),
};
const Clock = Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'HH:MM local time' });
const TeamParams = Type.Object({ team: Id });
const ServiceParams = Type.Object({ service: Id });

const windowOf = (q: { from?: string | undefined; to?: string | undefined; includeKinds?: string | undefined }) => ({
  from: isoToMs(q.from),
  to: isoToMs(q.to),
  includeKinds: q.includeKinds,
});

const presentRecovery = (r: RecoveryEntry) => ({
  userId: r.userId,
  name: r.name,
  pagedAt: toIso(r.pagedAt),
  pages: r.pages,
  recoveryFrom: toIso(r.recoveryFrom),
  recoveryTo: toIso(r.recoveryTo),
  cover: r.cover
    ? {
        scheduleId: r.cover.scheduleId,
        scheduleName: r.cover.scheduleName,
        proposal: {
          start: toIso(r.cover.proposal.start),
          end: toIso(r.cover.proposal.end),
          userId: r.cover.proposal.userId,
          userName: r.cover.proposal.userName,
        },
      }
    : null,
});

const presentWindow = (w: { from: number; to: number; kinds?: string[] }) => ({
  from: toIso(w.from),
  to: toIso(w.to),
  ...(w.kinds ? { kinds: w.kinds } : {}),
});

export function registerPeopleRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const people = services.people;

  r.get(
    '/api/people/heroes',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "Each person's share of the team's pages, incidents, roles and off-hours page hours; heroes flagged",
        querystring: Type.Object({ teamId: Id, ...Window }),
        response: withErrors({ 200: HeroReportSchema }),
      },
    },
    async (req) => {
      const h = await people.heroes(actorOf(req), { teamId: req.query.teamId, ...windowOf(req.query) });
      return {
        teamId: h.team.id,
        team: h.team,
        window: presentWindow(h.window),
        thresholds: h.thresholds,
        people: h.people,
        teamTotals: h.teamTotals,
        median: h.median,
      };
    },
  );

  r.get(
    '/api/people/heroes/incidents',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "The pages, incidents or roles behind one person's hero figure, newest first (at most 500)",
        querystring: Type.Object({
          teamId: Id,
          userId: Id,
          measure: Type.Optional(Type.String({ maxLength: 20, description: 'pages, incidents, roles or offHours' })),
          ...Window,
        }),
        response: withErrors({ 200: HeroItemsSchema }),
      },
    },
    async (req) => {
      const q = req.query;
      const { items, truncated } = await people.heroItems(actorOf(req), {
        teamId: q.teamId,
        userId: q.userId,
        measure: q.measure,
        ...windowOf(q),
      });
      return { truncated, items: items.map((i) => ({ ...i, at: toIso(i.at) })) };
    },
  );

  r.get(
    '/api/people/knowledge',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Per service, who handled its incidents; flagged when one person handled most of them, with remedies',
        // One of the two: a service's knowledge (its team's thresholds), or every service of a team.
        querystring: Type.Object({
          teamId: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 100,
              description: 'Team id or slug; required unless serviceId is given',
            }),
          ),
          serviceId: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 100,
              description: 'One service (id or slug) instead of a whole team',
            }),
          ),
          ...Window,
        }),
        response: withErrors({ 200: KnowledgeReportSchema }),
      },
    },
    async (req) => {
      const k = await people.knowledge(actorOf(req), {
        teamId: req.query.teamId,
        serviceId: req.query.serviceId,
        ...windowOf(req.query),
      });
      return { window: presentWindow(k.window), thresholds: k.thresholds, services: k.services };
    },
  );

  r.get(
    '/api/people/load',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary:
          'Share of each month on call per person, back-to-back shifts across schedules, recovery after night pages',
        querystring: Type.Object({ teamId: Id, ...Window }),
        response: withErrors({ 200: LoadReportSchema }),
      },
    },
    async (req) => {
      const l = await people.load(actorOf(req), { teamId: req.query.teamId, ...windowOf(req.query) });
      return {
        team: l.team,
        window: presentWindow(l.window),
        timeZone: l.timeZone,
        loadShare: l.loadShare,
        people: l.people.map((p) => ({ ...p, months: p.months.map((m) => ({ ...m, month: toIso(m.month) })) })),
        backToBack: l.backToBack.map((b) => ({ ...b, from: toIso(b.from), to: toIso(b.to) })),
        recovery: l.recovery.map(presentRecovery),
      };
    },
  );

  r.get(
    '/api/me/recovery',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "The caller's recovery time for the coming 48 hours, with a cover proposal",
        response: withErrors({ 200: MyRecoverySchema }),
      },
    },
    async (req) => {
      const { recovery } = await people.myRecovery(actorOf(req));
      return { recovery: recovery.map(presentRecovery) };
    },
  );

  r.post(
    '/api/people/recovery/cover',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "Cover someone's recovery time: an override of the schedule (responders of its team)",
        body: Type.Object({ scheduleId: Id, start: Timestamp, end: Timestamp, userId: Id }),
        response: withErrors({ 201: OverrideSchema }),
      },
    },
    async (req, reply) => {
      const o = await people.cover(actorOf(req), services.oncall.overrides, {
        scheduleId: req.body.scheduleId,
        start: ms(req.body.start, 'start'),
        end: ms(req.body.end, 'end'),
        userId: req.body.userId,
      });
      return reply.status(201).send(presentOverride(o));
    },
  );

  const presentCard = (c: Awaited<ReturnType<typeof people.healthCard>>) => ({
    ...c,
    window: presentWindow(c.window),
  });

  r.get(
    '/api/services/:service/health-card',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "The service's health card: incidents, pages, noise, response times, learning, runbooks, knowledge",
        params: ServiceParams,
        querystring: Type.Object(Window),
        response: withErrors({ 200: HealthCardSchema }),
      },
    },
    async (req) => presentCard(await people.healthCard(actorOf(req), req.params.service, windowOf(req.query))),
  );

  r.get(
    '/api/teams/:team/service-health',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "The team's services' health cards, worst first (docs/people-health.md: the score)",
        params: TeamParams,
        querystring: Type.Object(Window),
        response: withErrors({ 200: TeamServiceHealthSchema }),
      },
    },
    async (req) => {
      const h = await people.teamServiceHealth(actorOf(req), req.params.team, windowOf(req.query));
      return { team: h.team, window: presentWindow(h.window), services: h.services.map(presentCard) };
    },
  );

  r.get(
    '/api/teams/:team/people-settings',
    {
      config: { access: 'viewer@team' },
      schema: {
        tags,
        summary: "The team's people-health thresholds and working hours",
        params: TeamParams,
        response: withErrors({ 200: PeopleSettingsSchema }),
      },
    },
    async (req) => people.settings(actorOf(req), req.params.team),
  );

  r.put(
    '/api/teams/:team/people-settings',
    {
      config: { access: 'admin@team' },
      schema: {
        tags,
        summary: "Change the team's people-health thresholds and working hours (team admins)",
        params: TeamParams,
        body: Type.Object({
          heroMedianFactor: Type.Optional(Type.Number()),
          heroShareOfTeam: Type.Optional(Type.Number()),
          heroMinCount: Type.Optional(Type.Integer()),
          knowledgeShare: Type.Optional(Type.Number()),
          knowledgeMinIncidents: Type.Optional(Type.Integer()),
          loadShare: Type.Optional(Type.Number()),
          recoveryHours: Type.Optional(Type.Number()),
          workDays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { maxItems: 7 })),
          workStart: Type.Optional(Clock),
          workEnd: Type.Optional(Clock),
          sleepStart: Type.Optional(Clock),
          sleepEnd: Type.Optional(Clock),
        }),
        response: withErrors({ 200: PeopleSettingsSchema }),
      },
    },
    async (req) => people.updateSettings(actorOf(req), req.params.team, req.body),
  );
}
