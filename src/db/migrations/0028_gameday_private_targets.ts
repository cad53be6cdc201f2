import type { Kysely } from 'kysely';

/**
 * Game day failure injection and Prometheus halt conditions call URLs a team member gives: public addresses only, as
 * webhook contact methods and trackers (docs/security.md, "Outbound requests"), unless an organisation administrator
 * allowed a private target (a chaos tool or Prometheus inside the network). The flag is kept per row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('gameday_injections')
    .addColumn('allow_private_address', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('gameday_halt_conditions')
    .addColumn('allow_private_address', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('gameday_halt_conditions').dropColumn('allow_private_address').execute();
  await db.schema.alterTable('gameday_injections').dropColumn('allow_private_address').execute();
}
