import type { Kysely } from 'kysely';

// Optional acknowledgement timeout per escalation policy: re-page when an acknowledged alert is not resolved in time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('escalation_policies').addColumn('ack_timeout_minutes', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('escalation_policies').dropColumn('ack_timeout_minutes').execute();
}
