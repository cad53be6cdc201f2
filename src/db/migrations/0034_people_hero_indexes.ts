import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Indexes for the hero signal (issue 21 benchmark, bench/people.ts; src/people/loaders.ts `loadHeroHistory`):
 * - alerts (service_id, is_drill, id): a team's alerts (drills apart) as a list read from the index alone, which the
 *   window's pages and acknowledgements are checked against before any alert row is read.
 * - alert_events (kind, at, alert_id, actor_user_id), in place of 0033's (kind, at): the window's acknowledgements,
 *   with the alert and the person, from the index alone.
 * - escalation_log (kind, at, alert_id), in place of 0024's (kind, at): a page's row is read only when its alert is
 *   the team's (a year's pages of one team of ten, SQLite: 38 -> 24 ms).
 * Year, one team, bench/people.ts history, the hero signal's acknowledgements: 64 -> 16 ms on SQLite; 90 days on
 * PostgreSQL 93 -> ~20 ms (the alert list also spares it a scan of every alert).
 * On SQLite, where the planner's statistics exist (`sqlite_stat1`: the database was analysed), the new indexes are
 * analysed too: an index without statistics beside indexes with them looks far more selective than it is, and the
 * planner then picks it for the wrong queries (a list of alerts by id read service by service). A database never
 * analysed stays so. PostgreSQL keeps its statistics itself.
 * Indexes only: no column or row changes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('alerts_service_drill_idx')
    .on('alerts')
    .columns(['service_id', 'is_drill', 'id'])
    .execute();
  await db.schema
    .createIndex('alert_events_kind_at_alert_idx')
    .on('alert_events')
    .columns(['kind', 'at', 'alert_id', 'actor_user_id'])
    .execute();
  await db.schema.dropIndex('alert_events_kind_at_idx').execute();
  await db.schema
    .createIndex('escalation_log_kind_at_alert_idx')
    .on('escalation_log')
    .columns(['kind', 'at', 'alert_id'])
    .execute();
  await db.schema.dropIndex('escalation_log_kind_at_idx').execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    const stats = await sql<{ n: number }>`select count(*) as n from sqlite_master where name = 'sqlite_stat1'`.execute(
      db,
    );
    if (Number(stats.rows[0]?.n ?? 0) > 0) {
      await sql`analyze alerts_service_drill_idx`.execute(db);
      await sql`analyze alert_events_kind_at_alert_idx`.execute(db);
      await sql`analyze escalation_log_kind_at_alert_idx`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('escalation_log_kind_at_idx').on('escalation_log').columns(['kind', 'at']).execute();
  await db.schema.dropIndex('escalation_log_kind_at_alert_idx').execute();
  await db.schema.createIndex('alert_events_kind_at_idx').on('alert_events').columns(['kind', 'at']).execute();
  await db.schema.dropIndex('alert_events_kind_at_alert_idx').execute();
  await db.schema.dropIndex('alerts_service_drill_idx').execute();
}
