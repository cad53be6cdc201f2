import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { CamelCasePlugin, PostgresDialect, SqliteDialect, type Kysely, type Transaction } from 'kysely';
import { GuardedKysely, type SlowTransaction } from './guard.js';
import { DatabaseHealth } from './health.js';
import { createPgPool } from './pg-pool.js';
export { observePoolAcquire, poolStats, type PoolStats } from './pg-pool.js';
import type { Database } from './schema.js';

export type { Database } from './schema.js';
export type Engine = 'sqlite' | 'postgres';
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly engine: Engine;
  /** Where a PostgreSQL pool is in use, the pool for LISTEN/NOTIFY; null on SQLite. */
  readonly pgPool: pg.Pool | null;
  /** Whether the database answers, as this process last saw it (logs an outage once; src/db/health.ts). */
  readonly health: DatabaseHealth;
  close(): Promise<void>;
}

// int8 (timestamps, counts) comes back as a JS number on both engines. Millisecond timestamps fit in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v: string) => Number(v));

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `Another Muster process is already using the data directory ${dataDir}. ` +
        'The embedded database allows one process per data directory; stop the other process, ' +
        'choose another MUSTER_DATA_DIR, or set DATABASE_URL to share a PostgreSQL database between processes.',
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * One process per data directory: an exclusive SQLite lock on a side file. The operating system releases it when
 * the process dies, even by kill -9, so a crash never leaves a stale lock behind (unlike a pid file).
 */
function lockDataDir(dataDir: string): SqliteDatabase.Database {
  const lock = new SqliteDatabase(join(dataDir, 'muster.lock'), { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    lock.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirLockedError(dataDir);
    throw e;
  }
  writeFileSync(join(dataDir, 'muster.pid'), `${process.pid}\n`);
  return lock;
}

/**
 * better-sqlite3 compiles a statement at every `prepare`; Kysely prepares every query it runs. Queries repeat (the
 * same shapes with new parameters), so keep up to 1,000 compiled statements, the oldest dropped first. Statements are
 * only used synchronously (`all`/`run`; nothing in Muster streams), so sharing one between queries is safe.
 */
function withStatementCache(db: SqliteDatabase.Database, max = 1000) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => db.close(),
    prepare(text: string): SqliteDatabase.Statement {
      // A hit is one lookup (no re-insert to track recency: the hot shapes stay cached long before the cache fills,
      // and a full cache drops its oldest entry). Each query's text is a new string, so every Map operation hashes it.
      let st = cache.get(text);
      if (!st) {
        st = db.prepare(text);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(text, st);
      }
      return st;
    },
  };
}

export interface OpenOptions {
  /** A transaction held longer than this is reported (default 2,000 ms). */
  slowTransactionMs?: number;
  /** Where slow transactions are reported (default: a warning on stderr). */
  onSlowTransaction?: (t: SlowTransaction) => void;
  /** PostgreSQL: prepared queries as named statements (default true; src/db/pg-pool.ts). */
  namedStatements?: boolean;
}

function reportSlowOnStderr(t: SlowTransaction): void {
  process.stderr.write(
    `muster: a ${t.engine} transaction ${t.isOpen ? 'has been held for' : 'was held for'} ${t.heldMs} ms; it began at:\n${t.stack ?? '(no stack)'}\n`,
  );
}

function guardOptions(engine: Engine, opts: OpenOptions) {
  return {
    engine,
    slowTransactionMs: opts.slowTransactionMs ?? 2000,
    onSlowTransaction: opts.onSlowTransaction ?? reportSlowOnStderr,
  };
}

export function openSqlite(dataDir: string, opts: OpenOptions = {}): Db {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lock = lockDataDir(dir);
  const sqlite = new SqliteDatabase(join(dir, 'muster.db'), { timeout: 5000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const kysely = new GuardedKysely<Database>(
    { dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), plugins: [new CamelCasePlugin()] },
    guardOptions('sqlite', opts),
  );
  return {
    kysely,
    engine: 'sqlite',
    pgPool: null,
    health: new DatabaseHealth(),
    async close() {
      await kysely.destroy();
      lock.close();
    },
  };
}

export function openPostgres(url: string, poolSize = 10, opts: OpenOptions = {}): Db {
  // Every connection (queries, transactions, LISTEN, the migration lock) comes from this pool: an error listener on
  // each client, broken clients discarded, connect time-outs, the outage state (src/db/pg-pool.ts).
  const health = new DatabaseHealth();
  const pool = createPgPool(url, { max: poolSize, health, namedStatements: opts.namedStatements ?? true });
  const kysely = new GuardedKysely<Database>(
    { dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] },
    guardOptions('postgres', opts),
  );
  return {
    kysely,
    engine: 'postgres',
    pgPool: pool,
    health,
    async close() {
      await kysely.destroy();
    },
  };
}

export function openDb(
  opts: { databaseUrl?: string | undefined; dataDir: string; poolSize?: number } & OpenOptions,
): Db {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize, opts) : openSqlite(opts.dataDir, opts);
}

export { migrateToLatest, migrationNames } from './migrate.js';
export { forgetMemo, memoInTransaction, primeMemo } from './tx-memo.js';
