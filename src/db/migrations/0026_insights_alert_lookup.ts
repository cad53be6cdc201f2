import type { Kysely } from 'kysely';

/**
 * An index for the finished insights figures (issue 12 benchmark, docs/benchmarks.md "Insights"): response times read
 * each incident's linked alerts' first firing, recurrence their rule and group, by alert id — over five years ~150,000
 * lookups into a 5,000,000-row alerts table, each a primary-key search then a read of the row (on PostgreSQL a heap
 * fetch: 1.3 s of the five-year query). With (id, first_seen_at, rule_key, group_id) both engines answer from the
 * index alone (SQLite: covering index; PostgreSQL: index-only scan). Indexes only: no column or row changes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('alerts_insights_lookup_idx')
    .on('alerts')
    .columns(['id', 'first_seen_at', 'rule_key', 'group_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_insights_lookup_idx').execute();
}
