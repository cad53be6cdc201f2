import type { AlertsTriggeredPayload } from '../alerts/index.js';
import { maybeAutoDeclare } from './auto-declare.js';
import type { Selectable } from 'kysely';
import type { Executor } from '../db/index.js';
import type { AlertsTable } from '../db/schema.js';
import type { JobHandler } from '../jobs/index.js';
import { RUN_STEP_JOB, runStep, startEscalation, type EscalationDeps, type RunStepPayload } from './runs.js';

export { RUN_STEP_JOB };

/**
 * Start paging for a triggered alert in the caller's transaction: snapshot the policy, maybe declare an incident, and
 * run the first step (its pages are queued as `notify.deliver` jobs that commit with it). A duplicate start finds the
 * run and does nothing. Intake calls this inside the transaction that opens the alert, right after deciding that
 * nothing suppresses it (so the first step does not ask again); the `alerts.triggered` job is the fallback.
 */
export async function beginPaging(
  deps: EscalationDeps,
  trx: Executor,
  alertId: string,
  now: number,
  opts: { suppressionChecked?: boolean; isFreshAlert?: boolean; alert?: Selectable<AlertsTable> | undefined } = {},
): Promise<void> {
  const started = await startEscalation(trx, deps.db.engine, alertId, now, {
    inline: true,
    isFreshAlert: opts.isFreshAlert === true,
    alert: opts.alert,
  });
  if (!started?.isNew) return;
  const { alert, service, run, pendingRun } = started;
  await maybeAutoDeclare(trx, deps.db.engine, alert, now, service);
  if (started.hasPolicy) {
    await runStep(deps, trx, { runId: started.runId, generation: 1 }, now, {
      suppressionChecked: opts.suppressionChecked === true,
      alert,
      service,
      run,
      pendingRun,
    });
  }
}

/** `alerts.triggered`: paging that did not start inline (see beginPaging), one job hop after the alert committed. */
export function alertTriggeredHandler(deps: EscalationDeps): JobHandler<AlertsTriggeredPayload> {
  return async (ctx) => {
    await ctx.complete((trx) => beginPaging(deps, trx, ctx.job.payload.alertId, ctx.clock.now()));
  };
}

/** `escalation.runStep`: one fenced step (see runs.ts). */
export function runStepHandler(deps: EscalationDeps): JobHandler<RunStepPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const outcome = await runStep(deps, trx, ctx.job.payload, ctx.clock.now());
      if (outcome === 'stale') ctx.log.debug({ runId: ctx.job.payload.runId }, 'stale escalation step: exited quietly');
    });
  };
}
