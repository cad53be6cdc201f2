import type { Kysely } from 'kysely';

/**
 * An incident's kind: 'real' (the default), 'drill' (a game day or exercise) or 'imported' (backfilled from another
 * tool). Insights leave drills and imports out unless asked for (docs/insights.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('incidents')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('real'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incidents').dropColumn('kind').execute();
}
