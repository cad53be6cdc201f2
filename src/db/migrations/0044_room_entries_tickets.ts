import type { Kysely } from 'kysely';

/**
 * Issue 22, items 4 and 5:
 * - incident_entries: the room's typed entries (hypothesis, ruled out, finding, decision) with author, text and an
 *   evidence link. A hypothesis has an owner and a task (incident_tasks) and stays `open` until its owner or the
 *   IC/Technical Lead rules it out or confirms it; the other types are `recorded`. Each entry and each outcome is also
 *   a timeline event (kinds hypothesis, ruled_out, finding, decision), which is what the room's live stream carries.
 * - incident_tickets: at most one tracker ticket per incident (GitHub or Jira: the team's tracker connection, the same
 *   as post-mortem action items'), created by a durable job; its state is refreshed by another (`is_closed` from the
 *   tracker's own word: GitHub `state`, Jira's status category).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incident_entries')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('evidence_url', 'text')
    .addColumn('author_user_id', 'text')
    .addColumn('author_label', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('task_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('outcome_note', 'text')
    .addColumn('closed_by_label', 'text')
    .addColumn('closed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_entries_incident_idx')
    .on('incident_entries')
    .columns(['incident_id', 'id'])
    .execute();

  await db.schema
    .createTable('incident_tickets')
    .addColumn('incident_id', 'text', (c) => c.primaryKey().notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('key', 'text')
    .addColumn('url', 'text')
    .addColumn('state', 'text')
    .addColumn('is_closed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state_checked_at', 'bigint')
    .addColumn('error', 'text')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('incident_tickets').execute();
  await db.schema.dropTable('incident_entries').execute();
}
