import { sql, type Kysely } from 'kysely';

/**
 * Paging groups (issue 14, "one page per problem"): alerts of the same paging group on a service share one
 * escalation run while it lasts, so a storm pages once.
 * - escalation_run_alerts (run_id, alert_id, joined_at): every alert a run stands for, its lead alert
 *   (escalation_runs.alert_id) included. Backfilled with each existing run's lead. An alert belongs to one run.
 * - escalation_runs.service_id and .paging_key: the group a run pages for (null key: the run takes no other alert,
 *   as every run before this migration and every run of a service paging per alert).
 * - services.paging_group_mode (`alertmanager` | `labels` | `window` | `per_alert`), .paging_group_labels (JSON
 *   array of label names, mode `labels`) and .paging_group_window_minutes (mode `window`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('escalation_run_alerts')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('escalation_run_alerts_pk', ['run_id', 'alert_id'])
    .execute();
  await db.schema
    .createIndex('escalation_run_alerts_alert_idx')
    .on('escalation_run_alerts')
    .column('alert_id')
    .execute();
  await sql`
    INSERT INTO escalation_run_alerts (run_id, alert_id, joined_at)
    SELECT id, alert_id, started_at FROM escalation_runs`.execute(db);
  await db.schema.alterTable('escalation_runs').addColumn('service_id', 'text').execute();
  await db.schema.alterTable('escalation_runs').addColumn('paging_key', 'text').execute();
  await db.schema
    .createIndex('escalation_runs_paging_key_idx')
    .on('escalation_runs')
    .columns(['service_id', 'paging_key', 'started_at'])
    .execute();
  await db.schema
    .alterTable('services')
    .addColumn('paging_group_mode', 'text', (c) => c.notNull().defaultTo('alertmanager'))
    .execute();
  await db.schema
    .alterTable('services')
    .addColumn('paging_group_labels', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('services')
    .addColumn('paging_group_window_minutes', 'integer', (c) => c.notNull().defaultTo(10))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('services').dropColumn('paging_group_window_minutes').execute();
  await db.schema.alterTable('services').dropColumn('paging_group_labels').execute();
  await db.schema.alterTable('services').dropColumn('paging_group_mode').execute();
  await db.schema.dropIndex('escalation_runs_paging_key_idx').execute();
  await db.schema.alterTable('escalation_runs').dropColumn('paging_key').execute();
  await db.schema.alterTable('escalation_runs').dropColumn('service_id').execute();
  await db.schema.dropTable('escalation_run_alerts').execute();
}
