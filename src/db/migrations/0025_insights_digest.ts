import type { Kysely } from 'kysely';

/**
 * The weekly insights digest (docs/insights.md, "Weekly digest"): a team admin opts in per team they administer.
 * One row per person × team; the weekly job of each subscribed team reads them when it runs.
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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('insights_digest_subscriptions').execute();
}
