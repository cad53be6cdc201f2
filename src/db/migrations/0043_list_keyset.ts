import { sql, type Kysely } from 'kysely';

/**
 * Keyset pagination of the alert and incident lists (issue 17 item 6; docs/alerts.md, "Listing"): each list is read
 * newest first by `(created_at, id)` (alerts) or `(declared_at, id)` (incidents), resuming after a cursor with a
 * row-value comparison, so a page is an index range scan however deep it is. One index per common filter, each ending
 * with the sort key: everything, open only (partial, `status <> 'resolved'` as the list writes it), one status, one
 * service (and its open ones), one severity. Both engines scan a b-tree backwards for the descending order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('alerts_list_idx').on('alerts').columns(['created_at', 'id']).execute();
  await db.schema
    .createIndex('alerts_list_open_idx')
    .on('alerts')
    .columns(['created_at', 'id'])
    .where(sql.ref('status'), '<>', sql.lit('resolved'))
    .execute();
  await db.schema.createIndex('alerts_list_status_idx').on('alerts').columns(['status', 'created_at', 'id']).execute();
  await db.schema
    .createIndex('alerts_list_service_idx')
    .on('alerts')
    .columns(['service_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('alerts_list_service_open_idx')
    .on('alerts')
    .columns(['service_id', 'created_at', 'id'])
    .where(sql.ref('status'), '<>', sql.lit('resolved'))
    .execute();
  await db.schema
    .createIndex('alerts_list_severity_idx')
    .on('alerts')
    .columns(['severity', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('incidents_list_idx').on('incidents').columns(['declared_at', 'id']).execute();
  await db.schema
    .createIndex('incidents_list_open_idx')
    .on('incidents')
    .columns(['declared_at', 'id'])
    .where(sql.ref('status'), '<>', sql.lit('resolved'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'incidents_list_open_idx',
    'incidents_list_idx',
    'alerts_list_severity_idx',
    'alerts_list_service_open_idx',
    'alerts_list_service_idx',
    'alerts_list_status_idx',
    'alerts_list_open_idx',
    'alerts_list_idx',
  ])
    await db.schema.dropIndex(name).ifExists().execute();
}
