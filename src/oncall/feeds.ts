/**
 * Calendar feeds behind a secret link, per schedule and per user (as PagerDuty and Grafana OnCall offer). Each
 * person has their own link for a feed, so rotating one never breaks anyone else's subscription; only the SHA-256 of
 * the token is stored, and a feed stops working when its owner is disabled.
 */
import type { Db } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { safeEqual, sha256Hex } from '../shared/crypto.js';
import { forbidden } from '../shared/errors.js';
import { newId, newSecret } from '../shared/ids.js';
import { feedTokenInvalid, scheduleNotFound } from './errors.js';
import { renderCalendar, formatUtc, type IcsEvent } from './ical.js';
import { schedulePageUrl } from './links.js';
import { computeSchedule, layerZone, type ScheduleDef, type Shift } from './model.js';
import { findScheduleRow, listScheduleRows, scheduleIdsForUser, userNames } from './repo.js';
import { loadSchedules } from './shifts.js';
import { TIME } from '../shared/tz.js';

export type FeedKind = 'schedule' | 'user';

/** wire-formats §6.3: 15 days back, 180 days ahead. */
export const FEED_DAYS_BEFORE = 15;
export const FEED_DAYS_AFTER = 180;
/** Shifts are computed from further back, so one that began before the window keeps its real start (and UID). */
const FEED_CONTEXT_MS = 35 * TIME.DAY;

export interface FeedLink {
  token: string;
  url: string;
  webcalUrl: string;
}

export class FeedService {
  constructor(private readonly deps: { db: Db; clock: Clock; publicUrl: () => string }) {}

  /** Create the actor's link for a feed, revoking their previous one (rotation). */
  async rotate(actor: Actor, kind: FeedKind, targetId: string): Promise<FeedLink> {
    if (!actor.userId) throw forbidden('Calendar links belong to a person; use a user session or token.');
    const ownerId = actor.userId;
    if (kind === 'user' && targetId !== ownerId && !actor.isAdmin) {
      throw forbidden('You can create a calendar link only for your own shifts.');
    }
    if (kind === 'schedule' && !(await findScheduleRow(this.deps.db.kysely, targetId))) {
      throw scheduleNotFound(targetId);
    }
    const now = this.deps.clock.now();
    const token = `mcal_${newSecret()}`;
    const id = newId('cal', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const revoked = await trx
        .updateTable('calendarFeedTokens')
        .set({ revokedAt: now })
        .where('kind', '=', kind)
        .where('targetId', '=', targetId)
        .where('userId', '=', ownerId)
        .where('revokedAt', 'is', null)
        .executeTakeFirst();
      await trx
        .insertInto('calendarFeedTokens')
        .values({
          id,
          kind,
          targetId,
          userId: ownerId,
          tokenHash: sha256Hex(token),
          createdAt: now,
          lastUsedAt: null,
          revokedAt: null,
        })
        .execute();
      const action = Number(revoked.numUpdatedRows) > 0 ? 'calendar_feed.rotated' : 'calendar_feed.created';
      await recordAudit(trx, actor, action, { type: kind, id: targetId }, { feedTokenId: id }, now);
    });
    const path = kind === 'schedule' ? `/api/schedules/${targetId}/feed.ics` : `/api/users/${targetId}/feed.ics`;
    const url = `${this.deps.publicUrl().replace(/\/$/, '')}${path}?token=${token}`;
    return { token, url, webcalUrl: url.replace(/^https?:/, 'webcal:') };
  }

  async revoke(actor: Actor, kind: FeedKind, targetId: string): Promise<void> {
    if (!actor.userId) throw forbidden('Calendar links belong to a person.');
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('calendarFeedTokens')
        .set({ revokedAt: now })
        .where('kind', '=', kind)
        .where('targetId', '=', targetId)
        .where('userId', '=', actor.userId)
        .where('revokedAt', 'is', null)
        .execute();
      await recordAudit(trx, actor, 'calendar_feed.revoked', { type: kind, id: targetId }, {}, now);
    });
  }

  /** The feed's iCalendar text, if the token is a live link for exactly this feed. */
  async render(kind: FeedKind, targetId: string, token: string): Promise<string> {
    await this.checkToken(kind, targetId, token);
    const now = this.deps.clock.now();
    const from = now - FEED_DAYS_BEFORE * TIME.DAY;
    const to = now + FEED_DAYS_AFTER * TIME.DAY;
    return kind === 'schedule' ? this.scheduleFeed(targetId, from, to, now) : this.userFeed(targetId, from, to, now);
  }

  private async checkToken(kind: FeedKind, targetId: string, token: string): Promise<void> {
    const db = this.deps.db.kysely;
    const hash = sha256Hex(token);
    const row = await db
      .selectFrom('calendarFeedTokens')
      .innerJoin('users', 'users.id', 'calendarFeedTokens.userId')
      .select([
        'calendarFeedTokens.id',
        'calendarFeedTokens.kind',
        'calendarFeedTokens.targetId',
        'calendarFeedTokens.tokenHash',
        'calendarFeedTokens.lastUsedAt',
      ])
      .where('calendarFeedTokens.tokenHash', '=', hash)
      .where('calendarFeedTokens.revokedAt', 'is', null)
      .where('users.disabledAt', 'is', null)
      .executeTakeFirst();
    if (!row || row.kind !== kind || row.targetId !== targetId || !safeEqual(row.tokenHash, hash))
      throw feedTokenInvalid();
    const now = this.deps.clock.now();
    // Calendar clients poll often; record use at most hourly.
    if (row.lastUsedAt === null || now - row.lastUsedAt > TIME.HOUR) {
      await db.updateTable('calendarFeedTokens').set({ lastUsedAt: now }).where('id', '=', row.id).execute();
    }
  }

  private async scheduleFeed(scheduleId: string, from: number, to: number, now: number): Promise<string> {
    const row = await findScheduleRow(this.deps.db.kysely, scheduleId);
    if (!row) throw feedTokenInvalid();
    const [l] = await loadSchedules(this.deps.db.kysely, [row], from - FEED_CONTEXT_MS, to);
    const final = computeSchedule(l!.def, l!.overrides, from - FEED_CONTEXT_MS, to).final.filter((s) => s.end > from);
    const people = await userNames(
      this.deps.db.kysely,
      final.map((s) => s.userId),
    );
    const events = final.map((s) =>
      this.event(
        row.id,
        row.name,
        l!.def,
        s,
        people[s.userId] ?? { name: s.userId, email: '' },
        people[s.userId]?.name ?? s.userId,
      ),
    );
    return renderCalendar({ name: `On call: ${row.name}`, events, now });
  }

  private async userFeed(userId: string, from: number, to: number, now: number): Promise<string> {
    const db = this.deps.db.kysely;
    const ids = await scheduleIdsForUser(db, userId, from - FEED_CONTEXT_MS, to);
    const rows = (await listScheduleRows(db)).filter((r) => ids.includes(r.id));
    const loaded = await loadSchedules(db, rows, from - FEED_CONTEXT_MS, to);
    const person = (await userNames(db, [userId]))[userId] ?? { name: userId, email: '' };
    const events = loaded.flatMap((l) =>
      computeSchedule(l.def, l.overrides, from - FEED_CONTEXT_MS, to)
        .final.filter((s) => s.userId === userId && s.end > from)
        .map((s) => this.event(l.schedule.id, l.schedule.name, l.def, s, person, `${l.schedule.name}: on call`)),
    );
    events.sort((a, b) => a.start - b.start);
    return renderCalendar({ name: `On-call shifts for ${person.name}`, events, now });
  }

  private event(
    scheduleId: string,
    scheduleName: string,
    def: ScheduleDef,
    s: Shift,
    person: { name: string; email: string },
    summary: string,
  ): IcsEvent {
    const base = this.deps.publicUrl().replace(/\/$/, '');
    // A rotation shift names its layer and the zone its hand-offs are read in (a follow-the-sun layer has its own).
    const layer = s.sourceKind === 'layer' ? def.layers.find((x) => x.id === s.source) : undefined;
    const lines = [
      `Schedule: ${scheduleName}`,
      `On call: ${person.name}`,
      ...(layer ? [`Layer: ${layer.name} (hand-offs in ${layerZone(def.timezone, layer)})`] : []),
      `Override: ${s.sourceKind === 'override' ? 'yes' : 'no'}`,
    ];
    return {
      uid: `${scheduleId}-${s.source}-${s.userId}-${formatUtc(s.start)}@${new URL(base).hostname}`,
      start: s.start,
      end: s.end,
      summary,
      description: lines.join('\n'),
      url: schedulePageUrl(base, scheduleId),
      ...(person.email ? { attendee: person } : {}),
      priority: s.sourceKind === 'override' ? 1 : 0,
    };
  }
}
