import type { Kysely } from 'kysely';

/**
 * Creating an action item's tracker issue is a durable job (src/actions/jobs.ts): the item shows whether it is
 * pending or failed, and the last failure's message (an unauthorised token, a missing project), so a failure is
 * visible where people look rather than only in the job list.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('action_items').addColumn('tracker_status', 'text').execute();
  await db.schema.alterTable('action_items').addColumn('tracker_error', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('action_items').dropColumn('tracker_error').execute();
  await db.schema.alterTable('action_items').dropColumn('tracker_status').execute();
}
