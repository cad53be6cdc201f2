import { sql, type Kysely } from 'kysely';

/**
 * Whether a status-page subscriber may point at a private address: only one an administrator added. Sending checks
 * public subscribers' addresses again, on the address it connects to (DNS rebinding). Subscribers from before this
 * column are classed by who subscribed them, from the audit trail: a signed-in user (an administrator; the admin
 * route requires one) or the public page (`actor_user_id` null).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('status_subscribers')
    .addColumn('allows_private_address', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    update status_subscribers set allows_private_address = 1
    where id in (
      select target_id from audit_events
      where action = 'status_page.subscribed' and target_type = 'status_subscriber' and actor_user_id is not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('status_subscribers').dropColumn('allows_private_address').execute();
}
