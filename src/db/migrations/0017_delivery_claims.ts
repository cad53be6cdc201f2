import type { Kysely } from 'kysely';

/**
 * A page is claimed in a short transaction, sent outside any transaction, and recorded in another (issue 23): a
 * delivery being sent is `sending` with the claim's token (the fence its record must match) and the time after which
 * an unfinished claim (its process died mid-send) may be taken over. The contact-method index serves "is this contact
 * method failing?" (its latest finished deliveries).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notification_deliveries').addColumn('claim_token', 'text').execute();
  await db.schema.alterTable('notification_deliveries').addColumn('claimed_until', 'bigint').execute();
  await db.schema
    .createIndex('notification_deliveries_contact_idx')
    .on('notification_deliveries')
    .columns(['contact_method_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('notification_deliveries_contact_idx').ifExists().execute();
  await db.schema.alterTable('notification_deliveries').dropColumn('claimed_until').execute();
  await db.schema.alterTable('notification_deliveries').dropColumn('claim_token').execute();
}
