import type { Kysely } from 'kysely';

// Service catalog, integration keys, alert intake (alerts, groups, history, raw payloads) and change events.
// Portable DDL only: text ids, bigint millisecond timestamps, integer booleans, JSON as text.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('services')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('criticality', 'text', (c) => c.notNull())
    .addColumn('escalation_policy_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('services_team_idx').on('services').column('team_id').execute();

  await db.schema
    .createTable('service_dependencies')
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('depends_on_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_dependencies_pk', ['service_id', 'depends_on_id'])
    .execute();
  await db.schema
    .createIndex('service_dependencies_target_idx')
    .on('service_dependencies')
    .column('depends_on_id')
    .execute();

  await db.schema
    .createTable('integration_keys')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('replaced_by_id', 'text')
    .execute();
  await db.schema.createIndex('integration_keys_service_idx').on('integration_keys').column('service_id').execute();

  // Every accepted intake request body, so an alert's history can point at exactly what was received.
  await db.schema
    .createTable('intake_payloads')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('integration_key_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alert_groups')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('alert_count', 'integer', (c) => c.notNull())
    .addColumn('open_count', 'integer', (c) => c.notNull())
    .addColumn('first_alert_at', 'bigint', (c) => c.notNull())
    .addColumn('last_alert_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alert_groups_key_idx')
    .on('alert_groups')
    .columns(['service_id', 'group_key', 'id'])
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
    .addColumn('group_id', 'text', (c) => c.notNull().references('alert_groups.id'))
    .addColumn('integration_key_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    // `source:dedup_key` while the alert is open, null once resolved: the unique index below allows one open alert
    // per key and service (NULLs never collide on either engine), without a partial index.
    .addColumn('open_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('is_paging', 'integer', (c) => c.notNull())
    .addColumn('has_runbook', 'integer', (c) => c.notNull())
    .addColumn('source_starts_at', 'bigint')
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('occurrence_count', 'integer', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by_user_id', 'text')
    .addColumn('acknowledged_by_label', 'text')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by_user_id', 'text')
    .addColumn('resolved_by_label', 'text')
    .addColumn('classification', 'text')
    .addColumn('classification_note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alerts_open_key_idx')
    .on('alerts')
    .columns(['service_id', 'open_key'])
    .unique()
    .execute();
  await db.schema.createIndex('alerts_dedup_idx').on('alerts').columns(['service_id', 'dedup_key', 'id']).execute();
  await db.schema.createIndex('alerts_status_idx').on('alerts').columns(['status', 'id']).execute();
  await db.schema.createIndex('alerts_group_idx').on('alerts').column('group_id').execute();

  await db.schema
    .createTable('alert_events')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('payload_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_events_alert_idx').on('alert_events').columns(['alert_id', 'id']).execute();

  await db.schema
    .createTable('change_events')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('integration_key_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('payload_id', 'text')
    .execute();
  await db.schema.createIndex('change_events_service_idx').on('change_events').columns(['service_id', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'change_events',
    'alert_events',
    'alerts',
    'alert_groups',
    'intake_payloads',
    'integration_keys',
    'service_dependencies',
    'services',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
