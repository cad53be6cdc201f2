/**
 * The chat integration's tables (chat_channels, chat_posts, chat_inbound), plus one read of notify's contact methods:
 * a Slack contact method's address is the person's Slack member id, which is how a Slack user maps to a Muster user.
 */
import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import type { ChatChannelsTable, ChatPostsTable } from '../db/schema.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';

export type ChannelStatus = 'opening' | 'open' | 'failed';
export type PostStatus = 'pending' | 'posted' | 'failed';

export async function findChannel(
  ex: Executor,
  engine: Db['engine'],
  incidentId: string,
  forUpdate = false,
): Promise<ChatChannelsTable | null> {
  let q = ex.selectFrom('chatChannels').selectAll().where('incidentId', '=', incidentId);
  if (forUpdate && engine === 'postgres') q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

export async function findChannelBySlackId(ex: Executor, channelId: string): Promise<ChatChannelsTable | null> {
  return (
    (await ex
      .selectFrom('chatChannels')
      .selectAll()
      .where('channelId', '=', channelId)
      .where('status', '=', 'open')
      .executeTakeFirst()) ?? null
  );
}

export async function updateChannel(ex: Executor, incidentId: string, patch: Partial<ChatChannelsTable>) {
  await ex.updateTable('chatChannels').set(patch).where('incidentId', '=', incidentId).execute();
}

export async function insertPost(
  ex: Executor,
  incidentId: string,
  post: { eventSeq: number | null; text: string; blocks?: unknown[] },
  now: number,
): Promise<string> {
  const id = newId('cpo', now);
  await ex
    .insertInto('chatPosts')
    .values({
      id,
      incidentId,
      eventSeq: post.eventSeq,
      text: post.text,
      blocks: toJsonText(post.blocks ?? []),
      status: 'pending',
      ts: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  return id;
}

export async function findPost(ex: Executor, engine: Db['engine'], id: string, forUpdate = false) {
  let q = ex.selectFrom('chatPosts').selectAll().where('id', '=', id);
  if (forUpdate && engine === 'postgres') q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

export async function updatePost(ex: Executor, id: string, patch: Partial<ChatPostsTable>) {
  await ex.updateTable('chatPosts').set(patch).where('id', '=', id).execute();
}

/** Was this Slack message one of our own posts? (Echo protection besides Slack's bot_id.) */
export async function isOwnPost(ex: Executor, ts: string): Promise<boolean> {
  return !!(await ex.selectFrom('chatPosts').select('id').where('ts', '=', ts).executeTakeFirst());
}

/** Take an inbound message once: false when it was already taken (Slack retried the delivery). */
export async function claimInbound(ex: Executor, key: string, incidentId: string, now: number): Promise<boolean> {
  const r = await ex
    .insertInto('chatInbound')
    .values({ messageKey: key, incidentId, receivedAt: now })
    .onConflict((oc) => oc.column('messageKey').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function releaseInbound(ex: Executor, key: string): Promise<void> {
  await ex.deleteFrom('chatInbound').where('messageKey', '=', key).execute();
}

/** 1-based position of the incident in declaration order: the human "incident number" for channel names. */
export async function incidentNumber(ex: Executor, incidentId: string): Promise<number> {
  const r = await ex
    .selectFrom('incidents')
    .select(sql<number>`count(*)`.as('n'))
    .where('id', '<=', incidentId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface LinkedUser {
  userId: string;
  name: string;
  email: string;
  isAdmin: boolean;
}

/** The Muster user whose Slack contact method is this member id (enabled users only), if exactly one is. */
export async function userForSlackId(ex: Executor, slackUserId: string): Promise<LinkedUser | null> {
  const rows = await ex
    .selectFrom('contactMethods')
    .innerJoin('users', 'users.id', 'contactMethods.userId')
    .select(['users.id as userId', 'users.name', 'users.email', 'users.isAdmin'])
    .where('contactMethods.kind', '=', 'slack')
    .where('contactMethods.address', '=', slackUserId)
    .where('users.disabledAt', 'is', null)
    .execute();
  const ids = new Set(rows.map((r) => r.userId));
  const r = rows[0];
  if (!r || ids.size !== 1) return null;
  return { userId: r.userId, name: r.name, email: r.email, isAdmin: r.isAdmin === 1 };
}

/** Slack member ids of these Muster users (those with a Slack contact method). */
export async function slackIdsOf(ex: Executor, userIds: string[]): Promise<string[]> {
  if (!userIds.length) return [];
  const rows = await ex
    .selectFrom('contactMethods')
    .select('address')
    .where('kind', '=', 'slack')
    .where('userId', 'in', userIds)
    .execute();
  return [...new Set(rows.map((r) => r.address))];
}
