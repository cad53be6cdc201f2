/**
 * Test databases on both engines. Every integration test file calls `forEachEngine` so it runs against a real
 * SQLite file and a real PostgreSQL database (a fresh one per call, migrated to latest).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openPostgres, openSqlite, type Db, type Engine } from '../index.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres.js';

export { freePort, startThrowawayPostgres } from './postgres.js';

/**
 * Test databases live in memory-backed /dev/shm where there is one: the suite measures behaviour, not the disk, and
 * a kill -9 of Muster keeps the page cache either way. Benchmarks use the real disk (bench/).
 */
export function testTmpDir(): string {
  return process.env.MUSTER_TEST_TMPDIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
}

export const ENGINES: Engine[] = (process.env.MUSTER_TEST_ENGINES ?? 'sqlite,postgres')
  .split(',')
  .map((e) => e.trim())
  .filter((e): e is Engine => e === 'sqlite' || e === 'postgres');

/**
 * The engines a browser test file runs on: its `primary` engine only, unless MUSTER_E2E_ENGINES=both (docs/adr/0012).
 * A browser test checks the web UI; the API and storage under it run on both engines in the integration tests, and
 * the browser files are split between the engines so each engine serves the UI in the suite.
 */
export function browserTestEngines(primary: Engine): Engine[] {
  if (process.env.MUSTER_E2E_ENGINES === 'both') return ENGINES;
  return ENGINES.includes(primary) ? [primary] : ENGINES;
}

let serverPromise: Promise<ThrowawayPostgres> | null = null;

/** The PostgreSQL server for this test process: TEST_DATABASE_URL, or one started (once) and stopped at exit. */
export async function postgresServerUrl(): Promise<string> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  serverPromise ??= startThrowawayPostgres().then((s) => {
    process.on('exit', () => s.stop());
    return s;
  });
  return (await serverPromise).url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase {
  engine: Engine;
  /** For SQLite the data directory; for PostgreSQL the database URL. Pass to a spawned server. */
  dataDir: string;
  databaseUrl: string | undefined;
  /** Open a connection (the test's own; a spawned server opens its own). */
  open(): Db;
  drop(): Promise<void>;
}

/** A fresh, migrated database that nobody else uses. */
export async function createTestDatabase(engine: Engine, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(testTmpDir(), 'muster-test-'));
  let databaseUrl: string | undefined;
  if (engine === 'postgres') {
    const server = await postgresServerUrl();
    const name = `muster_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    databaseUrl = withDatabase(server, name);
  }
  const open = (): Db => (databaseUrl ? openPostgres(databaseUrl, 20) : openSqlite(dataDir));
  if (opts.migrate !== false) {
    const db = open();
    try {
      await migrateToLatest(db.kysely);
    } finally {
      await db.close();
    }
  }
  return {
    engine,
    dataDir,
    databaseUrl,
    open,
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      if (databaseUrl) {
        const admin = new pg.Client({ connectionString: await postgresServerUrl() });
        await admin.connect();
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${new URL(databaseUrl).pathname.slice(1)} WITH (FORCE)`);
        } finally {
          await admin.end();
        }
      }
    },
  };
}

/** Open a fresh migrated database on `engine` and return it with a cleanup function. */
export async function openTestDb(engine: Engine): Promise<{ db: Db; cleanup: () => Promise<void> }> {
  const tdb = await createTestDatabase(engine);
  const db = tdb.open();
  return {
    db,
    async cleanup() {
      await db.close();
      await tdb.drop();
    },
  };
}
