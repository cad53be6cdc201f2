import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../shared/errors.js';
import {
  DatabaseHealth,
  DatabaseUnavailableError,
  isDatabaseUnavailable,
  markDatabaseConnectionError,
  retryWhileUnavailable,
  withTimeout,
  type HealthChange,
} from './health.js';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
/** A socket error as the database pool hands it on: marked as coming from a database connection. */
const fromPool = (e: Error): Error => {
  markDatabaseConnectionError(e);
  return e;
};

describe('isDatabaseUnavailable', () => {
  it('knows a database that is away, on both engines', () => {
    for (const e of [
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P02'),
      withCode('57P03', 'the database system is starting up'),
      withCode('08006'),
      withCode('08001'),
      withCode('53300', 'sorry, too many clients already'),
      fromPool(withCode('ECONNREFUSED')),
      fromPool(withCode('ECONNRESET')),
      fromPool(new Error('timeout expired')),
      withCode('SQLITE_BUSY', 'database is locked'),
      withCode('SQLITE_BUSY_SNAPSHOT'),
      withCode('SQLITE_LOCKED'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      fromPool(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed')),
      new Error('Migration 0001 failed', { cause: withCode('57P01') }),
      new DatabaseUnavailableError('the database did not answer within 2000 ms'),
      new AppError('database_unavailable', 'The database is unavailable.', { status: 503 }),
    ]) {
      assert.equal(isDatabaseUnavailable(e), true, `${String((e as { code?: string }).code)} ${e.message}`);
    }
  });

  it('does not mistake a wrong query, bad data or a bug for an outage', () => {
    for (const e of [
      withCode('23505', 'duplicate key value violates unique constraint'),
      withCode('42P01', 'relation "nope" does not exist'),
      withCode('22P02', 'invalid input syntax'),
      withCode('SQLITE_CONSTRAINT_UNIQUE'),
      withCode('SQLITE_ERROR', 'no such table: nope'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      new AppError('service_not_found', 'No service with id x.', { status: 404 }),
      // Socket errors of anything but the database: an SMTP server, a webhook, a provider's API.
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('ETIMEDOUT'),
      new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }),
      // A send's transient failure is the domain's verdict, whatever it wraps.
      new AppError('delivery_failed', 'webhook: connection refused', { status: 502, cause: fromPool(withCode('x')) }),
      null,
      undefined,
      'a string',
    ]) {
      assert.equal(isDatabaseUnavailable(e), false, String(e));
    }
  });
});

describe('DatabaseHealth', () => {
  it('reports an outage once when it starts and once when it ends, however many failures it sees', () => {
    const h = new DatabaseHealth({ settleMs: 0 });
    const changes: HealthChange[] = [];
    h.onChange((c) => changes.push(c));
    assert.equal(h.noteFailure(withCode('23505')), false, 'a constraint violation is not an outage');
    assert.equal(h.isAvailable, true);
    h.noteSuccess();
    for (let i = 0; i < 50; i++) assert.equal(h.noteFailure(fromPool(withCode('ECONNREFUSED'))), true);
    assert.equal(h.isAvailable, false);
    assert.ok(h.unavailableSince !== null);
    for (let i = 0; i < 50; i++) h.noteSuccess();
    assert.equal(h.isAvailable, true);
    assert.deepEqual(
      changes.map((c) => c.available),
      [false, true],
    );
    assert.equal((changes[0]!.err as { code: string }).code, 'ECONNREFUSED');
    assert.equal(typeof changes[1]!.downForMs, 'number');
  });

  it('a success soon after a failure does not end the outage: the database must answer for a while', async () => {
    const h = new DatabaseHealth({ settleMs: 100 });
    const changes: boolean[] = [];
    h.onChange((c) => changes.push(c.available));
    h.noteFailure(withCode('57P01'));
    h.noteSuccess(); // a query that was already running when the server began to shut down
    h.noteFailure(withCode('57P03'));
    assert.equal(h.isAvailable, false);
    await new Promise((r) => setTimeout(r, 150));
    h.noteSuccess();
    assert.equal(h.isAvailable, true);
    assert.deepEqual(changes, [false, true]);
  });

  it('a caller that waited too long for a pooled connection is refused, but that is a busy pool, not an outage', () => {
    const h = new DatabaseHealth({ settleMs: 0 });
    assert.equal(h.noteFailure(new Error('timeout exceeded when trying to connect')), true);
    assert.equal(h.isAvailable, true);
  });

  it("a listener that throws does not become the caller's error", () => {
    const h = new DatabaseHealth({ settleMs: 0 });
    h.onChange(() => {
      throw new Error('listener bug');
    });
    assert.equal(h.noteFailure(withCode('57P01')), true);
    h.noteSuccess();
  });
});

describe('withTimeout', () => {
  it('gives up with DatabaseUnavailableError when the database does not answer in time', async () => {
    const never = new Promise<never>(() => undefined);
    const started = Date.now();
    await assert.rejects(withTimeout(never, 50, 'the database'), (e: unknown) => {
      assert.ok(e instanceof DatabaseUnavailableError);
      assert.ok(isDatabaseUnavailable(e));
      return true;
    });
    assert.ok(Date.now() - started < 1000);
    assert.equal(await withTimeout(Promise.resolve(7), 1000, 'x'), 7);
  });
});

describe('retryWhileUnavailable', () => {
  it('waits out an outage, and throws any other error at once', async () => {
    let calls = 0;
    const value = await retryWhileUnavailable(async () => {
      calls++;
      if (calls < 3) throw withCode('57P03', 'the database system is starting up');
      return 'recorded';
    });
    assert.equal(value, 'recorded');
    assert.equal(calls, 3);

    let other = 0;
    await assert.rejects(
      retryWhileUnavailable(async () => {
        other++;
        throw withCode('23505');
      }),
      /x/,
    );
    assert.equal(other, 1);

    let stopped = 0;
    await assert.rejects(
      retryWhileUnavailable(
        async () => {
          stopped++;
          throw withCode('57P01');
        },
        { shouldStop: () => stopped >= 2 },
      ),
    );
    assert.equal(stopped, 2);
  });
});
