import type { Kysely } from 'kysely';

/**
 * An incident's kind: 'real' (the default), 'drill' (a game day or exercise) or 'imported' (backfilled from another
 * tool). Insights leave drills and imports out unless asked for (docs/insights.md), and read incidents by the time they
 * were declared (an index on declared_at).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('incidents')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('real'))
    .execute();
  // Insights read the incidents declared in a window.
  await db.schema.createIndex('incidents_declared_at_idx').on('incidents').columns(['declared_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incidents_declared_at_idx').execute();
  await db.schema.alterTable('incidents').dropColumn('kind').execute();
}
