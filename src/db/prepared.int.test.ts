import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ENGINES, openTestDb } from './testing/index.js';
import type { Db, Executor } from './index.js';
import { PreparedQueryError, prepared, rowsOf, setPreparedCheck } from './prepared.js';
import { toJsonText } from '../shared/json.js';

for (const engine of ENGINES) {
  describe(`prepared queries [${engine}]`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    let checking = false;
    before(async () => {
      ({ db, cleanup } = await openTestDb(engine));
      const rows = ['a', 'b', 'c', 'd'].map((k, i) => ({ key: `k-${k}`, value: `v${i}`, updatedAt: i }));
      await db.kysely.insertInto('instanceSettings').values(rows).execute();
    });
    after(() => cleanup());
    before(() => {
      checking = setPreparedCheck(false);
    });
    afterEach(() => {
      setPreparedCheck(checking);
    });

    it('runs with the check mode on in the test suite (scripts/test.ts sets MUSTER_CHECK_PREPARED=1)', () => {
      assert.equal(checking, true);
    });

    it('compiles once per shape and answers each call with its own values, as the builder would', async () => {
      setPreparedCheck(false);
      let builds = 0;
      const q = prepared('test.settings', (ex: Executor, keys: string[], since: number, newestFirst: boolean) => {
        builds++;
        return ex
          .selectFrom('instanceSettings')
          .select(['key', 'updatedAt'])
          .where('key', 'in', keys)
          .where('updatedAt', '>=', since)
          .orderBy('key', newestFirst ? 'desc' : 'asc');
      });
      const keysOf = async (ex: Executor, keys: string[], since: number, desc: boolean) =>
        (await rowsOf(ex, q(ex, keys, since, desc))).map((r) => r.key);
      assert.deepEqual(await keysOf(db.kysely, ['k-a', 'k-b'], 0, false), ['k-a', 'k-b']);
      assert.deepEqual(await keysOf(db.kysely, ['k-c', 'k-d'], 3, false), ['k-d'], 'the second call, its own values');
      assert.equal(builds, 1, 'one shape, one build');
      assert.deepEqual(await keysOf(db.kysely, ['k-a', 'k-b', 'k-c'], 1, false), ['k-b', 'k-c']);
      assert.deepEqual(await keysOf(db.kysely, ['k-a', 'k-b'], 0, true), ['k-b', 'k-a'], 'a boolean is shape');
      assert.equal(builds, 3, 'three ids and a descending order are two more shapes');
      // Inside a transaction, on its connection; rows come back through the CamelCase plugin.
      const inTrx = await db.kysely.transaction().execute(async (trx) => rowsOf(trx, q(trx, ['k-c', 'k-a'], 0, false)));
      assert.deepEqual(inTrx, [
        { key: 'k-a', updatedAt: 0 },
        { key: 'k-c', updatedAt: 2 },
      ]);
      assert.equal(builds, 3);
    });

    it('writes with the values of each call', async () => {
      const up = prepared('test.touch', (ex: Executor, key: string, value: string, at: number) =>
        ex.updateTable('instanceSettings').set({ value, updatedAt: at }).where('key', '=', key),
      );
      const r1 = await db.kysely.executeQuery(up(db.kysely, 'k-a', 'first', 10));
      await db.kysely.executeQuery(up(db.kysely, 'k-b', 'second', 11));
      assert.equal(Number(r1.numAffectedRows), 1);
      const rows = await db.kysely
        .selectFrom('instanceSettings')
        .select(['key', 'value', 'updatedAt'])
        .where('key', 'in', ['k-a', 'k-b'])
        .orderBy('key')
        .execute();
      assert.deepEqual(rows, [
        { key: 'k-a', value: 'first', updatedAt: 10 },
        { key: 'k-b', value: 'second', updatedAt: 11 },
      ]);
    });

    it('nullIsValue: a null is a value, so rows with and without nulls share one compiled insert', () => {
      setPreparedCheck(false);
      let builds = 0;
      const insert = prepared(
        'test.insert',
        (ex: Executor, rows: { key: string; value: string | null; updatedAt: number }[]) => {
          builds++;
          return ex.insertInto('instanceSettings').values(rows as never);
        },
        { nullIsValue: true },
      );
      const a = insert(db.kysely, [
        { key: 'x', value: null, updatedAt: 1 },
        { key: 'y', value: 'v', updatedAt: 2 },
      ]);
      const b = insert(db.kysely, [
        { key: 'z', value: 'w', updatedAt: 3 },
        { key: 'q', value: null, updatedAt: 4 },
      ]);
      assert.equal(builds, 1);
      assert.equal(a.sql, b.sql);
      assert.deepEqual(a.parameters, ['x', null, 1, 'y', 'v', 2]);
      assert.deepEqual(b.parameters, ['z', 'w', 3, 'q', null, 4]);
      const plain = prepared('test.nullShape', (ex: Executor, value: string | null) =>
        ex
          .selectFrom('instanceSettings')
          .selectAll()
          .where('value', value === null ? 'is' : '=', value),
      );
      assert.match(plain(db.kysely, null).sql, / is null/, 'without it, a null is shape: the builder may branch on it');
      assert.doesNotMatch(plain(db.kysely, 'v').sql, / is null/);
    });

    it('refuses a value put into the SQL text or computed inside the builder', () => {
      setPreparedCheck(false);
      const inlined = prepared('test.inlined', (ex: Executor, key: string) =>
        ex.selectFrom('instanceSettings').selectAll().where('key', '=', sql.lit(key)),
      );
      assert.throws(() => inlined(db.kysely, 'k-a'), PreparedQueryError);
      const computed = prepared('test.computed', (ex: Executor, labels: Record<string, string>) =>
        ex
          .updateTable('instanceSettings')
          .set({ value: toJsonText(labels) })
          .where('key', '=', 'k-a'),
      );
      assert.throws(() => computed(db.kysely, { a: 'b' }), /computed from an argument/);
      const added = prepared('test.added', (ex: Executor, now: number, ttl: number) =>
        ex
          .updateTable('instanceSettings')
          .set({ updatedAt: now + ttl })
          .where('key', '=', 'k-a'),
      );
      assert.throws(() => added(db.kysely, 1, 2), /computed from an argument/);
      assert.throws(() => inlined(db.kysely, new Map() as never), /not a value, array or plain object/);
    });

    it('check mode: a builder that branches on a value is caught', () => {
      const branching = prepared('test.branching', (ex: Executor, key: string) => {
        const q = ex.selectFrom('instanceSettings').selectAll().where('key', '=', key);
        return key.startsWith('k-') ? q.where('updatedAt', '>', 0) : q;
      });
      setPreparedCheck(true);
      assert.throws(() => branching(db.kysely, 'k-a'), /differs from the builder's own/);
      setPreparedCheck(false);
      // Without the check the stand-in took the other branch, and every call gets it: the check is what tells.
      assert.doesNotMatch(branching(db.kysely, 'k-a').sql, /updated_at/);
    });
  });
}
