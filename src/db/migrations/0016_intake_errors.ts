import type { Kysely } from 'kysely';

/**
 * The intake error log: each alert a delivery carried that could not be applied (and each message that could not be
 * read at all, when its integration key was valid), with the raw item (capped) and the reason, so the service's
 * owners see what their monitoring sent. Pruned with the received bodies (alerts.prunePayloads).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('intake_errors')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('integration_key_id', 'text', (c) => c.notNull())
    .addColumn('payload_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('item_index', 'integer')
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('raw_item', 'text', (c) => c.notNull())
    .addColumn('raw_truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('intake_errors_service_idx').on('intake_errors').columns(['service_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('intake_errors').ifExists().execute();
}
