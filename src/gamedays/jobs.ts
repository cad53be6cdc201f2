/**
 * Game day jobs (docs/gamedays.md), each enqueued in the transaction that changes the game day:
 * - `gamedays.inject`: one per inject, at the drill's start + its offset (uniqueKey per inject). It posts the inject
 *   into the drill room's timeline if the game day is still running and the inject still pending; a halted or ended
 *   game day has marked it skipped, so the job ends quietly.
 * - `gamedays.remind`: the day before a scheduled game day, to its participants and facilitator through their own
 *   contact methods (unique per game day × date; a rescheduled or started game day ends it quietly).
 * - `gamedays.series`: when a recurring game day's time has passed (scheduled + duration), the next one of the series
 *   is created if it does not exist yet; ending or cancelling one does the same at once.
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, systemActor } from '../identity/index.js';
import { appendEvent, lockIncident } from '../incidents/repo.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import { newId } from '../shared/ids.js';
import { nextOccurrence, reminderAt, seriesRollAt, type Recurrence } from './model.js';
import {
  addGamedayEvent,
  findGameday,
  listActions,
  listInjects,
  listParticipants,
  listServiceIds,
  lockGameday,
  type GamedayRow,
} from './repo.js';

export const INJECT_JOB = 'gamedays.inject';
export const REMIND_JOB = 'gamedays.remind';
export const SERIES_JOB = 'gamedays.series';

export interface InjectPayload {
  gamedayId: string;
  injectId: string;
}
export interface RemindPayload {
  gamedayId: string;
  scheduledAt: number;
}
export interface SeriesPayload {
  gamedayId: string;
  scheduledAt: number;
}

export async function enqueueInject(
  trx: Executor,
  engine: Db['engine'],
  gamedayId: string,
  injectId: string,
  runAt: number,
  now: number,
): Promise<void> {
  const payload: InjectPayload = { gamedayId, injectId };
  await enqueueJob(trx, engine, { kind: INJECT_JOB, payload, runAt, uniqueKey: `${INJECT_JOB}:${injectId}` }, now);
}

/** The reminder and (recurring) the series roll of a scheduled game day, in the caller's transaction. */
export async function scheduleJobs(trx: Executor, engine: Db['engine'], g: GamedayRow, now: number): Promise<void> {
  if (g.status !== 'scheduled' || g.scheduledAt === null) return;
  if (g.scheduledAt > now) {
    const payload: RemindPayload = { gamedayId: g.id, scheduledAt: g.scheduledAt };
    await enqueueJob(
      trx,
      engine,
      {
        kind: REMIND_JOB,
        payload,
        runAt: reminderAt(g.scheduledAt, now),
        uniqueKey: `${REMIND_JOB}:${g.id}:${g.scheduledAt}`,
      },
      now,
    );
  }
  if (g.recurrence !== 'none') {
    const payload: SeriesPayload = { gamedayId: g.id, scheduledAt: g.scheduledAt };
    await enqueueJob(
      trx,
      engine,
      {
        kind: SERIES_JOB,
        payload,
        runAt: Math.max(now, seriesRollAt(g.scheduledAt, g.durationMinutes)),
        uniqueKey: `${SERIES_JOB}:${g.id}:${g.scheduledAt}`,
      },
      now,
    );
  }
}

/**
 * Post an inject into the drill room, if the game day is running and the inject pending. Returns the drill
 * incident's id when it posted (to nudge the room after the commit).
 */
export async function deliverInject(
  trx: Executor,
  engine: Db['engine'],
  gamedayId: string,
  injectId: string,
  now: number,
): Promise<string | null> {
  const g = await findGameday(trx, gamedayId);
  if (!g) return null;
  const locked = await lockGameday(trx, engine, gamedayId);
  if (locked.status !== 'running' || !locked.incidentId) return null;
  const inject = await trx
    .selectFrom('gamedayInjects')
    .selectAll()
    .where('id', '=', injectId)
    .where('gamedayId', '=', gamedayId)
    .executeTakeFirst();
  if (!inject || inject.status !== 'pending') return null;
  const incident = await lockIncident(trx, engine, locked.incidentId);
  if (!incident) return null;
  await appendEvent(
    trx,
    engine,
    incident.id,
    {
      kind: 'gameday_inject',
      actorUserId: null,
      actorLabel: 'Game day',
      body: inject.body,
      details: { gamedayId, injectId, offsetSeconds: inject.offsetSeconds, addedLive: inject.addedLive === 1 },
    },
    now,
  );
  await trx
    .updateTable('gamedayInjects')
    .set({ status: 'delivered', deliveredAt: now })
    .where('id', '=', injectId)
    .execute();
  await addGamedayEvent(
    trx,
    gamedayId,
    {
      kind: 'inject_delivered',
      actorLabel: 'Muster',
      body: `Posted in the drill room: ${inject.body}`,
      details: { injectId },
    },
    now,
  );
  return incident.id;
}

/**
 * The next game day of a recurring series (same team, script, people and services, the next month, quarter or year),
 * unless the series already has a later one. Returns its id when created.
 */
export async function ensureNext(
  trx: Executor,
  engine: Db['engine'],
  g: GamedayRow,
  now: number,
): Promise<string | null> {
  if (g.recurrence === 'none' || g.scheduledAt === null) return null;
  const next = nextOccurrence(g.scheduledAt, g.recurrence as Recurrence);
  if (next === null) return null;
  const seriesId = g.seriesId ?? g.id;
  const later = await trx
    .selectFrom('gamedays')
    .select('id')
    .where((eb) => eb.or([eb('seriesId', '=', seriesId), eb('id', '=', seriesId)]))
    .where('scheduledAt', '>', g.scheduledAt)
    .executeTakeFirst();
  if (later) return null;
  if (!g.seriesId) await trx.updateTable('gamedays').set({ seriesId }).where('id', '=', g.id).execute();
  const id = newId('gd', now);
  const row: GamedayRow = {
    id,
    teamId: g.teamId,
    scenarioId: g.scenarioId,
    title: g.title,
    mode: g.mode,
    status: 'scheduled',
    scenario: g.scenario,
    hypothesis: g.hypothesis,
    safetyNotes: g.safetyNotes,
    facilitatorUserId: g.facilitatorUserId,
    severity: g.severity,
    scheduledAt: next,
    durationMinutes: g.durationMinutes,
    recurrence: g.recurrence,
    seriesId,
    remindedAt: null,
    muteChat: g.muteChat,
    incidentId: null,
    startedAt: null,
    haltedAt: null,
    haltReason: null,
    endedAt: null,
    hypothesisOutcome: null,
    createdByLabel: 'Muster',
    createdAt: now,
    updatedAt: now,
  };
  await trx.insertInto('gamedays').values(row).execute();
  const people = await listParticipants(trx, g.id);
  if (people.length) {
    await trx
      .insertInto('gamedayParticipants')
      .values(people.map((p) => ({ gamedayId: id, userId: p.userId, role: p.role })))
      .execute();
  }
  const services = await listServiceIds(trx, g.id);
  if (services.length) {
    await trx
      .insertInto('gamedayServices')
      .values(services.map((serviceId) => ({ gamedayId: id, serviceId })))
      .execute();
  }
  let position = 0;
  for (const i of (await listInjects(trx, g.id)).filter((x) => x.addedLive === 0)) {
    await trx
      .insertInto('gamedayInjects')
      .values({
        id: newId('gdi', now),
        gamedayId: id,
        position: position++,
        offsetSeconds: i.offsetSeconds,
        body: i.body,
        status: 'pending',
        deliveredAt: null,
        addedLive: 0,
        createdByLabel: 'Muster',
        createdAt: now,
      })
      .execute();
  }
  position = 0;
  for (const a of await listActions(trx, g.id)) {
    await trx
      .insertInto('gamedayExpectedActions')
      .values({
        id: newId('gda', now),
        gamedayId: id,
        position: position++,
        body: a.body,
        outcome: 'pending',
        markedAt: null,
        markedByLabel: null,
      })
      .execute();
  }
  await addGamedayEvent(
    trx,
    id,
    {
      kind: 'created',
      actorLabel: 'Muster',
      body: 'Created as the next game day of its series.',
      details: { seriesId },
    },
    now,
  );
  await addGamedayEvent(
    trx,
    g.id,
    {
      kind: 'series_next',
      actorLabel: 'Muster',
      body: 'The next game day of the series is scheduled.',
      details: { next: id },
    },
    now,
  );
  await scheduleJobs(trx, engine, row, now);
  await recordAudit(trx, systemActor('gamedays'), 'gameday.created', { type: 'gameday', id }, { seriesId }, now);
  return id;
}

/** `gamedays.inject`. */
export function injectHandler(deps: { db: Db; poke: (incidentId: string) => void }): JobHandler<InjectPayload> {
  return async (ctx) => {
    const { gamedayId, injectId } = ctx.job.payload;
    const incidentId = await ctx.complete((trx) =>
      deliverInject(trx, deps.db.engine, gamedayId, injectId, ctx.clock.now()),
    );
    if (incidentId) deps.poke(incidentId);
  };
}

export interface RemindDeps {
  db: Db;
  notify: Pick<NotifyService, 'notifyUser'>;
  publicUrl: () => string;
}

/** `gamedays.remind`: the participants and the facilitator, the day before. */
export function remindHandler(deps: RemindDeps): JobHandler<RemindPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const { gamedayId, scheduledAt } = ctx.job.payload;
      const now = ctx.clock.now();
      const g = await findGameday(trx, gamedayId);
      if (!g || g.status !== 'scheduled' || g.scheduledAt !== scheduledAt) return;
      const recipients = new Set((await listParticipants(trx, g.id)).map((p) => p.userId));
      if (g.facilitatorUserId) recipients.add(g.facilitatorUserId);
      const when = new Date(scheduledAt).toISOString().replace('T', ' ').slice(0, 16);
      const url = `${deps.publicUrl()}/gamedays/${g.id}`;
      // Already reminded of an earlier time: this one says the game day moved (the "What happened" list too).
      const moved = g.remindedAt !== null;
      const subject = moved
        ? `Game day moved: ${g.title} is now ${when} UTC`
        : `Game day tomorrow: ${g.title} (${when} UTC)`;
      const body = [
        subject,
        g.mode === 'live'
          ? 'A live drill: pages will be real and labelled DRILL.'
          : 'A tabletop: the facilitator reads injects into a drill room; nothing in production changes.',
        g.hypothesis ? `Hypothesis: ${g.hypothesis}` : '',
        g.safetyNotes ? `Safety notes: ${g.safetyNotes}` : '',
        url,
      ]
        .filter(Boolean)
        .join('\n');
      for (const userId of recipients) {
        await deps.notify.notifyUser(
          trx,
          {
            userId,
            urgency: 'low',
            message: { subject, body, url },
            key: `${ctx.job.uniqueKey ?? ctx.job.id}:${userId}`,
          },
          now,
        );
      }
      await trx.updateTable('gamedays').set({ remindedAt: now }).where('id', '=', g.id).execute();
      await addGamedayEvent(
        trx,
        g.id,
        {
          kind: 'reminded',
          actorLabel: 'Muster',
          body: `${moved ? `New time (${when} UTC) sent` : 'Reminder sent'} to ${recipients.size} ${recipients.size === 1 ? 'person' : 'people'}.`,
          details: { recipients: [...recipients] },
        },
        now,
      );
    });
  };
}

/** `gamedays.series`: the time of a recurring game day has passed: the next one of its series. */
export function seriesHandler(deps: { db: Db }): JobHandler<SeriesPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const g = await findGameday(trx, ctx.job.payload.gamedayId);
      if (!g || g.scheduledAt !== ctx.job.payload.scheduledAt || g.status === 'cancelled') return;
      await ensureNext(trx, deps.db.engine, g, ctx.clock.now());
    });
  };
}

/** Every game day job with its handler, for src/server.ts registerJobHandlers. */
export function gamedayJobs(deps: RemindDeps & { poke: (incidentId: string) => void }) {
  return [
    { kind: INJECT_JOB, handler: injectHandler(deps) as JobHandler<unknown> },
    { kind: REMIND_JOB, handler: remindHandler(deps) as JobHandler<unknown> },
    { kind: SERIES_JOB, handler: seriesHandler(deps) as JobHandler<unknown> },
  ];
}

/**
 * Wrap the incidents' resolve hook (the automatic post-mortem) so a drill incident gets none: its debrief is the game
 * day's, created by hand with the Game day debrief template (POST /api/gamedays/:id/debrief).
 */
export function skipDrills(
  onResolved: (trx: Executor, engine: Db['engine'], incidentId: string, now: number) => Promise<void>,
): (trx: Executor, engine: Db['engine'], incidentId: string, now: number) => Promise<void> {
  return async (trx, engine, incidentId, now) => {
    const i = await trx.selectFrom('incidents').select('kind').where('id', '=', incidentId).executeTakeFirst();
    if (i?.kind === 'drill') return;
    await onResolved(trx, engine, incidentId, now);
  };
}
