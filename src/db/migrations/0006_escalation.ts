import type { Kysely } from 'kysely';

// Escalation policies, one escalation run per paging alert (with the policy snapshotted at start), and a log of
// every step: who was paged, which levels were skipped and why, holds, stops.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('escalation_policies')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('repeat', 'integer', (c) => c.notNull())
    .addColumn('levels', 'text', (c) => c.notNull())
    .addColumn('working_hours', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('escalation_policies_team_idx').on('escalation_policies').column('team_id').execute();

  await db.schema
    .createTable('escalation_runs')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull().unique())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('level_index', 'integer', (c) => c.notNull())
    .addColumn('pass', 'integer', (c) => c.notNull())
    .addColumn('next_step_at', 'bigint')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('escalation_log')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('level_index', 'integer')
    .addColumn('pass', 'integer')
    .addColumn('user_ids', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('escalation_log_alert_idx').on('escalation_log').columns(['alert_id', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['escalation_log', 'escalation_runs', 'escalation_policies'])
    await db.schema.dropTable(t).ifExists().execute();
}
