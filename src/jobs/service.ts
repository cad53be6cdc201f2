import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { jobNotFound } from './errors.js';
import type { Job, JobStatus } from './model.js';
import { countJobsByStatus, enqueueJob, findJob, listJobs, notifyRunners, retryDeadJob } from './repo.js';
import type { ProbePayload } from './diagnostics.js';

/** Operator's view of the queue: list, inspect, retry dead jobs; diagnostics probes when enabled. */
export class JobService {
  constructor(private readonly deps: { db: Db; clock: Clock; diagnostics: boolean; onEnqueued?: () => void }) {}

  list(filter: { status?: JobStatus; kind?: string; limit: number; before?: string }): Promise<Job[]> {
    return listJobs(this.deps.db.kysely, filter);
  }

  async get(id: string): Promise<Job> {
    const job = await findJob(this.deps.db.kysely, id);
    if (!job) throw jobNotFound(id);
    return job;
  }

  stats(): Promise<Record<string, number>> {
    return countJobsByStatus(this.deps.db.kysely);
  }

  async retry(id: string): Promise<Job> {
    const job = await this.get(id);
    if (job.status !== 'dead') {
      throw new AppError('job_not_dead', `Job ${id} is ${job.status}; only dead jobs can be retried.`, { status: 409 });
    }
    const { db } = this.deps;
    await db.kysely.transaction().execute(async (trx) => {
      if (await retryDeadJob(trx, id, this.deps.clock.now())) await notifyRunners(trx, db.engine);
    });
    this.deps.onEnqueued?.();
    return this.get(id);
  }

  /** Enqueue `count` probe jobs (crash and multi-process tests); each records its run once it completes. */
  async enqueueProbes(input: { count: number; delayMs?: number; spreadMs?: number } & ProbePayload): Promise<string[]> {
    if (!this.deps.diagnostics) {
      throw new AppError('diagnostics_disabled', 'Set MUSTER_JOBS_DIAGNOSTICS=true to enable diagnostics probes.', {
        status: 404,
      });
    }
    const now = this.deps.clock.now();
    const { count, delayMs = 0, spreadMs = 0, ...payload } = input;
    const ids = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const runAt = now + delayMs + (count > 1 ? Math.floor((spreadMs * i) / (count - 1)) : 0);
        const id = await enqueueJob(trx, this.deps.db.engine, { kind: 'diagnostics.probe', payload, runAt }, now);
        if (id) out.push(id);
      }
      return out;
    });
    this.deps.onEnqueued?.();
    return ids;
  }

  async probeRuns(): Promise<{ jobId: string; runs: number }[]> {
    const rows = await this.deps.db.kysely
      .selectFrom('diagnosticProbeRuns')
      .select(['jobId', (eb) => eb.fn.countAll<number>().as('runs')])
      .groupBy('jobId')
      .execute();
    return rows.map((r) => ({ jobId: r.jobId, runs: Number(r.runs) }));
  }
}
