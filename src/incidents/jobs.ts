/**
 * Severity-driven timers as durable jobs, enqueued in the transaction that changes the incident. Each handler follows
 * the escalation step: lock the incident, check the fence (timer_generation, bumped whenever severity or status
 * reschedules the timers), re-check the state, do one step, schedule the next in the same transaction.
 */
import type { Db, Executor } from '../db/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import { MINUTE } from '../shared/clock.js';
import type { Incident, SeverityPolicy } from './model.js';
import { ROLE_NAMES } from './model.js';
import type { LiveTimeline } from './live.js';
import { appendEvent, currentRoles, lastStatusUpdateAt, loadPolicy, lockIncident } from './repo.js';

export const JOB_CHECK_COMMANDER = 'incidents.checkCommander';
export const JOB_REMIND_UPDATE = 'incidents.remindUpdate';

export interface TimerPayload {
  incidentId: string;
  generation: number;
}

/**
 * The paging hook: what should happen beyond the timeline when a severity rule breaches. The paging issue wires a
 * real implementation (page the team's on-call for an IC) in src/server.ts; it runs inside the job's transaction,
 * so it must only enqueue durable work there, never send anything itself.
 */
export interface IncidentPagingHook {
  commanderMissing(trx: Executor, input: { incident: Incident; minutesOpen: number; at: number }): Promise<void>;
}

export const noPaging: IncidentPagingHook = { commanderMissing: async () => undefined };

/** One reminder per incident, generation and time: a duplicate enqueue collapses instead of posting twice. */
const reminderKey = (p: TimerPayload, runAt: number): string =>
  `${JOB_REMIND_UPDATE}:${p.incidentId}:${p.generation}:${runAt}`;

/** Bump the fence and enqueue this severity's timers (none once resolved). Call with the incident row locked. */
export async function scheduleTimers(
  trx: Executor,
  engine: Db['engine'],
  incident: Incident,
  policy: SeverityPolicy,
  now: number,
): Promise<number> {
  const generation = incident.timerGeneration + 1;
  await trx.updateTable('incidents').set({ timerGeneration: generation }).where('id', '=', incident.id).execute();
  if (incident.status === 'resolved') return generation;
  const payload: TimerPayload = { incidentId: incident.id, generation };
  if (policy.commanderDeadlineMinutes !== null) {
    const runAt = Math.max(now, incident.declaredAt + policy.commanderDeadlineMinutes * MINUTE);
    const uniqueKey = `${JOB_CHECK_COMMANDER}:${incident.id}:${generation}`;
    await enqueueJob(trx, engine, { kind: JOB_CHECK_COMMANDER, payload, runAt, uniqueKey }, now);
  }
  if (policy.updateReminderMinutes !== null) {
    const last = (await lastStatusUpdateAt(trx, incident.id)) ?? incident.declaredAt;
    const runAt = Math.max(now, last + policy.updateReminderMinutes * MINUTE);
    await enqueueJob(
      trx,
      engine,
      { kind: JOB_REMIND_UPDATE, payload, runAt, uniqueKey: reminderKey(payload, runAt) },
      now,
    );
  }
  return generation;
}

/** Lock, fence, re-check: the open incident this job still belongs to, or null to exit quietly. */
async function currentFor(trx: Executor, engine: Db['engine'], p: TimerPayload): Promise<Incident | null> {
  const incident = await lockIncident(trx, engine, p.incidentId);
  if (!incident || incident.timerGeneration !== p.generation || incident.status === 'resolved') return null;
  return incident;
}

/** `incidents.checkCommander`: the severity's deadline passed; if there is still no IC, say so and page. */
export function checkCommanderHandler(deps: {
  live: LiveTimeline;
  paging: IncidentPagingHook;
}): JobHandler<TimerPayload> {
  return async (ctx) => {
    const p = ctx.job.payload;
    const now = ctx.clock.now();
    const posted = await ctx.complete(async (trx) => {
      const incident = await currentFor(trx, ctx.db.engine, p);
      if (!incident) return false;
      if ((await currentRoles(trx, incident.id)).commander) return false;
      const policy = await loadPolicy(trx, incident.severity);
      const minutesOpen = Math.floor((now - incident.declaredAt) / MINUTE);
      await appendEvent(
        trx,
        ctx.db.engine,
        incident.id,
        {
          kind: 'commander_missing',
          actorUserId: null,
          actorLabel: 'Muster',
          body: `${incident.severity} unresolved for ${minutesOpen} minutes without an Incident Commander: assign one now.`,
          details: {
            severity: incident.severity,
            deadlineMinutes: policy.commanderDeadlineMinutes,
            pagingRequested: true,
          },
          isFlagged: true,
        },
        now,
      );
      await deps.paging.commanderMissing(trx, { incident, minutesOpen, at: now });
      return true;
    });
    if (posted) deps.live.poke(p.incidentId);
  };
}

/** `incidents.remindUpdate`: remind the Communications Lead when no update was posted for the interval. */
export function remindUpdateHandler(deps: { live: LiveTimeline }): JobHandler<TimerPayload> {
  return async (ctx) => {
    const p = ctx.job.payload;
    const now = ctx.clock.now();
    const posted = await ctx.complete(async (trx) => {
      const incident = await currentFor(trx, ctx.db.engine, p);
      if (!incident) return false;
      const policy = await loadPolicy(trx, incident.severity);
      if (policy.updateReminderMinutes === null) return false;
      const every = policy.updateReminderMinutes * MINUTE;
      const last = (await lastStatusUpdateAt(trx, incident.id)) ?? incident.declaredAt;
      let next = last + every;
      const isDue = now >= next;
      if (isDue) {
        const cl = (await currentRoles(trx, incident.id)).communications_lead;
        const who = cl ? `${ROLE_NAMES.communications_lead} ${cl.name}` : 'No Communications Lead is assigned';
        const ago = Math.floor((now - last) / MINUTE);
        await appendEvent(
          trx,
          ctx.db.engine,
          incident.id,
          {
            kind: 'update_reminder',
            actorUserId: null,
            actorLabel: 'Muster',
            body: `${who}: post a status update (${incident.severity} updates every ${policy.updateReminderMinutes} min; last ${ago} min ago).`,
            details: {
              severity: incident.severity,
              everyMinutes: policy.updateReminderMinutes,
              communicationsLead: cl?.userId ?? null,
            },
          },
          now,
        );
        next = now + every;
      }
      const uniqueKey = reminderKey(p, next);
      await enqueueJob(trx, ctx.db.engine, { kind: JOB_REMIND_UPDATE, payload: p, runAt: next, uniqueKey }, now);
      return isDue;
    });
    if (posted) deps.live.poke(p.incidentId);
  };
}
