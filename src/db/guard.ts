/**
 * The database layer's guard against the deadlock class "a query through the root handle inside a transaction".
 * SQLite runs on one connection: a transaction holds it, so a query through `db.kysely` from inside the transaction's
 * callback waits for that connection forever, and with it every request that touches the database. On PostgreSQL
 * the same mistake reads outside the transaction (missing its writes), can wait on the transaction's own row locks,
 * and takes a second pooled connection. So on both engines:
 *   - every `db.kysely.transaction().execute(fn)` runs `fn` inside a transaction context (src/db/tx-context.ts);
 *   - the driver refuses to hand out a connection to the root handle while the caller's async context holds an open
 *     transaction: TransactionMisuseError, at once, naming where the transaction began;
 *   - a transaction held longer than a bound is logged with the stack where it began, while it is still held.
 */
import {
  Kysely,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type KyselyConfig,
  type QueryCompiler,
  type Transaction,
  type TransactionBuilder,
  type TransactionSettings,
} from 'kysely';
import { BufferedConnection } from './statements.js';
import { currentTransaction, runInTransactionContext, TransactionMisuseError, type TxFrame } from './tx-context.js';

export interface SlowTransaction {
  engine: string;
  heldMs: number;
  /** true: still held when reported; false: reported when it finally ended. */
  isOpen: boolean;
  stack: string | undefined;
}

export interface GuardOptions {
  engine: string;
  /** Report transactions held longer than this (ms). */
  slowTransactionMs: number;
  onSlowTransaction: (t: SlowTransaction) => void;
}

function refuseInsideTransaction(): void {
  const f = currentTransaction();
  if (!f) return;
  throw new TransactionMisuseError(
    'A query used the root database handle (db.kysely) inside a transaction. Use the transaction (`trx`) you were ' +
      'given: on SQLite the root handle waits for the one connection the transaction holds, forever. ' +
      `The transaction began at:\n${f.stack ?? '(no stack)'}`,
  );
}

/**
 * A driver that refuses connections to callers inside an open transaction, and hands out connections that count
 * statements and hold deferred inserts (src/db/statements.ts); everything else passes through. Begin and commit are
 * sent through the wrapper (the drivers send them as queries on the connection they are given), so a commit sends the
 * waiting inserts first; a rollback drops them and goes to the driver's own connection.
 */
class GuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    /** PostgreSQL: a transaction's waiting inserts go out as one statement (BufferedConnection). */
    private readonly combineInserts: boolean,
  ) {
    // Savepoints are optional driver methods; Kysely checks for their presence.
    if (inner.savepoint) this.savepoint = (c, n, q) => inner.savepoint!(c, n, q);
    if (inner.rollbackToSavepoint) this.rollbackToSavepoint = (c, n, q) => inner.rollbackToSavepoint!(c, n, q);
    if (inner.releaseSavepoint) this.releaseSavepoint = (c, n, q) => inner.releaseSavepoint!(c, n, q);
  }
  savepoint?: (c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) => Promise<void>;
  rollbackToSavepoint?: (c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) => Promise<void>;
  releaseSavepoint?: (c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) => Promise<void>;
  private readonly wrapped = new WeakMap<DatabaseConnection, BufferedConnection>();
  init(): Promise<void> {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    refuseInsideTransaction();
    const c = await this.inner.acquireConnection();
    let w = this.wrapped.get(c);
    if (!w) this.wrapped.set(c, (w = new BufferedConnection(c, { combineInserts: this.combineInserts })));
    return w;
  }
  beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(c, s);
  }
  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(c);
  }
  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    // The driver's own connection: on a failed rollback (the connection broke) it marks it for discard through a
    // private method, which the wrapper has not got (that TypeError became a 500 instead of a 503).
    return this.inner.rollbackTransaction(c instanceof BufferedConnection ? c.forRollback() : c);
  }
  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(c instanceof BufferedConnection ? c.inner : c);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function guardedDialect(inner: Dialect, engine: string): Dialect {
  return {
    createDriver: () => new GuardedDriver(inner.createDriver(), engine === 'postgres'),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}

/** Kysely whose transactions mark their async context, over a driver that refuses the root handle inside one. */
export class GuardedKysely<DB> extends Kysely<DB> {
  readonly #opts: GuardOptions;

  constructor(config: KyselyConfig, opts: GuardOptions) {
    super({ ...config, dialect: guardedDialect(config.dialect, opts.engine) });
    this.#opts = opts;
  }

  override transaction(): TransactionBuilder<DB> {
    return this.#guardBuilder(super.transaction());
  }

  #guardBuilder(b: TransactionBuilder<DB>): TransactionBuilder<DB> {
    const execute = b.execute.bind(b);
    const setAccessMode = b.setAccessMode.bind(b);
    const setIsolationLevel = b.setIsolationLevel.bind(b);
    const opts = this.#opts;
    // Own properties shadow the prototype's methods; the originals keep working on the builder's private state.
    Object.assign(b, {
      execute<T>(callback: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
        refuseInsideTransaction(); // a nested root transaction would wait for the connection too
        // Captured here (cheap: V8 formats the frames only if the stack is read).
        const origin: { stack?: string } = {};
        Error.captureStackTrace(origin, execute);
        return execute((trx) => {
          const frame: TxFrame = { open: true, startedAt: Date.now(), stack: undefined };
          Object.defineProperty(frame, 'stack', { get: () => origin.stack, enumerable: true });
          const watchdog = setTimeout(() => {
            opts.onSlowTransaction({
              engine: opts.engine,
              heldMs: Date.now() - frame.startedAt,
              isOpen: true,
              stack: origin.stack,
            });
          }, opts.slowTransactionMs);
          watchdog.unref();
          return runInTransactionContext(frame, () => callback(trx)).finally(() => {
            clearTimeout(watchdog);
            const heldMs = Date.now() - frame.startedAt;
            if (heldMs >= opts.slowTransactionMs) {
              opts.onSlowTransaction({ engine: opts.engine, heldMs, isOpen: false, stack: origin.stack });
            }
          });
        });
      },
      setAccessMode: (m: Parameters<typeof setAccessMode>[0]) => this.#guardBuilder(setAccessMode(m)),
      setIsolationLevel: (l: Parameters<typeof setIsolationLevel>[0]) => this.#guardBuilder(setIsolationLevel(l)),
    });
    return b;
  }
}
