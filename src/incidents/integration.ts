/**
 * An integration (Slack, …) failed permanently for an incident: the timeline says so, flagged, so a person sees it
 * and knows the channel is behind. Called by the integration in its own transaction.
 */
import type { Executor } from '../db/index.js';
import { appendEvent, lockIncident } from './repo.js';
import { engineOf } from './signals.js';

export async function noteIntegrationProblem(
  trx: Executor,
  incidentId: string,
  problem: { integration: string; message: string; details?: Record<string, unknown> },
  at: number,
): Promise<boolean> {
  const incident = await lockIncident(trx, engineOf(trx), incidentId);
  if (!incident) return false;
  await appendEvent(
    trx,
    engineOf(trx),
    incidentId,
    {
      kind: 'integration_failed',
      actorUserId: null,
      actorLabel: problem.integration,
      body: problem.message,
      details: { integration: problem.integration, ...problem.details },
      isFlagged: true,
    },
    at,
  );
  return true;
}
