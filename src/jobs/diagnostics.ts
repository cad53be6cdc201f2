import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { JobHandler } from './runner.js';

/**
 * `diagnostics.probe`: records each run in diagnostic_probe_runs, in the job's completing transaction. The crash and
 * multi-process tests count these rows to prove every job ran exactly once. Enabled by MUSTER_JOBS_DIAGNOSTICS.
 */
export interface ProbePayload {
  /** Work time before completing, to widen the window in which a kill -9 can land. */
  sleepMs?: number;
  /** Throw a transient error until this attempt number, to exercise backoff. */
  failUntilAttempt?: number;
  /** Throw a permanent error, to exercise the dead state. */
  failPermanently?: boolean;
}

export const probeHandler: JobHandler<ProbePayload> = async (ctx) => {
  const p = ctx.job.payload ?? {};
  if (p.sleepMs) await new Promise((r) => setTimeout(r, Math.min(p.sleepMs ?? 0, 60_000)));
  if (p.failPermanently) throw new AppError('probe_failed', 'probe asked to fail permanently', { isPermanent: true });
  if (p.failUntilAttempt && ctx.job.attempts < p.failUntilAttempt) {
    throw new AppError('probe_transient', `probe failing until attempt ${p.failUntilAttempt}`, {
      status: 503,
      isPermanent: false,
    });
  }
  await ctx.complete(async (trx) => {
    await trx
      .insertInto('diagnosticProbeRuns')
      .values({
        id: newId('prb', ctx.clock.now()),
        jobId: ctx.job.id,
        fence: ctx.job.fence,
        // Which runner (host:pid:suffix) ran it: the multi-process test asserts every process did some of the work.
        runner: ctx.runnerId,
        at: ctx.clock.now(),
      })
      .execute();
  });
};
