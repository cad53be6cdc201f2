/**
 * kill -9 in the middle of work: no job is lost, none runs twice. A real `muster serve` process is killed while probe
 * jobs are running and pending; a new process on the same database must finish every one of them exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase, ENGINES, type TestDatabase } from '../db/testing/index.js';
import {
  adminTokenFor,
  apiFor,
  spawnMuster,
  SpawnExitError,
  type ApiCall,
  type SpawnedMuster,
} from '../testing/server.js';

const ENV = {
  MUSTER_JOBS_DIAGNOSTICS: 'true',
  MUSTER_JOBS_CONCURRENCY: '8',
  MUSTER_JOBS_POLL_INTERVAL_MS: '50',
  // PostgreSQL hands a dead process's jobs to another runner when their lease expires: keep the test quick.
  MUSTER_JOBS_LEASE_MS: '3000',
};

interface JobsPage {
  jobs: { id: string; status: string; attempts: number }[];
  counts: Record<string, number>;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await check().catch((e: unknown) => {
      last = e;
      return undefined;
    });
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function enqueueProbes(api: ApiCall, body: Record<string, number>): Promise<string[]> {
  const r = await api<{ jobIds: string[] }>('POST', '/api/diagnostics/probes', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.jobIds.length, body.count);
  return r.body.jobIds;
}

/** Probe jobs by status (the server's own housekeeping jobs, such as payload pruning, are not counted). */
async function counts(api: ApiCall): Promise<Record<string, number>> {
  const r = await api<JobsPage>('GET', '/api/jobs?kind=diagnostics.probe&limit=200');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const out: Record<string, number> = {};
  for (const j of r.body.jobs) out[j.status] = (out[j.status] ?? 0) + 1;
  return out;
}

/** Job rows straight from the database, read while no server holds it (SQLite) or alongside (PostgreSQL). */
async function jobRows(tdb: TestDatabase): Promise<{ id: string; status: string; fence: number }[]> {
  const db = tdb.open();
  try {
    // The probes only, not the server's own housekeeping jobs (hand-offs, payload pruning).
    return await db.kysely
      .selectFrom('jobs')
      .select(['id', 'status', 'fence'])
      .where('kind', '=', 'diagnostics.probe')
      .execute();
  } finally {
    await db.close();
  }
}

for (const engine of ENGINES) {
  describe(`kill -9 of a server [${engine}]`, () => {
    it('loses no job and runs none twice when the process is killed mid-run and restarted', async () => {
      const tdb = await createTestDatabase(engine);
      const servers: SpawnedMuster[] = [];
      try {
        const first = await spawnMuster(tdb, ENV);
        servers.push(first);
        const api1 = apiFor(first.url, await adminTokenFor(first.url));
        const quick = await enqueueProbes(api1, { count: 20 });
        const slow = await enqueueProbes(api1, { count: 6, sleepMs: 4000 });
        const later = await enqueueProbes(api1, { count: 20, delayMs: 3000, spreadMs: 5000 });
        const all = [...quick, ...slow, ...later];
        await waitFor(
          'the first server to be mid-run: some jobs done, some running, some pending',
          async () => {
            const c = await counts(api1);
            return (c.succeeded ?? 0) >= 1 && (c.running ?? 0) >= 1 && (c.pending ?? 0) >= 1;
          },
          20_000,
        );
        await first.kill9();

        const atKill = await jobRows(tdb);
        const runningAtKill = atKill.filter((j) => j.status === 'running').map((j) => j.id);
        const pendingAtKill = atKill.filter((j) => j.status === 'pending').map((j) => j.id);
        assert.ok(runningAtKill.length > 0, 'the kill did not land while jobs were running');
        assert.ok(pendingAtKill.length > 0, 'the kill did not land while jobs were pending');

        const second = await spawnMuster(tdb, ENV); // on SQLite: the killed process's data directory lock is gone
        servers.push(second);
        const api2 = apiFor(second.url, await adminTokenFor(second.url));
        await waitFor(
          `all ${all.length} probe jobs to succeed after the restart`,
          async () => {
            const c = await counts(api2);
            return c.succeeded === all.length && Object.keys(c).length === 1;
          },
          60_000,
        );

        const runs = await api2<{ runs: { jobId: string; runs: number }[] }>('GET', '/api/diagnostics/probes');
        assert.equal(runs.status, 200);
        const byJob = new Map(runs.body.runs.map((r) => [r.jobId, r.runs]));
        assert.deepEqual([...byJob.keys()].sort(), [...all].sort(), 'the probe runs are not one per enqueued job');
        const notOnce = [...byJob].filter(([, n]) => n !== 1);
        assert.deepEqual(notOnce, [], 'some jobs ran more than once');
        const dead = await api2<JobsPage>('GET', '/api/jobs?status=dead');
        assert.deepEqual(dead.body.jobs, []);
        if (engine === 'sqlite') {
          // One process per data directory: the restart hands back the killed process's jobs at once, not at lease end.
          assert.match(second.output(), /released jobs left running by a previous process/);
        }

        await second.stop();
        const final = new Map((await jobRows(tdb)).map((j) => [j.id, j]));
        for (const id of runningAtKill) {
          assert.ok((final.get(id)?.fence ?? 0) >= 2, `job ${id}, running at the kill, was not claimed again`);
        }
      } finally {
        for (const s of servers) await s.kill9();
        await tdb.drop();
      }
    });

    it(
      'refuses a second server on the same SQLite data directory with a message naming it',
      { skip: engine === 'postgres' ? 'PostgreSQL: several processes may share one database' : false },
      async () => {
        const tdb = await createTestDatabase(engine);
        let first: SpawnedMuster | null = null;
        try {
          first = await spawnMuster(tdb, ENV);
          const err = await spawnMuster(tdb, ENV).then(
            async (s) => {
              await s.kill9();
              return null;
            },
            (e: unknown) => e,
          );
          assert.ok(err instanceof SpawnExitError, `the second server started or failed oddly: ${String(err)}`);
          assert.ok(err.exitCode !== null && err.exitCode !== 0, `exit code ${err.exitCode}`);
          assert.match(err.output, /already using the data directory/);
          assert.ok(err.output.includes(tdb.dataDir), `the message does not name ${tdb.dataDir}:\n${err.output}`);
          assert.equal((await fetch(`${first.url}/readyz`)).status, 200, 'the first server was disturbed');
        } finally {
          await first?.kill9();
          await tdb.drop();
        }
      },
    );
  });
}
