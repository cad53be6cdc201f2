import type { Kysely } from 'kysely';

/**
 * Follow the sun (issue 14): a schedule layer may have its own IANA zone, in which its hand-offs and restrictions are
 * read. Null keeps the schedule's zone, so every layer from before this migration behaves as it did.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('schedule_layers').addColumn('time_zone', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('schedule_layers').dropColumn('time_zone').execute();
}
