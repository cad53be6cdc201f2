import type { Kysely } from 'kysely';

// Per-service rule: which alert severities declare an incident automatically, and at which incident severity (JSON).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('services').addColumn('incident_rule', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('services').dropColumn('incident_rule').execute();
}
