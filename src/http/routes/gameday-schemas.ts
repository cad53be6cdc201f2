/**
 * What the game-day routes answer (src/http/routes/gamedays.ts and gameday-live.ts; docs/gamedays.md): scenarios, a
 * game day in a list and in full, the measures, the debrief, the drill key and a fired drill alert. Every field the
 * service returns (src/gamedays/service.ts `presentScenario`, `get`, `list`, `measure`) is declared here: Fastify
 * serialises with these schemas and leaves out what they do not name.
 */
import { Type } from '@sinclair/typebox';
import { COMPARATORS } from '../../gamedays/live/halt.js';
import { PROVIDERS } from '../../gamedays/live/injection/types.js';
import {
  ACTION_OUTCOMES,
  CATEGORIES,
  HYPOTHESIS_OUTCOMES,
  LEVELS,
  MODES,
  PARTICIPANT_ROLES,
  RECURRENCES,
  STATUSES,
} from '../../gamedays/model.js';
import { NullableTimestamp, Timestamp } from '../schemas.js';
import { IntegrationKeySchema } from './catalog.js';
import { StatsSchema } from './insights-schemas.js';

const Str = Type.String();
const NullableStr = Type.Union([Str, Type.Null()]);
/**
 * A string of a closed set, for answers: an enum in the document (typed clients), a plain string to serialise (the
 * rows hold plain strings; a value outside the set is passed through, never a 500).
 */
const OneOf = (values: readonly string[], description?: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
const Seconds = (description: string) => Type.Union([Type.Integer(), Type.Null()], { description });
const SeverityOut = OneOf(['P1', 'P2', 'P3', 'P4'], "The drill incident's severity");

const ScriptInjectOut = Type.Object({
  offsetSeconds: Type.Integer({ description: 'Seconds after the start' }),
  body: Str,
});

export const ScenarioSchema = Type.Object({
  id: Str,
  key: Type.Union([Str, Type.Null()], { description: "A built-in scenario's key; null for a team's own" }),
  teamId: Type.Union([Str, Type.Null()], { description: 'The owning team; null for a built-in' }),
  name: Str,
  category: OneOf(CATEGORIES),
  level: OneOf(LEVELS, 'The level the scenario suggests: tabletop, live (real paging) or injection (a chaos tool)'),
  advice: Type.String({ description: 'The advice shown with the level' }),
  summary: Str,
  hypothesis: Str,
  expectedActions: Type.Array(Str),
  injects: Type.Array(ScriptInjectOut),
  safetyNotes: Str,
  isBuiltin: Type.Boolean({ description: 'Built-in scenarios are read-only' }),
  archivedAt: NullableTimestamp,
  createdByLabel: Str,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Person = Type.Object({ id: Str, name: Str });

/** The fields a game day has in a list and in full (src/gamedays/service.ts `summary`). */
const summaryFields = {
  id: Str,
  teamId: Str,
  scenarioId: Type.Union([Str, Type.Null()], { description: 'The scenario it was planned from' }),
  title: Str,
  mode: OneOf(MODES, 'tabletop (injects in a drill room) or live (pages the real on-call, labelled DRILL)'),
  status: OneOf(STATUSES),
  severity: SeverityOut,
  scheduledAt: NullableTimestamp,
  durationMinutes: Type.Integer(),
  recurrence: OneOf(RECURRENCES),
  seriesId: Type.Union([Str, Type.Null()], {
    description: "A recurring series' id (the first game day's), shared by each one of the series",
  }),
  muteChat: Type.Boolean({ description: 'A communication-failure drill: the chat integration stays silent' }),
  incidentId: Type.Union([Str, Type.Null()], { description: 'The drill incident (the drill room), once started' }),
  startedAt: NullableTimestamp,
  haltedAt: NullableTimestamp,
  endedAt: NullableTimestamp,
};

export const GamedayListItemSchema = Type.Object({
  ...summaryFields,
  teamName: Str,
  facilitator: Type.Union([Person, Type.Null()]),
});

const InjectOut = Type.Object({
  id: Str,
  position: Type.Integer(),
  offsetSeconds: Type.Integer({ description: 'Seconds after the start' }),
  body: Str,
  status: OneOf(['pending', 'delivered', 'skipped']),
  deliveredAt: NullableTimestamp,
  dueAt: Type.Union([Timestamp, Type.Null()], { description: 'When it is posted: the start plus the offset' }),
  addedLive: Type.Boolean({ description: 'Added by the facilitator while the game day ran' }),
});

const ExpectedActionOut = Type.Object({
  id: Str,
  position: Type.Integer(),
  body: Str,
  outcome: OneOf(ACTION_OUTCOMES),
  markedAt: NullableTimestamp,
  markedByLabel: NullableStr,
});

const InjectionOut = Type.Object(
  {
    provider: OneOf(PROVIDERS),
    url: Type.String({
      description: 'The URL called; cut to scheme://host[:port] for a reader who may not change the game day',
    }),
    config: Type.Unknown({ description: "The provider's own document (the secret is never shown)" }),
    hasSecret: Type.Boolean(),
    state: OneOf(['idle', 'starting', 'started', 'rolled_back', 'failed']),
    startedAt: NullableTimestamp,
    rolledBackAt: NullableTimestamp,
    lastError: NullableStr,
  },
  { description: 'The failure injection started with the game day and rolled back when it halts or ends' },
);

const HaltConditionOut = Type.Object({
  id: Str,
  kind: OneOf(['prometheus', 'real_incident'], 'A Prometheus threshold, or a real P1/P2 on a target service'),
  prometheusUrl: Type.Union([Str, Type.Null()], {
    description: 'Cut to scheme://host[:port] for a reader who may not change the game day',
  }),
  query: NullableStr,
  comparator: Type.Union([OneOf(COMPARATORS), Type.Null()]),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  lastValue: Type.Union([Type.Number(), Type.Null()], { description: 'The value the last check read' }),
  lastCheckedAt: NullableTimestamp,
  lastError: NullableStr,
});

const GamedayEventOut = Type.Object({
  id: Str,
  at: Timestamp,
  kind: Type.String({
    description: 'created, updated, started, inject_added, action_marked, halted, ended, cancelled, fired, …',
  }),
  actorLabel: Str,
  body: Str,
});

export const GamedaySchema = Type.Object({
  ...summaryFields,
  teamName: Str,
  scenario: Str,
  hypothesis: Str,
  safetyNotes: Str,
  facilitator: Type.Union([Person, Type.Null()]),
  haltReason: Type.Union([Str, Type.Null()], { description: 'Why it was halted, as the timelines say it' }),
  haltKind: Type.Union([Str, Type.Null()], { description: 'abort, real_incident or prometheus' }),
  hypothesisOutcome: Type.Union([OneOf(HYPOTHESIS_OUTCOMES), Type.Null()]),
  createdByLabel: Str,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  participants: Type.Array(Type.Object({ userId: Str, name: Str, role: OneOf(PARTICIPANT_ROLES) })),
  serviceIds: Type.Array(Str, { description: 'The target services' }),
  injects: Type.Array(InjectOut),
  expectedActions: Type.Array(ExpectedActionOut),
  injection: Type.Union([InjectionOut, Type.Null()]),
  haltConditions: Type.Array(HaltConditionOut),
  events: Type.Array(GamedayEventOut, { description: "The game day's own timeline" }),
  postmortemId: Type.Union([Str, Type.Null()], { description: 'The debrief (the drill incident’s post-mortem)' }),
});

/** How the people responded in one drill (src/gamedays/measures.ts `Figures`), in whole seconds from the start. */
const figureFields = {
  timeToAcknowledge: Seconds('To the first acknowledgement of a page; null for a tabletop or none yet'),
  timeToSeverity: Seconds('To the severity assessed (the first-five-minutes checklist)'),
  timeToRoles: Seconds('To an Incident Commander and a Technical Lead assigned'),
  timeToRecentChanges: Seconds('To the recent changes checked'),
  timeToMitigate: Seconds('To the drill incident mitigated by the team'),
  checklist: Type.Object({ done: Type.Integer(), total: Type.Integer() }),
  rolesHeldByDifferentPeople: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'Null until each of the three roles has been held; false when one person held two',
  }),
  actions: Type.Object(
    { done: Type.Integer(), missed: Type.Integer(), pending: Type.Integer() },
    { description: 'The expected actions by outcome' },
  ),
};

export const MeasuresSchema = Type.Object({
  gamedayId: Str,
  startedAt: NullableTimestamp,
  ...figureFields,
  earlierDrills: Type.Array(
    Type.Object({ gamedayId: Str, title: Str, startedAt: Timestamp, severity: Str, ...figureFields }),
    { description: "The team's earlier drills, newest first (up to 10)" },
  ),
  realIncidents: Type.Object(
    { severity: Str, from: Timestamp, to: Timestamp, mtta: StatsSchema, mttm: StatsSchema },
    { description: "The team's real incidents of the same severity over the last 90 days" },
  ),
});

export const DebriefSchema = Type.Object({
  postmortemId: Str,
  created: Type.Boolean({ description: 'False when the debrief had already been started' }),
});

export const DrillKeySchema = Type.Object({
  key: Type.String({ description: 'The plaintext key. Shown in this response only.' }),
  integrationKey: IntegrationKeySchema,
});

export const FiredSchema = Type.Object({
  alertId: Type.Union([Str, Type.Null()], { description: 'The alert the intake raised or updated; null if ignored' }),
  outcome: Type.String({ description: 'What the intake did: created, updated, acknowledged, resolved or ignored' }),
  serviceId: Type.String({ description: 'The target service whose drill key was used' }),
});
