import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { newId } from '../shared/ids.js';
import { ENGINES, openTestDb } from './testing/index.js';
import type { Db, Executor } from './index.js';
import {
  countStatementTexts,
  insertDeferred,
  notifyDeferred,
  sendWaitingInserts,
  startCountingStatements,
  statementCount,
  stopCountingStatements,
} from './statements.js';

const job = (kind: string, now: number) => ({
  id: newId('job', now),
  kind,
  payload: '{}',
  status: 'done-test',
  runAt: now + 86_400_000,
  attempts: 0,
  maxAttempts: 1,
  fence: 0,
  lockedBy: null,
  lockedUntil: null,
  lastError: null,
  uniqueKey: null,
  createdAt: now,
  updatedAt: now,
  finishedAt: null,
});

const countKind = async (ex: Executor, kind: string): Promise<number> =>
  Number(
    (
      await ex
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', kind)
        .execute()
    )[0]!.n,
  );

for (const engine of ENGINES) {
  describe(`deferred inserts and the statement counter [${engine}]`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await openTestDb(engine));
    });
    after(() => cleanup());

    it('sends waiting rows as one insert before the next statement, which sees them', async () => {
      const now = Date.now();
      startCountingStatements();
      const seen = await db.kysely.transaction().execute(async (trx) => {
        for (let i = 0; i < 50; i++) await insertDeferred(trx, 'jobs', job('deferred.a', now));
        const afterInserts = statementCount();
        const n = await countKind(trx, 'deferred.a');
        return { n, afterInserts, afterRead: statementCount() };
      });
      const total = stopCountingStatements();
      assert.equal(seen.n, 50, 'the read sees every row inserted before it');
      assert.equal(seen.afterInserts, 1, 'only begin went out while the rows waited');
      assert.equal(seen.afterRead, 3, 'begin, one insert of 50 rows, the read');
      assert.equal(total, 4, '… and the commit');
      assert.equal(await countKind(db.kysely, 'deferred.a'), 50);
    });

    it('commits rows that were still waiting, and drops them on rollback and rollback to savepoint', async () => {
      const now = Date.now();
      await db.kysely.transaction().execute(async (trx) => {
        await insertDeferred(trx, 'jobs', job('deferred.b', now));
      });
      assert.equal(await countKind(db.kysely, 'deferred.b'), 1, 'the commit sent the waiting row');
      await assert.rejects(
        db.kysely.transaction().execute(async (trx) => {
          await insertDeferred(trx, 'jobs', job('deferred.c', now));
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await countKind(db.kysely, 'deferred.c'), 0, 'a rollback drops the waiting row');
      await db.kysely.transaction().execute(async (trx) => {
        await insertDeferred(trx, 'jobs', job('deferred.d', now));
        await sql`savepoint s1`.execute(trx);
        await insertDeferred(trx, 'jobs', job('deferred.d', now));
        await insertDeferred(trx, 'jobs', job('deferred.d', now));
        await sql`rollback to savepoint s1`.execute(trx);
        await sql`release savepoint s1`.execute(trx);
        await insertDeferred(trx, 'jobs', job('deferred.d', now));
      });
      assert.equal(await countKind(db.kysely, 'deferred.d'), 2, 'rows after the savepoint were dropped, others kept');
    });

    it('lets waiting rows wait past a plain read of other tables; a read naming their table or a write sends them', async () => {
      const now = Date.now();
      const payload = (i: number) => ({
        id: newId('pay', now),
        integrationKeyId: 'ikey_test',
        source: 'generic',
        receivedAt: now + i,
        body: '{}',
      });
      const texts = countStatementTexts();
      startCountingStatements();
      const seen = await db.kysely.transaction().execute(async (trx) => {
        for (let i = 0; i < 3; i++) await insertDeferred(trx, 'jobs', job('deferred.g', now));
        for (let i = 0; i < 2; i++) await insertDeferred(trx, 'intakePayloads', payload(i));
        await trx.selectFrom('services').select('id').limit(1).execute(); // names neither table
        const afterOtherRead = statementCount();
        // Raw SQL naming the table without quotes still sends them first, and sees them.
        const r = await sql<{
          n: number | string;
        }>`select count(*) as n from jobs where kind = ${'deferred.g'}`.execute(trx);
        return { afterOtherRead, n: Number(r.rows[0]!.n), afterRead: statementCount() };
      });
      stopCountingStatements();
      assert.equal(seen.afterOtherRead, 2, 'begin and the read of services; the five rows still wait');
      assert.equal(seen.n, 3, 'the read of jobs sees the rows inserted before it');
      // PostgreSQL: both tables' rows in one statement; SQLite: one insert per table.
      assert.equal(seen.afterRead, engine === 'postgres' ? 4 : 5, JSON.stringify([...texts]));
      assert.equal(await countKind(db.kysely, 'deferred.g'), 3);
      const payloads = await db.kysely
        .selectFrom('intakePayloads')
        .select('id')
        .where('integrationKeyId', '=', 'ikey_test')
        .execute();
      assert.equal(payloads.length, 2);
    });

    it('sends waiting rows on request, so a failure to write them is raised there', async () => {
      const now = Date.now();
      const dup = job('deferred.h', now);
      await assert.rejects(
        db.kysely.transaction().execute(async (trx) => {
          await insertDeferred(trx, 'jobs', dup);
          await insertDeferred(trx, 'jobs', { ...dup }); // the same primary key: the insert fails
          let raised = false;
          try {
            await sendWaitingInserts(trx);
          } catch {
            raised = true;
          }
          assert.equal(raised, true, 'raised by sendWaitingInserts, not later');
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      await db.kysely.transaction().execute(async (trx) => {
        await sendWaitingInserts(trx); // nothing waits: nothing is sent
      });
    });

    it('lets a waiting row be patched until it goes out; outside a transaction it is inserted at once', async () => {
      const now = Date.now();
      await db.kysely.transaction().execute(async (trx) => {
        const row = job('deferred.e', now);
        const h = await insertDeferred(trx, 'jobs', row);
        assert.equal(h.patch({ attempts: 3 }), true);
        await countKind(trx, 'deferred.e');
        assert.equal(h.patch({ attempts: 4 }), false, 'it has gone out');
      });
      const rows = await db.kysely.selectFrom('jobs').select('attempts').where('kind', '=', 'deferred.e').execute();
      assert.deepEqual(
        rows.map((r) => r.attempts),
        [3],
      );
      const h = await insertDeferred(db.kysely, 'jobs', job('deferred.f', now));
      assert.equal(h.patch({ attempts: 1 }), false);
      assert.equal(await countKind(db.kysely, 'deferred.f'), 1);
    });
  });

  if (engine === 'postgres') {
    describe('deferred NOTIFY [postgres]', () => {
      let db: Db;
      let cleanup: () => Promise<void>;
      before(async () => {
        ({ db, cleanup } = await openTestDb(engine));
      });
      after(() => cleanup());

      it("sends a transaction's NOTIFYs with its waiting inserts in one statement, delivered at commit only", async () => {
        const listener = await db.pgPool!.connect();
        const got: string[] = [];
        listener.on('notification', (m) => got.push(`${m.channel}:${m.payload ?? ''}`));
        await listener.query('listen muster_test_a; listen muster_test_b');
        try {
          const now = Date.now();
          startCountingStatements();
          const texts = countStatementTexts();
          await db.kysely.transaction().execute(async (trx) => {
            await insertDeferred(trx, 'jobs', job('notify.a', now));
            await notifyDeferred(trx, 'muster_test_a', 'one');
            await trx.selectFrom('services').select('id').limit(1).execute(); // a plain read: both keep waiting
            await notifyDeferred(trx, 'muster_test_b', 'two');
          });
          const count = stopCountingStatements();
          assert.equal(
            count,
            4,
            `begin, the read, one insert with both NOTIFYs, commit: ${[...texts.keys()].join(' | ')}`,
          );
          assert.ok(
            [...texts.keys()].some((t) => t.startsWith('with "w1" as (insert into "jobs"')),
            [...texts.keys()].join(' | '),
          );
          // Rolled back: neither the row nor the notification.
          await assert.rejects(
            db.kysely.transaction().execute(async (trx) => {
              await notifyDeferred(trx, 'muster_test_a', 'rolled back');
              await trx.selectFrom('services').select('id').limit(1).execute();
              throw new Error('roll back');
            }),
            /roll back/,
          );
          // Alone (no inserts waiting) it goes out before the next write, in one statement for both.
          startCountingStatements();
          await db.kysely.transaction().execute(async (trx) => {
            await notifyDeferred(trx, 'muster_test_a', 'three');
            await notifyDeferred(trx, 'muster_test_b', 'four');
            await sql`update jobs set updated_at = updated_at where kind = 'none'`.execute(trx);
          });
          assert.equal(stopCountingStatements(), 4, 'begin, both NOTIFYs, the update, commit');
          await notifyDeferred(db.kysely, 'muster_test_b', 'outside');
          for (let i = 0; i < 100 && got.length < 5; i++) await new Promise((r) => setTimeout(r, 20));
          assert.deepEqual(got, [
            'muster_test_a:one',
            'muster_test_b:two',
            'muster_test_a:three',
            'muster_test_b:four',
            'muster_test_b:outside',
          ]);
          assert.equal(await countKind(db.kysely, 'notify.a'), 1);
        } finally {
          await listener.query('unlisten *');
          listener.release();
        }
      });
    });
  }
}
