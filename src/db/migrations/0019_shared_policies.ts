import type { Kysely } from 'kysely';

// Cross-team references: a team's escalation policy or schedule may be attached by other teams only when its team's
// admins share it with every team (0/1).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('escalation_policies')
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('schedules')
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('schedules').dropColumn('shared').execute();
  await db.schema.alterTable('escalation_policies').dropColumn('shared').execute();
}
