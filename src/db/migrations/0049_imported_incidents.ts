import type { Kysely } from 'kysely';

/**
 * Imported history (issue 16 item 4, docs/import.md): an incident imported from PagerDuty, Opsgenie or Grafana OnCall
 * is an incident of kind 'imported' (migration 0022) that also names where it came from: the source, its id there
 * (unique per source, so importing it again changes nothing) and a link back. Null on every other incident.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incidents').addColumn('import_source', 'text').execute();
  await db.schema.alterTable('incidents').addColumn('external_id', 'text').execute();
  await db.schema.alterTable('incidents').addColumn('external_url', 'text').execute();
  // Both engines treat nulls as distinct here: only imported incidents are constrained.
  await db.schema
    .createIndex('incidents_import_unique')
    .on('incidents')
    .columns(['import_source', 'external_id'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incidents_import_unique').execute();
  await db.schema.alterTable('incidents').dropColumn('external_url').execute();
  await db.schema.alterTable('incidents').dropColumn('external_id').execute();
  await db.schema.alterTable('incidents').dropColumn('import_source').execute();
}
