/**
 * Overrides and shift swaps. Members of the owning team with the responder role or above create and delete overrides
 * (covering for each other is everyday on-call work); layer edits stay with team admins. A swap is asked by someone
 * for their own on-call time and becomes an override when the person asked accepts it.
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { forbidden, validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { overrideNotFound, scheduleNotFound, swapNotFound, swapRefused } from './errors.js';
import { scheduleNextHandoff } from './handoff-jobs.js';
import { computeSchedule } from './model.js';
import {
  findScheduleRow,
  listOverrides,
  listSwaps,
  toOverride,
  toSwap,
  userNames,
  type Override,
  type Swap,
} from './repo.js';
import { assertActiveUsers } from './service.js';
import { loadSchedules } from './shifts.js';
import type { NotifyService } from '../notify/index.js';
import {
  checkSwapAsk,
  decideSwap,
  swapNoticeMessage,
  type SwapAction,
  type SwapNotice,
  type SwapStatus,
} from './swaps.js';
import { intervalProblems } from './validate.js';

export interface OverrideInput {
  userId: string;
  start: number;
  end: number;
  reason?: string;
}

export interface OverrideDeps {
  db: Db;
  clock: Clock;
  teams: TeamService;
  /** Swap requests notify the person asked, and the requester of the answer (low urgency: their own rules). */
  notify?: Pick<NotifyService, 'notifyUser'> | undefined;
  publicUrl?: (() => string) | undefined;
  /** Wakes the job runner after a commit that enqueued notifications. */
  onEnqueued?: (() => void) | undefined;
}

export class OverrideService {
  constructor(private readonly deps: OverrideDeps) {}

  async list(scheduleId: string, from: number, to: number): Promise<Override[]> {
    await this.schedule(scheduleId);
    return listOverrides(this.deps.db.kysely, [scheduleId], from, to);
  }

  async create(actor: Actor, scheduleId: string, input: OverrideInput): Promise<Override> {
    const schedule = await this.schedule(scheduleId);
    await this.deps.teams.requireRole(actor, schedule.teamId, 'responder');
    const problems = intervalProblems(input.start, input.end);
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    return this.deps.db.kysely.transaction().execute(async (trx) => {
      await assertActiveUsers(trx, [input.userId], 'userId');
      const override = await insertOverride(trx, actor, scheduleId, { ...input, swapRequestId: null }, now);
      await scheduleNextHandoff(trx, this.deps.db.engine, scheduleId, now, now);
      return override;
    });
  }

  async remove(actor: Actor, scheduleId: string, overrideId: string): Promise<void> {
    const schedule = await this.schedule(scheduleId);
    await this.deps.teams.requireRole(actor, schedule.teamId, 'responder');
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('scheduleOverrides')
        .selectAll()
        .where('id', '=', overrideId)
        .where('scheduleId', '=', scheduleId)
        .executeTakeFirst();
      if (!row) throw overrideNotFound(scheduleId, overrideId);
      await trx.deleteFrom('scheduleOverrides').where('id', '=', overrideId).execute();
      await scheduleNextHandoff(trx, this.deps.db.engine, scheduleId, now, now);
      await recordAudit(
        trx,
        actor,
        'schedule.override_deleted',
        { type: 'schedule', id: scheduleId },
        { overrideId, userId: row.userId, start: row.startsAt, end: row.endsAt },
        now,
      );
    });
  }

  async listSwaps(filter: { scheduleId?: string; userId?: string; status?: SwapStatus }): Promise<Swap[]> {
    return listSwaps(this.deps.db.kysely, filter);
  }

  /** Ask `targetUserId` to cover [start, end) of the actor's own on-call time in this schedule. */
  async askSwap(
    actor: Actor,
    scheduleId: string,
    input: { targetUserId: string; start: number; end: number; note?: string },
  ): Promise<Swap> {
    if (!actor.userId) throw forbidden('Only a person can ask for a shift swap.');
    const requesterId = actor.userId;
    const schedule = await this.schedule(scheduleId);
    const problems = intervalProblems(input.start, input.end);
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    const swap = await this.deps.db.kysely.transaction().execute(async (trx) => {
      await assertActiveUsers(trx, [input.targetUserId], 'targetUserId');
      const [l] = await loadSchedules(trx, [schedule], input.start, input.end);
      const { final } = computeSchedule(l!.def, l!.overrides, input.start, input.end);
      const refusal = checkSwapAsk(final, { requesterId, ...input }, now);
      if (refusal) throw swapRefused(refusal);
      const id = newId('swp', now);
      await trx
        .insertInto('shiftSwapRequests')
        .values({
          id,
          scheduleId,
          requesterId,
          targetUserId: input.targetUserId,
          startsAt: input.start,
          endsAt: input.end,
          note: input.note?.trim() ?? '',
          status: 'pending',
          overrideId: null,
          decidedAt: null,
          createdAt: now,
        })
        .execute();
      await recordAudit(
        trx,
        actor,
        'schedule.swap_requested',
        { type: 'schedule', id: scheduleId },
        { swapId: id, targetUserId: input.targetUserId, start: input.start, end: input.end },
        now,
      );
      const row = await trx.selectFrom('shiftSwapRequests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      // The person asked hears of it through the notify domain: the delivery jobs commit with the request.
      await this.notifySwap(trx, 'asked', row, schedule, actor, now);
      return toSwap(row);
    });
    this.deps.onEnqueued?.();
    return swap;
  }

  /** Accept (creates the override), decline or cancel a pending request, once. */
  async decideSwap(actor: Actor, swapId: string, action: SwapAction): Promise<Swap> {
    const now = this.deps.clock.now();
    const decided = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('shiftSwapRequests').selectAll().where('id', '=', swapId).executeTakeFirst();
      if (!row) throw swapNotFound(swapId);
      const swap = toSwap(row);
      const decision = decideSwap(swap, action, actor, now);
      if ('refused' in decision) throw swapRefused(decision.refused);
      let overrideId: string | null = null;
      if (decision.status === 'accepted') {
        await assertActiveUsers(trx, [swap.targetUserId], 'targetUserId');
        const input = {
          userId: swap.targetUserId,
          start: Math.max(swap.start, now),
          end: swap.end,
          reason: `Swap ${swap.id}`,
        };
        overrideId = (await insertOverride(trx, actor, swap.scheduleId, { ...input, swapRequestId: swap.id }, now)).id;
        await scheduleNextHandoff(trx, this.deps.db.engine, swap.scheduleId, now, now);
      }
      // The status guard makes a concurrent second decision a no-op rather than a second override.
      const updated = await trx
        .updateTable('shiftSwapRequests')
        .set({ status: decision.status, overrideId, decidedAt: now })
        .where('id', '=', swapId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw swapRefused('swap_not_pending');
      await recordAudit(
        trx,
        actor,
        `schedule.swap_${decision.status}`,
        { type: 'schedule', id: swap.scheduleId },
        { swapId, overrideId },
        now,
      );
      // Accepted or declined: the requester is told; withdrawn: the person who was asked.
      const schedule = await findScheduleRow(trx, swap.scheduleId);
      if (schedule) await this.notifySwap(trx, decision.status as SwapNotice, row, schedule, actor, now);
      return { ...swap, status: decision.status, overrideId, decidedAt: now };
    });
    this.deps.onEnqueued?.();
    return decided;
  }

  /** One swap notification, keyed by request and event so a retried transaction never sends it twice. */
  private async notifySwap(
    trx: Executor,
    notice: SwapNotice,
    row: { id: string; requesterId: string; targetUserId: string; startsAt: number; endsAt: number; note: string },
    schedule: { id: string; name: string; timezone: string },
    actor: Actor,
    now: number,
  ): Promise<void> {
    const notify = this.deps.notify;
    if (!notify) return;
    const recipient = notice === 'accepted' || notice === 'declined' ? row.requesterId : row.targetUserId;
    const names = await userNames(trx, [row.requesterId, row.targetUserId]);
    const nameOf = (id: string): string => names[id]?.name || names[id]?.email || id;
    // An administrator answering or withdrawing for someone else is named in the message.
    const answeredBy = notice === 'cancelled' ? row.requesterId : row.targetUserId;
    const actorLabel = notice !== 'asked' && actor.userId !== answeredBy ? actor.label : undefined;
    const message = swapNoticeMessage({
      notice,
      swap: { id: row.id, start: row.startsAt, end: row.endsAt, note: row.note },
      scheduleName: schedule.name,
      timezone: schedule.timezone,
      requesterName: nameOf(row.requesterId),
      targetName: nameOf(row.targetUserId),
      actorLabel,
      pageUrl: `${this.deps.publicUrl?.() ?? ''}/oncall/schedules/${schedule.id}`,
    });
    await notify.notifyUser(trx, { userId: recipient, urgency: 'low', message, key: `swap:${row.id}:${notice}` }, now);
  }

  private async schedule(id: string) {
    const row = await findScheduleRow(this.deps.db.kysely, id);
    if (!row) throw scheduleNotFound(id);
    return row;
  }
}

async function insertOverride(
  trx: Executor,
  actor: Actor,
  scheduleId: string,
  input: OverrideInput & { swapRequestId: string | null },
  now: number,
): Promise<Override> {
  const id = newId('ovr', now);
  await trx
    .insertInto('scheduleOverrides')
    .values({
      id,
      scheduleId,
      userId: input.userId,
      startsAt: input.start,
      endsAt: input.end,
      reason: input.reason?.trim() ?? '',
      swapRequestId: input.swapRequestId,
      createdByLabel: actor.label,
      createdAt: now,
    })
    .execute();
  await recordAudit(
    trx,
    actor,
    'schedule.override_created',
    { type: 'schedule', id: scheduleId },
    { overrideId: id, userId: input.userId, start: input.start, end: input.end, swapRequestId: input.swapRequestId },
    now,
  );
  return toOverride(
    await trx.selectFrom('scheduleOverrides').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}
