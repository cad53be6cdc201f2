import type { Kysely } from 'kysely';

// The public status page: its settings, components, published incidents and their public updates, scheduled
// maintenance, update templates, subscribers (email with double opt-in, signed webhooks) and one notification row per
// subscriber × update (the durable job's state).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('status_page_settings')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('signing_secret', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('status_components')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('service_ids', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('display_order', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('status_incidents')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().unique().references('incidents.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('impact', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('status_incidents_published_idx').on('status_incidents').column('published_at').execute();

  await db.schema
    .createTable('status_maintenances')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('component_ids', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('cancelled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('status_maintenances_ends_idx').on('status_maintenances').column('ends_at').execute();

  await db.schema
    .createTable('status_updates')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('status_incident_id', 'text', (c) => c.references('status_incidents.id').onDelete('cascade'))
    .addColumn('maintenance_id', 'text', (c) => c.references('status_maintenances.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text')
    .addColumn('posted_by_label', 'text', (c) => c.notNull())
    .addColumn('posted_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('status_updates_incident_idx')
    .on('status_updates')
    .columns(['status_incident_id', 'posted_at'])
    .execute();
  await db.schema
    .createIndex('status_updates_maintenance_idx')
    .on('status_updates')
    .columns(['maintenance_id', 'posted_at'])
    .execute();

  await db.schema
    .createTable('status_templates')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('public_text', 'text', (c) => c.notNull())
    .addColumn('internal_text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('status_subscribers')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('confirmed_at', 'bigint')
    .addColumn('unsubscribed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('status_subscribers_address_idx')
    .on('status_subscribers')
    .columns(['kind', 'address'])
    .execute();

  await db.schema
    .createTable('status_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('subscriber_id', 'text', (c) => c.notNull().references('status_subscribers.id').onDelete('cascade'))
    .addColumn('update_id', 'text', (c) => c.notNull().references('status_updates.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addUniqueConstraint('status_notifications_once', ['subscriber_id', 'update_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'status_notifications',
    'status_subscribers',
    'status_templates',
    'status_updates',
    'status_maintenances',
    'status_incidents',
    'status_components',
    'status_page_settings',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
