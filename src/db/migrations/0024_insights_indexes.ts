import type { Kysely } from 'kysely';

/**
 * Indexes for the insights (issue 12 benchmark; docs/insights.md "Paging" and "The learning process"):
 * - escalation_log (kind, at): a window's `paged` entries (paging insights, on-call health's pages) were a scan of the
 *   whole log;
 * - incidents (resolved_at): the learning process reads the P1/P2 incidents resolved in a window, and its factors the
 *   post-mortems of those incidents; without it every incident was read.
 * Indexes only: no column or row changes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('escalation_log_kind_at_idx').on('escalation_log').columns(['kind', 'at']).execute();
  await db.schema.createIndex('incidents_resolved_at_idx').on('incidents').column('resolved_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incidents_resolved_at_idx').execute();
  await db.schema.dropIndex('escalation_log_kind_at_idx').execute();
}
