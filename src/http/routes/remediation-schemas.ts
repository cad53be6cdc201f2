/**
 * What the remediation routes answer (src/http/routes/remediation.ts; docs/runbooks.md, "Actions"): actions, runs
 * with their output chunks, and a team's kill switch. Every field the presenters return is declared here: Fastify
 * serialises with these schemas and leaves out what they do not name.
 */
import { Type } from '@sinclair/typebox';
import { ACTION_KINDS, ACTION_MODES, RUN_STATUSES } from '../../remediation/model.js';
import { NullableTimestamp, Timestamp } from '../schemas.js';

const Str = Type.String();
const NullableStr = Type.Union([Str, Type.Null()]);
/** A string of a closed set, for answers: an enum in the document (typed clients), a plain string to serialise. */
export const OneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
const Strings = Type.Record(Type.String(), Type.String());

const ParamOut = Type.Object({
  name: Str,
  from: OneOf(
    ['label', 'annotation', 'input'] as const,
    'Where the value comes from: an alert label or annotation, or the person running it',
  ),
  key: Type.String({ description: 'The label or annotation name, or the input field' }),
  pattern: Type.Optional(Type.String({ description: 'The RE2 pattern the value must match (default: a safe token)' })),
  required: Type.Boolean(),
});

const AutoConditionsOut = Type.Object(
  {
    alertnames: Type.Optional(Type.Array(Str)),
    serviceIds: Type.Optional(Type.Array(Str)),
    severities: Type.Optional(Type.Array(Str)),
    matchers: Type.Optional(
      Type.Array(Type.Object({ name: Str, op: OneOf(['=', '!=', '=~', '!~'] as const), value: Str })),
    ),
  },
  { description: 'When an automatic action runs for a new alert; empty for other modes. Lists left out mean any.' },
);

const HttpOut = Type.Object({
  method: Type.String({ description: 'GET, POST, PUT, PATCH or DELETE' }),
  url: Type.String({ description: 'A template: placeholders like {{label.instance}} are filled per run' }),
  headers: Type.Record(Type.String(), Type.String(), {
    description: 'Header templates, names in lower case; a credential header shows "[hidden]" (sealed, never returned)',
  }),
  body: Type.Unknown({ description: "The JSON body template (the team's own document), or null for none" }),
  dryRun: Type.Union(
    [
      Type.Object({
        query: Type.Optional(Strings),
        header: Type.Optional(Strings),
        body: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }),
      Type.Null(),
    ],
    { description: 'What a dry run adds to the request (query, headers, body fields); null: no dry run' },
  ),
  hasSecret: Type.Boolean({ description: 'Requests are signed with a secret (never returned)' }),
  allowPrivateAddress: Type.Boolean(),
});

const AgentOut = Type.Object({
  agentId: Type.Union([Str, Type.Null()], { description: "One agent of the team, or null: any of the team's agents" }),
  command: Type.String({ description: "A command of the agent's allow-list" }),
  args: Type.Array(Type.String({ description: 'An argument template' })),
  dryRunArgs: Type.Optional(Type.Array(Str, { description: 'The arguments of a dry run' })),
});

export const ActionSchema = Type.Object({
  id: Str,
  teamId: Str,
  runbookId: NullableStr,
  slug: Str,
  name: Str,
  description: Str,
  kind: OneOf(ACTION_KINDS),
  mode: OneOf(ACTION_MODES, 'manual, approval (a second person approves each run) or automatic (runs for new alerts)'),
  enabled: Type.Boolean(),
  params: Type.Array(ParamOut),
  timeoutSeconds: Type.Integer(),
  rateLimitPerHour: Type.Integer({ description: 'Automatic runs allowed per hour' }),
  autoConditions: AutoConditionsOut,
  dryRunSupported: Type.Boolean(),
  http: Type.Union([HttpOut, Type.Null()], { description: 'An HTTP action’s request; null for an agent action' }),
  agent: Type.Union([AgentOut, Type.Null()], { description: 'An agent action’s command; null for an HTTP action' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Person = Type.Object({ userId: NullableStr, label: Str });

export const RunSchema = Type.Object({
  id: Str,
  actionId: Str,
  actionName: Str,
  kind: OneOf(ACTION_KINDS),
  teamId: Str,
  incidentId: NullableStr,
  alertId: NullableStr,
  serviceId: NullableStr,
  status: OneOf(RUN_STATUSES),
  dryRun: Type.Boolean(),
  trigger: OneOf(
    ['manual', 'automatic', 'rule'] as const,
    'manual (a person), automatic (an automatic action for a new alert) or rule (an automation rule)',
  ),
  ruleId: Type.Union([Str, Type.Null()], { description: 'The automation rule that ran it' }),
  params: Type.Record(Type.String(), Type.String(), { description: 'The parameter values the run used' }),
  requestedBy: Type.Object({ userId: NullableStr, label: Str }, { description: 'Who asked (no user: automatic)' }),
  approvedBy: Type.Union([Person, Type.Null()], { description: 'Who approved or rejected it' }),
  decidedAt: NullableTimestamp,
  decisionNote: Type.Union([Str, Type.Null()], { description: "The approver's note, or the reason it was rejected" }),
  icFlagged: Type.Boolean({
    description: "The incident's Incident Commander ran it: the incident's timeline flags it",
  }),
  agentId: Type.Union([Str, Type.Null()], { description: 'The agent that ran it' }),
  exitCode: Type.Union([Type.Integer(), Type.Null()], { description: "An agent command's exit status" }),
  httpStatus: Type.Union([Type.Integer(), Type.Null()], { description: "An HTTP action's answer status" }),
  output: Type.String({ description: 'The output (capped at 64 KB); the stream sends an empty string' }),
  outputTruncated: Type.Boolean(),
  error: NullableStr,
  startedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Timestamp,
});

export const ChunkSchema = Type.Object({
  seq: Type.Integer(),
  stream: Type.String({ description: 'stdout, stderr or system' }),
  chunk: Str,
  at: Timestamp,
});

export const RunDetailSchema = Type.Composite([RunSchema, Type.Object({ chunks: Type.Array(ChunkSchema) })]);

export const AutomationSettingsSchema = Type.Object({
  teamId: Str,
  automaticPaused: Type.Boolean({ description: 'Automatic runs are paused (manual and approved runs still run)' }),
  reason: NullableStr,
  updatedBy: Type.Union([Str, Type.Null()], { description: 'Who last paused or resumed (a label)' }),
  updatedAt: NullableTimestamp,
});
