import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Actions on an alert's paging (issue 14, "the alert page shows paging"):
 * - alerts.snoozed_until: an acknowledged alert snoozed until then pages again (the `alerts.snoozeEnd` job compares it,
 *   so a new snooze or a resolve cancels the one before).
 * - escalation_runs.alert_id is no longer unique: reassigning ends the alert's run as `reassigned` and starts a new
 *   one for the chosen person or policy. At most one run per lead alert is not reassigned (a partial unique index);
 *   a plain index serves lookups by alert. On SQLite the column's inline UNIQUE can only go by rebuilding the table
 *   (with every column and index it has now, whatever migrations before this one added).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('snoozed_until', 'bigint').execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) await rebuildRunsWithoutUniqueSqlite(db);
  else {
    const constraints = await sql<{ conname: string }>`
      select c.conname from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
      where c.conrelid = 'escalation_runs'::regclass and c.contype = 'u' and a.attname = 'alert_id'`.execute(db);
    for (const { conname } of constraints.rows) {
      await sql`alter table escalation_runs drop constraint ${sql.id(conname)}`.execute(db);
    }
  }
  await db.schema.createIndex('escalation_runs_alert_idx').on('escalation_runs').column('alert_id').execute();
  await sql`create unique index escalation_runs_alert_current_idx on escalation_runs (alert_id)
    where status <> 'reassigned'`.execute(db);
}

async function rebuildRunsWithoutUniqueSqlite(db: Kysely<unknown>): Promise<void> {
  const table = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'escalation_runs'`.execute(db);
  const createSql = table.rows[0]?.sql;
  if (!createSql) throw new Error('0038: escalation_runs is missing');
  const withoutUnique = createSql.replace(/("alert_id"\s+text\s+not\s+null)\s+unique/i, '$1');
  if (withoutUnique === createSql) throw new Error('0038: escalation_runs.alert_id has no inline UNIQUE to remove');
  const renamed = withoutUnique.replace(
    /^create table\s+("escalation_runs"|escalation_runs)/i,
    'create table "escalation_runs_0038"',
  );
  const indexes = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'index' and tbl_name = 'escalation_runs' and sql is not null`.execute(
    db,
  );
  // Migrations on SQLite do not run in a transaction (no transactional DDL in Kysely's adapter): foreign keys can be
  // switched off around the rebuild, which itself is one transaction.
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(renamed).execute(db);
      await sql`insert into escalation_runs_0038 select * from escalation_runs`.execute(db);
      await sql`drop table escalation_runs`.execute(db);
      await sql`alter table escalation_runs_0038 rename to escalation_runs`.execute(db);
      for (const { sql: indexSql } of indexes.rows) await sql.raw(indexSql).execute(db);
      await sql`commit`.execute(db);
    } catch (e) {
      await sql`rollback`.execute(db);
      throw e;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('escalation_runs_alert_current_idx').execute();
  await db.schema.dropIndex('escalation_runs_alert_idx').execute();
  await db.schema.alterTable('alerts').dropColumn('snoozed_until').execute();
}
