/**
 * Is the database there? A database that is restarting, failing over, refusing connections or locked is not a bug in
 * Muster: the query that met it fails, the caller refuses with 503 + Retry-After (HTTP) or retries later (jobs), and
 * the process carries on. This module says which errors mean "the database is away" (both engines) and keeps one
 * small state per database handle, so an outage is logged once when it starts and once when it ends, not once per
 * request.
 */
import { isAppError } from '../shared/errors.js';

/** PostgreSQL SQLSTATEs that mean the server or this connection is away, not that the query was wrong. */
const PG_UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, pg_ctl stop/restart -m fast
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '57P05', // idle_session_timeout
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction: a standby that has not been promoted yet (failover)
]);

/**
 * Set by the database pool (src/db/pg-pool.ts) on errors of a database connection: a connect that failed, a socket
 * that broke. A socket error alone (ECONNREFUSED, ECONNRESET) says nothing about the database — an SMTP server or a
 * webhook refuses connections the same way — so only errors the pool marked count by that.
 */
const CONNECTION_ERROR = Symbol('muster.databaseConnectionError');

/** The pool's mark: this error came from a database connection (connecting or connected). */
export function markDatabaseConnectionError(err: unknown): void {
  if (err && typeof err === 'object' && !Object.isFrozen(err)) {
    Object.defineProperty(err, CONNECTION_ERROR, { value: true, enumerable: false });
  }
}

/** Messages of node-postgres and pg-pool for a lost or unobtainable connection (they carry no code). */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Client was closed',
  'Cannot use a pool after calling end on the pool',
  'the database system is',
];

/** pg-pool's error for a caller that waited too long for a free connection (every one in use). */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';

/** SQLite: another connection holds the lock longer than the busy timeout. */
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED)/;

function unavailableHere(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  if ((e as { [CONNECTION_ERROR]?: boolean })[CONNECTION_ERROR] === true) return true;
  if (e instanceof DatabaseUnavailableError) return true;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (PG_UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || SQLITE_CODES.test(code)) return true;
  }
  const message = (e as { message?: unknown }).message;
  return typeof message === 'string' && PG_MESSAGES.some((m) => message.includes(m));
}

/**
 * True when `e` (or an error it wraps, through `cause`) means the database is unreachable, restarting, or busy — a
 * refusal to retry later — rather than a wrong query or a bug. An AppError is the domain's own verdict (a transient
 * send failure wraps the socket error it met): it counts only as `database_unavailable`.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; depth < 6 && cur; depth++) {
    if (isAppError(cur)) return cur.code === 'database_unavailable';
    if (unavailableHere(cur)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** Thrown by Muster's own checks (a readiness probe that took too long) for "the database did not answer". */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'DatabaseUnavailableError';
  }
}

/** `p`, or a DatabaseUnavailableError after `ms` (the work itself is not cancelled; its result is ignored). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`${what} did not answer within ${ms} ms`)), ms);
  });
  p.catch(() => undefined); // a late failure after the timeout is not unhandled
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `fn`, tried again with backoff (250 ms doubling to 2 s) while it fails because the database is unavailable, until it
 * answers or `shouldStop()` says to give up (then the last error is thrown). Any other error is thrown at once. For
 * the step after an outside effect (a page handed over, a job's work done): waiting out a database restart to record
 * it beats doing the effect again.
 */
export async function retryWhileUnavailable<T>(
  fn: () => Promise<T>,
  opts: { health?: DatabaseHealth; shouldStop?: () => boolean } = {},
): Promise<T> {
  for (let delay = 250; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await fn();
    } catch (e) {
      const away = opts.health ? opts.health.noteFailure(e) : isDatabaseUnavailable(e);
      if (!away || opts.shouldStop?.()) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export interface HealthChange {
  available: boolean;
  /** The error that started the outage (on the way down). */
  err?: unknown;
  /** How long the outage lasted (on the way back), in ms. */
  downForMs?: number;
}

/**
 * One database's availability, as the process last saw it. Failures classified as "database unavailable" mark it
 * down; a success (a new connection, a claim, a readiness probe) at least `settleMs` after the last such failure marks
 * it up. The settling keeps one outage one outage: while a server shuts down, a query that was already running can
 * still succeed between two failures. Listeners hear each change once.
 */
export class DatabaseHealth {
  private down: { since: number; err: unknown } | null = null;
  private lastFailureAt = 0;
  private readonly listeners = new Set<(c: HealthChange) => void>();
  private readonly settleMs: number;

  constructor(opts: { settleMs?: number } = {}) {
    this.settleMs = opts.settleMs ?? 1000;
  }

  get isAvailable(): boolean {
    return this.down === null;
  }

  /** Since when the database has been unavailable (epoch ms), or null. */
  get unavailableSince(): number | null {
    return this.down?.since ?? null;
  }

  /** Call on every change (logging: once when an outage starts, once when it ends). Returns an unsubscribe. */
  onChange(fn: (c: HealthChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * A failure: marks the database down when it means "unavailable". Returns whether it means that (retry later). A
   * caller that waited too long for a free pooled connection is refused too, but that is a busy pool, not an outage.
   */
  noteFailure(err: unknown): boolean {
    if (!isDatabaseUnavailable(err)) return false;
    if (err instanceof Error && err.message === POOL_WAIT_TIMEOUT) return true;
    this.lastFailureAt = Date.now();
    if (!this.down) {
      this.down = { since: Date.now(), err };
      this.emit({ available: false, err });
    }
    return true;
  }

  noteSuccess(): void {
    if (!this.down || Date.now() - this.lastFailureAt < this.settleMs) return;
    const downForMs = Date.now() - this.down.since;
    this.down = null;
    this.emit({ available: true, downForMs });
  }

  private emit(c: HealthChange): void {
    for (const fn of this.listeners) {
      try {
        fn(c);
      } catch {
        /* a listener's failure must not turn into the caller's */
      }
    }
  }
}
