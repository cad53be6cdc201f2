/**
 * Post-mortems (docs/postmortems.md; the contract in issue 11): create, read, edit with revisions, the pre-filled
 * timeline and its curation, milestone corrections, review and publishing, blame dismissals, the Markdown export, the
 * public summary, templates and the per-severity policy. Reads: anyone signed in. Changes: `postmortem-actor` (its
 * owner, reviewers, whoever may act on its incident, organisation administrators). Templates and policies:
 * organisation administrators.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  MAX_PUBLIC_SUMMARY,
  MAX_SECTION_BODY,
  MAX_TITLE,
  SECTION_KINDS,
  TIMELINE_TAGS,
} from '../../postmortems/index.js';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import {
  BlameSchema,
  CommentSchema,
  MilestoneChangeSchema,
  PolicySchema,
  PostmortemListSchema,
  PostmortemSchema,
  RevisionListSchema,
  RevisionSchema,
  TemplateSchema,
  TimelineItemSchema,
  TimelineSchema,
} from './postmortem-schemas.js';

const tags = ['postmortems'];
const Id = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Id });
const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const StatusParam = lit(['draft', 'in_review', 'published'] as const);
const TagSchema = Type.Union([lit(TIMELINE_TAGS), Type.Null()]);
const MilestoneParam = lit(['impactStartedAt', 'detectedAt', 'acknowledgedAt', 'mitigatedAt', 'resolvedAt'] as const);
const SeverityParam = lit(['P1', 'P2', 'P3', 'P4'] as const);
const ms = (iso: string): number => Date.parse(iso);

const TemplateSectionIn = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 40 }),
  title: Type.String({ minLength: 1, maxLength: 200 }),
  kind: lit(SECTION_KINDS),
  required: Type.Optional(Type.Boolean()),
  help: Type.Optional(Type.String({ maxLength: 2000 })),
});
const sectionsIn = (
  s: { key: string; title: string; kind: (typeof SECTION_KINDS)[number]; required?: boolean; help?: string }[],
) => s.map((x) => ({ key: x.key, title: x.title, kind: x.kind, required: x.required ?? false, help: x.help ?? '' }));

export function registerPostmortemRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pms = services.postmortems;

  r.get(
    '/api/postmortems',
    {
      schema: {
        tags,
        summary: 'Post-mortems, newest first: by status, overdue, owner (me or a user id) or team',
        querystring: Type.Object({
          status: Type.Optional(StatusParam),
          overdue: Type.Optional(Type.Boolean()),
          owner: Type.Optional(Type.String({ maxLength: 100 })),
          teamId: Type.Optional(Type.String({ maxLength: 100 })),
          cursor: Type.Optional(Type.String({ maxLength: 100 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        }),
        response: withErrors({ 200: PostmortemListSchema }),
      },
    },
    async (req) =>
      pms.list(actorOf(req), {
        status: req.query.status,
        overdue: req.query.overdue,
        owner: req.query.owner,
        teamId: req.query.teamId,
        cursor: req.query.cursor,
        limit: req.query.limit ?? 50,
      }),
  );

  r.post(
    '/api/incidents/:id/postmortem',
    {
      schema: {
        tags,
        summary: "Start the incident's post-mortem by hand (409 when it has one)",
        params: IdParams,
        body: Type.Object({ templateId: Type.Optional(Id) }),
        response: withErrors({ 201: PostmortemSchema }),
      },
    },
    async (req, reply) => reply.status(201).send(await pms.create(actorOf(req), req.params.id, req.body.templateId)),
  );

  r.get(
    '/api/incidents/:id/postmortem',
    {
      schema: {
        tags,
        summary: "The incident's post-mortem (404: none yet)",
        params: IdParams,
        response: withErrors({ 200: PostmortemSchema }),
      },
    },
    async (req) => pms.getByIncident(req.params.id),
  );

  r.get(
    '/api/postmortems/:id',
    {
      schema: {
        tags,
        summary: 'A post-mortem: sections, impact, reviewers, comments, blame findings and what blocks publishing',
        params: IdParams,
        response: withErrors({ 200: PostmortemSchema }),
      },
    },
    async (req) => pms.get(req.params.id),
  );

  r.patch(
    '/api/postmortems/:id',
    {
      schema: {
        tags,
        summary: 'Save sections, title, owner, due date, impact or public summary (a revision; 409 on a stale base)',
        params: IdParams,
        body: Type.Object({
          title: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TITLE })),
          ownerUserId: Type.Optional(Type.Union([Id, Type.Null()])),
          dueAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
          sections: Type.Optional(
            Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: MAX_SECTION_BODY }), {
              maxProperties: 30,
            }),
          ),
          impact: Type.Optional(
            Type.Object({
              customersAffected: Type.Optional(Type.String({ maxLength: 2000 })),
              revenueImpact: Type.Optional(Type.String({ maxLength: 2000 })),
              notes: Type.Optional(Type.String({ maxLength: 10000 })),
            }),
          ),
          publicSummary: Type.Optional(Type.Union([Type.String({ maxLength: MAX_PUBLIC_SUMMARY }), Type.Null()])),
          baseRevision: Type.Optional(Type.Integer({ minimum: 0 })),
        }),
        response: withErrors({ 200: PostmortemSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      return pms.update(actorOf(req), req.params.id, {
        title: b.title,
        ownerUserId: b.ownerUserId,
        dueAt: b.dueAt === undefined ? undefined : b.dueAt === null ? null : ms(b.dueAt),
        sections: b.sections,
        impact: b.impact,
        publicSummary: b.publicSummary,
        baseRevision: b.baseRevision,
      });
    },
  );

  r.get(
    '/api/postmortems/:id/timeline',
    {
      schema: {
        tags,
        summary: 'The pre-filled timeline with the author’s marks and entries, milestones and MTTD/MTTA/MTTR',
        params: IdParams,
        querystring: Type.Object({ view: Type.Optional(lit(['all', 'curated'] as const)) }),
        response: withErrors({ 200: TimelineSchema }),
      },
    },
    async (req) => pms.timeline(req.params.id, { curated: req.query.view === 'curated' }),
  );

  r.put(
    '/api/postmortems/:id/timeline/marks',
    {
      schema: {
        tags,
        summary: 'Star, hide, tag or narrate one moment of the timeline',
        params: IdParams,
        body: Type.Object({
          ref: Type.String({ minLength: 1, maxLength: 200 }),
          starred: Type.Optional(Type.Boolean()),
          hidden: Type.Optional(Type.Boolean()),
          tag: Type.Optional(TagSchema),
          narrative: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
        }),
        response: withErrors({ 200: TimelineItemSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      return pms.setMark(actorOf(req), req.params.id, {
        ref: b.ref,
        ...(b.starred !== undefined ? { starred: b.starred } : {}),
        ...(b.hidden !== undefined ? { hidden: b.hidden } : {}),
        ...(b.tag !== undefined ? { tag: b.tag } : {}),
        ...(b.narrative !== undefined ? { narrative: b.narrative } : {}),
      });
    },
  );

  r.post(
    '/api/postmortems/:id/timeline/entries',
    {
      schema: {
        tags,
        summary: 'Add a moment the incident record does not have (what happened off-tool)',
        params: IdParams,
        body: Type.Object({
          at: Type.String({ format: 'date-time' }),
          body: Type.String({ minLength: 1, maxLength: 4000 }),
          tag: Type.Optional(TagSchema),
        }),
        response: withErrors({ 201: TimelineItemSchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(
        await pms.addEntry(actorOf(req), req.params.id, {
          at: ms(req.body.at),
          body: req.body.body,
          tag: req.body.tag ?? null,
        }),
      ),
  );

  r.delete(
    '/api/postmortems/:id/timeline/entries/:entryId',
    {
      schema: {
        tags,
        summary: 'Remove an added moment',
        params: Type.Object({ id: Id, entryId: Id }),
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await pms.deleteEntry(actorOf(req), req.params.id, req.params.entryId);
      return reply.status(204).send(null);
    },
  );

  r.put(
    '/api/postmortems/:id/milestones/:milestone',
    {
      schema: {
        tags,
        summary: "Correct the incident's milestone with a reason (null clears it); MTTD/MTTA/MTTR follow",
        params: Type.Object({ id: Id, milestone: MilestoneParam }),
        body: Type.Object({
          at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          reason: Type.String({ minLength: 1, maxLength: 1000 }),
        }),
        response: withErrors({ 200: MilestoneChangeSchema }),
      },
    },
    async (req) =>
      pms.setMilestone(
        actorOf(req),
        req.params.id,
        req.params.milestone,
        req.body.at === null ? null : ms(req.body.at),
        req.body.reason,
      ),
  );

  r.get(
    '/api/postmortems/:id/revisions',
    {
      schema: {
        tags,
        summary: 'Every saved revision, newest first',
        params: IdParams,
        response: withErrors({ 200: RevisionListSchema }),
      },
    },
    async (req) => pms.revisions(req.params.id),
  );

  r.get(
    '/api/postmortems/:id/revisions/:revision',
    {
      schema: {
        tags,
        summary: 'One revision: its snapshot and a unified diff against the revision before it',
        params: Type.Object({ id: Id, revision: Type.Integer({ minimum: 1 }) }),
        response: withErrors({ 200: RevisionSchema }),
      },
    },
    async (req) => pms.revision(req.params.id, req.params.revision),
  );

  r.post(
    '/api/postmortems/:id/review',
    {
      schema: {
        tags,
        summary: 'Ask named reviewers for a review (status in_review)',
        params: IdParams,
        body: Type.Object({ reviewerUserIds: Type.Array(Id, { minItems: 1, maxItems: 20 }) }),
        response: withErrors({ 200: PostmortemSchema }),
      },
    },
    async (req) => pms.requestReview(actorOf(req), req.params.id, req.body.reviewerUserIds),
  );

  r.post(
    '/api/postmortems/:id/review/decision',
    {
      schema: {
        tags,
        summary: 'A named reviewer approves or asks for changes',
        params: IdParams,
        body: Type.Object({
          decision: lit(['approved', 'changes_requested'] as const),
          note: Type.Optional(Type.String({ maxLength: 4000 })),
        }),
        response: withErrors({ 200: PostmortemSchema }),
      },
    },
    async (req) => pms.decide(actorOf(req), req.params.id, req.body.decision, req.body.note),
  );

  r.post(
    '/api/postmortems/:id/comments',
    {
      schema: {
        tags,
        summary: 'Comment on a section',
        params: IdParams,
        body: Type.Object({
          sectionKey: Type.String({ minLength: 1, maxLength: 40 }),
          body: Type.String({ minLength: 1, maxLength: 4000 }),
        }),
        response: withErrors({ 201: CommentSchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await pms.addComment(actorOf(req), req.params.id, req.body.sectionKey, req.body.body)),
  );

  r.post(
    '/api/postmortems/:id/comments/:commentId/resolve',
    {
      schema: {
        tags,
        summary: 'Mark a comment resolved',
        params: Type.Object({ id: Id, commentId: Id }),
        response: withErrors({ 200: CommentSchema }),
      },
    },
    async (req) => pms.resolveComment(actorOf(req), req.params.id, req.params.commentId),
  );

  r.post(
    '/api/postmortems/:id/publish',
    {
      schema: {
        tags,
        summary: 'Publish (409 publish_blocked listing what is missing: sections, approval, blame findings)',
        params: IdParams,
        response: withErrors({ 200: PostmortemSchema }),
      },
    },
    async (req) => pms.publish(actorOf(req), req.params.id),
  );

  r.post(
    '/api/postmortems/:id/reopen',
    {
      schema: {
        tags,
        summary: 'Back to draft, with a reason (the review starts again)',
        params: IdParams,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000 }) }),
        response: withErrors({ 200: PostmortemSchema }),
      },
    },
    async (req) => pms.reopen(actorOf(req), req.params.id, req.body.reason),
  );

  r.post(
    '/api/postmortems/:id/blame/dismissals',
    {
      schema: {
        tags,
        summary: 'Dismiss a blame finding by its fingerprint, with a reason',
        params: IdParams,
        body: Type.Object({
          fingerprint: Type.String({ minLength: 1, maxLength: 200 }),
          reason: Type.String({ minLength: 1, maxLength: 1000 }),
        }),
        response: withErrors({ 201: BlameSchema }),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await pms.dismissBlame(actorOf(req), req.params.id, req.body.fingerprint, req.body.reason)),
  );

  r.get(
    '/api/postmortems/:id/export.md',
    {
      schema: { tags, summary: 'The post-mortem as Markdown', params: IdParams, produces: ['text/markdown'] },
    },
    async (req, reply) => {
      const md = await pms.exportMarkdown(req.params.id);
      return reply
        .type('text/markdown; charset=utf-8')
        .header('content-disposition', `inline; filename="postmortem-${req.params.id}.md"`)
        .send(md);
    },
  );

  r.post(
    '/api/postmortems/:id/public-summary',
    {
      schema: {
        tags,
        summary: "Post the public summary as the final update of the incident's status-page incident",
        params: IdParams,
        body: Type.Object({ publish: Type.Boolean() }),
        response: withErrors({ 200: PostmortemSchema }),
      },
    },
    async (req) => pms.publishPublicSummary(actorOf(req), req.params.id, req.body.publish),
  );

  registerTemplateRoutes(app, services);
}

function registerTemplateRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const t = services.postmortems.templates;

  r.get(
    '/api/postmortem-templates',
    { schema: { tags, summary: 'Post-mortem templates', response: withErrors({ 200: Type.Array(TemplateSchema) }) } },
    async () => t.list(),
  );

  const TemplateBody = Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    sections: Type.Array(TemplateSectionIn, { maxItems: 30 }),
  });

  r.post(
    '/api/postmortem-templates',
    { schema: { tags, summary: 'Add a template', body: TemplateBody, response: withErrors({ 201: TemplateSchema }) } },
    async (req, reply) =>
      reply.status(201).send(
        await t.create(actorOf(req), {
          name: req.body.name,
          description: req.body.description,
          sections: sectionsIn(req.body.sections),
        }),
      ),
  );

  r.put(
    '/api/postmortem-templates/:id',
    {
      schema: {
        tags,
        summary: 'Change a template (post-mortems already made keep their sections)',
        params: IdParams,
        body: Type.Partial(TemplateBody),
        response: withErrors({ 200: TemplateSchema }),
      },
    },
    async (req) =>
      t.update(actorOf(req), req.params.id, {
        ...(req.body.name !== undefined ? { name: req.body.name } : {}),
        ...(req.body.description !== undefined ? { description: req.body.description } : {}),
        ...(req.body.sections !== undefined ? { sections: sectionsIn(req.body.sections) } : {}),
      }),
  );

  r.delete(
    '/api/postmortem-templates/:id',
    {
      schema: {
        tags,
        summary: 'Archive a template (built-ins and templates a policy uses stay)',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await t.archive(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/postmortem-policies',
    {
      schema: {
        tags,
        summary: 'The post-mortem policy per severity',
        response: withErrors({ 200: Type.Array(PolicySchema) }),
      },
    },
    async () => t.policies(),
  );

  r.put(
    '/api/postmortem-policies/:severity',
    {
      schema: {
        tags,
        summary: "Change a severity's post-mortem policy: required, optional or none; due in N business days; template",
        params: Type.Object({ severity: SeverityParam }),
        body: Type.Object({
          mode: Type.Optional(lit(['required', 'optional', 'none'] as const)),
          dueBusinessDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 60 }), Type.Null()])),
          templateId: Type.Optional(Id),
        }),
        response: withErrors({ 200: PolicySchema }),
      },
    },
    async (req) => t.setPolicy(actorOf(req), req.params.severity, req.body),
  );
}
