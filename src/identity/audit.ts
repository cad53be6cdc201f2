import type { Executor } from '../db/index.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';

/** Who did something: a signed-in user, a user's API token, or the system itself (jobs, bootstrap, CLI). */
export interface Actor {
  userId: string | null;
  tokenId: string | null;
  label: string;
  ip: string | null;
  isAdmin: boolean;
}

export const systemActor = (label = 'system'): Actor => ({
  userId: null,
  tokenId: null,
  label,
  ip: null,
  isAdmin: true,
});

export interface AuditEvent {
  id: string;
  at: number;
  actorUserId: string | null;
  actorTokenId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** Record a change in the caller's transaction: the audit row exists if and only if the change commits. */
export async function recordAudit(
  executor: Executor,
  actor: Actor,
  action: string,
  target: { type: string; id: string | null },
  details: Record<string, unknown>,
  now: number,
): Promise<void> {
  await executor
    .insertInto('auditEvents')
    .values({
      id: newId('aud', now),
      at: now,
      actorUserId: actor.userId,
      actorTokenId: actor.tokenId,
      actorLabel: actor.label,
      action,
      targetType: target.type,
      targetId: target.id,
      ip: actor.ip,
      details: toJsonText(details),
    })
    .execute();
}

export async function listAuditEvents(
  executor: Executor,
  filter: {
    targetType?: string;
    targetId?: string;
    actorUserId?: string;
    action?: string;
    before?: string;
    limit: number;
  },
): Promise<AuditEvent[]> {
  let q = executor.selectFrom('auditEvents').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.targetType) q = q.where('targetType', '=', filter.targetType);
  if (filter.targetId) q = q.where('targetId', '=', filter.targetId);
  if (filter.actorUserId) q = q.where('actorUserId', '=', filter.actorUserId);
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.before) q = q.where('id', '<', filter.before);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, details: fromJsonText<Record<string, unknown>>(r.details, {}) }));
}
