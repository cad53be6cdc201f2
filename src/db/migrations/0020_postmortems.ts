import { sql, type Kysely } from 'kysely';

/**
 * Post-mortems and action items (docs/postmortems.md): templates (ordered sections with help text, some required), the
 * per-severity policy (required / optional / none, due in N business days, which template), one post-mortem per
 * incident with its sections, every revision, the author's curation of the pre-filled timeline (star, hide, tag,
 * narrative) and added entries, the 5 Whys tree, contributing factors from an editable taxonomy, reviewers and
 * comments per section, dismissed blame findings, action items (owner and due date required) and per-team tracker
 * connections (GitHub Issues, Jira) with a sealed token.
 */
const STANDARD_SECTIONS = [
  {
    key: 'summary',
    title: 'Summary',
    kind: 'text',
    required: true,
    help: 'Two or three sentences: what happened, who was affected, how it was fixed.',
  },
  {
    key: 'timeline',
    title: 'Timeline',
    kind: 'timeline',
    required: true,
    help: 'Pre-filled from the incident. Star the moments that matter, hide the noise, add what happened off-tool.',
  },
  {
    key: 'impact',
    title: 'Impact',
    kind: 'impact',
    required: true,
    help: 'Who was affected, for how long, and the business impact — with numbers.',
  },
  {
    key: 'root_cause',
    title: 'Root cause',
    kind: 'whys',
    required: true,
    help: 'Ask why until you reach something the organisation can change. "Human error" is never a root cause: ask one more why.',
  },
  {
    key: 'went_well',
    title: 'What went well',
    kind: 'text',
    required: true,
    help: 'What helped: detection, tools, people, runbooks. Keep doing these.',
  },
  {
    key: 'could_improve',
    title: 'What could be improved',
    kind: 'text',
    required: true,
    help: 'Where the system, the process or the tools made this harder. Describe systems, not people.',
  },
  {
    key: 'action_items',
    title: 'Action items',
    kind: 'actions',
    required: true,
    help: 'Each with one owner and a due date. Mitigate, prevent, detect or process.',
  },
];

const LIGHT_SECTIONS = [
  { key: 'summary', title: 'Summary', kind: 'text', required: true, help: 'What happened and how it was fixed.' },
  {
    key: 'timeline',
    title: 'Timeline',
    kind: 'timeline',
    required: false,
    help: 'Pre-filled from the incident; star what matters.',
  },
  {
    key: 'root_cause',
    title: 'Root cause',
    kind: 'whys',
    required: false,
    help: 'A short why-chain, if the cause is not obvious.',
  },
  {
    key: 'action_items',
    title: 'Action items',
    kind: 'actions',
    required: false,
    help: 'Follow-ups, each with an owner and a due date.',
  },
];

const FACTORS: [string, string, string][] = [
  ['change_management', 'Change management', 'A change (deploy, config, infrastructure) reached production unsafely.'],
  ['monitoring_gap', 'Monitoring gap', 'The problem was not detected, or detected late, by monitoring.'],
  ['capacity', 'Capacity', 'Load exceeded what the system was sized for.'],
  ['dependency', 'Dependency', 'A dependency (internal or third-party) failed or degraded.'],
  ['configuration_validation', 'Configuration validation', 'A configuration error was not caught before it applied.'],
  ['testing_gap', 'Testing gap', 'Tests did not cover the failing behaviour.'],
  ['documentation', 'Documentation', 'A runbook or document was missing, wrong or hard to find.'],
  ['alerting_noise', 'Alerting noise', 'Real signals were lost among non-actionable alerts.'],
  ['access_tooling', 'Access and tooling', 'Responders lacked access or tools needed to act.'],
  ['communication', 'Communication', 'Information did not reach the people who needed it.'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('postmortem_templates')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('sections', 'text', (c) => c.notNull())
    .addColumn('is_builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archived_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('postmortem_policies')
    .addColumn('severity', 'text', (c) => c.primaryKey().notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('due_business_days', 'integer')
    .addColumn('template_id', 'text', (c) => c.notNull().references('postmortem_templates.id'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('postmortems')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().unique().references('incidents.id').onDelete('cascade'))
    .addColumn('template_id', 'text', (c) => c.notNull().references('postmortem_templates.id'))
    .addColumn('template_sections', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('due_at', 'bigint')
    .addColumn('is_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sections', 'text', (c) => c.notNull())
    .addColumn('impact', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('public_summary', 'text')
    .addColumn('public_summary_published_at', 'bigint')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('review_requested_at', 'bigint')
    .addColumn('published_at', 'bigint')
    .addColumn('reminded_at', 'bigint')
    .execute();
  await db.schema.createIndex('postmortems_status_due_idx').on('postmortems').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('postmortems_owner_idx').on('postmortems').columns(['owner_user_id', 'status']).execute();

  await db.schema
    .createTable('postmortem_revisions')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('author_user_id', 'text')
    .addColumn('author_label', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addUniqueConstraint('postmortem_revisions_rev_uq', ['postmortem_id', 'revision'])
    .execute();

  await db.schema
    .createTable('postmortem_timeline_marks')
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('starred', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tag', 'text')
    .addColumn('narrative', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by_label', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('postmortem_timeline_marks_pk', ['postmortem_id', 'ref'])
    .execute();

  await db.schema
    .createTable('postmortem_timeline_entries')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('tag', 'text')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('postmortem_timeline_entries_pm_idx')
    .on('postmortem_timeline_entries')
    .columns(['postmortem_id', 'at'])
    .execute();

  await db.schema
    .createTable('postmortem_whys')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('parent_id', 'text')
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('answer', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('evidence', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('postmortem_whys_pm_idx').on('postmortem_whys').columns(['postmortem_id']).execute();

  await db.schema
    .createTable('contributing_factors')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archived_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('postmortem_factors')
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('factor_id', 'text', (c) => c.notNull().references('contributing_factors.id'))
    .addColumn('why_id', 'text')
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('postmortem_factors_pk', ['postmortem_id', 'factor_id'])
    .execute();
  await db.schema
    .createIndex('postmortem_factors_factor_idx')
    .on('postmortem_factors')
    .columns(['factor_id'])
    .execute();

  await db.schema
    .createTable('postmortem_reviewers')
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('requested_by_label', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('decided_at', 'bigint')
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addPrimaryKeyConstraint('postmortem_reviewers_pk', ['postmortem_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('postmortem_comments')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('section_key', 'text', (c) => c.notNull())
    .addColumn('author_user_id', 'text')
    .addColumn('author_label', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by_label', 'text')
    .execute();
  await db.schema
    .createIndex('postmortem_comments_pm_idx')
    .on('postmortem_comments')
    .columns(['postmortem_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('postmortem_blame_dismissals')
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('excerpt', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('dismissed_by_label', 'text', (c) => c.notNull())
    .addColumn('dismissed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('postmortem_blame_dismissals_pk', ['postmortem_id', 'fingerprint'])
    .execute();

  await db.schema
    .createTable('action_items')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('postmortem_id', 'text', (c) => c.references('postmortems.id').onDelete('set null'))
    .addColumn('incident_id', 'text', (c) => c.references('incidents.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('verification', 'text')
    .addColumn('verification_alert_rule', 'text')
    .addColumn('source_section', 'text')
    .addColumn('source_why_id', 'text')
    .addColumn('tracker_provider', 'text')
    .addColumn('tracker_key', 'text')
    .addColumn('tracker_url', 'text')
    .addColumn('created_by_user_id', 'text')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('done_at', 'bigint')
    .addColumn('verified_at', 'bigint')
    .addColumn('reminded_at', 'bigint')
    .addColumn('overdue_notified_at', 'bigint')
    .execute();
  // The board's keyset orders: (due_at, id) within a status, an owner or a team.
  await db.schema
    .createIndex('action_items_status_due_idx')
    .on('action_items')
    .columns(['status', 'due_at', 'id'])
    .execute();
  await db.schema
    .createIndex('action_items_owner_due_idx')
    .on('action_items')
    .columns(['owner_user_id', 'due_at', 'id'])
    .execute();
  await db.schema
    .createIndex('action_items_team_due_idx')
    .on('action_items')
    .columns(['team_id', 'due_at', 'id'])
    .execute();
  await db.schema.createIndex('action_items_due_idx').on('action_items').columns(['due_at', 'id']).execute();
  await db.schema.createIndex('action_items_postmortem_idx').on('action_items').columns(['postmortem_id']).execute();
  await db.schema.createIndex('action_items_incident_idx').on('action_items').columns(['incident_id']).execute();

  await db.schema
    .createTable('tracker_connections')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('issue_type', 'text')
    .addColumn('username', 'text')
    .addColumn('token_sealed', 'text', (c) => c.notNull())
    .addColumn('allow_private_address', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('tracker_connections_team_provider_uq', ['team_id', 'provider'])
    .execute();

  // Built-in templates, the default policy (P1/P2 required, due in 5 business days; P3 optional; P4 none) and the
  // contributing-factor taxonomy. Admins edit all three.
  const now = Date.now();
  await sql`insert into postmortem_templates (id, name, description, sections, is_builtin, created_at, updated_at) values
    (${'pmt_standard'}, ${'Standard'}, ${'The six parts: timeline, impact, root cause through 5 Whys, what went well, what could be improved, action items.'}, ${JSON.stringify(STANDARD_SECTIONS)}, 1, ${now}, ${now}),
    (${'pmt_light'}, ${'Lightweight'}, ${'For P3/P4: a summary, the timeline, a short why-chain and follow-ups.'}, ${JSON.stringify(LIGHT_SECTIONS)}, 1, ${now}, ${now})`.execute(
    db,
  );
  await sql`insert into postmortem_policies (severity, mode, due_business_days, template_id, updated_at) values
    ('P1', 'required', 5, 'pmt_standard', ${now}),
    ('P2', 'required', 5, 'pmt_standard', ${now}),
    ('P3', 'optional', 10, 'pmt_light', ${now}),
    ('P4', 'none', null, 'pmt_light', ${now})`.execute(db);
  let position = 0;
  for (const [key, label, description] of FACTORS) {
    position += 1;
    await sql`insert into contributing_factors (id, key, label, description, position, created_at)
      values (${`cf_${key}`}, ${key}, ${label}, ${description}, ${position}, ${now})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'tracker_connections',
    'action_items',
    'postmortem_blame_dismissals',
    'postmortem_comments',
    'postmortem_reviewers',
    'postmortem_factors',
    'contributing_factors',
    'postmortem_whys',
    'postmortem_timeline_entries',
    'postmortem_timeline_marks',
    'postmortem_revisions',
    'postmortems',
    'postmortem_policies',
    'postmortem_templates',
  ])
    await db.schema.dropTable(t).ifExists().execute();
}
