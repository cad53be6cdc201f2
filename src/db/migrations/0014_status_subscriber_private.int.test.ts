import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { ENGINES, openTestDb } from '../testing/index.js';
import type { Db } from '../index.js';
import { down, up } from './0014_status_subscriber_private.js';

for (const engine of ENGINES) {
  describe(`migration 0014: which status subscribers may reach private addresses [${engine}]`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await openTestDb(engine));
    });
    after(() => cleanup());

    it('allows the subscribers an administrator added (by the audit trail), not the public ones', async () => {
      const raw = db.kysely as unknown as Kysely<unknown>;
      await down(raw); // back to before the column
      for (const id of ['sts_admin', 'sts_public', 'sts_email']) {
        await sql`insert into status_subscribers (id, kind, address, secret, confirmed_at, unsubscribed_at, created_at)
          values (${id}, ${id === 'sts_email' ? 'email' : 'webhook'}, ${'http://10.0.0.5/hook'}, ${null}, ${1}, ${null}, ${1})`.execute(
          raw,
        );
      }
      const audit = (id: string, target: string, userId: string | null) =>
        sql`insert into audit_events (id, at, actor_user_id, actor_token_id, actor_label, action, target_type, target_id, ip, details)
          values (${id}, ${1}, ${userId}, ${null}, ${'x'}, ${'status_page.subscribed'}, ${'status_subscriber'}, ${target}, ${null}, ${'{}'})`.execute(
          raw,
        );
      await audit('aud_1', 'sts_admin', 'usr_admin');
      await audit('aud_2', 'sts_public', null);
      await up(raw);
      const rows = await db.kysely
        .selectFrom('statusSubscribers')
        .select(['id', 'allowsPrivateAddress'])
        .orderBy('id')
        .execute();
      assert.deepEqual(rows, [
        { id: 'sts_admin', allowsPrivateAddress: 1 },
        { id: 'sts_email', allowsPrivateAddress: 0 },
        { id: 'sts_public', allowsPrivateAddress: 0 },
      ]);
    });
  });
}
