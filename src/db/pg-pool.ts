/**
 * The one place every PostgreSQL connection of Muster passes through: Kysely's queries and transactions, the job
 * runner's and the live channels' LISTEN connections, the migration lock — all of them take clients from this pool,
 * and the pool makes each client with `MusterClient`. So no caller can forget what keeps a database fault from ending
 * the process:
 *   - every client has an 'error' listener from the moment it exists, checked out or idle. node-postgres emits 'error'
 *     on a client whose server went away (restart, failover, pg_terminate_backend, a dropped socket); pg-pool only
 *     listens while the client is idle, so before this an error on a checked-out client (a transaction, a LISTEN) was
 *     an unhandled 'error' event and crashed Muster;
 *   - a client that errored is not reused: node-postgres marks it not queryable and pg-pool destroys such a client
 *     when it is released (and drops an idle one at once);
 *   - connecting gives up after a few seconds, so a request fails fast (503 + Retry-After) instead of hanging until
 *     its client's own time-out;
 *   - connection failures and successes feed the database's `DatabaseHealth`, which logs an outage once;
 *   - prepared queries' texts (src/db/prepared.ts) run as named statements: PostgreSQL parses and plans each once per
 *     connection, then only binds and executes it (a third of the server's CPU on the paging benchmark). When the
 *     server no longer has one, or refuses its plan because a table changed under it (another process's migration;
 *     a pooler that moved the session), that query fails as "database unavailable" (a 503, a retried job) and the
 *     connection's next use of each text parses it again under a new name. `namedStatements: false` turns this off
 *     (a pooler that cannot keep named statements: PgBouncer before 1.21 in transaction mode).
 */
import pg from 'pg';
import { markDatabaseConnectionError, type DatabaseHealth } from './health.js';
import { statementName } from './prepared.js';

/** How long opening one connection may take before it counts as "database unavailable". */
export const CONNECT_TIMEOUT_MS = 2500;
/** How long a caller may wait for a pooled connection (all busy) before it is refused. */
export const CHECKOUT_TIMEOUT_MS = 10_000;

export interface PgPoolOptions {
  max: number;
  health: DatabaseHealth;
  connectTimeoutMs?: number;
  /** Prepared queries as named statements (default true; see above). */
  namedStatements?: boolean;
}

/**
 * The server refused a named statement: it is gone (DISCARD ALL, a pooler's other session: 26000) or its cached plan
 * no longer matches its tables (0A000, "cached plan must not change result type").
 */
function isStaleStatement(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  const message = (e as { message?: unknown } | null)?.message;
  return code === '26000' || (code === '0A000' && typeof message === 'string' && message.includes('cached plan'));
}

export function createPgPool(url: string, opts: PgPoolOptions): pg.Pool {
  const { health } = opts;
  const connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const namedStatements = opts.namedStatements ?? true;

  class MusterClient extends pg.Client {
    /** Checked out of the pool (a query, a transaction, a LISTEN), as opposed to idle in it. */
    isCheckedOut = false;

    constructor(config?: pg.ClientConfig) {
      // The client's own connect time-out (the pool's bounds the wait for a busy pool; see CHECKOUT_TIMEOUT_MS).
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      // Listens for the client's whole life: a lost connection is an error on the query that meets it, never an
      // unhandled event. node-postgres has already marked the client not queryable, so the pool will not reuse it.
      this.on('error', (err: Error) => {
        markDatabaseConnectionError(err); // the same object rejects the queries in flight: they are 503s, not 500s
        // An idle connection closed by the server (idle_session_timeout, a proxy's idle limit) is not an outage:
        // the pool drops it and the next caller gets a new one. One in use, or a connect that fails, is.
        if (this.isCheckedOut) health.noteFailure(err);
      });
    }

    /** Bumped when the server refused one of this connection's named statements: each is then parsed again, renamed. */
    private statementGeneration = 0;

    // Kysely's form, `query(text, values)` with a promise: a prepared query's text goes as a named statement.
    override query(...args: unknown[]): never {
      // pg's overloads, called with `this` below (apply, call): one untyped signature for all of them.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      const plain = super.query as (...a: unknown[]) => never;
      const [text, values] = args;
      const base =
        namedStatements && args.length === 2 && typeof text === 'string' && Array.isArray(values)
          ? statementName(text)
          : undefined;
      if (!base) return plain.apply(this, args);
      const name = this.statementGeneration === 0 ? base : `${base}_${this.statementGeneration}`;
      const generation = this.statementGeneration;
      return (plain.call(this, { name, text, values }) as Promise<unknown>).catch((e: unknown) => {
        if (isStaleStatement(e)) {
          if (this.statementGeneration === generation) this.statementGeneration++;
          markDatabaseConnectionError(e); // the statement is not wrong: tried again, it is parsed anew
        }
        throw e;
      }) as never;
    }

    // Both of pg's forms (promise and callback); pg-pool uses the callback form.
    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(
      callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void),
    ): Promise<pg.Client> | void {
      if (callback) {
        const cb = callback as (err: Error | null, c?: pg.Client) => void;
        super.connect((err: Error | null) => {
          if (err) markDatabaseConnectionError(err);
          if (err) health.noteFailure(err);
          else health.noteSuccess();
          cb(err, this);
        });
        return;
      }
      return super.connect().then(
        (c) => {
          health.noteSuccess();
          return c;
        },
        (err: unknown) => {
          markDatabaseConnectionError(err);
          health.noteFailure(err);
          throw err;
        },
      );
    }
  }

  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max,
    Client: MusterClient,
    connectionTimeoutMillis: CHECKOUT_TIMEOUT_MS,
    // Notice a silently dead peer (a failover that moved the address) on idle connections too.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  pool.on('acquire', (client) => {
    (client as unknown as MusterClient).isCheckedOut = true;
  });
  pool.on('release', (err: Error | undefined, client: pg.PoolClient) => {
    (client as unknown as MusterClient).isCheckedOut = false;
    // A client given back in working order: the database answers (DatabaseHealth settles a moment before it agrees).
    if (!err) health.noteSuccess();
  });
  // pg-pool re-emits an idle client's error here after discarding the client: nothing more to do.
  pool.on('error', () => undefined);
  timeCheckouts(pool);
  return pool;
}

/** A pool's connections now (the `muster_db_pool_*` gauges). */
export interface PoolStats {
  total: number;
  idle: number;
  /** Callers waiting for a connection now. */
  waiting: number;
}

export function poolStats(pool: pg.Pool): PoolStats {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

const acquireObservers = new WeakMap<pg.Pool, (ms: number) => void>();

/** Call `observe` with how long each checkout waited for its connection (the `muster_db_pool_acquire_seconds` histogram). */
export function observePoolAcquire(pool: pg.Pool, observe: (ms: number) => void): void {
  acquireObservers.set(pool, observe);
}

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/** Times every checkout, from asking for a connection to having one (an idle one, a new one, or one given back). */
function timeCheckouts(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (cb?: ConnectCallback) => Promise<pg.PoolClient> | undefined;
  const wrapped = (cb?: ConnectCallback): Promise<pg.PoolClient> | undefined => {
    const started = performance.now();
    const waited = (): void => acquireObservers.get(pool)?.(performance.now() - started);
    if (cb) {
      return connect((err, client, done) => {
        waited();
        cb(err, client, done);
      });
    }
    return connect()!.then(
      (c) => {
        waited();
        return c;
      },
      (e: unknown) => {
        waited();
        throw e;
      },
    );
  };
  (pool as unknown as { connect: typeof wrapped }).connect = wrapped;
}
