import type { JobHandler } from '../jobs/index.js';

/**
 * `alerts.triggered`: enqueued in the transaction that opens an alert. This is the paging hook: the escalation work
 * (policy snapshot, first step) starts here. Until paging exists the handler only completes the job.
 */
export const ALERTS_TRIGGERED = 'alerts.triggered';

export interface AlertsTriggeredPayload {
  alertId: string;
  serviceId: string;
}

export const alertsTriggeredHandler: JobHandler<AlertsTriggeredPayload> = async (ctx) => {
  await ctx.complete(async () => undefined);
};
