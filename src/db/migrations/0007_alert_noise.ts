import { sql, type Kysely } from 'kysely';

// Alert noise: silences (label matchers, optional service scope), maintenance windows per service, why an alert is
// not paging (silenced, in maintenance, flapping) and until when, when paging started, flapping marks, the rule key
// that alert-quality reports group by, and the kind and author of change events.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('silences')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('service_id', 'text', (c) => c.references('services.id').onDelete('cascade'))
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_by_user_id', 'text')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('expired_by_label', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('silences_ends_idx').on('silences').columns(['ends_at', 'id']).execute();

  await db.schema
    .createTable('maintenance_windows')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_by_user_id', 'text')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('maintenance_windows_service_idx')
    .on('maintenance_windows')
    .columns(['service_id', 'ends_at'])
    .execute();

  await db.schema
    .alterTable('alerts')
    .addColumn('rule_key', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('alerts')
    .addColumn('is_flapping', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('alerts').addColumn('suppressed_reason', 'text').execute();
  await db.schema.alterTable('alerts').addColumn('suppressed_by_id', 'text').execute();
  await db.schema.alterTable('alerts').addColumn('suppressed_until', 'bigint').execute();
  await db.schema.alterTable('alerts').addColumn('paged_at', 'bigint').execute();
  // Alerts from before this migration paged at once; their rule is their group's name.
  await sql`update alerts set paged_at = created_at`.execute(db);
  await sql`update alerts set rule_key = coalesce((select title from alert_groups g where g.id = alerts.group_id), '')`.execute(
    db,
  );
  await db.schema.createIndex('alerts_rule_idx').on('alerts').columns(['created_at', 'rule_key']).execute();
  await db.schema.createIndex('alerts_suppressed_idx').on('alerts').column('suppressed_by_id').execute();

  await db.schema
    .alterTable('alert_groups')
    .addColumn('is_flapping', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .alterTable('change_events')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('other'))
    .execute();
  await db.schema.alterTable('change_events').addColumn('author', 'text').execute();
  await db.schema.createIndex('change_events_at_idx').on('change_events').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('change_events_at_idx').ifExists().execute();
  await db.schema.alterTable('change_events').dropColumn('author').execute();
  await db.schema.alterTable('change_events').dropColumn('kind').execute();
  await db.schema.alterTable('alert_groups').dropColumn('is_flapping').execute();
  await db.schema.dropIndex('alerts_suppressed_idx').ifExists().execute();
  await db.schema.dropIndex('alerts_rule_idx').ifExists().execute();
  for (const c of [
    'paged_at',
    'suppressed_until',
    'suppressed_by_id',
    'suppressed_reason',
    'is_flapping',
    'rule_key',
  ]) {
    await db.schema.alterTable('alerts').dropColumn(c).execute();
  }
  await db.schema.dropTable('maintenance_windows').ifExists().execute();
  await db.schema.dropTable('silences').ifExists().execute();
}
