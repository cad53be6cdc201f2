import type { Kysely } from 'kysely';

/**
 * Recurrence (docs/insights.md): a responder may say an incident is the same as an earlier one ("same as #123").
 * One row per pair as linked (incident_id is the incident the link was made from); readers treat it as symmetric.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incident_links')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('related_incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('same_as'))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_links_pk', ['incident_id', 'related_incident_id'])
    .execute();
  await db.schema
    .createIndex('incident_links_related_idx')
    .on('incident_links')
    .column('related_incident_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('incident_links').execute();
}
