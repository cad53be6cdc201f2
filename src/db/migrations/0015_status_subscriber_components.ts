import type { Kysely } from 'kysely';

// Per-component status subscriptions: the component ids a subscriber follows, as JSON text; [] follows them all.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('status_subscribers')
    .addColumn('component_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('status_subscribers').dropColumn('component_ids').execute();
}
