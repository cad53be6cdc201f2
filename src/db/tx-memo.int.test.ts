import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ENGINES, openTestDb } from './testing/index.js';
import { memoInTransaction, type Db } from './index.js';

for (const engine of ENGINES) {
  describe(`memoInTransaction [${engine}]`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await openTestDb(engine));
    });
    after(() => cleanup());

    const now = (ex: Db['kysely']) => sql<{ n: number }>`select ${Math.random()} as n`.execute(ex);

    it('reads once per transaction, again in the next transaction, and always outside one', async () => {
      let loads = 0;
      const load = (ex: Parameters<typeof memoInTransaction>[0]) => async () => {
        loads++;
        return (await now(ex)).rows[0]!.n;
      };
      const [a, b] = await db.kysely
        .transaction()
        .execute(async (trx) => [
          await memoInTransaction(trx, 'k', load(trx)),
          await memoInTransaction(trx, 'k', load(trx)),
        ]);
      assert.equal(a, b);
      assert.equal(loads, 1);
      const c = await db.kysely.transaction().execute((trx) => memoInTransaction(trx, 'k', load(trx)));
      assert.notEqual(c, a, 'a new transaction reads again');
      await memoInTransaction(db.kysely, 'k', load(db.kysely));
      await memoInTransaction(db.kysely, 'k', load(db.kysely));
      assert.equal(loads, 4, 'no memo outside a transaction');
    });

    it('forgets a failed read', async () => {
      await db.kysely.transaction().execute(async (trx) => {
        await assert.rejects(memoInTransaction(trx, 'bad', () => Promise.reject(new Error('boom'))));
        assert.equal(await memoInTransaction(trx, 'bad', () => Promise.resolve(7)), 7);
      });
    });
  });
}
