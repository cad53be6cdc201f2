/**
 * The one-statement record of sent pages on PostgreSQL (src/notify/record-sent.ts): fenced on each delivery's claim
 * and each job's run, exactly as the record transaction it replaces. PostgreSQL only: SQLite keeps the transaction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, openTestDb } from '../db/testing/index.js';
import type { Db } from '../db/index.js';
import { startCountingStatements, stopCountingStatements } from '../db/statements.js';
import { recordSentPg, type SentRecord } from './record-sent.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('recording sent pages in one statement [postgres]', { skip: !ENGINES.includes('postgres') }, () => {
  let db: Db;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ db, cleanup } = await openTestDb('postgres'));
    await db.kysely
      .insertInto('users')
      .values({
        id: 'u1',
        email: 'u1@example.test',
        name: 'U',
        passwordHash: null,
        isAdmin: 0,
        timezone: 'UTC',
        createdAt: 0,
        updatedAt: 0,
        disabledAt: null,
      })
      .execute();
    await db.kysely
      .insertInto('contactMethods')
      .values({
        id: 'cm1',
        userId: 'u1',
        kind: 'webhook',
        label: 'hook',
        address: 'https://hook.example.test/',
        serverUrl: null,
        secret: null,
        isVerified: 1,
        allowPrivateAddress: 0,
        verifyCodeHash: null,
        verifyExpiresAt: null,
        expiredAt: null,
        createdAt: 0,
        updatedAt: 0,
      })
      .execute();
    const delivery = (id: string, status: string, claimToken: string | null, providerMessageId: string | null) => ({
      id,
      dedupKey: id,
      userId: 'u1',
      alertId: null,
      contactMethodId: 'cm1',
      ruleId: null,
      channel: 'webhook',
      urgency: 'high',
      message: '{}',
      status,
      attempts: 1,
      providerMessageId,
      lastError: 'earlier',
      dueAt: 0,
      createdAt: 0,
      updatedAt: 0,
      finishedAt: null,
      claimToken,
      claimedUntil: claimToken ? NOW + 60_000 : null,
    });
    await db.kysely
      .insertInto('notificationDeliveries')
      .values([
        delivery('d-ok', 'sending', '7.a', null),
        delivery('d-keep-pid', 'sending', '7.b', 'earlier-pid'),
        delivery('d-taken', 'sending', '9.c', null), // another run took the claim over
        delivery('d-done', 'sent', null, null), // another run finished it
      ])
      .execute();
    const job = (id: string, fence: number, status: string) => ({
      id,
      kind: 'notify.deliver',
      payload: '{}',
      status,
      runAt: 0,
      attempts: 1,
      maxAttempts: 5,
      fence,
      lockedBy: status === 'running' ? 'runner' : null,
      lockedUntil: null,
      lastError: null,
      uniqueKey: null,
      createdAt: 0,
      updatedAt: 0,
      finishedAt: null,
    });
    await db.kysely
      .insertInto('jobs')
      .values([
        job('j-ok', 7, 'running'),
        job('j-keep', 7, 'running'),
        job('j-taken', 8, 'running'),
        job('j-done', 7, 'running'),
        job('j-retry', 7, 'pending'), // failed and waits for its retry: not this run's to complete,
      ])
      .execute();
  });
  after(() => cleanup());

  it('records the deliveries still claimed by their run, and completes the runs still held, in one statement', async () => {
    const item = (
      deliveryId: string,
      claimToken: string,
      jobId: string,
      fence: number,
      pid: string | null,
    ): SentRecord => ({
      deliveryId,
      claimToken,
      jobId,
      fence,
      attemptId: `att-${deliveryId}`,
      providerMessageId: pid,
    });
    startCountingStatements();
    const r = await recordSentPg(
      db.kysely,
      [
        item('d-ok', '7.a', 'j-ok', 7, 'pid-1'),
        item('d-keep-pid', '7.b', 'j-keep', 7, null),
        item('d-taken', '7.c', 'j-taken', 7, 'pid-3'), // its job run is stale too (fence 8 now)
        item('d-done', '7.d', 'j-done', 7, null),
        item('d-gone', '7.e', 'j-retry', 7, null),
      ],
      NOW,
    );
    assert.equal(stopCountingStatements(), 1, 'one statement: no begin, no commit');
    assert.deepEqual(r.recorded, [true, true, false, false, false]);
    assert.deepEqual(r.completed, [true, true, false, true, false]);

    const ds = await db.kysely.selectFrom('notificationDeliveries').selectAll().orderBy('id').execute();
    const by = new Map(ds.map((d) => [d.id, d]));
    assert.deepEqual(
      ['status', 'attempts', 'providerMessageId', 'lastError', 'claimToken', 'claimedUntil', 'finishedAt'].map(
        (k) => by.get('d-ok')![k as keyof (typeof ds)[number]],
      ),
      ['sent', 2, 'pid-1', null, null, null, NOW],
    );
    assert.equal(by.get('d-keep-pid')!.providerMessageId, 'earlier-pid', 'no new provider id keeps the earlier one');
    assert.equal(by.get('d-keep-pid')!.status, 'sent');
    assert.deepEqual([by.get('d-taken')!.status, by.get('d-taken')!.claimToken], ['sending', '9.c'], 'left alone');
    assert.equal(by.get('d-done')!.attempts, 1, 'left alone');

    const attempts = await db.kysely.selectFrom('notificationAttempts').selectAll().orderBy('id').execute();
    assert.deepEqual(
      attempts.map((a) => [a.id, a.deliveryId, a.userId, a.channel, a.status, a.providerMessageId, Number(a.at)]),
      [
        ['att-d-keep-pid', 'd-keep-pid', 'u1', 'webhook', 'sent', null, NOW],
        ['att-d-ok', 'd-ok', 'u1', 'webhook', 'sent', 'pid-1', NOW],
      ],
    );
    const jobs = await db.kysely.selectFrom('jobs').select(['id', 'status', 'lockedBy']).orderBy('id').execute();
    assert.deepEqual(jobs, [
      { id: 'j-done', status: 'succeeded', lockedBy: null },
      { id: 'j-keep', status: 'succeeded', lockedBy: null },
      { id: 'j-ok', status: 'succeeded', lockedBy: null },
      { id: 'j-retry', status: 'pending', lockedBy: null },
      { id: 'j-taken', status: 'running', lockedBy: 'runner' },
    ]);
  });
});
