/**
 * What other domains call, in their own transaction, when something happens that matters to an incident: an alert
 * linked to it was acknowledged, someone ran a technical action. Each call locks the incident row, appends to the
 * timeline and ticks the checklist; on PostgreSQL the append's NOTIFY reaches every incident room at commit.
 */
import { PostgresAdapter } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import { stepFulfilledBy, CHECKLIST_TITLES, type ChecklistSignal, type Incident } from './model.js';
import { appendEvent, currentRoles, lockIncident, tickStep } from './repo.js';

export const engineOf = (ex: Executor): Db['engine'] =>
  ex.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';

export interface SignalActor {
  userId: string | null;
  label: string;
}

/** Tick the checklist step a signal fulfils (once), recording the tick on the timeline. */
export async function applySignal(
  trx: Executor,
  incident: Incident,
  signal: ChecklistSignal,
  by: SignalActor,
  at: number,
): Promise<void> {
  const step = stepFulfilledBy(signal);
  if (!step) return;
  if (!(await tickStep(trx, incident.id, step, { userId: by.userId, label: by.label, source: signal.kind }, at))) {
    return;
  }
  await appendEvent(
    trx,
    engineOf(trx),
    incident.id,
    {
      kind: 'checklist_ticked',
      actorUserId: by.userId,
      actorLabel: by.label,
      body: CHECKLIST_TITLES[step],
      details: { step, by: signal.kind, elapsedMs: Math.max(0, at - incident.declaredAt) },
    },
    at,
  );
}

/**
 * The seed: "The IC should never be debugging. The moment they open a terminal, coordination suffers." Call this
 * when a person acts technically on an incident (acknowledges a linked alert, runs remediation): if they are the
 * Incident Commander, the timeline flags it. Returns whether it was flagged.
 */
export async function recordTechnicalAction(
  trx: Executor,
  incidentId: string,
  userId: string,
  what: string,
  at: number = Date.now(),
): Promise<boolean> {
  const incident = await lockIncident(trx, engineOf(trx), incidentId);
  if (!incident || incident.status === 'resolved') return false;
  const roles = await currentRoles(trx, incidentId);
  if (roles.commander?.userId !== userId) return false;
  await appendEvent(
    trx,
    engineOf(trx),
    incidentId,
    {
      kind: 'commander_technical_action',
      actorUserId: userId,
      actorLabel: roles.commander.name,
      body: `The Incident Commander ${what}. The IC coordinates; hand technical work to the Technical Lead.`,
      details: { what },
      isFlagged: true,
    },
    at,
  );
  return true;
}

/**
 * An alert was acknowledged (called by the alerts domain in its transaction). Every open incident it is linked to
 * records it, takes its first acknowledgement as the acknowledged milestone, and ticks "acknowledge".
 */
export async function noteAlertAcknowledged(
  trx: Executor,
  alertId: string,
  by: SignalActor,
  at: number = Date.now(),
): Promise<string[]> {
  const links = await trx.selectFrom('incidentAlerts').select('incidentId').where('alertId', '=', alertId).execute();
  const touched: string[] = [];
  for (const { incidentId } of links) {
    const incident = await lockIncident(trx, engineOf(trx), incidentId);
    if (!incident || incident.status === 'resolved') continue;
    await appendEvent(
      trx,
      engineOf(trx),
      incidentId,
      { kind: 'alert_acknowledged', actorUserId: by.userId, actorLabel: by.label, details: { alertId } },
      at,
    );
    if (incident.acknowledgedAt === null) {
      await trx
        .updateTable('incidents')
        .set({ acknowledgedAt: at, updatedAt: at })
        .where('id', '=', incidentId)
        .execute();
    }
    await applySignal(trx, incident, { kind: 'alert_acknowledged' }, by, at);
    if (by.userId) await recordTechnicalAction(trx, incidentId, by.userId, 'acknowledged a linked alert', at);
    touched.push(incidentId);
  }
  return touched;
}

/**
 * A chat channel or bridge was opened for the incident (the Slack integration calls this in its transaction): it
 * goes on the timeline and ticks "open the incident channel", as joining the incident room does.
 */
export async function noteChannelOpened(
  trx: Executor,
  incidentId: string,
  channel: { kind: string; name: string; url: string | null },
  by: SignalActor,
  at: number = Date.now(),
): Promise<boolean> {
  const incident = await lockIncident(trx, engineOf(trx), incidentId);
  if (!incident) return false;
  await appendEvent(
    trx,
    engineOf(trx),
    incidentId,
    {
      kind: 'channel_opened',
      actorUserId: by.userId,
      actorLabel: by.label,
      body: `${channel.kind} channel ${channel.name} opened.`,
      details: { ...channel },
    },
    at,
  );
  await applySignal(trx, incident, { kind: 'channel_opened' }, by, at);
  return true;
}

/**
 * A status update went out on the public status page (the statuspage domain calls this in its transaction): the
 * public text, and the internal variant when there is one, go on the timeline as status updates, so the update
 * reminder counts them and the room sees what customers were told.
 */
export async function noteStatusPageUpdate(
  trx: Executor,
  incidentId: string,
  update: { id: string; status: string; publicText: string; internalText: string | null },
  by: SignalActor,
  at: number = Date.now(),
): Promise<boolean> {
  const incident = await lockIncident(trx, engineOf(trx), incidentId);
  if (!incident) return false;
  const base = { kind: 'status_update', actorUserId: by.userId, actorLabel: by.label };
  await appendEvent(
    trx,
    engineOf(trx),
    incidentId,
    {
      ...base,
      body: update.publicText,
      details: { visibility: 'public', statusPageUpdateId: update.id, status: update.status },
    },
    at,
  );
  if (update.internalText) {
    await appendEvent(
      trx,
      engineOf(trx),
      incidentId,
      { ...base, body: update.internalText, details: { visibility: 'internal', statusPageUpdateId: update.id } },
      at,
    );
  }
  return true;
}
