import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { ENGINES, type TestDatabase } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import type { IntakeEvent } from './model.js';

/**
 * Group commit (src/alerts/intake-batcher.ts): concurrent deliveries share one transaction, yet every delivery is
 * applied as if it had come alone, in order, and answered only after its commit.
 */

/** A connection of its own (not the server's): it sees only what has committed. */
interface OutsideReader {
  payloadsWith(marker: string): Promise<number>;
  alertExists(id: string): Promise<boolean>;
  close(): Promise<void>;
}

async function outsideReader(tdb: TestDatabase): Promise<OutsideReader> {
  if (tdb.engine === 'sqlite') {
    const db = new SqliteDatabase(join(tdb.dataDir, 'muster.db'), { readonly: true, fileMustExist: true });
    const payloads = db.prepare('select count(*) as n from intake_payloads where body like ?');
    const alert = db.prepare('select id from alerts where id = ?');
    return {
      payloadsWith: (m) => Promise.resolve((payloads.get(`%${m}%`) as { n: number }).n),
      alertExists: (id) => Promise.resolve(alert.get(id) !== undefined),
      close: () => Promise.resolve(void db.close()),
    };
  }
  // A pool: the reads overlap (one per answered delivery), and one pg client runs one query at a time.
  const client = new pg.Pool({ connectionString: tdb.databaseUrl, max: 4 });
  return {
    payloadsWith: async (m) =>
      Number(
        (await client.query<{ n: string }>('select count(*) as n from intake_payloads where body like $1', [`%${m}%`]))
          .rows[0]!.n,
      ),
    alertExists: async (id) => (await client.query('select id from alerts where id = $1', [id])).rowCount === 1,
    close: () => client.end(),
  };
}

interface AlertJson {
  id: string;
  status: string;
  dedupKey: string;
  groupId: string;
  occurrenceCount: number;
  events?: { kind: string }[];
  group?: { alertCount: number; openCount: number; status: string };
}

const pdTrigger = (routingKey: string, dedupKey: string, marker: string) => ({
  routing_key: routingKey,
  dedup_key: dedupKey,
  event_action: 'trigger',
  payload: { summary: 'Queue depth high', source: 'worker', severity: 'error', custom_details: { marker } },
});

/** 100 new dedup keys and 10 repeated ones 10 times each, interleaved. */
function mixedDeliveries(): { dedupKey: string; marker: string }[] {
  const out: { dedupKey: string; marker: string }[] = [];
  for (let i = 0; i < 100; i++) {
    out.push({ dedupKey: `new-${i}`, marker: `m-new-${i}-` });
    out.push({ dedupKey: `rep-${i % 10}`, marker: `m-rep-${i}-` });
  }
  return out;
}

function event(dedupKey: string, labels: Record<string, unknown> = {}): IntakeEvent {
  return {
    action: 'trigger',
    dedupKey,
    startsAt: null,
    endsAt: null,
    summary: `summary ${dedupKey}`,
    description: '',
    severity: 'error',
    labels: labels as Record<string, string>,
    annotations: {},
    links: [],
    groupKey: null,
    groupName: 'batch',
  };
}

for (const engine of ENGINES) {
  describe(`intake group commit [${engine}]`, () => {
    let t: TestMuster;
    let teamId: string;

    async function serviceWithKey(name: string): Promise<{ serviceId: string; key: string }> {
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name, teamId, criticality: 'high' });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const k = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'pagerduty',
      });
      assert.equal(k.status, 201, JSON.stringify(k.body));
      return { serviceId: svc.body.id, key: k.body.key };
    }

    const post = (body: unknown) =>
      fetch(`${t.url}/v2/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    /** Per dedup key: status, occurrences and history kinds; per group: counters. What sequential intake yields. */
    async function summary(serviceId: string): Promise<unknown> {
      const list = await t.api<{ alerts: AlertJson[] }>('GET', `/api/alerts?service=${serviceId}&limit=500`);
      assert.equal(list.status, 200);
      const rows = await Promise.all(
        list.body.alerts.map(async (a) => (await t.api<AlertJson>('GET', `/api/alerts/${a.id}`)).body),
      );
      return rows
        .map((a) => ({
          key: a.dedupKey,
          status: a.status,
          count: a.occurrenceCount,
          events: a.events!.map((e) => e.kind).sort(),
          group: { alertCount: a.group!.alertCount, openCount: a.group!.openCount, status: a.group!.status },
        }))
        .sort((x, y) => x.key.localeCompare(y.key));
    }

    before(async () => {
      t = await startTestMuster(engine, { 'intake.maxInFlight': 256, 'intake.maxQueued': 256 });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Batch' })).body.id;
    });
    after(async () => {
      await t.stop();
    });

    it('commits 200 concurrent deliveries, dedups them as sequential intake would, and answers each after its commit', async () => {
      const deliveries = mixedDeliveries();
      const seq = await serviceWithKey('Sequential');
      for (const d of deliveries)
        assert.equal((await post(pdTrigger(seq.key, d.dedupKey, `s${d.marker}`))).status, 202);

      const conc = await serviceWithKey('Concurrent');
      const reader = await outsideReader(t.tdb);
      const batchesBefore = t.muster.services.intake.batchStats;
      try {
        const answers = await Promise.all(
          deliveries.map(async (d) => {
            const res = await post(pdTrigger(conc.key, d.dedupKey, `c${d.marker}`));
            // Read at once, from another connection: the delivery must already be committed.
            const seen = await reader.payloadsWith(`c${d.marker}`);
            return { status: res.status, seen };
          }),
        );
        assert.deepEqual(
          answers.filter((a) => a.status !== 202 || a.seen !== 1),
          [],
          'every delivery answered 202 and readable by then',
        );
      } finally {
        await reader.close();
      }
      const stats = t.muster.services.intake.batchStats;
      assert.ok(stats.largestBatch > 1, `deliveries shared transactions (${JSON.stringify(stats)})`);
      assert.equal(stats.fallbacks, batchesBefore.fallbacks);

      const expected = await summary(seq.serviceId);
      const actual = await summary(conc.serviceId);
      assert.equal((actual as unknown[]).length, 110, '100 new alerts and 10 deduplicated ones');
      assert.deepEqual(actual, expected);
    });

    it('resolves concurrently without losing group counters', async () => {
      const { serviceId, key } = await serviceWithKey('Resolve storm');
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) =>
          assert.equal((await post(pdTrigger(key, `r-${i}`, 'x'))).status, 202),
        ),
      );
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const res = await post({ routing_key: key, dedup_key: `r-${i}`, event_action: 'resolve' });
          assert.equal(res.status, 202);
        }),
      );
      const s = (await summary(serviceId)) as { status: string; group: AlertJson['group'] }[];
      assert.equal(s.length, 50);
      assert.ok(s.every((a) => a.status === 'resolved'));
      assert.deepEqual(s[0]!.group, { ...s[0]!.group!, alertCount: 50, openCount: 0, status: 'resolved' });
    });

    it('rolls back only the failing delivery of a batch, with whatever it had written', async () => {
      const { serviceId } = await serviceWithKey('Isolation');
      const keyRow = await t.muster.services.db.kysely
        .selectFrom('integrationKeys')
        .select(['id', 'serviceId'])
        .where('serviceId', '=', serviceId)
        .executeTakeFirstOrThrow();
      const key = { keyId: keyRow.id, serviceId, source: 'pagerduty' as const };
      const gone = { ...key, serviceId: 'svc_deleted' };
      const { intake } = t.muster.services;
      const before = intake.batchStats;
      // The bad delivery opens an alert first, then fails on its second event (labels that cannot be stored).
      const bad = [event('bad-first'), event('bad-second', { n: 1n })];
      const results = await Promise.allSettled([
        ...Array.from({ length: 10 }, (_, i) => intake.ingest(key, 'pagerduty', [event(`ok-${i}`)], { i })),
        intake.ingest(key, 'pagerduty', bad, { bad: true }),
        intake.ingest(gone, 'pagerduty', [event('orphan')], { gone: true }),
        ...(engine === 'postgres'
          ? [intake.ingest(key, 'pagerduty', [{ ...event('nul'), summary: 'a\u0000b' }], { nul: true })]
          : []),
        intake.ingest(key, 'pagerduty', [event('ok-last')], { last: true }),
      ]);
      const after = intake.batchStats;
      assert.ok(after.largestBatch >= 12, `one batch (${JSON.stringify(after)})`);
      assert.equal(after.fallbacks, before.fallbacks, 'the batch itself committed');
      const rejected = results.map((r) => r.status === 'rejected');
      assert.deepEqual(rejected, [
        ...Array(10).fill(false),
        true,
        true,
        ...(engine === 'postgres' ? [true] : []),
        false,
      ]);
      const gone401 = results[11] as PromiseRejectedResult;
      assert.equal((gone401.reason as { code?: string }).code, 'invalid_integration_key');
      const keys = ((await summary(serviceId)) as { key: string }[]).map((a) => a.key);
      assert.deepEqual(keys, [...Array.from({ length: 10 }, (_, i) => `ok-${i}`), 'ok-last'].sort());
      const payloads = await t.muster.services.db.kysely
        .selectFrom('intakePayloads')
        .select('body')
        .where('integrationKeyId', '=', key.keyId)
        .execute();
      assert.equal(payloads.length, 11, 'the failed deliveries stored no payload');
    });
  });
}
