import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ENGINES, createTestDatabase, type TestDatabase } from './testing/index.js';
import { openPostgres, openSqlite, type Db } from './index.js';
import type { SlowTransaction } from './guard.js';
import { assertNoTransaction, isInTransaction, TransactionMisuseError } from './tx-context.js';

/** Fails instead of hanging: the class this guard closes is a query that never answers. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}

for (const engine of ENGINES) {
  describe(`database guard (${engine})`, () => {
    let tdb: TestDatabase;
    let db: Db;
    const slow: SlowTransaction[] = [];

    before(async () => {
      tdb = await createTestDatabase(engine);
      const opts = { slowTransactionMs: 300, onSlowTransaction: (t: SlowTransaction) => void slow.push(t) };
      db = engine === 'postgres' ? openPostgres(tdb.databaseUrl!, 5, opts) : openSqlite(tdb.dataDir, opts);
    });
    after(async () => {
      await db.close();
      await tdb.drop();
    });

    it('refuses a query through the root handle inside a transaction, at once, naming where it began', async () => {
      const err = await within(
        3000,
        db.kysely.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx); // the transaction holds its connection
          return db.kysely.selectFrom('users').select('id').execute();
        }),
      ).catch((e: unknown) => e);
      assert.ok(err instanceof TransactionMisuseError, String(err));
      assert.match(err.message, /root database handle/);
      assert.match(err.message, /guard\.int\.test\.ts/, 'the stack names the caller that began the transaction');
      // The database still answers afterwards (the refused query took nothing).
      const r = await within(3000, sql<{ one: number }>`select 1 as one`.execute(db.kysely));
      assert.equal(Number(r.rows[0]!.one), 1);
    });

    it('refuses a second root transaction inside a transaction', async () => {
      const err = await within(
        3000,
        db.kysely.transaction().execute(() => db.kysely.transaction().execute(async () => 1)),
      ).catch((e: unknown) => e);
      assert.ok(err instanceof TransactionMisuseError, String(err));
    });

    it('marks the transaction context for the network guard, and only while it is open', async () => {
      assert.equal(isInTransaction(), false);
      let later: Promise<unknown> | null = null;
      await db.kysely.transaction().execute(async (trx) => {
        assert.equal(isInTransaction(), true);
        assert.throws(() => assertNoTransaction('an HTTP request to hooks.example.test'), TransactionMisuseError);
        await sql`select 1`.execute(trx);
        // Work spawned inside the transaction that runs after it ended may use the root handle.
        later = new Promise((done) => setTimeout(done, 50)).then(() =>
          db.kysely.selectFrom('users').select('id').execute(),
        );
      });
      assert.equal(isInTransaction(), false);
      await within(3000, later!);
      assert.doesNotThrow(() => assertNoTransaction('an HTTP request'));
    });

    it('reports a transaction held longer than the bound while it is held, with its stack', async () => {
      slow.length = 0;
      await db.kysely.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await new Promise((done) => setTimeout(done, 600));
        assert.equal(slow.length, 1, 'reported while still held');
        assert.equal(slow[0]!.isOpen, true);
      });
      assert.equal(slow.length, 2);
      assert.equal(slow[1]!.isOpen, false);
      assert.ok(slow[1]!.heldMs >= 550);
      assert.match(slow[1]!.stack ?? '', /guard\.int\.test\.ts/);
      assert.equal(slow[1]!.engine, engine);
    });

    it('keeps savepoints and isolation settings working', async () => {
      await db.kysely
        .transaction()
        .setIsolationLevel('serializable')
        .execute(async (trx) => {
          assert.equal(isInTransaction(), true);
          await sql`select 1`.execute(trx);
        });
      const err = await db.kysely
        .transaction()
        .setIsolationLevel('serializable')
        .execute(() => db.kysely.selectFrom('users').select('id').execute())
        .catch((e: unknown) => e);
      assert.ok(err instanceof TransactionMisuseError);
    });
  });
}
