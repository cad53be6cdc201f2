/**
 * What the runbook routes answer (src/http/routes/runbooks.ts; docs/runbooks.md): a runbook in a list and in full,
 * its versions and diffs, and the runbooks for an alert or an incident. Every field the service returns
 * (src/runbooks/service.ts) is declared here: Fastify serialises with these schemas and leaves out what they do not
 * name.
 */
import { Type } from '@sinclair/typebox';
import { MATCHER_OPS } from '../../runbooks/model.js';
import { NullableTimestamp, Timestamp } from '../schemas.js';
import { ActionSchema } from './remediation-schemas.js';

const Str = Type.String();
/**
 * A string of a closed set, for answers: an enum in the document (typed clients), a plain string to serialise (a
 * value outside the set is passed through, never a 500).
 */
const OneOf = (values: readonly string[], description?: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

const MatcherOut = Type.Object({
  name: Type.String({ description: 'A label name' }),
  op: OneOf(MATCHER_OPS, '= and != compare; =~ and !~ match an RE2 regex against the whole value'),
  value: Str,
});

export const RunbookSummarySchema = Type.Object({
  id: Str,
  teamId: Str,
  teamName: Str,
  slug: Str,
  title: Str,
  version: Type.Integer({ description: 'The latest version (each saved title or text is one)' }),
  reviewIntervalDays: Type.Integer(),
  lastReviewedAt: NullableTimestamp,
  reviewDueAt: Type.String({
    format: 'date-time',
    description: 'The last review (or the creation) plus the review interval',
  }),
  isStale: Type.Boolean({ description: 'Its review is due' }),
  serviceIds: Type.Array(Str),
  services: Type.Array(Type.Object({ id: Str, name: Str, slug: Str })),
  actionCount: Type.Integer({ description: 'Its remediation actions' }),
  updatedAt: Timestamp,
});

/**
 * A runbook's action as its page shows it: remediation's reading of the action (src/remediation/repo.ts `toAction`)
 * without the HTTP or agent configuration and the creation time.
 */
export const RunbookActionSchema = Type.Omit(ActionSchema, ['http', 'agent', 'createdAt']);

export const RunbookSchema = Type.Object({
  ...RunbookSummarySchema.properties,
  body: Type.String({ description: 'Markdown' }),
  alertRules: Type.Array(
    Type.Object({
      id: Str,
      alertname: Type.Union([Str, Type.Null()], { description: 'The alert rule key; null for any' }),
      matchers: Type.Array(MatcherOut, { description: 'All must hold' }),
    }),
  ),
  actions: Type.Array(RunbookActionSchema),
  createdAt: Timestamp,
  archivedAt: NullableTimestamp,
});

const versionFields = {
  version: Type.Integer(),
  title: Str,
  note: Type.String({ description: "The author's note on the change" }),
  authorUserId: Type.Union([Str, Type.Null()], { description: 'Null when not a person wrote it' }),
  authorLabel: Str,
  createdAt: Timestamp,
};

export const RunbookVersionListSchema = Type.Object({
  items: Type.Array(Type.Object(versionFields), { description: 'Newest first' }),
});

export const RunbookVersionSchema = Type.Object({ ...versionFields, body: Type.String({ description: 'Markdown' }) });

export const RunbookDiffSchema = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  title: Type.Object({ from: Str, to: Str }),
  unified: Type.String({ description: 'A unified diff of the text' }),
  changed: Type.Boolean({ description: 'The title or the text differ' }),
});

export const RunbooksForSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      runbook: RunbookSummarySchema,
      reason: OneOf(
        ['alert_rule', 'service', 'suggested'],
        'Why it applies: one of its alert rules matches, it serves an affected service, or an automation rule suggested it',
      ),
      actions: Type.Array(RunbookActionSchema),
    }),
    { description: 'Alert-rule matches first, then suggestions, then the services’' },
  ),
  externalUrl: Type.Union([Str, Type.Null()], {
    description: "The alert's own runbook link (a runbook_url annotation), if any",
  }),
});

export const FirstRunbooksSchema = Type.Object({
  runbooks: Type.Record(Type.String(), Type.Union([Type.Object({ id: Str, slug: Str, title: Str }), Type.Null()]), {
    description: 'By alert id: the runbook its page shows first, or null',
  }),
});
