/**
 * Which async context holds a database transaction. Set by the database layer around every transaction's callback
 * (src/db/index.ts wraps `Kysely#transaction()`), read by two guards:
 *   - the root handle (`db.kysely`) refuses to run a query while the same async context holds a transaction: on
 *     SQLite's single connection that query would wait for the connection the transaction holds, forever;
 *   - outbound network helpers (HTTP, SMTP, DNS) refuse to start inside a transaction: no database connection or lock
 *     is ever held across network I/O (`assertNoTransaction`).
 * The store is a mutable object, closed when the transaction ends, so work spawned inside a transaction that runs
 * after it (a timer, a fire-and-forget promise) is not mistaken for being inside it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface TxFrame {
  open: boolean;
  /** Where the transaction began (for the error and the long-transaction log). */
  readonly startedAt: number;
  readonly stack: string | undefined;
}

const als = new AsyncLocalStorage<TxFrame>();

/** Run `fn` marked as holding a transaction; the mark is closed when `fn` settles. */
export async function runInTransactionContext<T>(frame: TxFrame, fn: () => Promise<T>): Promise<T> {
  try {
    return await als.run(frame, fn);
  } finally {
    frame.open = false;
  }
}

/** The open transaction of this async context, if any. */
export function currentTransaction(): TxFrame | null {
  const f = als.getStore();
  return f && f.open ? f : null;
}

export function isInTransaction(): boolean {
  return currentTransaction() !== null;
}

export class TransactionMisuseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransactionMisuseError';
  }
}

/** Throw if this async context holds a transaction: `what` (e.g. "an HTTP request to hooks.example.com") must not. */
export function assertNoTransaction(what: string): void {
  const f = currentTransaction();
  if (!f) return;
  throw new TransactionMisuseError(
    `${what} was started inside a database transaction; network I/O must happen after commit ` +
      `(claim, commit, send, then record). The transaction began at:\n${f.stack ?? '(no stack)'}`,
  );
}

/** Run `fn` outside any transaction context (for work deliberately detached from the caller's transaction). */
export function outsideTransaction<T>(fn: () => T): T {
  return als.exit(fn);
}
