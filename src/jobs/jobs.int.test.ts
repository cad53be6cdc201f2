import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describe, it } from 'node:test';
import type { Db } from '../db/index.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { createLogger } from '../shared/logger.js';
import { probeHandler } from './diagnostics.js';
import { StaleJobError } from './errors.js';
import type { EnqueueOptions, Job } from './model.js';
import { JOBS_CHANNEL, enqueueJob, findJob } from './repo.js';
import { JobRunner, type JobContext, type JobHandler, type JobRunnerOptions } from './runner.js';
import { JobService } from './service.js';

const T0 = Date.UTC(2026, 2, 29, 0, 30);
const KIND = 'test.effect';
const silent = createLogger({ level: 'silent' });

type Outcome = 'succeeded' | 'retried' | 'dead' | 'stale';

interface Harness {
  db: Db;
  tdb: TestDatabase;
  clock: FakeClock;
  runners: JobRunner[];
  outcomes: { runner: string; jobKind: string; outcome: Outcome }[];
  runner(opts?: Partial<JobRunnerOptions> & { handler?: JobHandler; kind?: string }): JobRunner;
  enqueue(opts?: Partial<EnqueueOptions>): Promise<string>;
  job(id: string): Promise<Job>;
  effects(jobId: string): Promise<{ fence: number; runner: string }[]>;
  /** A gate a handler can stall on; every gate opens at clean-up so a failed test reports instead of hanging. */
  gate(): Gate;
}

/** Run `fn` with a fresh database; stop every runner and drop the database afterwards, pass or fail. */
async function withHarness(engine: (typeof ENGINES)[number], fn: (h: Harness) => Promise<void>): Promise<void> {
  const tdb = await createTestDatabase(engine);
  const db = tdb.open();
  const clock = new FakeClock(T0);
  const gates: Gate[] = [];
  const h: Harness = {
    db,
    tdb,
    clock,
    runners: [],
    outcomes: [],
    runner(opts = {}) {
      const { handler = recordEffect(), kind = KIND, ...rest } = opts;
      const r: JobRunner = new JobRunner({
        db,
        clock,
        log: silent,
        concurrency: 4,
        pollIntervalMs: 20,
        leaseMs: 60_000,
        onOutcome: (jobKind, outcome) => h.outcomes.push({ runner: r.id, jobKind, outcome }),
        ...rest,
      });
      r.register(kind, handler);
      h.runners.push(r);
      return r;
    },
    async enqueue(opts = {}) {
      const id = await db.kysely
        .transaction()
        .execute((trx) => enqueueJob(trx, db.engine, { kind: KIND, payload: {}, ...opts }, h.clock.now()));
      assert.ok(id, 'enqueue returned no id');
      return id;
    },
    async job(id) {
      const job = await findJob(db.kysely, id);
      assert.ok(job, `job ${id} does not exist`);
      return job;
    },
    effects(jobId) {
      return db.kysely
        .selectFrom('diagnosticProbeRuns')
        .select(['fence', 'runner'])
        .where('jobId', '=', jobId)
        .execute();
    },
    gate() {
      const g = gate();
      gates.push(g);
      return g;
    },
  };
  try {
    await fn(h);
  } finally {
    for (const g of gates) g.open();
    await Promise.all(h.runners.map((r) => r.stop()));
    await db.close();
    await tdb.drop();
  }
}

/** A handler that does its one step (an effect row) inside ctx.complete, after an optional `before`. */
function recordEffect(before?: (ctx: JobContext<unknown>) => Promise<void>): JobHandler {
  return async (ctx) => {
    await before?.(ctx);
    await ctx.complete(async (trx) => {
      await trx
        .insertInto('diagnosticProbeRuns')
        .values({
          id: newId('prb', ctx.clock.now()),
          jobId: ctx.job.id,
          fence: ctx.job.fence,
          runner: ctx.runnerId,
          at: ctx.clock.now(),
        })
        .execute();
    });
  };
}

interface Gate {
  /** Resolves once a handler called arrive(): it is now stalled in wait(). */
  reached: Promise<void>;
  arrive(): void;
  wait(): Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  let arrive!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (arrive = r));
  return { wait: () => opened, open, reached, arrive };
}

/** Poll `check` until it returns a value (not undefined/false) or the deadline passes. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function waitForStatus(h: Harness, id: string, status: Job['status'], extra?: (j: Job) => boolean): Promise<Job> {
  return waitFor(`job ${id} to be ${status}`, async () => {
    const j = await h.job(id);
    return j.status === status && (!extra || extra(j)) ? j : undefined;
  });
}

/**
 * Prove the runner has completed a claim at the current (fake) time: a sentinel due now must run. Any job that was
 * claimable at this time would have been claimed in the same pass or before it (claims go in run_at order).
 */
async function runSentinel(h: Harness): Promise<void> {
  const id = await h.enqueue({ payload: { sentinel: true } });
  await waitForStatus(h, id, 'succeeded');
}

async function wallClockSleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

for (const engine of ENGINES) {
  describe(`durable jobs [${engine}]`, () => {
    it('never creates or runs a job enqueued in a transaction that rolls back', () =>
      withHarness(engine, async (h) => {
        await h.runner().start();
        let rolledBackId: string | null = null;
        await assert.rejects(
          h.db.kysely.transaction().execute(async (trx) => {
            rolledBackId = await enqueueJob(trx, h.db.engine, { kind: KIND, payload: {} }, h.clock.now());
            throw new Error('the state change failed');
          }),
          /the state change failed/,
        );
        assert.ok(rolledBackId);
        await runSentinel(h);
        assert.equal(await findJob(h.db.kysely, rolledBackId), null);
        assert.deepEqual(await h.effects(rolledBackId), []);
        const total = await h.db.kysely
          .selectFrom('diagnosticProbeRuns')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(total.n), 1, 'only the sentinel ran');
      }));

    it('does not run a job before its runAt and runs it once its time comes', () =>
      withHarness(engine, async (h) => {
        await h.runner().start();
        const id = await h.enqueue({ runAt: T0 + 10_000 });
        h.clock.set(T0 + 9_999);
        await runSentinel(h);
        const early = await h.job(id);
        assert.equal(early.status, 'pending');
        assert.equal(early.attempts, 0);
        assert.deepEqual(await h.effects(id), []);
        h.clock.set(T0 + 10_000); // no wake(): the poll must find it
        const done = await waitForStatus(h, id, 'succeeded');
        assert.equal(done.attempts, 1);
        assert.equal(done.finishedAt, T0 + 10_000);
        assert.equal((await h.effects(id)).length, 1);
      }));

    it('retries a transient AppError with backoff, recording attempts and the error, then succeeds', () =>
      withHarness(engine, async (h) => {
        await h
          .runner({
            handler: recordEffect(async (ctx) => {
              if ((ctx.job.payload as { isFlaky?: boolean }).isFlaky && ctx.job.attempts < 3) {
                throw new AppError('upstream_unavailable', `upstream 503 on attempt ${ctx.job.attempts}`, {
                  status: 503,
                });
              }
            }),
          })
          .start();
        const id = await h.enqueue({ payload: { isFlaky: true } });
        const first = await waitForStatus(h, id, 'pending', (j) => j.attempts === 1);
        assert.match(first.lastError ?? '', /upstream 503 on attempt 1/);
        assert.ok(first.runAt >= T0 + 1000 && first.runAt <= T0 + 2000, `first retry at +${first.runAt - T0} ms`);
        assert.equal(first.lockedBy, null);

        h.clock.set(first.runAt - 1);
        await runSentinel(h);
        assert.equal((await h.job(id)).attempts, 1, 'retried before its backoff was over');

        h.clock.set(first.runAt);
        const second = await waitForStatus(h, id, 'pending', (j) => j.attempts === 2);
        assert.match(second.lastError ?? '', /upstream 503 on attempt 2/);
        const wait2 = second.runAt - first.runAt;
        assert.ok(wait2 >= 2000 && wait2 <= 4000, `second retry after ${wait2} ms`);

        h.clock.set(second.runAt);
        const done = await waitForStatus(h, id, 'succeeded');
        assert.equal(done.attempts, 3);
        assert.equal(done.lastError, null);
        assert.deepEqual(
          (await h.effects(id)).map((e) => e.fence),
          [3],
        );
        // onOutcome runs just after the commit the test saw: wait for it rather than race it.
        await waitFor('four outcomes', async () => h.outcomes.length === 4);
        assert.deepEqual(
          h.outcomes.map((o) => o.outcome),
          ['retried', 'succeeded', 'retried', 'succeeded'], // the second one is the sentinel
        );
      }));

    it('makes a job dead on a permanent error, lists it as dead, and runs it again after a retry', () =>
      withHarness(engine, async (h) => {
        const broken = new Set<string>();
        const runner = h.runner({
          handler: recordEffect(async (ctx) => {
            if (broken.has(ctx.job.id)) throw new AppError('bad_payload', `job ${ctx.job.id} has bad data`);
          }),
        });
        await runner.start();
        const service = new JobService({
          db: h.db,
          clock: h.clock,
          diagnostics: false,
          onEnqueued: () => runner.wake(),
        });
        const realId = await h.db.kysely.transaction().execute(async (trx) => {
          const jobId = await enqueueJob(trx, h.db.engine, { kind: KIND, payload: {}, maxAttempts: 5 }, h.clock.now());
          assert.ok(jobId);
          broken.add(jobId);
          return jobId;
        });
        const dead = await waitForStatus(h, realId, 'dead');
        assert.equal(dead.attempts, 1, 'a permanent error must not be retried');
        assert.match(dead.lastError ?? '', /has bad data/);
        assert.equal(dead.finishedAt, T0);
        const listed = await service.list({ status: 'dead', limit: 100 });
        assert.deepEqual(
          listed.map((j) => j.id),
          [realId],
        );
        assert.deepEqual(await h.effects(realId), []);

        await assert.rejects(service.retry(await h.enqueue({ runAt: T0 + 60_000 })), { code: 'job_not_dead' });

        broken.delete(realId);
        const retried = await service.retry(realId);
        assert.notEqual(retried.status, 'dead'); // pending, or already claimed: the retry wakes the runner
        const done = await waitForStatus(h, realId, 'succeeded');
        assert.equal(done.attempts, 1, 'the retry did not start a fresh attempt budget');
        assert.equal((await h.effects(realId)).length, 1);
        assert.deepEqual(await service.list({ status: 'dead', limit: 100 }), []);
      }));

    it('makes a job dead when its attempts are exhausted', () =>
      withHarness(engine, async (h) => {
        await h
          .runner({
            handler: async () => {
              throw new AppError('timeout', 'upstream timed out', { status: 504 });
            },
          })
          .start();
        const id = await h.enqueue({ maxAttempts: 2 });
        const first = await waitForStatus(h, id, 'pending', (j) => j.attempts === 1);
        h.clock.set(first.runAt);
        const dead = await waitForStatus(h, id, 'dead');
        assert.equal(dead.attempts, 2);
        assert.match(dead.lastError ?? '', /upstream timed out/);
      }));

    it('treats a second enqueue with the same uniqueKey as a no-op, before and after the job ran', () =>
      withHarness(engine, async (h) => {
        const key = 'incident:inc_1:escalate:step-1';
        const enqueue = (): Promise<string | null> =>
          h.db.kysely
            .transaction()
            .execute((trx) => enqueueJob(trx, h.db.engine, { kind: KIND, payload: {}, uniqueKey: key }, h.clock.now()));
        const id = await enqueue();
        assert.ok(id);
        assert.equal(await enqueue(), null);
        await h.runner().start();
        await waitForStatus(h, id, 'succeeded');
        assert.equal(await enqueue(), null);
        await runSentinel(h);
        const rows = await h.db.kysely.selectFrom('jobs').select('id').where('uniqueKey', '=', key).execute();
        assert.deepEqual(
          rows.map((r) => r.id),
          [id],
        );
        assert.equal((await h.effects(id)).length, 1);
      }));

    it('fences a run whose lease expired: the old owner’s step rolls back while the new owner’s is kept', () =>
      withHarness(engine, async (h) => {
        const leaseMs = 1000;
        // Runner A stalls inside its handler and its clock stands still, so its heartbeat cannot extend the lease
        // past T0 + lease (a paused VM or a process cut off from the database). Runner B's clock starts an hour
        // behind so it cannot claim the job first. B then stalls too, so A completes while B holds the job.
        const clockA = new FakeClock(T0);
        const clockB = new FakeClock(T0 - 3_600_000);
        const stalledA = h.gate();
        const stalledB = h.gate();
        let errorInA: unknown = null;
        const handler = recordEffect(async (ctx) => {
          const g = ctx.runnerId === a.id ? stalledA : stalledB;
          g.arrive();
          await g.wait();
        });
        const catching: JobHandler = async (ctx) => {
          try {
            await handler(ctx);
          } catch (e) {
            if (ctx.runnerId === a.id) errorInA = e;
            throw e;
          }
        };
        const a = h.runner({ clock: clockA, leaseMs, handler: catching });
        const b = h.runner({ clock: clockB, leaseMs, handler: catching });
        await a.start();
        await b.start();
        const id = await h.enqueue();
        await stalledA.reached;
        const heldByA = await h.job(id);
        assert.equal(heldByA.lockedBy, a.id);
        assert.equal(heldByA.fence, 1);

        clockB.set(T0 + leaseMs - 1);
        b.wake();
        await wallClockSleep(100); // B polls several times while A's lease is still valid
        assert.equal((await h.job(id)).fence, 1, 'B claimed a job whose lease had not expired');

        clockB.set(T0 + 2 * leaseMs);
        await stalledB.reached;
        const heldByB = await h.job(id);
        assert.equal(heldByB.lockedBy, b.id);
        assert.equal(heldByB.fence, 2);
        assert.equal(heldByB.attempts, 2);

        stalledA.open();
        await waitFor('A to report its run', async () => h.outcomes.some((o) => o.runner === a.id));
        assert.ok(errorInA instanceof StaleJobError, `A's complete threw ${String(errorInA)}`);
        assert.deepEqual(await h.effects(id), [], "A's step was kept although B owns the job");
        const stillB = await h.job(id);
        assert.equal(stillB.status, 'running');
        assert.equal(stillB.lockedBy, b.id);

        stalledB.open();
        const done = await waitForStatus(h, id, 'succeeded');
        assert.equal(done.fence, 2);
        assert.deepEqual(await h.effects(id), [{ fence: 2, runner: b.id }]);
        await waitFor('B to report its run', async () => h.outcomes.length === 2);
        assert.deepEqual(
          h.outcomes.map((o) => [o.runner === a.id ? 'A' : 'B', o.outcome]),
          [
            ['A', 'stale'],
            ['B', 'succeeded'],
          ],
        );
      }));

    it('ignores the failure of a late duplicate run after another runner completed the job', () =>
      withHarness(engine, async (h) => {
        const leaseMs = 1000;
        const clockA = new FakeClock(T0); // A stalls, its clock frozen: see the fencing test above
        const clockB = new FakeClock(T0 - 3_600_000);
        const stalled = h.gate();
        const handler = recordEffect(async (ctx) => {
          if (ctx.runnerId !== a.id) return;
          stalled.arrive();
          await stalled.wait();
          throw new AppError('upstream_unavailable', 'the first delivery failed late', { status: 503 });
        });
        const a = h.runner({ clock: clockA, leaseMs, handler });
        const b = h.runner({ clock: clockB, leaseMs, handler });
        await a.start();
        await b.start();
        const id = await h.enqueue();
        await stalled.reached;
        clockB.set(T0 + 5_000); // A's lease is long gone: B gets the job again (a duplicate delivery)
        const done = await waitForStatus(h, id, 'succeeded');
        assert.equal(done.fence, 2);
        stalled.open();
        await waitFor('the late run to finish', async () => h.outcomes.some((o) => o.runner === a.id));
        const after = await h.job(id);
        assert.equal(after.status, 'succeeded', 'a late failure changed a completed job');
        assert.equal(after.lastError, null);
        assert.equal(after.runAt, T0);
        assert.equal(after.fence, 2);
        assert.deepEqual(await h.effects(id), [{ fence: 2, runner: b.id }]);
      }));

    it('neither loses nor double-runs jobs when the clock goes backwards', () =>
      withHarness(engine, async (h) => {
        const inFlight = h.gate();
        const gated = new Set<string>();
        await h
          .runner({
            handler: recordEffect(async (ctx) => {
              if (!gated.has(ctx.job.id)) return;
              inFlight.arrive();
              await inFlight.wait();
            }),
          })
          .start();
        const done = await h.enqueue();
        const later = await h.enqueue({ runAt: T0 + 5_000 });
        await waitForStatus(h, done, 'succeeded');

        const running = await h.db.kysely.transaction().execute(async (trx) => {
          const jobId = await enqueueJob(trx, h.db.engine, { kind: KIND, payload: {} }, h.clock.now());
          assert.ok(jobId);
          gated.add(jobId);
          return jobId;
        });
        await inFlight.reached;

        h.clock.set(T0 - 3_600_000); // NTP steps the clock back an hour
        inFlight.open();
        await waitForStatus(h, running, 'succeeded');
        const enqueuedInThePast = await h.enqueue(); // due at the new, earlier "now"
        await waitForStatus(h, enqueuedInThePast, 'succeeded');
        await runSentinel(h);
        assert.equal((await h.job(later)).status, 'pending');

        h.clock.set(T0 + 5_000);
        await waitForStatus(h, later, 'succeeded');
        await runSentinel(h);
        for (const id of [done, running, enqueuedInThePast, later]) {
          const j = await h.job(id);
          assert.equal(j.status, 'succeeded', id);
          assert.equal(j.fence, 1, `${id} was claimed more than once`);
          assert.equal((await h.effects(id)).length, 1, `${id} ran ${(await h.effects(id)).length} times`);
        }
      }));

    it('runs a job enqueued through JobService at once via wake(), without waiting for the poll', () =>
      withHarness(engine, async (h) => {
        const runner = h.runner({
          pollIntervalMs: 60_000,
          kind: 'diagnostics.probe',
          handler: probeHandler as JobHandler,
        });
        await runner.start();
        await wallClockSleep(100); // let the first, empty poll pass so the runner is asleep for a minute
        const service = new JobService({
          db: h.db,
          clock: h.clock,
          diagnostics: true,
          onEnqueued: () => runner.wake(),
        });
        const [id] = await service.enqueueProbes({ count: 1 });
        assert.ok(id);
        const started = Date.now();
        await waitForStatus(h, id, 'succeeded');
        assert.ok(Date.now() - started < 10_000);
        assert.deepEqual(await h.effects(id), [{ fence: 1, runner: runner.id }]);
      }));

    it(
      'wakes on a NOTIFY from another connection when the enqueue commits',
      { skip: engine === 'sqlite' ? 'SQLite: one process per data directory, so there is no one to notify' : false },
      () =>
        withHarness(engine, async (h) => {
          await h.runner({ pollIntervalMs: 60_000 }).start();
          await wallClockSleep(100); // let the first, empty poll pass so the runner is asleep for a minute
          const other = h.tdb.open(); // another process's connection
          try {
            const id = await other.kysely
              .transaction()
              .execute((trx) => enqueueJob(trx, other.engine, { kind: KIND, payload: {} }, h.clock.now()));
            assert.ok(id);
            await waitForStatus(h, id, 'succeeded');
          } finally {
            await other.close();
          }
        }),
    );

    it(
      'listens again after its LISTEN connection is killed, and NOTIFY wakes it again',
      { skip: engine === 'sqlite' ? 'SQLite: no LISTEN/NOTIFY' : false },
      () =>
        withHarness(engine, async (h) => {
          await h.runner({ pollIntervalMs: 60_000 }).start();
          const listeners = async (): Promise<number[]> => {
            const r = await sql<{ pid: number }>`select pid from pg_stat_activity
              where datname = current_database() and query = ${`LISTEN ${JOBS_CHANNEL}`}`.execute(h.db.kysely);
            return r.rows.map((row) => row.pid);
          };
          const [first] = await waitFor('the runner to LISTEN', async () => {
            const pids = await listeners();
            return pids.length === 1 ? pids : undefined;
          });
          await sql`select pg_terminate_backend(${first})`.execute(h.db.kysely);
          await waitFor('the runner to LISTEN on a new connection', async () => {
            const pids = await listeners();
            return pids.length === 1 && pids[0] !== first;
          });
          await wallClockSleep(100); // let the pass that re-listened end in its minute-long sleep
          const other = h.tdb.open();
          try {
            const id = await other.kysely
              .transaction()
              .execute((trx) => enqueueJob(trx, other.engine, { kind: KIND, payload: {} }, h.clock.now()));
            assert.ok(id);
            await waitForStatus(h, id, 'succeeded');
          } finally {
            await other.close();
          }
        }),
    );

    it('keeps polling for work when a job is enqueued without any wake-up', () =>
      withHarness(engine, async (h) => {
        await h.runner().start();
        await wallClockSleep(100);
        // A plain insert: no NOTIFY, no wake(); only the poll can find it.
        const id = newId('job', h.clock.now());
        await h.db.kysely
          .insertInto('jobs')
          .values({
            id,
            kind: KIND,
            payload: '{}',
            status: 'pending',
            runAt: h.clock.now(),
            attempts: 0,
            maxAttempts: 3,
            fence: 0,
            lockedBy: null,
            lockedUntil: null,
            lastError: null,
            uniqueKey: null,
            createdAt: h.clock.now(),
            updatedAt: h.clock.now(),
            finishedAt: null,
          })
          .execute();
        await waitForStatus(h, id, 'succeeded');
      }));
  });
}
