import type { Executor } from '../db/index.js';
import { insertAlertEvent } from './repo.js';

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
  const r = await trx
    .updateTable('alerts')
    .set({
      status: 'triggered',
      acknowledgedAt: null,
      acknowledgedByUserId: null,
      acknowledgedByLabel: null,
      updatedAt: now,
    })
    .where('id', '=', alertId)
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
