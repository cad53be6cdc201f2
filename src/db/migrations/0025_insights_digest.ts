import type { Kysely } from 'kysely';

/**
 * The weekly insights digest (docs/insights.md, "Weekly digest"): a team admin opts in per team they administer.
 * One row per person × team; the weekly job of each subscribed team reads them when it runs.
 *
 * Alert quality over time (docs/insights.md) counts a window's alerts per bucket × rule × service × judgement: the
 * index on alerts (created_at, rule_key) of 0007 becomes (created_at, rule_key, service_id, classification), which
 * covers that count (about twice as fast on SQLite: no row lookups) and still serves every query the old one did (the
 * same leading columns), so alerts keep the same number of indexes to write.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('insights_digest_subscriptions')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('insights_digest_subscriptions_pk', ['user_id', 'team_id'])
    .execute();
  await db.schema
    .createIndex('insights_digest_subscriptions_team_idx')
    .on('insights_digest_subscriptions')
    .column('team_id')
    .execute();
  await db.schema
    .createIndex('alerts_quality_idx')
    .on('alerts')
    .columns(['created_at', 'rule_key', 'service_id', 'classification'])
    .execute();
  await db.schema.dropIndex('alerts_rule_idx').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('alerts_rule_idx').on('alerts').columns(['created_at', 'rule_key']).execute();
  await db.schema.dropIndex('alerts_quality_idx').execute();
  await db.schema.dropTable('insights_digest_subscriptions').execute();
}
