/**
 * A post-mortem's root-cause analysis and the completion rate (docs/postmortems.md, "Root cause: 5 Whys and
 * contributing factors" and "Completion rate"): the why-tree, contributing factors and their taxonomy, factor counts
 * and the completion rate per team and overall. Reads: anyone signed in. Whys and factor tags: `postmortem-actor`.
 * The taxonomy: organisation administrators.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Completion, CompletionReport } from '../../postmortems/analysis.js';
import { windowFrom } from '../../postmortems/analysis.js';
import type { ContributingFactor, FactorTag } from '../../postmortems/factors.js';
import {
  MAX_ANSWER,
  MAX_EVIDENCE,
  MAX_EVIDENCE_LABEL,
  MAX_EVIDENCE_URL,
  MAX_QUESTION,
  type WhyNode,
} from '../../postmortems/whys.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const tags = ['postmortems'];

const EvidenceIn = Type.Object({
  url: Type.String({ minLength: 1, maxLength: MAX_EVIDENCE_URL, description: 'http or https' }),
  label: Type.Optional(Type.String({ maxLength: MAX_EVIDENCE_LABEL })),
});
const EvidenceSchema = Type.Object({ url: Type.String(), label: Type.String() });

const WhyNodeSchema = Type.Object({
  id: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()]),
  position: Type.Integer(),
  question: Type.String(),
  answer: Type.String(),
  evidence: Type.Array(EvidenceSchema),
  endsAtPerson: Type.Boolean({ description: 'A leaf whose answer ends at a person: ask one more why' }),
  prompt: Type.Union([Type.String(), Type.Null()]),
  depth: Type.Integer({ description: '1 for a first why' }),
});

const FactorTagSchema = Type.Object({
  factorId: Type.String(),
  key: Type.String(),
  label: Type.String(),
  archived: Type.Boolean(),
  whyId: Type.Union([Type.String(), Type.Null()]),
  note: Type.String(),
});

const FactorSchema = Type.Object({
  id: Type.String(),
  key: Type.String(),
  label: Type.String(),
  description: Type.String(),
  position: Type.Integer(),
  archived: Type.Boolean(),
  archivedAt: NullableTimestamp,
});

const CompletionFields = {
  eligible: Type.Integer({
    description: 'P1/P2 incidents resolved in the window, less those whose post-mortem is in progress (not due yet)',
  }),
  inProgress: Type.Integer({ description: 'resolved in the window, post-mortem unpublished and not due yet' }),
  thorough: Type.Integer({ description: 'Of those, with a published post-mortem (required sections and review done)' }),
  onTime: Type.Integer({ description: 'Of those, published by the due date' }),
  rate: Type.Union([Type.Number(), Type.Null()], { description: 'thorough / eligible; null when nothing is eligible' }),
  onTimeRate: Type.Union([Type.Number(), Type.Null()]),
  missing: Type.Array(
    Type.Object({
      incidentId: Type.String(),
      title: Type.String(),
      severity: Type.String(),
      resolvedAt: Timestamp,
      postmortemId: Type.Union([Type.String(), Type.Null()]),
      status: Type.String({ description: "'none', 'draft' or 'in_review'" }),
      dueAt: NullableTimestamp,
    }),
  ),
};
const CompletionSchema = Type.Object({
  target: Type.Number(),
  from: Timestamp,
  to: Timestamp,
  overall: Type.Object(CompletionFields),
  teams: Type.Array(
    Type.Object({ team: Type.Object({ id: Type.String(), name: Type.String() }), ...CompletionFields }),
  ),
});

const WindowQuery = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 90 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
  teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
};

const PmId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const WhyParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  whyId: Type.String({ minLength: 1, maxLength: 100 }),
});
const FactorParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  factorId: Type.String({ minLength: 1, maxLength: 100 }),
});

const presentWhy = (n: WhyNode) => ({
  id: n.id,
  parentId: n.parentId,
  position: n.position,
  question: n.question,
  answer: n.answer,
  evidence: n.evidence,
  endsAtPerson: n.endsAtPerson,
  prompt: n.prompt,
  depth: n.depth,
});
const presentTag = (t: FactorTag) => ({ ...t });
const presentFactor = (f: ContributingFactor) => ({ ...f, archivedAt: toIsoOrNull(f.archivedAt) });
const presentCompletion = (c: Completion) => ({
  ...c,
  missing: c.missing.map((m) => ({ ...m, resolvedAt: toIso(m.resolvedAt), dueAt: toIsoOrNull(m.dueAt) })),
});
const presentReport = (r: CompletionReport) => ({
  target: r.target,
  from: toIso(r.from),
  to: toIso(r.to),
  overall: presentCompletion(r.overall),
  teams: r.teams.map(({ team, ...c }) => ({ team, ...presentCompletion(c) })),
});

export function registerPostmortemAnalysisRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const analysis = services.postmortemAnalysis;

  r.get(
    '/api/postmortems/:id/whys',
    {
      schema: {
        tags,
        summary: "A post-mortem's why-tree (depth-first, siblings by position) and its contributing factors",
        params: PmId,
        response: withErrors({
          200: Type.Object({ nodes: Type.Array(WhyNodeSchema), factors: Type.Array(FactorTagSchema) }),
        }),
      },
    },
    async (req) => {
      const view = await analysis.whys(req.params.id);
      return { nodes: view.nodes.map(presentWhy), factors: view.factors.map(presentTag) };
    },
  );

  r.post(
    '/api/postmortems/:id/whys',
    {
      schema: {
        tags,
        summary: 'Ask a why: a first one, or under another (one answer may have several causes)',
        params: PmId,
        body: Type.Object({
          parentId: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
          question: Type.String({ minLength: 1, maxLength: MAX_QUESTION }),
          answer: Type.Optional(Type.String({ maxLength: MAX_ANSWER })),
          evidence: Type.Optional(Type.Array(EvidenceIn, { maxItems: MAX_EVIDENCE })),
        }),
        response: withErrors({ 201: WhyNodeSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const node = await analysis.addWhy(actorOf(req), req.params.id, {
        parentId: b.parentId ?? null,
        question: b.question,
        answer: b.answer,
        evidence: b.evidence,
      });
      return reply.status(201).send(presentWhy(node));
    },
  );

  r.patch(
    '/api/postmortems/:id/whys/:whyId',
    {
      schema: {
        tags,
        summary: "Change a why's question, answer, evidence or position among its siblings",
        params: WhyParams,
        body: Type.Object({
          question: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_QUESTION })),
          answer: Type.Optional(Type.String({ maxLength: MAX_ANSWER })),
          evidence: Type.Optional(Type.Array(EvidenceIn, { maxItems: MAX_EVIDENCE })),
          position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
        }),
        response: withErrors({ 200: WhyNodeSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      const node = await analysis.updateWhy(actorOf(req), req.params.id, req.params.whyId, {
        question: b.question,
        answer: b.answer,
        evidence: b.evidence,
        position: b.position,
      });
      return presentWhy(node);
    },
  );

  r.delete(
    '/api/postmortems/:id/whys/:whyId',
    {
      schema: {
        tags,
        summary: 'Delete a why and every why under it',
        params: WhyParams,
        response: withErrors({ 200: Type.Object({ deleted: Type.Array(Type.String()) }) }),
      },
    },
    async (req) => ({ deleted: await analysis.deleteWhy(actorOf(req), req.params.id, req.params.whyId) }),
  );

  r.put(
    '/api/postmortems/:id/factors/:factorId',
    {
      schema: {
        tags,
        summary: 'Tag a contributing factor (optionally linked to a why, with a note), or change its link and note',
        params: FactorParams,
        body: Type.Object({
          whyId: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
          note: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: withErrors({ 200: FactorTagSchema, 201: FactorTagSchema }),
      },
    },
    async (req, reply) => {
      const { created, tag } = await analysis.putFactor(actorOf(req), req.params.id, req.params.factorId, {
        whyId: req.body.whyId,
        note: req.body.note,
      });
      return reply.status(created ? 201 : 200).send(presentTag(tag));
    },
  );

  r.delete(
    '/api/postmortems/:id/factors/:factorId',
    {
      schema: {
        tags,
        summary: 'Remove a contributing factor from a post-mortem (204 whether or not it had it)',
        params: FactorParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await analysis.deleteFactor(actorOf(req), req.params.id, req.params.factorId);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/contributing-factors',
    {
      schema: {
        tags,
        summary: 'The contributing-factor taxonomy, in order (archived ones only when asked)',
        querystring: Type.Object({ includeArchived: Type.Optional(Type.Boolean()) }),
        response: withErrors({ 200: Type.Array(FactorSchema) }),
      },
    },
    async (req) => (await analysis.listFactors({ includeArchived: req.query.includeArchived })).map(presentFactor),
  );

  r.post(
    '/api/contributing-factors',
    {
      schema: {
        tags,
        summary: 'Add a contributing factor to the taxonomy (key unique, never changes)',
        body: Type.Object({
          key: Type.String({ minLength: 1, maxLength: 50, description: 'lower_snake_case' }),
          label: Type.String({ minLength: 1, maxLength: 100 }),
          description: Type.Optional(Type.String({ maxLength: 1000 })),
        }),
        response: withErrors({ 201: FactorSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const f = await analysis.createFactor(actorOf(req), {
        key: b.key,
        label: b.label,
        description: b.description,
      });
      return reply.status(201).send(presentFactor(f));
    },
  );

  r.patch(
    '/api/contributing-factors/:id',
    {
      schema: {
        tags,
        summary: 'Rename, describe, move, archive or restore a contributing factor',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        body: Type.Object({
          label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          description: Type.Optional(Type.String({ maxLength: 1000 })),
          position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
          archived: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: FactorSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      const f = await analysis.updateFactor(actorOf(req), req.params.id, {
        label: b.label,
        description: b.description,
        position: b.position,
        archived: b.archived,
      });
      return presentFactor(f);
    },
  );

  r.get(
    '/api/postmortems/insights/factors',
    {
      schema: {
        tags,
        summary: 'How many post-mortems carry each contributing factor (incidents resolved in the window)',
        querystring: Type.Object(WindowQuery),
        response: withErrors({
          200: Type.Array(
            Type.Object({
              factorId: Type.String(),
              key: Type.String(),
              label: Type.String(),
              archived: Type.Boolean(),
              count: Type.Integer(),
            }),
          ),
        }),
      },
    },
    async (req) => {
      const w = windowFrom(req.query, services.clock.now());
      return analysis.factorCounts({ ...w, teamId: req.query.teamId });
    },
  );

  r.get(
    '/api/postmortems/completion',
    {
      schema: {
        tags,
        summary:
          'The post-mortem completion rate against 90%: P1/P2 incidents resolved in the window with a published ' +
          'post-mortem, and on time beside it; overall and per team',
        querystring: Type.Object(WindowQuery),
        response: withErrors({ 200: CompletionSchema }),
      },
    },
    async (req) => {
      const w = windowFrom(req.query, services.clock.now());
      return presentReport(await analysis.completion(w, req.query.teamId));
    },
  );
}
