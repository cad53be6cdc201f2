/**
 * Action items' durable jobs:
 * - `actions.remind`: the owner is reminded two days before the due date and on it, through their notification rules
 *   (one job per item × due date × which, unique, so a restart or a second process never sends twice; a moved date or
 *   a finished item makes it exit quietly);
 * - `actions.overdueDigest`: daily, each owner gets the list of their overdue items and each team admin the list of
 *   their team's, keyed by day and recipient; the next day's job is enqueued in the same transaction (a chain, as
 *   hand-off summaries are);
 * - `actions.createTrackerIssue`: claim (read the item and the connection), commit, send to GitHub, GitLab or Jira outside any
 *   transaction, then record the issue on the item (fenced with the job's completion). A failure is written on the
 *   item: pending while retries remain, failed when the provider refused (401, 422) or attempts ran out.
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, systemActor } from '../identity/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import { DAY } from '../shared/clock.js';
import type { ResolveAll } from '../shared/net.js';
import {
  DIGEST_JOB,
  REMIND_JOB,
  TRACKER_JOB,
  type DigestPayload,
  type RemindPayload,
  type TrackerPayload,
} from './job-kinds.js';
import { ACTIVE_STATUSES, digestDay, isProvider, nextDigestAt } from './model.js';
import { findItemRow, overdueItemRows, teamAdmins, teamNames, updateItemRow, type ActionItemRow } from './repo.js';
import { sendTrackerIssue, type Sealer } from './trackers.js';

export { DIGEST_JOB, REMIND_JOB, TRACKER_JOB };

export interface ReminderDeps {
  db: Db;
  notify: Pick<NotifyService, 'notifyUser'>;
  publicUrl: () => string;
}

const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const isActive = (status: string): boolean => (ACTIVE_STATUSES as readonly string[]).includes(status);

/** `actions.remind`: one reminder to the item's owner now, if the item is still open and still due then. */
export function remindHandler(deps: ReminderDeps): JobHandler<RemindPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const { itemId, dueAt, which } = ctx.job.payload;
      const now = ctx.clock.now();
      const row = await findItemRow(trx, itemId);
      if (!row || row.dueAt !== dueAt || !isActive(row.status)) return; // moved, finished or gone: nothing to say
      if (which === 'before' && now >= dueAt) return; // ran late: the on-the-day reminder says it
      const due = dateOf(dueAt);
      const subject =
        which === 'before' ? `Action item due in 2 days: ${row.title}` : `Action item due today: ${row.title}`;
      await deps.notify.notifyUser(
        trx,
        {
          userId: row.ownerUserId,
          urgency: 'low',
          key: `${REMIND_JOB}:${itemId}:${dueAt}:${which}`,
          message: {
            subject,
            body: `"${row.title}" is yours and due on ${due}. Mark it done when it is, or move the due date if it has to wait.`,
            url: `${deps.publicUrl()}/action-items?owner=me`,
          },
        },
        now,
      );
      await updateItemRow(trx, itemId, { remindedAt: now });
    });
  };
}

/** Enqueue the next digest after `after` (unique per day), in the caller's transaction. */
export async function scheduleDigest(ex: Executor, engine: Db['engine'], after: number, now: number): Promise<void> {
  const at = nextDigestAt(after);
  await enqueueJob(
    ex,
    engine,
    {
      kind: DIGEST_JOB,
      payload: { at } satisfies DigestPayload,
      runAt: at,
      uniqueKey: `${DIGEST_JOB}:${digestDay(at)}`,
    },
    now,
  );
}

/** On start-up: the next digest exists (the key makes a second process's, or a restart's, a no-op). */
export async function ensureDigestJob(db: Db, now: number): Promise<void> {
  await db.kysely.transaction().execute((trx) => scheduleDigest(trx, db.engine, now, now));
}

const DIGEST_MAX_ITEMS = 5000;
const DIGEST_MAX_LINES = 30;

function digestLines(items: ActionItemRow[], teams: Map<string, { name: string }>, now: number): string {
  const lines = items.slice(0, DIGEST_MAX_LINES).map((r) => {
    // Calendar days since the due date (UTC): due on the 10th, on the 12th it is 2 days overdue.
    const days = Math.max(1, Math.round((Date.parse(dateOf(now)) - Date.parse(dateOf(r.dueAt))) / DAY));
    return `- ${r.title} (${teams.get(r.teamId)?.name ?? r.teamId}; due ${dateOf(r.dueAt)}, ${days} day${days === 1 ? '' : 's'} overdue)`;
  });
  if (items.length > DIGEST_MAX_LINES) lines.push(`- and ${items.length - DIGEST_MAX_LINES} more`);
  return lines.join('\n');
}

/** `actions.overdueDigest`: today's overdue lists to owners and team admins, then tomorrow's job. */
export function digestHandler(deps: ReminderDeps): JobHandler<DigestPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const { at } = ctx.job.payload;
      const now = ctx.clock.now();
      const day = digestDay(at);
      const overdue = await overdueItemRows(trx, now, DIGEST_MAX_ITEMS);
      const teams = await teamNames(
        trx,
        overdue.map((r) => r.teamId),
      );
      const byOwner = new Map<string, ActionItemRow[]>();
      const byTeam = new Map<string, ActionItemRow[]>();
      for (const r of overdue) {
        byOwner.set(r.ownerUserId, [...(byOwner.get(r.ownerUserId) ?? []), r]);
        byTeam.set(r.teamId, [...(byTeam.get(r.teamId) ?? []), r]);
      }
      const base = deps.publicUrl();
      for (const [userId, items] of byOwner) {
        await deps.notify.notifyUser(
          trx,
          {
            userId,
            urgency: 'low',
            key: `${DIGEST_JOB}:${day}:owner:${userId}`,
            message: {
              subject: `${items.length} overdue action item${items.length === 1 ? '' : 's'} of yours`,
              body: `These are past their due date:\n${digestLines(items, teams, now)}\n\nFinish them, or move the date and say why.`,
              url: `${base}/action-items?owner=me&overdue=true`,
            },
          },
          now,
        );
      }
      // A team admin gets one message listing every team of theirs with overdue items.
      const byAdmin = new Map<string, ActionItemRow[]>();
      for (const [teamId, items] of byTeam) {
        for (const adminId of await teamAdmins(trx, teamId)) {
          byAdmin.set(adminId, [...(byAdmin.get(adminId) ?? []), ...items]);
        }
      }
      for (const [userId, items] of byAdmin) {
        await deps.notify.notifyUser(
          trx,
          {
            userId,
            urgency: 'low',
            key: `${DIGEST_JOB}:${day}:admin:${userId}`,
            message: {
              subject: `Your team${byTeam.size === 1 ? ' has' : 's have'} ${items.length} overdue action item${items.length === 1 ? '' : 's'}`,
              body: `Overdue action items of the teams you administer:\n${digestLines(items, teams, now)}`,
              url: `${base}/action-items?overdue=true`,
            },
          },
          now,
        );
      }
      for (let i = 0; i < overdue.length; i += 500) {
        const ids = overdue.slice(i, i + 500).map((r) => r.id);
        await trx.updateTable('actionItems').set({ overdueNotifiedAt: now }).where('id', 'in', ids).execute();
      }
      ctx.log.info({ day, items: overdue.length, owners: byOwner.size, admins: byAdmin.size }, 'overdue digest sent');
      await scheduleDigest(trx, deps.db.engine, Math.max(at, now), now);
    });
  };
}

export interface TrackerDeps {
  db: Db;
  sealer: Sealer;
  publicUrl: () => string;
  resolve?: ResolveAll | undefined;
}

async function recordTrackerFailure(db: Db, itemId: string, status: 'pending' | 'failed', error: string, now: number) {
  await db.kysely.transaction().execute(async (trx) => {
    const row = await findItemRow(trx, itemId);
    if (!row || row.trackerUrl) return;
    await updateItemRow(trx, itemId, { trackerStatus: status, trackerError: error.slice(0, 1000), updatedAt: now });
  });
}

/** Where the item is seen in Muster: its post-mortem, else its incident, else the board. */
function itemPage(base: string, row: ActionItemRow): string {
  if (row.postmortemId) return `${base}/postmortems/${encodeURIComponent(row.postmortemId)}`;
  if (row.incidentId) return `${base}/incidents/${encodeURIComponent(row.incidentId)}`;
  return `${base}/action-items`;
}

/** `actions.createTrackerIssue`: claim, commit, send, record. */
export function trackerHandler(deps: TrackerDeps): JobHandler<TrackerPayload> {
  return async (ctx) => {
    const { itemId, provider } = ctx.job.payload;
    // Claim: read what the send needs, outside any transaction (the job's fence guards the record).
    const row = await findItemRow(deps.db.kysely, itemId);
    if (!row || row.trackerUrl || row.trackerStatus !== 'pending' || !isProvider(provider)) {
      await ctx.complete(async () => undefined);
      return;
    }
    const created = await sendTrackerIssue(
      deps,
      ctx.job,
      { teamId: row.teamId, provider },
      async () => ({
        title: row.title,
        description: row.description,
        url: itemPage(deps.publicUrl(), row),
        priority: row.priority,
        kind: row.kind,
        dueAt: row.dueAt,
      }),
      (status, message) => recordTrackerFailure(deps.db, itemId, status, message, ctx.clock.now()),
    );
    if (!created) {
      await ctx.complete(async () => undefined);
      return;
    }
    await ctx.complete(async (trx) => {
      const now = ctx.clock.now();
      await updateItemRow(trx, itemId, {
        trackerProvider: created.provider,
        trackerKey: created.key,
        trackerUrl: created.url,
        trackerStatus: null,
        trackerError: null,
        updatedAt: now,
      });
      await recordAudit(
        trx,
        systemActor('tracker'),
        'action_item.tracker_created',
        { type: 'action_item', id: itemId },
        { provider: created.provider, key: created.key, url: created.url },
        now,
      );
    });
  };
}
