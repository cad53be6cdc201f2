/**
 * Response schemas of the people-health routes (docs/people-health.md; issue 17 item 2): heroes, knowledge, load and
 * recovery, the service health card, the team settings (src/people/service.ts) and the ledger: engagements, comp time
 * and the pulse (src/people/ledger/service.ts). Instants as RFC 3339; shares are fractions from 0 to 1. Fastify leaves
 * out any field a schema does not declare, so each lists every field the route answers (MUSTER_RESPONSE_DIFFS).
 */
import { Type } from '@sinclair/typebox';
import { Timestamp } from '../schemas.js';
import { StatsSchema } from './insights-schemas.js';

const Str = Type.String();
const NullableStr = Type.Union([Str, Type.Null()]);
/** A fraction from 0 to 1 (no bounds in the schema: a union is chosen by validating, and a bound must never fail). */
const Share = (description?: string) => Type.Number(description ? { description } : {});
const TeamRef = Type.Object({ id: Str, name: Str });

/** The window a figure covers; `kinds` the incident kinds counted (real, and drill or imported when asked). */
export const PeopleWindowSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  kinds: Type.Optional(Type.Array(Str, { description: 'Incident kinds counted: real, drill, imported' })),
});

// ---- heroes ------------------------------------------------------------------------------------------------------

const Measures = (description: string) =>
  Type.Object(
    {
      pages: Type.Number(),
      incidents: Type.Number(),
      roles: Type.Number(),
      offHours: Type.Number({ description: 'Hours from pages outside working hours to their resolution' }),
    },
    { description },
  );

export const HeroReportSchema = Type.Object({
  teamId: Str,
  team: TeamRef,
  window: PeopleWindowSchema,
  thresholds: Type.Object({ medianFactor: Type.Number(), shareOfTeam: Type.Number(), minCount: Type.Number() }),
  people: Type.Array(
    Type.Object({
      userId: Str,
      name: Str,
      pagesAcknowledged: Type.Integer({ description: "Pages of the team's services this person acknowledged" }),
      incidentsResponded: Type.Integer({
        description: "The team's incidents this person held a role in, acknowledged a linked alert of, or joined",
      }),
      rolesHeld: Type.Integer({ description: "Incident roles taken on the team's incidents" }),
      offHoursPageHours: Type.Number({
        description: 'Hours from each page outside working hours (their zone) to its resolution, capped per page',
      }),
      share: Measures("This person's share (0 to 1) of the team's total of each measure"),
      flagged: Type.Boolean({ description: 'A hero on at least one measure' }),
      reasons: Type.Array(Str, { description: 'Why, one sentence per measure flagged' }),
    }),
  ),
  teamTotals: Measures("The team's total of each measure"),
  median: Measures('The median over the people listed'),
});

export const HeroItemsSchema = Type.Object({
  truncated: Type.Boolean({ description: 'More than 500: only the newest 500 are listed' }),
  items: Type.Array(
    Type.Object({
      kind: Type.Union([
        Type.Literal('page'),
        Type.Literal('incident'),
        Type.Literal('role'),
        Type.Literal('off_hours_page'),
      ]),
      at: Timestamp,
      incidentId: NullableStr,
      incidentTitle: NullableStr,
      alertId: NullableStr,
      alertTitle: NullableStr,
      serviceName: NullableStr,
      detail: Type.String({ description: 'What the person did, in words' }),
    }),
  ),
});

// ---- knowledge ---------------------------------------------------------------------------------------------------

const KnowledgePersonSchema = Type.Object({
  userId: Str,
  name: Str,
  handled: Type.Integer({ description: 'Incidents of the service this person handled' }),
  share: Share("handled ÷ the service's incidents"),
});

export const KnowledgeReportSchema = Type.Object({
  window: PeopleWindowSchema,
  thresholds: Type.Object({ share: Type.Number(), minIncidents: Type.Number() }),
  services: Type.Array(
    Type.Object({
      serviceId: Str,
      name: Str,
      team: TeamRef,
      incidents: Type.Integer(),
      people: Type.Array(KnowledgePersonSchema),
      flagged: Type.Boolean({ description: 'One person handled most of its incidents' }),
      holder: Type.Union([KnowledgePersonSchema, Type.Null()], {
        description: 'Who handled the most (null without incidents)',
      }),
      reason: NullableStr,
      remedies: Type.Array(
        Type.Object({
          kind: Type.Union([Type.Literal('write_runbook'), Type.Literal('add_shadow'), Type.Literal('pair_next')]),
          href: Type.String({ description: 'Where the web UI does it' }),
          text: Str,
        }),
      ),
    }),
  ),
});

// ---- load and recovery -------------------------------------------------------------------------------------------

export const RecoverySchema = Type.Object({
  userId: Str,
  name: Str,
  pagedAt: Type.String({ format: 'date-time', description: 'The first page in sleep hours that broke the night' }),
  pages: Type.Integer({ description: 'Pages in sleep hours that night' }),
  recoveryFrom: Timestamp,
  recoveryTo: Timestamp,
  cover: Type.Union(
    [
      Type.Object({
        scheduleId: Str,
        scheduleName: Str,
        proposal: Type.Object({
          start: Timestamp,
          end: Timestamp,
          userId: Type.Union([Str, Type.Null()], { description: 'Who could cover; null: nobody is free' }),
          userName: NullableStr,
        }),
      }),
      Type.Null(),
    ],
    { description: "A cover of the person's own shift in the recovery time (null: not on call then)" },
  ),
});

export const LoadReportSchema = Type.Object({
  team: TeamRef,
  window: PeopleWindowSchema,
  timeZone: Type.String({ description: "The team's zone, months are read in" }),
  loadShare: Type.Number({ description: "A month is flagged above this share of its hours on call (the team's)" }),
  people: Type.Array(
    Type.Object({
      userId: Str,
      name: Str,
      months: Type.Array(
        Type.Object({
          month: Type.String({ format: 'date-time', description: 'Start of the month (or of the window)' }),
          onCallHours: Type.Number(),
          share: Share("On-call hours ÷ the month's hours"),
          flagged: Type.Boolean(),
        }),
      ),
      flagged: Type.Boolean({ description: 'Some month is flagged' }),
    }),
  ),
  backToBack: Type.Array(
    Type.Object({
      userId: Str,
      name: Str,
      scheduleIds: Type.Array(Str, { description: 'Two or more schedules whose shifts touch or overlap' }),
      from: Timestamp,
      to: Timestamp,
    }),
  ),
  recovery: Type.Array(RecoverySchema),
});

export const MyRecoverySchema = Type.Object({ recovery: Type.Array(RecoverySchema) });

// ---- the service health card -------------------------------------------------------------------------------------

export const HealthCardSchema = Type.Object({
  serviceId: Str,
  name: Str,
  slug: Str,
  owningTeam: Type.Object({ id: Str, name: Str, slug: Str }),
  window: PeopleWindowSchema,
  openIncidents: Type.Integer(),
  pages: Type.Integer(),
  pagesPerWeek: Type.Number(),
  noisyShare: Type.Union([Share(), Type.Null()], {
    description: 'Judged alerts judged anything but actionable; null: none judged',
  }),
  mtta: StatsSchema,
  mttr: StatsSchema,
  postmortemCompletion: Type.Union([Share(), Type.Null()], { description: 'null: no post-mortem was due' }),
  overdueActionItems: Type.Integer(),
  runbookCoverage: Type.Object({
    hasRunbook: Type.Boolean(),
    runbookCount: Type.Integer(),
    alertRulesCovered: Type.Union([Share(), Type.Null()], {
      description: 'Share of its alert rules with a runbook; null: no alert rules',
    }),
  }),
  knowledgeFlag: Type.Boolean({ description: 'One person handled most of its incidents' }),
  knowledgeHolder: Type.Union([Type.Object({ userId: Str, name: Str, share: Share() }), Type.Null()]),
  score: Type.Number({ description: 'Higher is worse (docs/people-health.md: the score)' }),
});

export const TeamServiceHealthSchema = Type.Object({
  team: TeamRef,
  window: PeopleWindowSchema,
  services: Type.Array(HealthCardSchema, { description: 'Worst first' }),
});

// ---- settings ----------------------------------------------------------------------------------------------------

const Clock = Type.String({ description: 'HH:MM local time' });

export const PeopleSettingsSchema = Type.Object({
  teamId: Str,
  heroMedianFactor: Type.Number(),
  heroShareOfTeam: Type.Number(),
  heroMinCount: Type.Number(),
  knowledgeShare: Type.Number(),
  knowledgeMinIncidents: Type.Number(),
  loadShare: Type.Number(),
  recoveryHours: Type.Number(),
  workDays: Type.Array(Type.Integer(), { description: 'ISO weekdays, 1 = Monday' }),
  workStart: Clock,
  workEnd: Clock,
  sleepStart: Clock,
  sleepEnd: Clock,
  saved: Type.Boolean({ description: 'false: the team has saved none, every value is a default' }),
});

// ---- engagements -------------------------------------------------------------------------------------------------

const EngagementSchema = Type.Object({
  incidentId: Str,
  title: Str,
  severity: Str,
  status: Str,
  roles: Type.Array(Str, { description: 'Roles the person holds in it' }),
  paged: Type.Boolean({ description: 'Paged for one of its alerts' }),
  joined: Type.Boolean({ description: 'Joined its room' }),
});

export const UserEngagementsSchema = Type.Object({ userId: Str, incidents: Type.Array(EngagementSchema) });

export const EngagementsSchema = Type.Object({
  people: Type.Array(Type.Object({ userId: Str, incidents: Type.Array(EngagementSchema) })),
});

// ---- comp time ---------------------------------------------------------------------------------------------------

export const CompTimePolicySchema = Type.Object({
  kind: Type.Union([Type.Literal('none'), Type.Literal('hours_factor'), Type.Literal('weekend_fixed')]),
  factor: Type.Number({ description: 'hours_factor: hours responding outside working hours × this' }),
  minimumHours: Type.Number({ description: 'hours_factor: what a page outside working hours counts at least' }),
  weekendHours: Type.Number({ description: 'weekend_fixed: hours per on-call weekend' }),
});

const CompTimeEntryFields = {
  id: Str,
  userId: Str,
  name: Str,
  kind: Type.String({ description: 'What it is: time_off, or what accrued it' }),
  hours: Type.Number({ description: 'Negative for time off taken' }),
  occurredAt: Timestamp,
  note: Str,
};

export const CompTimeLedgerSchema = Type.Object({
  teamId: Str,
  from: Timestamp,
  to: Timestamp,
  policy: CompTimePolicySchema,
  balances: Type.Array(
    Type.Object({
      userId: Str,
      name: Str,
      accruedHours: Type.Number(),
      takenHours: Type.Number(),
      balanceHours: Type.Number({ description: 'Accrued less taken' }),
    }),
    { description: 'Most owed first' },
  ),
  entries: Type.Array(
    Type.Object({ ...CompTimeEntryFields, incidentId: NullableStr, createdBy: Str }, { description: 'Newest first' }),
  ),
});

export const TimeOffSchema = Type.Object(CompTimeEntryFields);

// ---- the pulse ---------------------------------------------------------------------------------------------------

export const MyPulseSchema = Type.Object({ invited: Type.Boolean(), answered: Type.Boolean() });

export const PulseAnsweredSchema = Type.Object({ answered: Type.Literal(true) });

export const MyOpenPulsesSchema = Type.Object({
  invitations: Type.Array(Type.Object({ incidentId: Str, title: Str, severity: Str })),
});

const Distribution = Type.Object({
  mean: Type.Number(),
  counts: Type.Array(Type.Integer(), { minItems: 5, maxItems: 5, description: 'How many answered 1, 2, 3, 4, 5' }),
});

const QuarterFields = {
  quarter: Type.String({ description: 'e.g. 2026-Q3' }),
  from: Timestamp,
  to: Timestamp,
};

export const TeamPulseSchema = Type.Object({
  teamId: Str,
  minimumAnswers: Type.Integer({ description: 'A quarter with fewer answers shows no figures' }),
  quarters: Type.Array(
    Type.Union([
      Type.Object({ ...QuarterFields, suppressed: Type.Literal(true) }),
      Type.Object({
        ...QuarterFields,
        suppressed: Type.Literal(false),
        answers: Type.Integer(),
        safe: Distribution,
        calm: Distribution,
        roleClear: Distribution,
        comments: Type.Array(Str, { description: 'The optional texts, in alphabetical order' }),
      }),
    ]),
  ),
});
