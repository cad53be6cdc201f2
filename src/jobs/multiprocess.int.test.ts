/**
 * Two `muster serve` processes share one PostgreSQL: every job is claimed once (SKIP LOCKED) and runs once, and
 * both processes take part. SQLite allows one process per data directory (see crash.int.test.ts), so it is skipped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, ENGINES } from '../db/testing/index.js';
import { adminTokenFor, apiFor, spawnMuster, type SpawnedMuster } from '../testing/server.js';

const ENV = {
  MUSTER_JOBS_DIAGNOSTICS: 'true',
  MUSTER_JOBS_CONCURRENCY: '8',
  MUSTER_JOBS_POLL_INTERVAL_MS: '100',
};
const COUNT = 1000;

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const engine of ENGINES) {
  describe(`two server processes on one database [${engine}]`, () => {
    it(
      `runs each of ${COUNT} jobs exactly once, claimed once, with both processes doing some of the work`,
      { skip: engine === 'sqlite' ? 'SQLite allows one process per data directory; PostgreSQL only' : false },
      async () => {
        const tdb = await createTestDatabase(engine);
        const db = tdb.open();
        const servers: SpawnedMuster[] = [];
        try {
          servers.push(...(await Promise.all([spawnMuster(tdb, ENV), spawnMuster(tdb, ENV)])));
          const [a, b] = servers as [SpawnedMuster, SpawnedMuster];
          const api = apiFor(a.url, await adminTokenFor(a.url));
          // A few ms of work per job so that neither process can drain the queue alone before the other wakes.
          const r = await api<{ jobIds: string[] }>('POST', '/api/diagnostics/probes', { count: COUNT, sleepMs: 5 });
          assert.equal(r.status, 201, JSON.stringify(r.body));
          const ids = r.body.jobIds;
          assert.equal(new Set(ids).size, COUNT);

          await waitFor(
            `all ${COUNT} jobs to succeed`,
            async () => {
              const rows = await db.kysely
                .selectFrom('jobs')
                .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
                // The probes only: the server's own start-up jobs (a daily accrual, a digest) succeed beside them.
                .where('kind', '=', 'diagnostics.probe')
                .groupBy('status')
                .execute();
              const counts = Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
              assert.equal(counts.dead, undefined, `dead jobs: ${JSON.stringify(counts)}`);
              return counts.succeeded === COUNT;
            },
            90_000,
          );

          const perJob = await db.kysely
            .selectFrom('diagnosticProbeRuns')
            .select(['jobId', (eb) => eb.fn.countAll<number>().as('runs')])
            .groupBy('jobId')
            .execute();
          assert.equal(perJob.length, COUNT);
          assert.deepEqual(
            perJob.filter((row) => Number(row.runs) !== 1),
            [],
            'some jobs ran more than once',
          );
          assert.deepEqual(perJob.map((row) => row.jobId).sort(), [...ids].sort());
          const total = await db.kysely
            .selectFrom('diagnosticProbeRuns')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          assert.equal(Number(total.n), COUNT);

          // Claimed once each: a second claim of the same job (no SKIP LOCKED / FOR UPDATE) would bump the fence
          // even when fencing then kept the effect single.
          const reclaimed = await db.kysely
            .selectFrom('jobs')
            .select(['id', 'fence', 'attempts'])
            .where('kind', '=', 'diagnostics.probe') // not the server's own housekeeping jobs
            .where((eb) => eb.or([eb('fence', '!=', 1), eb('attempts', '!=', 1)]))
            .execute();
          assert.deepEqual(reclaimed, []);

          const byRunner = await db.kysely
            .selectFrom('diagnosticProbeRuns')
            .select(['runner', (eb) => eb.fn.countAll<number>().as('n')])
            .groupBy('runner')
            .execute();
          const pids = new Set(byRunner.map((row) => row.runner.split(':').at(-2)));
          assert.deepEqual(
            [...pids].sort(),
            [String(a.child.pid), String(b.child.pid)].sort(),
            `work by runner: ${JSON.stringify(byRunner)}`,
          );
          for (const row of byRunner) assert.ok(Number(row.n) > 0);

          // Each process holds one LISTEN connection: the enqueue in one woke the other through NOTIFY.
          const listeners = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and query = 'LISTEN muster_jobs'`.execute(db.kysely);
          assert.equal(listeners.rows[0]?.n, 2);
        } finally {
          for (const s of servers) await s.kill9();
          await db.close();
          await tdb.drop();
        }
      },
    );
  });
}
