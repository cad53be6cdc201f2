/**
 * Every outbound Slack call is a durable job, in the escalation-step shape (src/escalation/runs.ts): load and
 * re-check the row (a duplicate or late job exits quietly), do one call, record the outcome in the job's fenced
 * completing transaction. Transient failures (429, 5xx, network) throw so the runner retries with backoff; permanent
 * ones (`ok: false` with a code that needs a person) go on the incident's timeline, flagged, and stop.
 * A call cannot share a transaction with the database: a crash between the call and the commit repeats the call
 * (at least once, never lost).
 */
import type { Db, Executor } from '../db/index.js';
import {
  bridgeLines,
  currentRoles,
  findIncident,
  incidentBridge,
  lockIncident,
  noteChannelOpened,
  noteIntegrationProblem,
} from '../incidents/index.js';
import { enqueueJob, type JobContext, type JobHandler } from '../jobs/index.js';
import { isAppError } from '../shared/errors.js';
import { fromJsonText } from '../shared/json.js';
import { slackChannelNotReady } from './errors.js';
import { headerBlocks, headerText } from './model.js';
import { findChannel, findPost, incidentNumber, insertPost, slackIdsOf, updateChannel, updatePost } from './repo.js';
import { slackErrorCode, type SlackApi } from './slack-api.js';

export const JOB_OPEN_CHANNEL = 'chat.openChannel';
export const JOB_INVITE = 'chat.invite';
export const JOB_POST = 'chat.post';
export const JOB_RESPOND = 'chat.respond';
const INTEGRATION = 'Slack';

export interface ChatJobDeps {
  api: SlackApi;
  publicUrl: () => string;
}

export const enqueuePost = async (
  trx: Executor,
  engine: Db['engine'],
  incidentId: string,
  post: { eventSeq: number | null; text: string; blocks?: unknown[] },
  now: number,
): Promise<void> => {
  const postId = await insertPost(trx, incidentId, post, now);
  await enqueueJob(trx, engine, { kind: JOB_POST, payload: { postId }, uniqueKey: `chat.post:${postId}` }, now);
};

export const enqueueInvite = (
  trx: Executor,
  engine: Db['engine'],
  incidentId: string,
  userIds: string[],
  now: number,
): Promise<string | null> => enqueueJob(trx, engine, { kind: JOB_INVITE, payload: { incidentId, userIds } }, now);

/**
 * The failure to record for good (permanent, or transient on the last attempt, so a long Slack outage still ends on
 * the timeline rather than in a silent dead job), or throw to retry with backoff.
 */
function permanentOrThrow(e: unknown, job: { attempts: number; maxAttempts: number }): string {
  if (isAppError(e) && (e.isPermanent || job.attempts >= job.maxAttempts)) return e.message;
  throw e;
}

async function header(ex: Executor, incidentId: string, url: string) {
  const incident = (await findIncident(ex, incidentId))!;
  const roles = await currentRoles(ex, incidentId);
  const h = {
    number: await incidentNumber(ex, incidentId),
    title: incident.title,
    summary: incident.summary,
    severity: incident.severity,
    status: incident.status,
    commander: roles.commander?.name ?? null,
    url,
    bridge: await incidentBridge(ex, incidentId),
  };
  const responders = [incident.declaredByUserId, ...Object.values(roles).map((r) => r?.userId ?? null)];
  return {
    text: [headerText(h), ...bridgeLines(h.bridge)].join('\n'),
    blocks: headerBlocks(h),
    responders: responders.filter((u): u is string => !!u),
  };
}

/** conversations.create, then (in the completing transaction) link it, tick the checklist, queue header + invites. */
export function openChannelHandler(deps: ChatJobDeps): JobHandler<{ incidentId: string }> {
  return async (ctx) => {
    const { incidentId } = ctx.job.payload;
    const ch = await findChannel(ctx.db.kysely, ctx.db.engine, incidentId);
    if (!ch || ch.status !== 'opening') return;
    let created: { id: string; name: string } | { error: string };
    try {
      created = await createChannel(deps.api, ch.channelName, incidentId);
    } catch (e) {
      created = { error: permanentOrThrow(e, ctx.job) };
    }
    const now = ctx.clock.now();
    await ctx.complete(async (trx) => {
      // The incident first, then its channel: the order every timeline change takes (it locks the incident, appends,
      // then the mirror locks the channel). The other order deadlocked on PostgreSQL against a status update posted
      // while the channel opened, and the retried job created a second Slack channel.
      await lockIncident(trx, ctx.db.engine, incidentId);
      const current = await findChannel(trx, ctx.db.engine, incidentId, true);
      if (!current || current.status !== 'opening') return;
      if ('error' in created) {
        await updateChannel(trx, incidentId, { status: 'failed', lastError: created.error, updatedAt: now });
        await noteIntegrationProblem(trx, incidentId, { integration: INTEGRATION, message: created.error }, now);
        return;
      }
      const url = `${deps.publicUrl()}/incidents/${incidentId}`;
      await noteChannelOpened(
        trx,
        incidentId,
        { kind: 'Slack', name: `#${created.name}`, url: null },
        { userId: null, label: 'Muster' },
        now,
      );
      const h = await header(trx, incidentId, url);
      const participants = await trx
        .selectFrom('incidentParticipants')
        .select('userId')
        .where('incidentId', '=', incidentId)
        .execute();
      const incident = (await findIncident(trx, incidentId))!;
      await updateChannel(trx, incidentId, {
        status: 'open',
        channelId: created.id,
        channelName: created.name,
        cursorSeq: incident.lastEventSeq,
        updatedAt: now,
      });
      await enqueuePost(trx, ctx.db.engine, incidentId, { eventSeq: null, text: h.text, blocks: h.blocks }, now);
      const users = [...new Set([...h.responders, ...participants.map((p) => p.userId)])];
      if (users.length) await enqueueInvite(trx, ctx.db.engine, incidentId, users, now);
    });
  };
}

/** A taken name (an earlier install, a manual channel) gets the incident id's tail appended, once. */
async function createChannel(api: SlackApi, name: string, incidentId: string): Promise<{ id: string; name: string }> {
  const attempt = async (n: string) => {
    const r = await api.call('conversations.create', { name: n, is_private: false });
    const c = r.channel as { id?: string; name?: string } | undefined;
    return { id: String(c?.id ?? ''), name: String(c?.name ?? n) };
  };
  try {
    return await attempt(name);
  } catch (e) {
    if (slackErrorCode(e) !== 'name_taken') throw e;
    return attempt(`${name.slice(0, 70)}-${incidentId.slice(-6).toLowerCase()}`);
  }
}

/** conversations.invite for the Muster users that have a Slack contact method. */
export function inviteHandler(deps: ChatJobDeps): JobHandler<{ incidentId: string; userIds: string[] }> {
  return async (ctx) => {
    const { incidentId, userIds } = ctx.job.payload;
    const ch = await findChannel(ctx.db.kysely, ctx.db.engine, incidentId);
    if (!ch || ch.status === 'failed') return;
    if (ch.status !== 'open' || !ch.channelId) throw slackChannelNotReady(incidentId);
    const slackIds = await slackIdsOf(ctx.db.kysely, userIds);
    if (!slackIds.length) return;
    let problem: string | null = null;
    try {
      await deps.api.call('conversations.invite', { channel: ch.channelId, users: slackIds.join(',') });
    } catch (e) {
      // Inviting someone already there is success for us (https://api.slack.com/methods/conversations.invite).
      const code = slackErrorCode(e);
      if (code !== 'already_in_channel' && code !== 'cant_invite_self') problem = permanentOrThrow(e, ctx.job);
    }
    if (problem) await recordProblem(ctx, incidentId, problem);
  };
}

function recordProblem(ctx: JobContext<unknown>, incidentId: string, message: string): Promise<boolean> {
  return ctx.complete((trx) =>
    noteIntegrationProblem(trx, incidentId, { integration: INTEGRATION, message }, ctx.clock.now()),
  );
}

/** chat.postMessage for one post row; the message's ts is kept so its echo from the Events API is recognised. */
export function postHandler(deps: ChatJobDeps): JobHandler<{ postId: string }> {
  return async (ctx) => {
    const { db } = ctx;
    const post = await findPost(db.kysely, db.engine, ctx.job.payload.postId);
    if (!post || post.status !== 'pending') return;
    const ch = await findChannel(db.kysely, db.engine, post.incidentId);
    if (!ch || ch.status === 'failed') {
      await ctx.complete((trx) => updatePost(trx, post.id, { status: 'failed', lastError: 'no channel' }));
      return;
    }
    if (ch.status !== 'open' || !ch.channelId) throw slackChannelNotReady(post.incidentId);
    const blocks = fromJsonText<unknown[]>(post.blocks, []);
    let outcome: { ts: string } | { error: string };
    try {
      const r = await deps.api.call('chat.postMessage', {
        channel: ch.channelId,
        text: post.text,
        ...(blocks.length ? { blocks } : {}),
        unfurl_links: false,
      });
      outcome = { ts: typeof r.ts === 'string' ? r.ts : '' };
    } catch (e) {
      outcome = { error: permanentOrThrow(e, ctx.job) };
    }
    const now = ctx.clock.now();
    await ctx.complete(async (trx) => {
      const current = await findPost(trx, db.engine, post.id, true);
      if (!current || current.status !== 'pending') return;
      if ('ts' in outcome) {
        await updatePost(trx, post.id, { status: 'posted', ts: outcome.ts || null, updatedAt: now });
        return;
      }
      await updatePost(trx, post.id, { status: 'failed', lastError: outcome.error, updatedAt: now });
      await noteIntegrationProblem(
        trx,
        post.incidentId,
        { integration: INTEGRATION, message: outcome.error, details: { postId: post.id } },
        now,
      );
    });
  };
}

/** Reply to a button click through its response_url: a note under the page, the page itself kept. */
export function respondHandler(deps: Pick<ChatJobDeps, 'api'>): JobHandler<{ url: string; text: string }> {
  return async (ctx) => {
    const { url, text } = ctx.job.payload;
    await deps.api.respond(url, { response_type: 'ephemeral', replace_original: false, text });
  };
}
