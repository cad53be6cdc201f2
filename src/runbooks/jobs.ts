/**
 * Runbooks' durable job: `runbooks.freshness`, daily (unique per day). Each runbook that has gone stale (its review is
 * due) and has not been reminded since is announced once to its team's admins and to its last editor, through their
 * notification rules (the path action-item reminders take), one message per person and team; `stale_notified_at`
 * records it so the next reminder waits for the next staleness (a review starts a new period). The next day's check is
 * enqueued in the same transaction.
 */
import type { Db, Executor } from '../db/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import { dayOf, needsStaleReminder, nextFreshnessAt, reviewDueAt } from './model.js';
import { teamAdmins } from '../actions/repo.js';
import { isActiveUser, lastEditorOf, teamNamesOf, type RunbookRow } from './repo.js';

export const FRESHNESS_JOB = 'runbooks.freshness';

export interface FreshnessPayload {
  /** The check's instant (daily, FRESHNESS_HOUR_UTC). */
  at: number;
}

export interface FreshnessDeps {
  db: Db;
  notify: Pick<NotifyService, 'notifyUser'>;
  publicUrl: () => string;
}

/** Enqueue the next check after `after` (unique per day), in the caller's transaction. */
export async function scheduleFreshness(ex: Executor, engine: Db['engine'], after: number, now: number) {
  const at = nextFreshnessAt(after);
  await enqueueJob(
    ex,
    engine,
    {
      kind: FRESHNESS_JOB,
      payload: { at } satisfies FreshnessPayload,
      runAt: at,
      uniqueKey: `${FRESHNESS_JOB}:${dayOf(at)}`,
    },
    now,
  );
}

/** On start-up: the next check exists (the key makes a second process's, or a restart's, a no-op). */
export async function ensureFreshnessJob(db: Db, now: number): Promise<void> {
  await db.kysely.transaction().execute((trx) => scheduleFreshness(trx, db.engine, now, now));
}

const MAX_RUNBOOKS = 5000;
const MAX_LINES = 30;

/** What the check reads of a runbook (never its body: up to 5,000 of them). */
type Candidate = Pick<
  RunbookRow,
  'id' | 'teamId' | 'title' | 'reviewIntervalDays' | 'lastReviewedAt' | 'createdAt' | 'staleNotifiedAt'
>;

function lines(rows: Candidate[], base: string): string {
  const out = rows
    .slice(0, MAX_LINES)
    .map((r) => `- ${r.title} (review was due ${dayOf(reviewDueAt(r))}): ${base}/runbooks/${encodeURIComponent(r.id)}`);
  if (rows.length > MAX_LINES) out.push(`- and ${rows.length - MAX_LINES} more`);
  return out.join('\n');
}

/** `runbooks.freshness`: remind the owners of runbooks that went stale, once per staleness; then tomorrow's check. */
export function freshnessHandler(deps: FreshnessDeps): JobHandler<FreshnessPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const { at } = ctx.job.payload;
      const now = ctx.clock.now();
      const day = dayOf(at);
      const candidates = await trx
        .selectFrom('runbooks')
        .select(['id', 'teamId', 'title', 'reviewIntervalDays', 'lastReviewedAt', 'createdAt', 'staleNotifiedAt'])
        .where('archivedAt', 'is', null)
        .orderBy('id')
        .limit(MAX_RUNBOOKS)
        .execute();
      const stale = candidates.filter((r) => needsStaleReminder(r, now));
      const byTeam = new Map<string, Candidate[]>();
      for (const r of stale) byTeam.set(r.teamId, [...(byTeam.get(r.teamId) ?? []), r]);
      const teams = await teamNamesOf(trx, [...byTeam.keys()]);
      const base = deps.publicUrl();
      let messages = 0;
      for (const [teamId, rows] of byTeam) {
        // Each admin hears about all of the team's; a last editor who is not an admin about the ones they wrote.
        const recipients = new Map<string, Candidate[]>();
        for (const adminId of await teamAdmins(trx, teamId)) recipients.set(adminId, rows);
        for (const r of rows) {
          const editor = await lastEditorOf(trx, r.id);
          if (!editor || recipients.get(editor) === rows || !(await isActiveUser(trx, editor))) continue;
          recipients.set(editor, [...(recipients.get(editor) ?? []), r]);
        }
        const team = teams.get(teamId) ?? teamId;
        for (const [userId, mine] of recipients) {
          await deps.notify.notifyUser(
            trx,
            {
              userId,
              urgency: 'low',
              key: `${FRESHNESS_JOB}:${day}:${teamId}:${userId}`,
              message: {
                subject:
                  mine.length === 1
                    ? `Runbook due for review: ${mine[0]!.title}`
                    : `${mine.length} runbooks of ${team} are due for review`,
                body:
                  `These runbooks of ${team} have not been reviewed within their interval:\n${lines(mine, base)}\n\n` +
                  'Read each one against what you know now: fix what changed and save, or mark it reviewed if it still holds.',
                url: `${base}/runbooks?teamId=${encodeURIComponent(teamId)}&stale=true`,
              },
            },
            now,
          );
          messages++;
        }
      }
      for (let i = 0; i < stale.length; i += 500) {
        const ids = stale.slice(i, i + 500).map((r) => r.id);
        await trx.updateTable('runbooks').set({ staleNotifiedAt: now }).where('id', 'in', ids).execute();
      }
      ctx.log.info({ day, stale: stale.length, messages }, 'runbook freshness checked');
      await scheduleFreshness(trx, deps.db.engine, Math.max(at, now), now);
    });
  };
}
