import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { CoalescedReader } from '../db/coalesce.js';
import { isDatabaseUnavailable } from '../db/health.js';
import { openPostgres, type Db } from '../db/index.js';
import type { IntegrationKeysTable } from '../db/schema.js';
import { startCountingStatements, stopCountingStatements } from '../db/statements.js';
import { ENGINES, freePort, openTestDb } from '../db/testing/index.js';
import { TransactionMisuseError } from '../db/tx-context.js';
import { systemActor, TeamService } from '../identity/index.js';
import { systemClock } from '../shared/clock.js';
import { sha256Hex } from '../shared/crypto.js';
import { IntegrationKeyService } from './keys.js';
import { integrationKeyFromBytes, type IntegrationSource } from './model.js';
import { findKeyRowsByHash } from './repo.js';
import { CatalogService } from './service.js';

/**
 * Intake's key lookups are coalesced (issue 18): concurrent `authenticate` calls share one `key_hash in (…)`
 * statement, yet each answers exactly what a lookup of its own would, read after it was asked.
 */

const actor = systemActor('test');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

for (const engine of ENGINES) {
  describe(`integration key lookups, coalesced [${engine}]`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    let keys: IntegrationKeyService;
    let serviceId: string;
    const plaintexts = {
      valid: [] as string[],
      revoked: [] as string[],
      change: [] as string[],
      unknown: [] as string[],
    };

    const newKey = async (source: IntegrationSource) => keys.create(actor, serviceId, { source });

    before(async () => {
      ({ db, cleanup } = await openTestDb(engine));
      const teams = new TeamService({ db, clock: systemClock });
      const catalog = new CatalogService({ db, clock: systemClock, teams });
      keys = new IntegrationKeyService({ db, clock: systemClock, catalog });
      const team = await teams.create(actor, { name: 'Keys' });
      serviceId = (await catalog.create(actor, { name: 'Keyed', teamId: team.id })).id;
      for (let i = 0; i < 4; i++) plaintexts.valid.push((await newKey('pagerduty')).key);
      for (let i = 0; i < 3; i++) {
        const k = await newKey('pagerduty');
        await keys.revoke(actor, serviceId, k.integrationKey.id);
        plaintexts.revoked.push(k.key);
      }
      for (let i = 0; i < 3; i++) plaintexts.change.push((await newKey('change')).key);
      for (let i = 0; i < 3; i++) plaintexts.unknown.push(integrationKeyFromBytes(randomBytes(32)));
    });
    after(() => cleanup());

    /** 50 lookups: valid, revoked, unknown, wrong-source and malformed keys, some with two sources, some repeated. */
    function mixedLookups(): { plaintext: string; sources: IntegrationSource[] }[] {
      const all = [
        ...plaintexts.valid,
        ...plaintexts.revoked,
        ...plaintexts.change,
        ...plaintexts.unknown,
        'not-a-key',
      ];
      return Array.from({ length: 50 }, (_, i) => ({
        plaintext: i % 7 === 3 ? ` ${all[i % all.length]!} ` : all[i % all.length]!,
        sources: i % 5 === 0 ? ['change', 'pagerduty'] : ['pagerduty'],
      }));
    }

    it('50 concurrent lookups answer what 50 sequential ones do, in 1–2 statements', async () => {
      const lookups = mixedLookups();
      const sequential = [];
      for (const l of lookups) sequential.push(await keys.authenticate(l.plaintext, l.sources));
      assert.ok(sequential.filter(Boolean).length >= 10, 'some keys are accepted');
      assert.ok(sequential.filter((k) => !k).length >= 10, 'some keys are refused');
      assert.ok(
        sequential.some((k) => k?.source === 'change'),
        'a change key is accepted where change is allowed',
      );

      startCountingStatements();
      let concurrent;
      try {
        concurrent = await Promise.all(lookups.map((l) => keys.authenticate(l.plaintext, l.sources)));
      } finally {
        const statements = stopCountingStatements();
        // One lookup per request read 47 statements here (the 3 malformed keys are refused without a read).
        assert.ok(statements >= 1 && statements <= 2, `${statements} statements for 50 lookups`);
      }
      assert.deepEqual(concurrent, sequential);
    });

    it('lookups of more than 500 distinct keys at once go out 500 keys per statement', async () => {
      const many = Array.from({ length: 1200 }, () => integrationKeyFromBytes(randomBytes(32)));
      many[700] = plaintexts.valid[0]!;
      startCountingStatements();
      let found;
      try {
        found = await Promise.all(many.map((k) => keys.authenticate(k, ['pagerduty'])));
      } finally {
        assert.equal(stopCountingStatements(), 3);
      }
      assert.deepEqual(
        found.map((k, i) => (k ? i : -1)).filter((i) => i >= 0),
        [700],
      );
    });

    it('a key revoked before a request arrives is refused for it', async () => {
      const k = await newKey('pagerduty');
      assert.ok(await keys.authenticate(k.key, ['pagerduty']));
      const earlier = keys.authenticate(k.key, ['pagerduty']); // its batch goes out on the next turn
      await new Promise<void>((r) => setImmediate(r));
      await keys.revoke(actor, serviceId, k.integrationKey.id);
      assert.equal(await keys.authenticate(k.key, ['pagerduty']), null);
      await earlier; // asked before the revocation: either answer is right
    });

    it('a lookup asked while a batch is in flight is read again: a key revoked after that read is refused', async () => {
      // The service's own reader, with the first batch held after its read (before its answer is delivered).
      const k = await newKey('pagerduty');
      const hash = sha256Hex(k.key);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let reads = 0;
      const reader = new CoalescedReader<string, IntegrationKeysTable>(async (hashes) => {
        const found = await findKeyRowsByHash(db.kysely, hashes);
        if (++reads === 1) await gate;
        return found;
      });
      const first = reader.read(hash);
      while (reads < 1) await sleep(1);
      await keys.revoke(actor, serviceId, k.integrationKey.id);
      const second = reader.read(hash);
      const answeredAlone = await Promise.race([second.then(() => true), sleep(3000).then(() => false)]);
      release();
      assert.notEqual((await second)?.revokedAt ?? null, null, 'the revoked key was answered from the earlier read');
      assert.ok(answeredAlone, 'the second lookup waited for the batch in flight');
      assert.equal((await first)?.revokedAt, null, 'the first batch read before the revocation');
      assert.equal(reads, 2);
    });

    it('a failed batch statement fails every lookup waiting on it with its error; the next batch reads again', async () => {
      await sql`alter table integration_keys rename to integration_keys_away`.execute(db.kysely);
      let failures: unknown[];
      try {
        startCountingStatements();
        failures = await Promise.all(
          [...plaintexts.valid, ...plaintexts.unknown].map((p) =>
            keys.authenticate(p, ['pagerduty']).then(
              () => null,
              (e: unknown) => e,
            ),
          ),
        );
        assert.equal(stopCountingStatements(), 1);
      } finally {
        await sql`alter table integration_keys_away rename to integration_keys`.execute(db.kysely);
      }
      assert.ok(failures[0] instanceof Error, String(failures[0]));
      for (const f of failures) assert.equal(f, failures[0]);
      assert.ok(await keys.authenticate(plaintexts.valid[0]!, ['pagerduty']));
    });

    it('a lookup inside a transaction is refused by the guard, and does not fail the others', async () => {
      const outside = keys.authenticate(plaintexts.valid[1]!, ['pagerduty']);
      await assert.rejects(
        db.kysely.transaction().execute(() => keys.authenticate(plaintexts.valid[0]!, ['pagerduty'])),
        TransactionMisuseError,
      );
      assert.ok(await outside);
    });

    it(
      'with the database away, every waiting lookup fails as "database unavailable" (intake answers 503)',
      { skip: engine === 'sqlite' ? 'a PostgreSQL server that is not there' : false },
      async () => {
        const away = openPostgres(`postgres://muster@127.0.0.1:${await freePort()}/muster`, 4);
        try {
          const teams = new TeamService({ db: away, clock: systemClock });
          const awayKeys = new IntegrationKeyService({
            db: away,
            clock: systemClock,
            catalog: new CatalogService({ db: away, clock: systemClock, teams }),
          });
          const failures = await Promise.all(
            plaintexts.valid.map((p) =>
              awayKeys.authenticate(p, ['pagerduty']).then(
                () => null,
                (e: unknown) => e,
              ),
            ),
          );
          for (const f of failures) assert.ok(isDatabaseUnavailable(f), String(f));
        } finally {
          await away.close();
        }
      },
    );
  });
}
