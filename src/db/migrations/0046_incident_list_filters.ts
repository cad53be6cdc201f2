import type { Kysely } from 'kysely';

/**
 * The incident list filtered by one status or one severity, keyset-paginated like the rest (issue 17 item 6;
 * docs/alerts.md "Listing", docs/benchmarks.md "Issue 17: lists at scale"): each index ends with the list's sort key
 * `(declared_at, id)`, so a page is a range scan of the index. Without them SQLite read `status = 'resolved'` through
 * `incidents_status_idx (status, id)` and sorted every resolved incident for each page (about 190 ms at 50,000
 * incidents); migration 0043 covered only "open" (a partial index) and the unfiltered list.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('incidents_list_status_idx')
    .on('incidents')
    .columns(['status', 'declared_at', 'id'])
    .execute();
  await db.schema
    .createIndex('incidents_list_severity_idx')
    .on('incidents')
    .columns(['severity', 'declared_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incidents_list_severity_idx').ifExists().execute();
  await db.schema.dropIndex('incidents_list_status_idx').ifExists().execute();
}
