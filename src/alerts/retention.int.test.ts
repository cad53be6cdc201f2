import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, openTestDb } from '../db/testing/index.js';
import type { Db } from '../db/index.js';
import { FakeClock, MINUTE } from '../shared/clock.js';
import { idFloor, newId } from '../shared/ids.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { PRUNE_PAYLOADS_JOB, prunePayloads } from './retention.js';

const DAY = 24 * 60 * MINUTE;

async function payloadIds(db: Db): Promise<string[]> {
  return (await db.kysely.selectFrom('intakePayloads').select('id').orderBy('id').execute()).map((r) => r.id);
}

/** Ids as intake makes them at each time (newId never goes back in time within a process, so build them here). */
async function insertPayloads(db: Db, times: number[]): Promise<string[]> {
  const ids = times.map((at) => `${idFloor('pay', at)}${newId('x').slice(-16)}`);
  await db.kysely
    .insertInto('intakePayloads')
    .values(ids.map((id, i) => ({ id, integrationKeyId: 'k', source: 'generic', receivedAt: times[i]!, body: '{}' })))
    .execute();
  return ids;
}

for (const engine of ENGINES) {
  describe(`intake payload retention [${engine}]`, () => {
    describe('prunePayloads', () => {
      let db: Db;
      let cleanup: () => Promise<void>;
      before(async () => {
        ({ db, cleanup } = await openTestDb(engine));
      });
      after(() => cleanup());

      it('deletes bodies received before the cutoff, in chunks, and keeps the rest', async () => {
        const now = Date.parse('2026-11-24T12:00:00Z');
        const old = await insertPayloads(db, [now - 40 * DAY, now - 35 * DAY, now - 31 * DAY, now - 30 * DAY - 1]);
        const kept = await insertPayloads(db, [now - 30 * DAY + 1, now - DAY, now]);
        assert.equal(await prunePayloads(db, now - 30 * DAY, 2), old.length);
        assert.deepEqual(await payloadIds(db), kept);
        assert.equal(await prunePayloads(db, now - 30 * DAY, 2), 0);
      });
    });

    describe('the daily job', () => {
      let t: TestMuster;
      const clock = new FakeClock(Date.parse('2026-11-24T12:00:00Z'));
      before(async () => {
        t = await startTestMuster(engine, { 'intake.payloadRetentionDays': 7 }, { clock });
      });
      after(() => t.stop());

      it('is scheduled at start-up, prunes past the configured retention, and schedules the next day', async () => {
        const { db, runner } = t.muster.services;
        const jobs = () =>
          db.kysely
            .selectFrom('jobs')
            .select(['status', 'runAt'])
            .where('kind', '=', PRUNE_PAYLOADS_JOB)
            .orderBy('runAt')
            .execute();
        const [first] = await jobs();
        assert.equal(first?.status, 'pending');
        const [stale] = await insertPayloads(db, [clock.now() - 8 * DAY]);
        const [fresh] = await insertPayloads(db, [clock.now() - 6 * DAY]);
        clock.advance(first.runAt - clock.now());
        runner?.wake();
        const deadline = Date.now() + 10_000;
        while ((await jobs()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        const [done, next] = await jobs();
        assert.equal(done?.status, 'succeeded');
        assert.equal(next?.status, 'pending');
        assert.equal(next.runAt - done.runAt, DAY);
        const left = await payloadIds(db);
        assert.ok(!left.includes(stale!), 'older than 7 days: pruned');
        assert.ok(left.includes(fresh!), 'within 7 days: kept');
      });
    });
  });
}
