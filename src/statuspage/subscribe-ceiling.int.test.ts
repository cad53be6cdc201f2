import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { newId } from '../shared/ids.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { CONFIRM_TTL_MS } from './model.js';
import { MAX_PENDING_SUBSCRIPTIONS } from './subscribers.js';

/** Issue 10, defect 8: a global ceiling on unconfirmed subscriptions, whatever the number of sender addresses. */
for (const engine of ENGINES) {
  describe(`status-page subscriptions: the pending ceiling [${engine}]`, () => {
    let t: TestMuster;
    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
    });

    /** Pending email subscribers as the public form leaves them (`confirmedAt` null), created `age` ms ago. */
    async function seedPending(count: number, age: number, confirmed = false): Promise<void> {
      const now = Date.now();
      const rows = Array.from({ length: count }, (_, i) => ({
        id: newId('sts', now),
        kind: 'email',
        address: `pending-${age}-${confirmed}-${i}@example.test`,
        secret: null,
        confirmedAt: confirmed ? now : null,
        unsubscribedAt: null,
        createdAt: now - age,
        allowsPrivateAddress: 0 as const,
        componentIds: '[]',
      }));
      for (let i = 0; i < rows.length; i += 200) {
        await t.muster.services.db.kysely
          .insertInto('statusSubscribers')
          .values(rows.slice(i, i + 200))
          .execute();
      }
    }
    const subscribe = (email: string) =>
      t.api<{ error?: { code: string } }>('POST', '/api/public/status/subscribers', { email }, null);

    it('answers 429 with Retry-After once the ceiling of pending subscriptions is reached', async () => {
      // Expired pending links and confirmed subscribers do not count.
      await seedPending(50, CONFIRM_TTL_MS + 60_000);
      await seedPending(50, 0, true);
      await seedPending(MAX_PENDING_SUBSCRIPTIONS - 1, 1000);
      const last = await subscribe('the-last-one@example.test');
      assert.equal(last.status, 202, JSON.stringify(last.body));
      const refused = await subscribe('one-too-many@example.test');
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error!.code, 'subscribe_throttled');
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      const stored = await t.muster.services.db.kysely
        .selectFrom('statusSubscribers')
        .select('id')
        .where('address', '=', 'one-too-many@example.test')
        .execute();
      assert.equal(stored.length, 0, 'nothing stored, so no confirmation mail');
      // Once one is confirmed (or expires), there is room again.
      await t.muster.services.db.kysely
        .updateTable('statusSubscribers')
        .set({ confirmedAt: Date.now() })
        .where('address', '=', 'the-last-one@example.test')
        .execute();
      assert.equal((await subscribe('one-too-many@example.test')).status, 202);
    });
  });
}
