/**
 * The optional acknowledgement timeout: when a policy sets `ackTimeoutMinutes`, an acknowledgement schedules a
 * check; if the alert is still acknowledged (by that same acknowledgement) and not resolved when it fires, the alert
 * goes back to triggered and the escalation restarts at level 1 — recorded on the alert and in the escalation log.
 */
import { reopenAfterAckTimeout } from '../alerts/index.js';
import type { Db, Executor } from '../db/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import { fromJsonText } from '../shared/json.js';
import type { PolicySnapshot } from './model.js';
import { runAlerts, runForAlert } from './groups.js';
import { RUN_STEP_JOB, logStep } from './runs.js';

export const ACK_TIMEOUT_JOB = 'escalation.ackTimeout';

export interface AckTimeoutPayload {
  runId: string;
  acknowledgedAt: number;
}

/** Called in the acknowledging transaction (AlertService.acknowledge). */
export async function scheduleAckTimeout(
  trx: Executor,
  engine: Db['engine'],
  alertId: string,
  now: number,
): Promise<void> {
  // The alert's run, as lead or member (paging groups): acknowledging a group's page schedules one timeout for it
  // (the unique key). A reassigned run has ended; its successor pages.
  const found = await runForAlert(trx, alertId);
  const run = found && found.status !== 'reassigned' ? found : null;
  const minutes = run ? fromJsonText<PolicySnapshot | null>(run.snapshot, null)?.ackTimeoutMinutes : null;
  if (!run || !minutes) return;
  await enqueueJob<AckTimeoutPayload>(
    trx,
    engine,
    {
      kind: ACK_TIMEOUT_JOB,
      payload: { runId: run.id, acknowledgedAt: now },
      runAt: now + minutes * 60_000,
      uniqueKey: `${ACK_TIMEOUT_JOB}:${run.id}:${now}`,
    },
    now,
  );
}

export function ackTimeoutHandler(db: Db): JobHandler<AckTimeoutPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const now = ctx.clock.now();
      let q = trx.selectFrom('escalationRuns').selectAll().where('id', '=', ctx.job.payload.runId);
      if (db.engine === 'postgres') q = q.forUpdate();
      const run = await q.executeTakeFirst();
      if (!run || run.status === 'reassigned') return;
      const minutes = fromJsonText<PolicySnapshot | null>(run.snapshot, null)?.ackTimeoutMinutes ?? 0;
      // Every alert of the run that this acknowledgement left acknowledged goes back to triggered, lead first.
      let reopened = false;
      for (const alert of await runAlerts(trx, run)) {
        if (await reopenAfterAckTimeout(trx, alert.id, ctx.job.payload.acknowledgedAt, minutes, now)) reopened = true;
      }
      if (!reopened) return; // resolved, or acknowledged again since: that acknowledgement has its own timeout
      const generation = run.generation + 1;
      await trx
        .updateTable('escalationRuns')
        .set({ status: 'active', generation, levelIndex: 0, pass: 0, nextStepAt: now, updatedAt: now })
        .where('id', '=', run.id)
        .execute();
      await logStep(
        trx,
        run,
        { kind: 'ack_timeout', reason: `not resolved ${minutes} minutes after acknowledgement: paging again` },
        now,
      );
      await enqueueJob(
        trx,
        db.engine,
        { kind: RUN_STEP_JOB, payload: { runId: run.id, generation }, uniqueKey: `${run.id}:${generation}` },
        now,
      );
    });
  };
}
