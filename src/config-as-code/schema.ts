/**
 * The config-as-code format (docs/config-as-code.md): one TypeBox schema per kind of object, and the schema of a file,
 * from which the published JSON Schema (`GET /api/config/schema.json`, `muster config schema`) is made. Every object
 * is closed (no field it does not declare) and addressed by a stable name: users by email, everything else by a slug.
 * Nothing here names a database id.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

export const SlugSchema = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,47}$',
  description: 'A stable name: lower-case letters, digits and dashes, at most 48',
});
const Email = Type.String({
  pattern: '^[^\\s@]+@[^\\s@]+$',
  maxLength: 320,
  description: "The person's email address: how a user is named everywhere in the files",
});
const Zone = Type.String({ minLength: 1, maxLength: 64, description: 'An IANA time zone such as Europe/London' });
const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', description: 'HH:MM, 24-hour' });
const LocalDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });
const Instant = Type.String({ minLength: 10, maxLength: 40, description: 'An RFC 3339 date-time' });
const Text = (maxLength: number, description?: string) =>
  Type.String({ maxLength, ...(description ? { description } : {}) });
const lit = <const T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      description ? { description } : {},
    ),
  );

export const TEAM_ROLES = ['owner', 'admin', 'responder', 'viewer'] as const;
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const UserSchema = Type.Object(
  {
    email: Email,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.Optional(Zone),
    admin: Type.Optional(Type.Boolean({ description: 'An organisation administrator (default false)' })),
    notificationRules: Type.Optional(
      Type.Array(
        Type.Object(
          {
            contactMethod: Type.Object(
              {
                kind: Type.String({
                  minLength: 1,
                  maxLength: 20,
                  description: 'email, sms, voice, webhook, ntfy, slack, push',
                }),
                address: Type.String({ minLength: 1, maxLength: 2000 }),
              },
              { ...closed, description: "One of the person's own contact methods (they add it in Muster)" },
            ),
            urgency: lit(['high', 'low']),
            delayMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
          },
          closed,
        ),
        { description: 'When given, exactly these rules; left out, the rules are left alone' },
      ),
    ),
  },
  {
    ...closed,
    description: 'A person. One not yet in Muster is created invited: no password, they sign in with a link.',
  },
);

export const TeamSchema = Type.Object(
  {
    slug: SlugSchema,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Text(2000)),
    members: Type.Optional(
      Type.Array(Type.Object({ user: Email, role: lit(TEAM_ROLES) }, closed), {
        description: "The team's members; when given, exactly these (others are removed)",
      }),
    ),
  },
  { ...closed, description: 'A team and its members' },
);

export const IntegrationKeyDeclSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    source: lit(['alertmanager', 'pagerduty', 'grafana', 'generic', 'change'], 'Which intake endpoint the key serves'),
  },
  { ...closed, description: 'Declared by name and source; the secret is never in a file (apply makes it, once)' },
);

export const SilenceSchema = Type.Object(
  {
    matchers: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          value: Type.String({ maxLength: 1000 }),
          isRegex: Type.Optional(Type.Boolean({ description: 'RE2 syntax (default false)' })),
          isEqual: Type.Optional(Type.Boolean({ description: 'false: the label must not match (default true)' })),
        },
        closed,
      ),
      { minItems: 1, maxItems: 50 },
    ),
    start: Instant,
    end: Instant,
    comment: Type.String({ minLength: 1, maxLength: 4000, description: 'Why' }),
  },
  {
    ...closed,
    description:
      'A silence across every service: alerts matching every matcher are recorded, not paged. Named by what it says; ended ones are history',
  },
);

export const ServiceSchema = Type.Object(
  {
    slug: SlugSchema,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    team: SlugSchema,
    description: Type.Optional(Text(2000)),
    criticality: Type.Optional(lit(['critical', 'high', 'medium', 'low'])),
    escalationPolicy: Type.Optional(Type.Union([SlugSchema, Type.Null()], { description: "A policy's slug" })),
    dependsOn: Type.Optional(Type.Array(SlugSchema, { description: 'Slugs of the services this one depends on' })),
    incidentRule: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Object(
          {
            alertSeverities: Type.Array(lit(['critical', 'error', 'warning', 'info']), { minItems: 1, maxItems: 4 }),
            incidentSeverity: lit(['P1', 'P2', 'P3', 'P4']),
          },
          { ...closed, description: 'Alerts of these severities declare an incident of this severity' },
        ),
      ]),
    ),
    pagingGroups: Type.Optional(
      Type.Object(
        {
          mode: lit(['alertmanager', 'labels', 'window', 'per_alert']),
          labels: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 10 })),
          windowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
        },
        { ...closed, description: 'How alerts share a page (docs/alerts.md, "Paging groups")' },
      ),
    ),
    integrationKeys: Type.Optional(Type.Array(IntegrationKeyDeclSchema)),
    maintenanceWindows: Type.Optional(
      Type.Array(Type.Object({ start: Instant, end: Instant, comment: Type.Optional(Text(1000)) }, closed), {
        description: 'The whole service pages nobody from start to end; ended windows are history, not compared',
      }),
    ),
    silences: Type.Optional(
      Type.Array(
        Type.Object(
          {
            matchers: Type.Array(
              Type.Object(
                {
                  name: Type.String({ minLength: 1, maxLength: 100 }),
                  value: Type.String({ maxLength: 1000 }),
                  isRegex: Type.Optional(Type.Boolean({ description: 'RE2 syntax (default false)' })),
                  isEqual: Type.Optional(
                    Type.Boolean({ description: 'false: the label must not match (default true)' }),
                  ),
                },
                closed,
              ),
              { maxItems: 20 },
            ),
            start: Instant,
            end: Instant,
            comment: Type.String({ minLength: 1, maxLength: 1000, description: 'Why' }),
          },
          closed,
        ),
        {
          description: "This service's alerts matching every matcher are recorded, not paged; ended ones not compared",
        },
      ),
    ),
  },
  { ...closed, description: 'A service of the catalog' },
);

const Target = Type.Union(
  [
    Type.Object({ user: Email }, { ...closed, description: 'Page this person' }),
    Type.Object({ schedule: SlugSchema }, { ...closed, description: 'Page whoever is on call in this schedule' }),
  ],
  { description: 'A user (by email) or a schedule (by slug)' },
);

const Condition = Type.Union([
  Type.Object({ kind: lit(['always', 'working_hours', 'outside_working_hours']) }, closed),
  Type.Object(
    { kind: Type.Literal('days_of_week'), days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1 }) },
    closed,
  ),
]);

export const EscalationPolicySchema = Type.Object(
  {
    slug: SlugSchema,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    team: SlugSchema,
    description: Type.Optional(Text(2000)),
    repeat: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'Passes after the first (default 0)' })),
    ackTimeoutMinutes: Type.Optional(Type.Union([Type.Integer({ minimum: 5, maximum: 10080 }), Type.Null()])),
    shared: Type.Optional(Type.Boolean({ description: "Other teams' services may use it" })),
    workingHours: Type.Optional(
      Type.Object(
        {
          timezone: Zone,
          days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { description: 'ISO weekdays, 1 = Monday' }),
          start: ClockTime,
          end: ClockTime,
        },
        { ...closed, description: 'Default: Monday to Friday, 09:00 to 17:00 UTC' },
      ),
    ),
    levels: Type.Array(
      Type.Object(
        {
          delayMinutes: Type.Integer({
            minimum: 1,
            maximum: 1440,
            description: 'Minutes before the next level; kept to the minute, never rounded',
          }),
          condition: Type.Optional(Condition),
          targets: Type.Array(Target, { minItems: 1 }),
        },
        closed,
      ),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { ...closed, description: 'An escalation policy: who is paged at each level, and after how long' },
);

const Turn = Type.Union([
  Type.Object({ unit: lit(['hours', 'days', 'weeks']), count: Type.Integer({ minimum: 1, maximum: 8784 }) }, closed),
  Type.Object({ unit: Type.Literal('duration'), seconds: Type.Integer({ minimum: 60, maximum: 31_622_400 }) }, closed),
]);

export const LayerSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    timeZone: Type.Optional(Type.Union([Zone, Type.Null()], { description: "The layer's own zone (follow the sun)" })),
    participants: Type.Array(Email, { maxItems: 100, description: 'Emails, in rotation order' }),
    turn: Turn,
    startDate: LocalDate,
    handoffTime: ClockTime,
    restrictions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            days: Type.Optional(Type.Array(lit(DAYS), { description: 'Every day when empty or left out' })),
            start: ClockTime,
            end: ClockTime,
          },
          {
            ...closed,
            description: 'On call only from start to end (local time); an end at or before start runs past midnight',
          },
        ),
        { maxItems: 28 },
      ),
    ),
    endsAt: Type.Optional(Type.Union([Instant, Type.Null()])),
  },
  { ...closed, description: 'A rotation; later layers sit above earlier ones' },
);

export const ScheduleSchema = Type.Object(
  {
    slug: SlugSchema,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    team: SlugSchema,
    description: Type.Optional(Text(2000)),
    timezone: Zone,
    shared: Type.Optional(Type.Boolean({ description: "Other teams' escalation policies may page it" })),
    layers: Type.Optional(Type.Array(LayerSchema, { maxItems: 50 })),
    overrides: Type.Optional(
      Type.Array(Type.Object({ user: Email, start: Instant, end: Instant, reason: Type.Optional(Text(500)) }, closed), {
        description: 'Overrides that have not ended; ended ones are history and not compared',
      }),
    ),
  },
  { ...closed, description: 'An on-call schedule' },
);

export const SEVERITY_KEYS = ['P1', 'P2', 'P3', 'P4'] as const;
export const SECTION_KIND_NAMES = ['text', 'timeline', 'impact', 'whys', 'actions', 'factors'] as const;

export const PostmortemTemplateSchema = Type.Object(
  {
    slug: SlugSchema,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(2000)),
    sections: Type.Array(
      Type.Object(
        {
          key: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$', description: 'lower-case letters, digits and _' }),
          title: Type.String({ minLength: 1, maxLength: 200 }),
          kind: lit(SECTION_KIND_NAMES),
          required: Type.Optional(Type.Boolean({ description: 'Publishing needs it filled in (default false)' })),
          help: Type.Optional(Text(2000, 'What to write here')),
        },
        closed,
      ),
      { minItems: 1, maxItems: 30 },
    ),
  },
  {
    ...closed,
    description:
      'A post-mortem template: ordered sections. The built-in ones (standard, light, gameday) cannot be deleted.',
  },
);

export const SeverityPolicySchema = Type.Object(
  {
    severity: lit(SEVERITY_KEYS),
    requireDistinctRoles: Type.Optional(
      Type.Boolean({ description: 'All three roles held by three different people (default: P1 only)' }),
    ),
    commanderDeadlineMinutes: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 10080 }), Type.Null()], {
        description: 'Page when no Incident Commander is assigned this long after declaration (0: at once)',
      }),
    ),
    updateReminderMinutes: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 10080 }), Type.Null()], {
        description: 'Remind the Communications Lead to post a status update this often',
      }),
    ),
    pagesOutOfHours: Type.Optional(Type.Boolean({ description: 'Pages people outside business hours' })),
    postmortem: Type.Optional(
      Type.Object(
        {
          mode: lit(['required', 'optional', 'none']),
          dueBusinessDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 60 }), Type.Null()])),
          template: Type.Optional(SlugSchema),
        },
        { ...closed, description: 'Whether a post-mortem is required, when it is due, which template' },
      ),
    ),
  },
  { ...closed, description: 'What a severity demands. All four always exist: a field left out takes its default.' },
);

export const RunbookSchema = Type.Object(
  {
    team: SlugSchema,
    slug: Type.String({
      pattern: '^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$',
      description: "Unique in its team: lower-case letters, digits and dashes, at most 60 (the runbook's address)",
    }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    body: Type.Optional(Text(200_000, 'Markdown; every text applied is a new version')),
    reviewIntervalDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 730, description: 'Remind the team after this many days (default 90)' }),
    ),
    services: Type.Optional(Type.Array(SlugSchema, { maxItems: 50, description: 'Slugs of the services it is for' })),
    alertRules: Type.Optional(
      Type.Array(
        Type.Object(
          {
            alertname: Type.Optional(
              Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], {
                description: 'The alert rule key; left out or null: any alert its matchers match',
              }),
            ),
            matchers: Type.Optional(
              Type.Array(
                Type.Object(
                  {
                    name: Type.String({ minLength: 1, maxLength: 100 }),
                    op: lit(['=', '!=', '=~', '!~']),
                    value: Type.String({ maxLength: 1000 }),
                  },
                  { ...closed, description: '=~ and !~ are RE2 regular expressions' },
                ),
                { maxItems: 20 },
              ),
            ),
          },
          closed,
        ),
        { maxItems: 20, description: 'The alerts it is suggested for' },
      ),
    ),
  },
  { ...closed, description: 'A runbook of a team, addressed by team and slug; left out with --prune it is archived' },
);

export const StatusPageComponentSchema = Type.Object(
  {
    slug: SlugSchema,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(2000)),
    services: Type.Optional(
      Type.Array(SlugSchema, { maxItems: 50, description: 'Slugs of the services whose incidents it reflects' }),
    ),
    displayOrder: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Lower first on the page (default 0)' }),
    ),
  },
  {
    ...closed,
    description: 'A component of the public status page; its status is set in Muster during incidents, not here',
  },
);

/** The kinds, in the order they are applied (deletions go in the reverse order). */
export const KINDS = [
  'users',
  'teams',
  'schedules',
  'escalationPolicies',
  'services',
  'postmortemTemplates',
  'severityPolicies',
  'runbooks',
  'statusPageComponents',
  'silences',
] as const;
export type Kind = (typeof KINDS)[number];

export const KIND_SCHEMAS = {
  users: UserSchema,
  teams: TeamSchema,
  schedules: ScheduleSchema,
  escalationPolicies: EscalationPolicySchema,
  services: ServiceSchema,
  postmortemTemplates: PostmortemTemplateSchema,
  severityPolicies: SeverityPolicySchema,
  runbooks: RunbookSchema,
  statusPageComponents: StatusPageComponentSchema,
  silences: SilenceSchema,
} satisfies Record<Kind, TSchema>;

export const ConfigFileSchema = Type.Object(
  {
    users: Type.Optional(Type.Array(UserSchema)),
    teams: Type.Optional(Type.Array(TeamSchema)),
    schedules: Type.Optional(Type.Array(ScheduleSchema)),
    escalationPolicies: Type.Optional(Type.Array(EscalationPolicySchema)),
    services: Type.Optional(Type.Array(ServiceSchema)),
    postmortemTemplates: Type.Optional(Type.Array(PostmortemTemplateSchema)),
    severityPolicies: Type.Optional(Type.Array(SeverityPolicySchema)),
    runbooks: Type.Optional(Type.Array(RunbookSchema)),
    statusPageComponents: Type.Optional(Type.Array(StatusPageComponentSchema)),
    silences: Type.Optional(Type.Array(SilenceSchema)),
  },
  {
    ...closed,
    title: 'Muster configuration',
    description: 'One file of a Muster configuration directory (docs/config-as-code.md)',
  },
);

export type UserDoc = Static<typeof UserSchema>;
export type TeamDoc = Static<typeof TeamSchema>;
export type ServiceDoc = Static<typeof ServiceSchema>;
export type EscalationPolicyDoc = Static<typeof EscalationPolicySchema>;
export type ScheduleDoc = Static<typeof ScheduleSchema>;
export type LayerDoc = Static<typeof LayerSchema>;
export type PostmortemTemplateDoc = Static<typeof PostmortemTemplateSchema>;
export type SeverityPolicyDoc = Static<typeof SeverityPolicySchema>;
export type RunbookDoc = Static<typeof RunbookSchema>;
export type StatusPageComponentDoc = Static<typeof StatusPageComponentSchema>;
export type SilenceDoc = Static<typeof SilenceSchema>;
export type ConfigFileDoc = Static<typeof ConfigFileSchema>;

/** The published JSON Schema: plain JSON (TypeBox's symbols dropped), draft-07 as yaml-language-server reads it. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(JSON.parse(JSON.stringify(ConfigFileSchema)) as Record<string, unknown>),
  };
}
