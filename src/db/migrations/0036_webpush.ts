import type { Kysely } from 'kysely';

/**
 * Web Push contact methods (issue 14, item 4): a push subscription the push service said is gone (404 or 410,
 * RFC 8030 §7.3) is marked expired, shown so, and no longer paged. Null: in use (every row before this migration).
 * The subscription itself needs no new column: its endpoint is the address, its keys (p256dh and auth) the secret.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contact_methods').addColumn('expired_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contact_methods').dropColumn('expired_at').execute();
}
