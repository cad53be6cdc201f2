import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Comp time, the psychological-safety pulse and the double-command flags (issue 21; docs/people-health.md).
 *
 * - `comp_time_policies`: one per team: `kind` 'none' | 'hours_factor' | 'weekend_fixed'; the factor in percent (150 =
 *   1.5×), the minimum counted for a page answered out of hours, and the fixed minutes per on-call weekend.
 * - `comp_time_entries`: the ledger: accruals (positive minutes) and time off (negative), per team and person. An
 *   accrual names its `source` (`page:<alert>:<user>`, `incident:<incident>:<user>`, `weekend:<user>:<saturday>`):
 *   unique per team, so an accrual job that runs again inserts nothing twice. Time off has no source.
 * - `pulse_invitations`: one per incident and responder, created when the incident resolves; `answered` says the
 *   invitation was used, never what was answered or when.
 * - `pulse_answers`: the anonymous answers: a random id (not time-ordered; on SQLite a WITHOUT ROWID table, so no
 *   hidden insertion order either), the team and the day only. No user, no incident, no finer time.
 * - `double_command_flags`: one row per pair of open P1/P2 incidents with the same Incident Commander, so the flag on
 *   both timelines and the note to the team's administrators happen once per pair, whatever retries.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const isSqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('comp_time_policies')
    .addColumn('team_id', 'text', (c) => c.primaryKey().notNull().references('teams.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('factor_percent', 'integer', (c) => c.notNull())
    .addColumn('minimum_minutes', 'integer', (c) => c.notNull())
    .addColumn('weekend_minutes', 'integer', (c) => c.notNull())
    .addColumn('updated_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('comp_time_entries')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('minutes', 'integer', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('incident_id', 'text', (c) => c.references('incidents.id').onDelete('set null'))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('comp_time_entries_source_unique', ['team_id', 'source'])
    .execute();
  await db.schema
    .createIndex('comp_time_entries_team_idx')
    .on('comp_time_entries')
    .columns(['team_id', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('pulse_invitations')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('answered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pulse_invitations_pk', ['incident_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('pulse_invitations_user_idx')
    .on('pulse_invitations')
    .columns(['user_id', 'answered'])
    .execute();

  let answers = db.schema
    .createTable('pulse_answers')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('safe', 'integer', (c) => c.notNull())
    .addColumn('calm', 'integer', (c) => c.notNull())
    .addColumn('role_clear', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull().defaultTo(''));
  if (isSqlite) answers = answers.modifyEnd(sql`without rowid`);
  await answers.execute();
  await db.schema.createIndex('pulse_answers_team_idx').on('pulse_answers').columns(['team_id', 'day']).execute();

  await db.schema
    .createTable('double_command_flags')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('first_incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('second_incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('flagged_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('double_command_flags_pk', ['user_id', 'first_incident_id', 'second_incident_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('double_command_flags').execute();
  await db.schema.dropTable('pulse_answers').execute();
  await db.schema.dropTable('pulse_invitations').execute();
  await db.schema.dropTable('comp_time_entries').execute();
  await db.schema.dropTable('comp_time_policies').execute();
}
