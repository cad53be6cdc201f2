/**
 * A database fault is an error on one query, never the end of the process, on both engines:
 *   - PostgreSQL: a checked-out client whose backend is terminated (pg_terminate_backend, as a restart or failover
 *     does to every backend) emits 'error' on itself; the pool's clients all listen (src/db/pg-pool.ts), so the
 *     process lives, the broken client is discarded rather than reused, and the outage is one change each way;
 *     a server that accepts connections but never answers is given up on within the connect time-out, not waited for.
 *   - SQLite: a database another connection keeps locked past the busy timeout is a 503 database_unavailable with
 *     Retry-After, and the next request after the lock is gone succeeds.
 * The whole-process scenarios (restart and terminate under a stream of alerts) are in resilience.int.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { startTestMuster } from '../testing/server.js';
import { createLogger } from '../shared/logger.js';
import { isDatabaseUnavailable, type HealthChange } from './health.js';
import { openPostgres } from './index.js';
import { ALL_TOPICS, LiveChannel } from './live.js';
import { CONNECT_TIMEOUT_MS } from './pg-pool.js';
import { createTestDatabase, ENGINES } from './testing/index.js';

for (const engine of ENGINES) {
  describe(`a database fault is a refusal, not a crash [${engine}]`, () => {
    it(
      'a checked-out client whose backend is terminated: no unhandled error, discarded, one outage each way',
      { skip: engine === 'sqlite' ? 'PostgreSQL clients only' : false },
      async () => {
        const tdb = await createTestDatabase(engine);
        const db = tdb.open();
        const admin = new pg.Client({ connectionString: tdb.databaseUrl });
        await admin.connect();
        const changes: HealthChange[] = [];
        db.health.onChange((c) => changes.push(c));
        try {
          const pool = db.pgPool!;
          // Checked out, as a transaction around a send, the job runner's LISTEN or a query in flight holds it.
          const client = await pool.connect();
          const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
          // pg-pool listens only to idle clients; the pool's own listener is there for the whole checkout.
          assert.ok(client.listenerCount('error') >= 1, 'a checked-out client has no error listener');
          const down = new Promise<HealthChange>((resolve) => {
            const off = db.health.onChange((c) => {
              off();
              resolve(c);
            });
          });
          await admin.query('select pg_terminate_backend($1)', [pid]);
          // Without a listener, the client's 'error' event is unhandled here and ends the process (the test run).
          const change = await down;
          assert.equal(change.available, false);
          assert.ok(isDatabaseUnavailable(change.err), String(change.err));
          await assert.rejects(client.query('select 1'), (e: unknown) => isDatabaseUnavailable(e));
          client.release(); // released without an error, as Kysely does: the pool must still not reuse it
          const again = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely);
          assert.notEqual(again.rows[0]!.pid, pid, 'the broken client was handed out again');
          // Available again once the database has answered for a second (DatabaseHealth's settling).
          const deadline = Date.now() + 5000;
          while (!db.health.isAvailable && Date.now() < deadline) {
            await sql`select 1`.execute(db.kysely);
            await new Promise((r) => setTimeout(r, 100));
          }
          assert.equal(db.health.isAvailable, true);
          assert.deepEqual(
            changes.map((c) => c.available),
            [false, true],
          );

          // Every pooled backend terminated while idle: the next queries still work on new connections.
          await admin.query(
            'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
          );
          await new Promise((r) => setTimeout(r, 100));
          const r = await sql<{ n: number }>`select 1 as n`.execute(db.kysely);
          assert.equal(r.rows[0]!.n, 1);
          assert.deepEqual(
            changes.map((c) => c.available),
            [false, true],
            'idle connections closed by the server (idle_session_timeout, a proxy) are not an outage',
          );
        } finally {
          await admin.end();
          await db.close();
          await tdb.drop();
        }
      },
    );

    it(
      'a transaction whose backend is terminated fails as "database unavailable" (the rollback too), and the pool goes on',
      { skip: engine === 'sqlite' ? 'PostgreSQL clients only' : false },
      async () => {
        const tdb = await createTestDatabase(engine);
        const db = tdb.open();
        const admin = new pg.Client({ connectionString: tdb.databaseUrl });
        await admin.connect();
        try {
          let pid = 0;
          const failed = await db.kysely
            .transaction()
            .execute(async (trx) => {
              pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
              await admin.query('select pg_terminate_backend($1)', [pid]);
              await new Promise((r) => setTimeout(r, 100));
              // The statement fails on the dead connection, and so does the ROLLBACK Kysely sends after it.
              await sql`select 1`.execute(trx);
            })
            .then(
              () => null,
              (e: unknown) => e,
            );
          assert.ok(failed, 'the transaction failed');
          // Before the fix: "connection[PRIVATE_MARK_FOR_DISCARD_METHOD] is not a function" from the failed rollback,
          // a TypeError that became a 500 internal_error instead of a 503 with Retry-After.
          assert.ok(isDatabaseUnavailable(failed), failed instanceof Error ? failed.message : JSON.stringify(failed));
          const r = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely);
          assert.notEqual(r.rows[0]!.pid, pid, 'the broken connection was handed out again');
        } finally {
          await admin.end();
          await db.close();
          await tdb.drop();
        }
      },
    );

    it(
      'a live channel whose LISTEN connection is terminated listens again by itself, and nudges arrive again',
      { skip: engine === 'sqlite' ? 'LISTEN/NOTIFY is PostgreSQL only' : false },
      async () => {
        const tdb = await createTestDatabase(engine);
        const db = tdb.open();
        const admin = new pg.Client({ connectionString: tdb.databaseUrl });
        await admin.connect();
        const live = new LiveChannel({ db, log: createLogger({ level: 'silent' }), channel: 'muster_test_live' });
        const waitFor = async (what: string, check: () => Promise<boolean>): Promise<void> => {
          const deadline = Date.now() + 10_000;
          while (!(await check())) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        const listenerPid = async (): Promise<number | null> => {
          const r = await admin.query<{ pid: number }>(
            `select pid from pg_stat_activity where datname = current_database() and query = 'LISTEN muster_test_live'`,
          );
          return r.rows[0]?.pid ?? null;
        };
        try {
          await live.ensureListening();
          const first = await listenerPid();
          assert.ok(first !== null);
          await admin.query('select pg_terminate_backend($1)', [first]);
          // No viewer asks it to: the channel itself listens again on a new connection.
          await waitFor('a new LISTEN connection', async () => {
            const pid = await listenerPid();
            return pid !== null && pid !== first && live.isListening;
          });
          const got: string[] = [];
          live.subscribe(ALL_TOPICS, (topic) => got.push(topic));
          await admin.query(`select pg_notify('muster_test_live', 'alert_1')`);
          await waitFor('the nudge after reconnecting', async () => got.includes('alert_1'));
        } finally {
          await live.stop();
          await admin.end();
          await db.close();
          await tdb.drop();
        }
      },
    );

    it(
      'a server that accepts connections but never answers is given up on within the connect time-out',
      { skip: engine === 'sqlite' ? 'PostgreSQL connections only' : false },
      async () => {
        const sockets = new Set<Socket>();
        const blackhole = createServer((s) => {
          sockets.add(s);
          s.on('error', () => undefined);
        });
        await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
        const { port } = blackhole.address() as { port: number };
        const db = openPostgres(`postgres://postgres@127.0.0.1:${port}/muster`, 2);
        try {
          const started = Date.now();
          await assert.rejects(sql`select 1`.execute(db.kysely), (e: unknown) => {
            assert.ok(isDatabaseUnavailable(e), String(e));
            return true;
          });
          const took = Date.now() - started;
          assert.ok(took >= CONNECT_TIMEOUT_MS - 200 && took < CONNECT_TIMEOUT_MS + 2000, `gave up after ${took} ms`);
          assert.equal(db.health.isAvailable, false);
        } finally {
          await db.close();
          for (const s of sockets) s.destroy();
          await new Promise<void>((resolve) => blackhole.close(() => resolve()));
        }
      },
    );

    it(
      '/readyz answers 503 within about 2 s when the database does not answer, and 200 when it does again',
      {
        skip:
          engine === 'postgres'
            ? 'SQLite: a transaction holds the one connection (PostgreSQL: resilience test)'
            : false,
      },
      async () => {
        const t = await startTestMuster(engine, { 'jobs.enabled': false });
        try {
          const { db } = t.muster.services;
          let release!: () => void;
          const held = new Promise<void>((r) => (release = r));
          // Something holds the one connection (a long transaction): a query through it waits.
          const tx = db.kysely.transaction().execute(async () => held);
          const started = Date.now();
          const notReady = await t.api<{ status: string; reason: string }>('GET', '/readyz', undefined, null);
          const took = Date.now() - started;
          assert.equal(notReady.status, 503, JSON.stringify(notReady.body));
          assert.equal(notReady.body.reason, 'database_unavailable');
          assert.ok(took >= 1800 && took < 4000, `answered after ${took} ms`);
          const healthz = await t.api('GET', '/healthz', undefined, null);
          assert.equal(healthz.status, 200);
          release();
          await tx;
          const ready = await t.api<{ status: string }>('GET', '/readyz', undefined, null);
          assert.equal(ready.status, 200, JSON.stringify(ready.body));
        } finally {
          await t.stop();
        }
      },
    );

    it(
      'a database locked by another connection past the busy timeout is 503 database_unavailable, then works again',
      { skip: engine === 'postgres' ? 'SQLite busy timeout; PostgreSQL outages are the tests above' : false },
      async () => {
        const t = await startTestMuster(engine, { 'jobs.enabled': false });
        const other = new SqliteDatabase(join(t.tdb.dataDir, 'muster.db'), { timeout: 0 });
        try {
          other.exec('BEGIN IMMEDIATE'); // another process (a backup tool, the sqlite3 shell) holds the write lock
          const refused = await t.api<{ error: { code: string } }>('POST', '/api/teams', { name: 'Locked out' });
          assert.equal(refused.status, 503, JSON.stringify(refused.body));
          assert.equal(refused.body.error.code, 'database_unavailable');
          assert.ok(Number(refused.headers.get('retry-after')) >= 1);
          const healthz = await t.api('GET', '/healthz', undefined, null);
          assert.equal(healthz.status, 200);
          other.exec('ROLLBACK');
          const created = await t.api('POST', '/api/teams', { name: 'Back in' });
          assert.equal(created.status, 201, JSON.stringify(created.body));
        } finally {
          other.close();
          await t.stop();
        }
      },
    );
  });
}
