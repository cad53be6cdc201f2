/**
 * Runbooks (docs/runbooks.md; the contract in issue 15): list, read, write, review, archive, versions and diffs, and
 * the runbooks for an alert and for an incident. Reads: anyone signed in. Creating one: a responder of some team (the
 * service checks the team in the body); editing and reviewing: `responder@runbook`; archiving: `admin@runbook`.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  MATCHER_OPS,
  MAX_BODY,
  MAX_MATCHERS,
  MAX_NOTE,
  MAX_REVIEW_DAYS,
  MAX_RULES,
  MAX_SERVICES,
  MAX_TITLE,
  MIN_REVIEW_DAYS,
} from '../../runbooks/model.js';
import { validationError } from '../../shared/errors.js';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import {
  FirstRunbooksSchema,
  RunbookDiffSchema,
  RunbookSchema,
  RunbooksForSchema,
  RunbookSummarySchema,
  RunbookVersionListSchema,
  RunbookVersionSchema,
} from './runbook-schemas.js';

const tags = ['runbooks'];
const Id = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Id });
const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

const MatcherBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  op: lit(MATCHER_OPS),
  value: Type.String({ maxLength: 1000 }),
});
const AlertRuleBody = Type.Object({
  id: Type.Optional(Id),
  alertname: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  matchers: Type.Array(MatcherBody, { maxItems: MAX_MATCHERS }),
});
const AlertRules = Type.Array(AlertRuleBody, { maxItems: MAX_RULES });
const ServiceIds = Type.Array(Id, { maxItems: MAX_SERVICES });
const Interval = Type.Integer({ minimum: MIN_REVIEW_DAYS, maximum: MAX_REVIEW_DAYS });

/** Rules as the service takes them, field by field (an `id` given back from a read is not kept: rules are replaced). */
const rulesOf = (rules: Static<typeof AlertRules> | undefined) =>
  rules?.map((r) => ({
    alertname: r.alertname,
    matchers: r.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
  }));

export function registerRunbookRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const rbs = services.runbooks;

  r.get(
    '/api/runbooks',
    {
      schema: {
        tags,
        summary: 'Runbooks, by title (archived ones left out)',
        querystring: Type.Object({
          teamId: Type.Optional(Id),
          serviceId: Type.Optional(Id),
          q: Type.Optional(Type.String({ maxLength: 200 })),
          stale: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: Type.Object({ items: Type.Array(RunbookSummarySchema) }) }),
      },
    },
    async (req) =>
      rbs.list(actorOf(req), {
        teamId: req.query.teamId,
        serviceId: req.query.serviceId,
        q: req.query.q,
        stale: req.query.stale,
      }),
  );

  r.post(
    '/api/runbooks',
    {
      schema: {
        tags,
        summary: 'Write a runbook for a team (a responder of the team)',
        body: Type.Object({
          teamId: Id,
          title: Type.String({ minLength: 1, maxLength: MAX_TITLE }),
          slug: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
          body: Type.String({ maxLength: MAX_BODY }),
          reviewIntervalDays: Type.Optional(Interval),
          serviceIds: Type.Optional(ServiceIds),
          alertRules: Type.Optional(AlertRules),
        }),
        response: withErrors({ 201: RunbookSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      return reply.status(201).send(
        await rbs.create(actorOf(req), {
          teamId: b.teamId,
          title: b.title,
          slug: b.slug,
          body: b.body,
          reviewIntervalDays: b.reviewIntervalDays,
          serviceIds: b.serviceIds,
          alertRules: rulesOf(b.alertRules),
        }),
      );
    },
  );

  r.get(
    '/api/runbooks/:id',
    {
      schema: {
        tags,
        summary: 'A runbook: its text, alert rules and actions',
        params: IdParams,
        response: withErrors({ 200: RunbookSchema }),
      },
    },
    async (req) => rbs.get(req.params.id),
  );

  r.patch(
    '/api/runbooks/:id',
    {
      schema: {
        tags,
        summary: 'Save a runbook: a new title or body is a new version (409 version_conflict if baseVersion is old)',
        params: IdParams,
        body: Type.Object({
          title: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TITLE })),
          body: Type.Optional(Type.String({ maxLength: MAX_BODY })),
          note: Type.Optional(Type.String({ maxLength: MAX_NOTE })),
          reviewIntervalDays: Type.Optional(Interval),
          serviceIds: Type.Optional(ServiceIds),
          alertRules: Type.Optional(AlertRules),
          baseVersion: Type.Optional(Type.Integer({ minimum: 1 })),
        }),
        response: withErrors({ 200: RunbookSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      return rbs.update(actorOf(req), req.params.id, {
        title: b.title,
        body: b.body,
        note: b.note,
        reviewIntervalDays: b.reviewIntervalDays,
        serviceIds: b.serviceIds,
        alertRules: rulesOf(b.alertRules),
        baseVersion: b.baseVersion,
      });
    },
  );

  r.post(
    '/api/runbooks/:id/review',
    {
      schema: {
        tags,
        summary: 'Mark a runbook reviewed now: it still holds',
        params: IdParams,
        response: withErrors({ 200: RunbookSchema }),
      },
    },
    async (req) => rbs.review(actorOf(req), req.params.id),
  );

  r.delete(
    '/api/runbooks/:id',
    {
      schema: {
        tags,
        summary: 'Archive a runbook (its versions stay)',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await rbs.archive(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/runbooks/:id/versions',
    {
      schema: {
        tags,
        summary: "A runbook's versions, newest first",
        params: IdParams,
        response: withErrors({ 200: RunbookVersionListSchema }),
      },
    },
    async (req) => rbs.versions(req.params.id),
  );

  r.get(
    '/api/runbooks/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'One version of a runbook, its full text',
        params: Type.Object({ id: Id, version: Type.Integer({ minimum: 1 }) }),
        response: withErrors({ 200: RunbookVersionSchema }),
      },
    },
    async (req) => rbs.version(req.params.id, req.params.version),
  );

  r.get(
    '/api/runbooks/:id/diff',
    {
      schema: {
        tags,
        summary: 'What changed between two versions (a unified diff of the text)',
        params: IdParams,
        querystring: Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) }),
        response: withErrors({ 200: RunbookDiffSchema }),
      },
    },
    async (req) => rbs.diff(req.params.id, req.query.from, req.query.to),
  );

  r.get(
    '/api/alerts/:id/runbooks',
    {
      schema: {
        tags,
        summary: "The runbooks for an alert (alert rules first, then its service's) and its own runbook link",
        params: IdParams,
        response: withErrors({ 200: RunbooksForSchema }),
      },
    },
    async (req) => rbs.forAlert(req.params.id),
  );

  r.get(
    '/api/runbooks/for-alerts',
    {
      schema: {
        tags,
        summary: 'The runbook each alert’s page shows first (the alert list’s runbook column); null for none',
        querystring: Type.Object({
          alertIds: Type.String({
            minLength: 1,
            maxLength: 3000,
            description: 'Comma-separated alert ids, at most 100',
          }),
        }),
        response: withErrors({ 200: FirstRunbooksSchema }),
      },
    },
    async (req) => {
      const ids = req.query.alertIds
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (ids.length > 100) {
        throw validationError([{ field: 'alertIds', message: 'at most 100 alert ids' }]);
      }
      return { runbooks: await rbs.firstForAlerts(ids) };
    },
  );

  r.get(
    '/api/incidents/:id/runbooks',
    {
      schema: {
        tags,
        summary: "The runbooks for an incident: its alerts' rules, suggestions of automation rules, its services'",
        params: IdParams,
        response: withErrors({ 200: RunbooksForSchema }),
      },
    },
    async (req) => rbs.forIncident(req.params.id),
  );
}
