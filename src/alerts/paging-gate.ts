import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';

/**
 * The paging gate: "once an acknowledgement commits, no further page for that alert goes out". A page is checked
 * (is the alert still triggered?) and handed to its channel while holding a lock that every status change of the
 * alert must wait for: on PostgreSQL the alert's row lock (`FOR UPDATE`; acknowledge and resolve update that row),
 * on SQLite the database's single connection, held by the transaction (one process per data directory). So each
 * page is either handed over before the acknowledgement commits, or sees it and is skipped. Channel sends carry
 * timeouts (10 s), which bounds how long an acknowledgement can wait.
 */
export type PagingGate = <T>(alertId: string, fn: (ex: Executor) => Promise<T>) => Promise<T>;

export function pagingGate(db: Db): PagingGate {
  return (alertId, fn) =>
    db.kysely.transaction().execute(async (trx) => {
      if (db.engine === 'postgres') await sql`select id from alerts where id = ${alertId} for update`.execute(trx);
      return fn(trx);
    });
}
