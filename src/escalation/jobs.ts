import { findAlertForPaging, type AlertsTriggeredPayload } from '../alerts/index.js';
import { maybeAutoDeclare } from './auto-declare.js';
import type { JobHandler } from '../jobs/index.js';
import { RUN_STEP_JOB, runStep, startEscalation, type EscalationDeps, type RunStepPayload } from './runs.js';

export { RUN_STEP_JOB };

/**
 * `alerts.triggered`: snapshot the policy and run the first step in the same transaction, so the first page is
 * planned one job hop after intake commits. A duplicate trigger finds the run and does nothing.
 */
export function alertTriggeredHandler(deps: EscalationDeps): JobHandler<AlertsTriggeredPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const now = ctx.clock.now();
      const started = await startEscalation(trx, deps.db.engine, ctx.job.payload.alertId, now, { inline: true });
      const alert = await findAlertForPaging(trx, ctx.job.payload.alertId);
      if (started?.isNew && alert) await maybeAutoDeclare(trx, deps.db.engine, alert, now);
      if (started?.isNew && started.hasPolicy) await runStep(deps, trx, { runId: started.runId, generation: 1 }, now);
    });
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
