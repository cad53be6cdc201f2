/**
 * The weekly insights digest (docs/insights.md, "Weekly digest"): a team admin opts in per team they administer
 * (insights_digest_subscriptions, migration 0025); every Monday at 08:00 in the team's zone (as response times resolve
 * it: its schedules' zone, else UTC) one durable job per subscribed team emails each subscriber a short summary of the
 * week before, through the ordinary notification path (notifyUser, low urgency: the person's low-urgency rules, email
 * by default, as post-mortem reminders and hand-off summaries go).
 *
 * The figures come from the insights services that already compute them, never a query of their own: incidents and
 * response times (ResponseTimeInsights), pages outside working hours (PagingInsights), post-mortems and action items
 * past their due date (LearningInsights), the noisiest alert rule (AlertQualityInsights).
 *
 * The job: `insights.digest`, payload { teamId, at }, unique per team × the run's local date, so a second
 * subscription, a restart or a second process never makes a second one. A run computes the figures outside any
 * transaction, then in its completing transaction notifies the team's subscribers who still administer it (keyed
 * per run × person) and enqueues the next Monday's run; a team nobody subscribes to any more gets no next run, and
 * subscribing again starts one.
 */
import type { Db, Executor } from '../db/index.js';
import type { Actor, TeamService } from '../identity/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import { renderEmailHtml } from '../notify/email.js';
import { renderText, type NotificationMessage, type OutboundMessage } from '../notify/model.js';
import { humanDuration } from '../postmortems/export.js';
import { DAY, type Clock } from '../shared/clock.js';
import { forbidden } from '../shared/errors.js';
import { localToUtc, utcToLocal } from '../shared/tz.js';
import { AlertQualityInsights } from './alert-quality.js';
import { LearningInsights } from './learning.js';
import { bucketStart, metricStats } from './model.js';
import { PagingInsights } from './paging.js';
import { ResponseTimeInsights } from './response-times.js';

export const DIGEST_JOB = 'insights.digest';
/** Monday at 08:00 local time. */
const SEND_MINUTE = 8 * 60;
const SEVERITIES = ['P1', 'P2', 'P3', 'P4'];

export interface DigestPayload {
  teamId: string;
  /** When this run is due (Monday 08:00 in the team's zone). */
  at: number;
}

export interface DigestDeps {
  db: Db;
  clock: Clock;
  teams: Pick<TeamService, 'hasRole'>;
  publicUrl: () => string;
}

export interface DigestFigures {
  teamId: string;
  teamName: string;
  timeZone: string;
  /** Last week: [from, to), Monday 00:00 to Monday 00:00 local. */
  from: number;
  to: number;
  incidents: number;
  bySeverity: { severity: string; incidents: number }[];
  mttaMedian: { week: number | null; previous4Weeks: number | null };
  mttrMedian: { week: number | null; previous4Weeks: number | null };
  pages: number;
  pagesOutsideWorkingHours: number;
  /** Now (when the digest is made), not last week. */
  postmortemsOverdue: number;
  actionItemsOverdue: number;
  noisiestRule: { ruleKey: string; noisy: number; classified: number } | null;
}

const localDate = (ms: number, tz: string): string => new Date(utcToLocal(tz, ms).day * DAY).toISOString().slice(0, 10);

/** The first Monday 08:00 in the zone strictly after `after`. */
export function nextDigestAt(after: number, timeZone: string): number {
  const monday = utcToLocal(timeZone, bucketStart(after, 'week', timeZone)).day;
  for (let d = monday; ; d += 7) {
    const at = localToUtc(timeZone, d, SEND_MINUTE);
    if (at > after) return at;
  }
}

/** The digest message: calm and plain; every figure links into /insights. */
export function digestMessage(f: DigestFigures, base: string): NotificationMessage {
  const q = `?teamId=${encodeURIComponent(f.teamId)}`;
  const lastDay = f.to - DAY / 2; // a Sunday midday: the week's last local date whatever the zone's changes
  const range = `${localDate(f.from, f.timeZone)} to ${localDate(lastDay, f.timeZone)}`;
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const vs = (m: { week: number | null; previous4Weeks: number | null }) =>
    `${humanDuration(m.week)} (the 4 weeks before: ${humanDuration(m.previous4Weeks)})`;
  const sev = f.bySeverity.filter((s) => s.incidents > 0).map((s) => `${s.severity} ${s.incidents}`);
  const noisy = f.noisiestRule
    ? `${f.noisiestRule.ruleKey}, ${f.noisiestRule.noisy} of ${plural(f.noisiestRule.classified, 'judged alert')} not actionable or false positives`
    : 'none: no alert was judged noisy';
  const lines = [
    `${f.teamName}, the week of ${range} (${f.timeZone}).`,
    '',
    `Incidents: ${f.incidents}${sev.length ? ` (${sev.join(', ')})` : ''}`,
    `Time to acknowledge, median: ${vs(f.mttaMedian)}`,
    `Time to resolve, median: ${vs(f.mttrMedian)}`,
    `Pages outside working hours: ${f.pagesOutsideWorkingHours} of ${f.pages}`,
    `Post-mortems past their due date: ${f.postmortemsOverdue}`,
    `Action items past their due date: ${f.actionItemsOverdue}`,
    `Noisiest alert rule: ${noisy}`,
    '',
    `Response times: ${base}/insights${q}`,
    `Paging: ${base}/insights/paging${q}`,
    `Learning: ${base}/insights/learning${q}`,
    `Alert quality: ${base}/insights/alert-quality${q}`,
    '',
    'You get this because you asked for the weekly digest of this team. Change it under Insights.',
  ];
  return {
    subject: `Weekly insights for ${f.teamName}: ${range}`,
    body: lines.join('\n'),
    url: `${base}/insights${q}`,
  };
}

/** The message as the email channel renders it (src/notify/email.ts), for the preview. */
export function renderDigest(m: NotificationMessage): { subject: string; text: string; html: string } {
  const out: OutboundMessage = { ...m, deliveryId: '', urgency: 'low', alertId: null, links: null };
  return { subject: m.subject, text: renderText(out), html: renderEmailHtml(out) };
}

export class DigestService {
  private readonly responseTimes: ResponseTimeInsights;
  private readonly quality: AlertQualityInsights;
  private readonly paging: PagingInsights;
  private readonly learning: LearningInsights;

  constructor(private readonly deps: DigestDeps) {
    this.responseTimes = new ResponseTimeInsights(deps.db, deps.clock);
    this.quality = new AlertQualityInsights(deps.db, deps.clock);
    this.paging = new PagingInsights(deps.db, deps.clock);
    this.learning = new LearningInsights(deps.db, deps.clock);
  }

  /** Teams the actor administers (admin or owner; every team for administrators of the instance). */
  private async administered(actor: Actor): Promise<{ id: string; name: string }[]> {
    const k = this.deps.db.kysely;
    if (actor.isAdmin) return k.selectFrom('teams').select(['id', 'name']).orderBy('name').orderBy('id').execute();
    if (!actor.userId) return [];
    return k
      .selectFrom('teams')
      .innerJoin('teamMembers as m', 'm.teamId', 'teams.id')
      .select(['teams.id', 'teams.name'])
      .where('m.userId', '=', actor.userId)
      .where('m.role', 'in', ['admin', 'owner'])
      .orderBy('teams.name')
      .orderBy('teams.id')
      .execute();
  }

  async settings(actor: Actor): Promise<{ teamId: string; name: string; subscribed: boolean }[]> {
    const teams = await this.administered(actor);
    const mine = actor.userId
      ? new Set(
          (
            await this.deps.db.kysely
              .selectFrom('insightsDigestSubscriptions')
              .select('teamId')
              .where('userId', '=', actor.userId)
              .execute()
          ).map((r) => r.teamId),
        )
      : new Set<string>();
    return teams.map((t) => ({ teamId: t.id, name: t.name, subscribed: mine.has(t.id) }));
  }

  private async requireAdmin(actor: Actor, teamId: string): Promise<void> {
    if (!actor.userId) throw forbidden('The weekly digest is for a signed-in person.');
    const exists = await this.deps.db.kysely
      .selectFrom('teams')
      .select('id')
      .where('id', '=', teamId)
      .executeTakeFirst();
    if (!exists || !(await this.deps.teams.hasRole(actor, teamId, 'admin')))
      throw forbidden(`The weekly digest is for teams you administer; you do not administer ${teamId}.`);
  }

  /** Subscribe the actor to exactly these teams (each one they administer, else 403 and nothing changes). */
  async subscribe(actor: Actor, teamIds: string[]) {
    const wanted = [...new Set(teamIds)];
    for (const teamId of wanted) await this.requireAdmin(actor, teamId);
    if (!actor.userId) throw forbidden('The weekly digest is for a signed-in person.');
    const userId = actor.userId;
    const now = this.deps.clock.now();
    // Zones are read before the transaction (the root handle is not usable inside one on SQLite).
    const zones = new Map<string, string>();
    for (const teamId of wanted) zones.set(teamId, (await this.responseTimes.teamTimeZone(teamId)) ?? 'UTC');
    const { db } = this.deps;
    await db.kysely.transaction().execute(async (trx) => {
      let del = trx.deleteFrom('insightsDigestSubscriptions').where('userId', '=', userId);
      if (wanted.length) del = del.where('teamId', 'not in', wanted);
      await del.execute();
      for (const teamId of wanted) {
        await trx
          .insertInto('insightsDigestSubscriptions')
          .values({ userId, teamId, createdAt: now })
          .onConflict((oc) => oc.columns(['userId', 'teamId']).doNothing())
          .execute();
        await scheduleDigest(trx, db.engine, teamId, nextDigestAt(now, zones.get(teamId)!), now);
      }
    });
    return this.settings(actor);
  }

  /** Last complete week's digest of a team the actor administers. */
  async preview(actor: Actor, teamId: string): Promise<{ subject: string; text: string; html: string }> {
    await this.requireAdmin(actor, teamId);
    const figures = await this.figures(teamId, this.deps.clock.now());
    return renderDigest(digestMessage(figures, this.deps.publicUrl()));
  }

  /** The figures of the last complete week (in the team's zone) before `at`. */
  async figures(teamId: string, at: number): Promise<DigestFigures> {
    const team = await this.deps.db.kysely
      .selectFrom('teams')
      .select(['id', 'name'])
      .where('id', '=', teamId)
      .executeTakeFirst();
    const f = await this.responseTimes.resolve({ teamId, from: at - DAY, to: at });
    const tz = f.timeZone;
    const to = bucketStart(at, 'week', tz);
    const from = bucketStart(to - 1, 'week', tz);
    let before = from;
    for (let i = 0; i < 4; i++) before = bucketStart(before - 1, 'week', tz);
    const week = await this.responseTimes.load({ ...f, from, to });
    const previous = await this.responseTimes.load({ ...f, from: before, to: from });
    const [w, p] = [metricStats(week), metricStats(previous)];
    const paging = (await this.paging.figures({ teamId, from, to, timeZone: tz }, 'week')).figures.overall;
    const learning = (await this.learning.report({ teamId, from, to, timeZone: tz }, 'week')).report.overall;
    const quality = await this.quality.overTime(
      { teamId, from, to, timeZone: tz },
      { groupBy: 'rule', bucket: 'week', limit: 1 },
    );
    const worst = quality.result.series[0];
    return {
      teamId,
      teamName: team?.name ?? teamId,
      timeZone: tz,
      from,
      to,
      incidents: week.length,
      bySeverity: SEVERITIES.map((severity) => ({
        severity,
        incidents: week.filter((i) => i.severity === severity).length,
      })),
      mttaMedian: { week: w.mtta.median, previous4Weeks: p.mtta.median },
      mttrMedian: { week: w.mttr.median, previous4Weeks: p.mttr.median },
      pages: paging.pages,
      pagesOutsideWorkingHours: paging.outsideWorkingHours,
      postmortemsOverdue: learning.postmortemsOverdue,
      actionItemsOverdue: learning.actionItems.overdue,
      noisiestRule:
        worst && worst.noisy > 0 ? { ruleKey: worst.key, noisy: worst.noisy, classified: worst.classified } : null,
    };
  }
}

/** Enqueue a team's digest run at `at`, in the caller's transaction (unique per team × the run's local date). */
export async function scheduleDigest(
  trx: Executor,
  engine: Db['engine'],
  teamId: string,
  at: number,
  now: number,
): Promise<void> {
  const payload: DigestPayload = { teamId, at };
  await enqueueJob(
    trx,
    engine,
    {
      kind: DIGEST_JOB,
      payload,
      runAt: at,
      uniqueKey: `${DIGEST_JOB}:${teamId}:${new Date(at).toISOString().slice(0, 10)}`,
    },
    now,
  );
}

export interface DigestJobDeps {
  db: Db;
  digest: DigestService;
  notify: Pick<NotifyService, 'notifyUser'>;
  publicUrl: () => string;
  teamTimeZone: (teamId: string) => Promise<string | null>;
}

/** `insights.digest`: last week's digest to the team's subscribers who still administer it, then next Monday's run. */
export function digestHandler(deps: DigestJobDeps): JobHandler<DigestPayload> {
  return async (ctx) => {
    const { teamId, at } = ctx.job.payload;
    const now = ctx.clock.now();
    // Figures and the zone are read before the completing transaction (they use the root handle).
    const team = await deps.db.kysely.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst();
    const figures = team ? await deps.digest.figures(teamId, Math.max(at, now)) : null;
    const next = nextDigestAt(Math.max(at, now), (await deps.teamTimeZone(teamId)) ?? 'UTC');
    await ctx.complete(async (trx) => {
      if (!figures) return; // the team was deleted: its subscriptions went with it
      const subscribers = await trx
        .selectFrom('insightsDigestSubscriptions as s')
        .innerJoin('users as u', 'u.id', 's.userId')
        .leftJoin('teamMembers as m', (j) => j.onRef('m.teamId', '=', 's.teamId').onRef('m.userId', '=', 's.userId'))
        .select(['s.userId', 'u.isAdmin', 'm.role'])
        .where('s.teamId', '=', teamId)
        .execute();
      const still = subscribers.filter((s) => Boolean(s.isAdmin) || s.role === 'admin' || s.role === 'owner');
      if (!subscribers.length) return; // nobody wants it any more: no next run until someone subscribes again
      const message = digestMessage(figures, deps.publicUrl());
      const key = ctx.job.uniqueKey ?? ctx.job.id;
      for (const s of still) {
        await deps.notify.notifyUser(
          trx,
          { userId: s.userId, urgency: 'low', message, key: `${key}:${s.userId}` },
          now,
        );
      }
      await scheduleDigest(trx, deps.db.engine, teamId, next, now);
      ctx.log.info({ teamId, recipients: still.length, at }, 'weekly insights digest sent');
    });
  };
}
