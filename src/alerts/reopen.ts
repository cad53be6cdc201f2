import type { Executor } from '../db/index.js';
import { insertAlertEvent } from './repo.js';

/**
 * Undo an alert's acknowledgement: it is triggered again, the acknowledgement and any snooze cleared. The caller adds
 * its own conditions (which acknowledgement it undoes) and executes the update.
 */
export function retriggerAlert(trx: Executor, alertId: string, now: number) {
  return trx
    .updateTable('alerts')
    .set({
      status: 'triggered',
      acknowledgedAt: null,
      acknowledgedByUserId: null,
      acknowledgedByLabel: null,
      snoozedUntil: null,
      updatedAt: now,
    })
    .where('id', '=', alertId);
}

/**
 * An acknowledgement that ran out (the escalation policy's ack timeout): the alert goes back to triggered, its
 * acknowledgement cleared and the reason recorded, so paging can start again. Only the acknowledgement made at
 * `acknowledgedAt` is undone: a later one, or a resolve, wins.
 */
export async function reopenAfterAckTimeout(
  trx: Executor,
  alertId: string,
  acknowledgedAt: number,
  timeoutMinutes: number,
  now: number,
): Promise<boolean> {
  const r = await retriggerAlert(trx, alertId, now)
    .where('status', '=', 'acknowledged')
    .where('acknowledgedAt', '=', acknowledgedAt)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  await insertAlertEvent(
    trx,
    { alertId, kind: 'ack_timeout', actorLabel: 'escalation', details: { timeoutMinutes } },
    now,
  );
  return true;
}
