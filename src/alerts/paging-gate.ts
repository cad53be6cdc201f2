import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';

/**
 * The paging gate: "once an acknowledgement commits, no page for that alert is claimed after it". Each delivery is
 * claimed in a short transaction (src/notify/jobs.ts) that first takes this lock, then checks that the alert is
 * still triggered and marks the delivery `sending`; the send happens after that transaction commits, holding no
 * database connection or lock (issue 23). Every status change of the alert takes the same lock: on PostgreSQL the
 * alert's row lock (`FOR UPDATE`; acknowledge and resolve update that row), on SQLite the database's single
 * connection, which any transaction holds (one process per data directory). So each claim either sees an
 * acknowledgement that committed before it and skips, or commits first: that one send in flight may finish after
 * the acknowledgement, and nothing claimed after it goes out.
 */
export type PagingGate = (trx: Executor, alertId: string) => Promise<void>;

export function pagingGate(db: Db): PagingGate {
  return async (trx, alertId) => {
    if (db.engine === 'postgres') await sql`select id from alerts where id = ${alertId} for update`.execute(trx);
  };
}
