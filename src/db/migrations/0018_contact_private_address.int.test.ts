import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { ENGINES, openTestDb } from '../testing/index.js';
import type { Db } from '../index.js';
import { down, up } from './0018_contact_private_address.js';

for (const engine of ENGINES) {
  describe(`migration 0018: which contact methods may reach private addresses [${engine}]`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await openTestDb(engine));
    });
    after(() => cleanup());

    it('allows the contact methods an administrator created (by the audit trail), not the others', async () => {
      const raw = db.kysely as unknown as Kysely<unknown>;
      await down(raw); // back to before the column
      for (const [id, isAdmin] of [
        ['usr_admin', 1],
        ['usr_plain', 0],
      ] as const) {
        await sql`insert into users (id, email, name, password_hash, is_admin, timezone, created_at, updated_at)
          values (${id}, ${`${id}@example.test`}, ${id}, ${null}, ${isAdmin}, ${'UTC'}, ${1}, ${1})`.execute(raw);
      }
      for (const [id, userId] of [
        ['cm_by_admin', 'usr_plain'],
        ['cm_by_self', 'usr_plain'],
        ['cm_no_audit', 'usr_plain'],
      ] as const) {
        await sql`insert into contact_methods (id, user_id, kind, label, address, server_url, secret, is_verified,
            verify_code_hash, verify_expires_at, created_at, updated_at)
          values (${id}, ${userId}, ${'webhook'}, ${'w'}, ${'http://10.0.0.5/hook'}, ${null}, ${'s'}, ${0},
            ${null}, ${null}, ${1}, ${1})`.execute(raw);
      }
      const audit = (id: string, actor: string, contactMethodId: string) =>
        sql`insert into audit_events (id, at, actor_user_id, actor_token_id, actor_label, action, target_type, target_id, ip, details)
          values (${id}, ${1}, ${actor}, ${null}, ${'x'}, ${'contact_method.created'}, ${'user'}, ${'usr_plain'}, ${null},
            ${JSON.stringify({ id: contactMethodId, kind: 'webhook' })})`.execute(raw);
      await audit('aud_1', 'usr_admin', 'cm_by_admin');
      await audit('aud_2', 'usr_plain', 'cm_by_self');
      await up(raw);
      const rows = await db.kysely
        .selectFrom('contactMethods')
        .select(['id', 'allowPrivateAddress'])
        .orderBy('id')
        .execute();
      assert.deepEqual(rows, [
        { id: 'cm_by_admin', allowPrivateAddress: 1 },
        { id: 'cm_by_self', allowPrivateAddress: 0 },
        { id: 'cm_no_audit', allowPrivateAddress: 0 },
      ]);
    });
  });
}
