/** What responders post and do in the room: notes, tasks, status updates, joins, linked alerts. */
import { newId } from '../shared/ids.js';
import { conflict, validationError } from '../shared/errors.js';
import { audit, event, refresh, signal, type Ctx } from './context.js';
import { alertNotFound, assigneeNotFound, serviceNotFound, taskNotFound } from './errors.js';
import type { TimelineEvent } from './repo.js';

export interface Task {
  id: string;
  incidentId: string;
  title: string;
  assigneeUserId: string | null;
  isDone: boolean;
  doneAt: number | null;
  createdByLabel: string;
  createdAt: number;
  updatedAt: number;
}

const nonEmpty = (field: string, v: string): string => {
  const t = v.trim();
  if (!t) throw validationError([{ field, message: 'must not be empty' }]);
  return t;
};

async function checkAssignee(c: Ctx, userId: string | null | undefined): Promise<void> {
  if (userId === undefined || userId === null) return;
  const u = await c.trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  if (!u) throw assigneeNotFound(userId);
}

export async function addNote(c: Ctx, text: string, details?: Record<string, unknown>): Promise<TimelineEvent> {
  const e = await event(c, { kind: 'note', body: nonEmpty('text', text), ...(details ? { details } : {}) });
  await audit(c, 'incident.note_added', { eventId: e.id });
  return e;
}

/** A status update for stakeholders (internal for now; the status page adds public visibility later). */
export async function postStatusUpdate(c: Ctx, message: string): Promise<TimelineEvent> {
  const e = await event(c, {
    kind: 'status_update',
    body: nonEmpty('message', message),
    details: { visibility: 'internal' },
  });
  await audit(c, 'incident.status_update_posted', { eventId: e.id });
  return e;
}

export async function addTask(c: Ctx, input: { title: string; assigneeUserId?: string | null }): Promise<Task> {
  await checkAssignee(c, input.assigneeUserId);
  const task: Task = {
    id: newId('tsk', c.now),
    incidentId: c.incident.id,
    title: nonEmpty('title', input.title),
    assigneeUserId: input.assigneeUserId ?? null,
    isDone: false,
    doneAt: null,
    createdByLabel: c.actor.label,
    createdAt: c.now,
    updatedAt: c.now,
  };
  await c.trx
    .insertInto('incidentTasks')
    .values({ ...task, isDone: 0 })
    .execute();
  await event(c, {
    kind: 'task_added',
    body: task.title,
    details: { taskId: task.id, assigneeUserId: task.assigneeUserId },
  });
  await audit(c, 'incident.task_added', { taskId: task.id });
  return task;
}

export async function updateTask(
  c: Ctx,
  taskId: string,
  patch: { title?: string; assigneeUserId?: string | null; isDone?: boolean },
): Promise<Task> {
  const row = await c.trx
    .selectFrom('incidentTasks')
    .selectAll()
    .where('id', '=', taskId)
    .where('incidentId', '=', c.incident.id)
    .executeTakeFirst();
  if (!row) throw taskNotFound(c.incident.id, taskId);
  await checkAssignee(c, patch.assigneeUserId);
  const changes = {
    ...(patch.title !== undefined ? { title: nonEmpty('title', patch.title) } : {}),
    ...(patch.assigneeUserId !== undefined ? { assigneeUserId: patch.assigneeUserId } : {}),
    ...(patch.isDone !== undefined
      ? { isDone: patch.isDone ? (1 as const) : (0 as const), doneAt: patch.isDone ? (row.doneAt ?? c.now) : null }
      : {}),
  };
  await c.trx
    .updateTable('incidentTasks')
    .set({ ...changes, updatedAt: c.now })
    .where('id', '=', taskId)
    .execute();
  const kind =
    patch.isDone === true && row.isDone === 0
      ? 'task_done'
      : patch.isDone === false && row.isDone === 1
        ? 'task_reopened'
        : 'task_updated';
  await event(c, { kind, body: changes.title ?? row.title, details: { taskId, changes: Object.keys(changes) } });
  await audit(c, 'incident.task_updated', { taskId, changes: Object.keys(changes) });
  const r = await c.trx.selectFrom('incidentTasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
  return { ...r, isDone: r.isDone === 1 };
}

export async function listTasks(ex: Ctx['trx'], incidentId: string): Promise<Task[]> {
  const rows = await ex
    .selectFrom('incidentTasks')
    .selectAll()
    .where('incidentId', '=', incidentId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, isDone: r.isDone === 1 }));
}

/**
 * Someone opened the room (the stream) or joined explicitly. The first join per person goes on the timeline and
 * ticks "open the incident channel"; later ones only move last_joined_at, so responders over time stay known.
 */
export async function join(c: Ctx, via: 'stream' | 'join'): Promise<boolean> {
  const userId = c.actor.userId;
  if (!userId) return false;
  const found = await c.trx
    .selectFrom('incidentParticipants')
    .select('joinCount')
    .where('incidentId', '=', c.incident.id)
    .where('userId', '=', userId)
    .executeTakeFirst();
  if (found) {
    await c.trx
      .updateTable('incidentParticipants')
      .set({ lastJoinedAt: c.now, joinCount: found.joinCount + 1 })
      .where('incidentId', '=', c.incident.id)
      .where('userId', '=', userId)
      .execute();
    return false;
  }
  await c.trx
    .insertInto('incidentParticipants')
    .values({ incidentId: c.incident.id, userId, firstJoinedAt: c.now, lastJoinedAt: c.now, joinCount: 1, via })
    .execute();
  await event(c, { kind: 'joined', body: `${c.actor.label} joined the incident room.`, details: { via } });
  await signal(c, { kind: 'room_joined' });
  await audit(c, 'incident.joined', { via });
  return true;
}

export async function listParticipants(ex: Ctx['trx'], incidentId: string) {
  return ex
    .selectFrom('incidentParticipants')
    .innerJoin('users', 'users.id', 'incidentParticipants.userId')
    .select(['incidentParticipants.userId', 'users.name', 'firstJoinedAt', 'lastJoinedAt', 'joinCount', 'via'])
    .where('incidentParticipants.incidentId', '=', incidentId)
    .orderBy('firstJoinedAt')
    .execute();
}

/** Link an alert: its service becomes affected, and an acknowledgement it already has counts for the incident. */
export async function linkAlert(c: Ctx, alertId: string, opts: { isAtDeclaration?: boolean } = {}): Promise<boolean> {
  const alert = await c.trx
    .selectFrom('alerts')
    .select([
      'id',
      'serviceId',
      'summary',
      'acknowledgedAt',
      'acknowledgedByUserId',
      'acknowledgedByLabel',
      'sourceStartsAt',
      'firstSeenAt',
      'isDrill',
    ])
    .where('id', '=', alertId)
    .executeTakeFirst();
  if (!alert) throw alertNotFound(alertId);
  // A game day's drill alert belongs to drills only: in a real incident it would page and count as real.
  if (Number(alert.isDrill) === 1 && c.incident.kind !== 'drill')
    throw conflict(
      'drill_alert',
      `Alert ${alertId} comes from a game day's drill key: it can only be linked to a drill, not a ${c.incident.kind} incident.`,
      { field: 'alertId', alertId },
    );
  const r = await c.trx
    .insertInto('incidentAlerts')
    .values({ incidentId: c.incident.id, alertId, linkedAt: c.now, linkedByLabel: c.actor.label })
    .onConflict((oc) => oc.columns(['incidentId', 'alertId']).doNothing())
    .executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
  await c.trx
    .insertInto('incidentServices')
    .values({ incidentId: c.incident.id, serviceId: alert.serviceId, createdAt: c.now })
    .onConflict((oc) => oc.columns(['incidentId', 'serviceId']).doNothing())
    .execute();
  // incidents.first_alert_at (migration 0026): the earliest first sighting among the linked alerts, for insights.
  await c.trx
    .updateTable('incidents')
    .set({ firstAlertAt: alert.firstSeenAt })
    .where('id', '=', c.incident.id)
    .where((eb) => eb.or([eb('firstAlertAt', 'is', null), eb('firstAlertAt', '>', alert.firstSeenAt)]))
    .execute();
  await event(c, { kind: 'alert_linked', body: alert.summary, details: { alertId, serviceId: alert.serviceId } });
  await prefillImpactStarted(c, alert.sourceStartsAt ?? alert.firstSeenAt);
  if (alert.acknowledgedAt !== null) {
    if (c.incident.acknowledgedAt === null || alert.acknowledgedAt < c.incident.acknowledgedAt) {
      await c.trx
        .updateTable('incidents')
        .set({ acknowledgedAt: alert.acknowledgedAt })
        .where('id', '=', c.incident.id)
        .execute();
      await refresh(c);
    }
    await signal(c, { kind: 'alert_acknowledged' });
  }
  if (!opts.isAtDeclaration) await audit(c, 'incident.alert_linked', { alertId });
  return true;
}

/**
 * "Impact started" follows the earliest linked alert's start (the source's start, else its first sighting) until a
 * person sets it: at declaration (impactStartedAt in the body) or through the milestone correction.
 */
async function prefillImpactStarted(c: Ctx, alertStart: number): Promise<void> {
  const current = c.incident.impactStartedAt;
  if (current !== null && current <= alertStart) return;
  const byPerson = await c.trx
    .selectFrom('incidentEvents')
    .select('id')
    .where('incidentId', '=', c.incident.id)
    .where((eb) =>
      eb.or([
        eb.and([eb('kind', '=', 'milestone_changed'), eb('details', 'like', '%"milestone":"impactStartedAt"%')]),
        eb.and([eb('kind', '=', 'declared'), eb('details', 'like', '%"impactStartedAtGiven":true%')]),
      ]),
    )
    .executeTakeFirst();
  if (byPerson) return;
  await c.trx.updateTable('incidents').set({ impactStartedAt: alertStart }).where('id', '=', c.incident.id).execute();
  await refresh(c);
}

/** Mark a service affected (by id or slug): its changes and its dependencies' show in recent changes. */
export async function addService(c: Ctx, idOrSlug: string): Promise<void> {
  const svc = await c.trx
    .selectFrom('services')
    .select(['id', 'name'])
    .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
    .executeTakeFirst();
  if (!svc) throw serviceNotFound(idOrSlug);
  const r = await c.trx
    .insertInto('incidentServices')
    .values({ incidentId: c.incident.id, serviceId: svc.id, createdAt: c.now })
    .onConflict((oc) => oc.columns(['incidentId', 'serviceId']).doNothing())
    .executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) return;
  await event(c, { kind: 'service_added', body: `${svc.name} is affected.`, details: { serviceId: svc.id } });
  await audit(c, 'incident.service_added', { serviceId: svc.id });
}

export async function removeService(c: Ctx, serviceId: string): Promise<void> {
  const r = await c.trx
    .deleteFrom('incidentServices')
    .where('incidentId', '=', c.incident.id)
    .where('serviceId', '=', serviceId)
    .executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) return;
  await event(c, {
    kind: 'service_removed',
    body: `${serviceId} is no longer marked affected.`,
    details: { serviceId },
  });
  await audit(c, 'incident.service_removed', { serviceId });
}
