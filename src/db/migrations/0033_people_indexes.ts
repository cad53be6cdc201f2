import type { Kysely } from 'kysely';

/**
 * Indexes for people health (issue 21 benchmark, bench/people.ts; docs/people-health.md "Heroes"):
 * - alert_events (kind, at): the hero signal reads a window's acknowledgements of a team's alerts. Without it the
 *   planner went team → services → every alert the team ever had → its events, so the read grew with the whole
 *   history instead of the window (SQLite, 5,000 incidents, 90 days: 58-83 ms -> 22 ms for the same 193 rows).
 * Indexes only: no column or row changes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('alert_events_kind_at_idx').on('alert_events').columns(['kind', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alert_events_kind_at_idx').execute();
}
