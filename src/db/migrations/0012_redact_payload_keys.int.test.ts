import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { ENGINES, openTestDb } from '../testing/index.js';
import type { Db } from '../index.js';
import { up } from './0012_redact_payload_keys.js';

const KEY = 'abcdefghijklmnopqrstuvwxyz234567';

for (const engine of ENGINES) {
  describe(`migration 0012: plaintext integration keys in stored bodies [${engine}]`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await openTestDb(engine));
    });
    after(() => cleanup());

    it('keeps only the key prefix in PagerDuty bodies stored before redaction, and leaves other bodies alone', async () => {
      const row = (id: string, body: string) => ({
        id,
        integrationKeyId: 'key_1',
        source: 'pagerduty',
        receivedAt: 1,
        body,
      });
      const other = JSON.stringify({ receiver: 'x', alerts: [{ labels: { routing_key: 'not a key field' } }] });
      await db.kysely
        .insertInto('intakePayloads')
        .values([
          row('pay_1', JSON.stringify({ routing_key: KEY, event_action: 'trigger' })),
          row('pay_2', other),
          row('pay_3', 'not json "routing_key"'),
        ])
        .execute();
      await up(db.kysely as unknown as Kysely<unknown>);
      await up(db.kysely as unknown as Kysely<unknown>); // idempotent
      const rows = await db.kysely.selectFrom('intakePayloads').select(['id', 'body']).orderBy('id').execute();
      assert.deepEqual(JSON.parse(rows[0]!.body), { routing_key: 'abcdef…(redacted)', event_action: 'trigger' });
      assert.equal(rows[1]!.body, other);
      assert.equal(rows[2]!.body, 'not json "routing_key"');
    });
  });
}
