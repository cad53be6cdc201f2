/** The transaction context every incident change runs in: the locked incident, who acts, and when. */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { ChecklistSignal, Incident } from './model.js';
import { appendEvent, findIncident, type NewEvent, type TimelineEvent } from './repo.js';
import { applySignal } from './signals.js';

export interface Ctx {
  trx: Executor;
  engine: Db['engine'];
  /** The incident as locked at the start of the transaction; call refresh() after changing it. */
  incident: Incident;
  actor: Actor;
  now: number;
}

/** A timeline entry by the acting person. */
export function event(c: Ctx, e: Omit<NewEvent, 'actorUserId' | 'actorLabel'>): Promise<TimelineEvent> {
  return appendEvent(
    c.trx,
    c.engine,
    c.incident.id,
    { actorUserId: c.actor.userId, actorLabel: c.actor.label, ...e },
    c.now,
  );
}

/** A timeline entry by Muster itself (policy notes, reminders). */
export function systemEvent(c: Ctx, e: Omit<NewEvent, 'actorUserId' | 'actorLabel'>): Promise<TimelineEvent> {
  return appendEvent(c.trx, c.engine, c.incident.id, { actorUserId: null, actorLabel: 'Muster', ...e }, c.now);
}

export function audit(c: Ctx, action: string, details: Record<string, unknown>): Promise<void> {
  return recordAudit(c.trx, c.actor, action, { type: 'incident', id: c.incident.id }, details, c.now);
}

export function signal(c: Ctx, s: ChecklistSignal): Promise<void> {
  return applySignal(c.trx, c.incident, s, { userId: c.actor.userId, label: c.actor.label }, c.now);
}

export async function refresh(c: Ctx): Promise<Incident> {
  c.incident = (await findIncident(c.trx, c.incident.id))!;
  return c.incident;
}
