/**
 * Response schemas of the post-mortem routes (docs/postmortems.md; issue 17 item 2): what `src/postmortems/service.ts`
 * and `templates.ts` answer, instants as RFC 3339. Fastify serialises with these and leaves out any field they do not
 * declare, so each one lists every field its service returns (check with MUSTER_RESPONSE_DIFFS,
 * src/http/response-check.ts).
 */
import { Type } from '@sinclair/typebox';
import { DECISIONS, POLICY_MODES, SECTION_KINDS, STATUSES } from '../../postmortems/index.js';
import { NullableTimestamp, Timestamp } from '../schemas.js';
import { BlameFindingSchema } from './blame.js';

/** One of the strings (TypeBox infers `never` for a union built from an array, so the static type is given). */
const lit = <T extends string>(xs: readonly T[], description?: string) =>
  Type.Unsafe<T>(
    Type.Union(
      xs.map((x) => Type.Literal(x)),
      description ? { description } : {},
    ),
  );
const Str = Type.String();
const NullableStr = Type.Union([Str, Type.Null()]);
const NullableInt = (description: string) => Type.Union([Type.Integer(), Type.Null()], { description });

/** A user, service, team or status component by id and display name. */
const Ref = Type.Object({ id: Str, name: Str });
/** Who did something: a user, or (id null) a label such as an API token's or the system's. */
const ActorRef = Type.Object({ id: NullableStr, name: Str });

export const PostmortemStatusSchema = lit(STATUSES, 'draft, in_review or published');

const IncidentSummary = {
  id: Str,
  title: Str,
  severity: Type.String({ description: 'P1 to P4' }),
  status: Type.String({ description: "The incident's status" }),
  declaredAt: Timestamp,
  resolvedAt: NullableTimestamp,
};

/** One post-mortem in the list. */
export const PostmortemListItemSchema = Type.Object({
  id: Str,
  incident: Type.Object(IncidentSummary),
  title: Str,
  status: PostmortemStatusSchema,
  owner: Type.Union([Ref, Type.Null()]),
  dueAt: NullableTimestamp,
  isRequired: Type.Boolean({ description: "The severity's policy requires it" }),
  isOverdue: Type.Boolean({ description: 'Not published and past its due date' }),
  publishedAt: NullableTimestamp,
  updatedAt: Timestamp,
  teams: Type.Array(Ref, { description: "The teams of the incident's services" }),
});

export const PostmortemListSchema = Type.Object({
  items: Type.Array(PostmortemListItemSchema),
  nextCursor: Type.Union([Str, Type.Null()], { description: 'Pass as `cursor` for the next page; null: the last' }),
});

const MilestoneFields = {
  impactStartedAt: NullableTimestamp,
  detectedAt: NullableTimestamp,
  acknowledgedAt: NullableTimestamp,
  mitigatedAt: NullableTimestamp,
  resolvedAt: NullableTimestamp,
};
const MetricFields = {
  mttdSeconds: NullableInt('Impact started → detected'),
  mttaSeconds: NullableInt('First linked alert fired (else detected) → first human acknowledgement'),
  mttrSeconds: NullableInt('Detected → resolved'),
};
export const MilestonesSchema = Type.Object(MilestoneFields);
export const MetricsSchema = Type.Object(MetricFields, { description: 'Seconds; null when an end is missing' });

/** The author's own impact text, beside the figures read from the incident. */
const ImpactOverridesSchema = Type.Object({
  customersAffected: Type.Optional(Str),
  revenueImpact: Type.Optional(Str),
  notes: Type.Optional(Str),
});

export const ImpactSchema = Type.Object(
  {
    durationSeconds: NullableInt('Impact started (else detected, else declared) → resolved (else now)'),
    ...MilestoneFields,
    ...MetricFields,
    services: Type.Array(Ref),
    alertCount: Type.Integer({ description: 'Alerts linked to the incident' }),
    pageCount: Type.Integer({ description: 'Notifications sent for those alerts' }),
    peoplePaged: Type.Array(Ref),
    statusComponents: Type.Array(Ref, { description: 'Status-page components of its public incident' }),
    publicImpactMinutes: NullableInt('Minutes its status-page incident was (or is) open; null: never published'),
    overrides: ImpactOverridesSchema,
  },
  { description: "Pre-filled from the incident's record on every read, plus the author's text (overrides)" },
);

export const CommentSchema = Type.Object({
  id: Str,
  sectionKey: Str,
  author: ActorRef,
  body: Str,
  createdAt: Timestamp,
  resolvedAt: NullableTimestamp,
});

export const BlameSchema = Type.Object({
  findings: Type.Array(
    Type.Object({ ...BlameFindingSchema.properties, sectionKey: Str }, { description: 'Open findings' }),
  ),
  dismissed: Type.Array(
    Type.Object({
      fingerprint: Str,
      ruleId: Str,
      excerpt: Str,
      reason: Str,
      by: Type.String({ description: 'Who dismissed it' }),
      at: Timestamp,
    }),
  ),
});

const TemplateSectionSchema = Type.Object({
  key: Str,
  title: Str,
  kind: lit(SECTION_KINDS),
  required: Type.Boolean(),
  help: Str,
});

/** A whole post-mortem: what get, create, save, review, decide, publish and reopen answer. */
export const PostmortemSchema = Type.Object({
  id: Str,
  incidentId: Str,
  incident: Type.Object({ ...IncidentSummary, services: Type.Array(Ref) }),
  title: Str,
  status: PostmortemStatusSchema,
  owner: Type.Union([Ref, Type.Null()]),
  dueAt: NullableTimestamp,
  isRequired: Type.Boolean({ description: "The severity's policy requires it" }),
  isOverdue: Type.Boolean({ description: 'Not published and past its due date' }),
  template: Type.Object({ id: Str, name: Str }),
  sections: Type.Array(
    Type.Object({
      ...TemplateSectionSchema.properties,
      body: Str,
      isFilled: Type.Boolean({
        description: 'Counts as filled for publishing (whys, actions and factors also by their own records)',
      }),
    }),
  ),
  impact: ImpactSchema,
  publicSummary: NullableStr,
  publicSummaryPublishedAt: NullableTimestamp,
  revision: Type.Integer({ description: 'The latest saved revision: send it as baseRevision when saving' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  reviewRequestedAt: NullableTimestamp,
  publishedAt: NullableTimestamp,
  reviewers: Type.Array(
    Type.Object({
      user: Ref,
      decision: lit(['pending', ...DECISIONS] as const),
      decidedAt: NullableTimestamp,
      note: Str,
    }),
  ),
  comments: Type.Array(CommentSchema),
  blame: BlameSchema,
  publishProblems: Type.Array(
    Type.Object({
      code: Type.String({ description: 'section_empty, review_missing, changes_requested or blame_finding' }),
      message: Str,
      sectionKey: Type.Optional(Str),
    }),
    { description: 'What still blocks publishing (empty: ready)' },
  ),
});

/** One moment of the pre-filled timeline, with the author's marks. */
export const TimelineItemSchema = Type.Object({
  ref: Type.String({ description: 'Stable reference of the moment (marks are keyed by it)' }),
  at: Timestamp,
  kind: Type.String({ description: "The incident event's kind, alert_fired, alert_acknowledged, milestone or entry" }),
  source: lit(['incident', 'alert', 'milestone', 'entry'] as const),
  body: Str,
  actor: Type.Union([ActorRef, Type.Null()]),
  starred: Type.Boolean(),
  hidden: Type.Boolean(),
  tag: Type.Union([Str, Type.Null()], { description: 'detection, diagnosis, repair or key_moment' }),
  narrative: NullableStr,
  entryId: Type.Optional(Type.String({ description: 'Moments the author added (source entry): its id' })),
});

export const TimelineSchema = Type.Object({
  events: Type.Array(TimelineItemSchema),
  milestones: MilestonesSchema,
  metrics: MetricsSchema,
});

export const MilestoneChangeSchema = Type.Object({
  milestones: MilestonesSchema,
  metrics: MetricsSchema,
  warnings: Type.Array(Type.Object({ code: Str, message: Str })),
});

const RevisionFields = {
  revision: Type.Integer(),
  at: Timestamp,
  author: ActorRef,
  summary: Type.String({ description: 'What changed, in words' }),
};

export const RevisionListSchema = Type.Array(Type.Object(RevisionFields));

export const RevisionSchema = Type.Object({
  ...RevisionFields,
  snapshot: Type.Object(
    {
      title: Str,
      status: Str,
      sections: Type.Record(Str, Str, { description: 'Section key → body' }),
      impact: ImpactOverridesSchema,
      publicSummary: NullableStr,
      ownerUserId: NullableStr,
      dueAt: NullableTimestamp,
    },
    { description: 'The post-mortem as saved in this revision' },
  ),
  diff: Type.Array(
    Type.Object({
      field: Type.String({ description: 'title, sections, impact, publicSummary, ownerUserId or dueAt' }),
      sectionKey: Type.Optional(Str),
      unified: Type.String({ description: 'A unified diff against the revision before' }),
    }),
  ),
});

export const TemplateSchema = Type.Object({
  id: Str,
  name: Str,
  description: Str,
  isBuiltin: Type.Boolean(),
  sections: Type.Array(TemplateSectionSchema),
});

export const PolicySchema = Type.Object({
  severity: Str,
  mode: lit(POLICY_MODES),
  dueBusinessDays: Type.Union([Type.Integer(), Type.Null()]),
  templateId: Str,
});
