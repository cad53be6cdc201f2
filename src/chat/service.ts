/**
 * Slack for incidents and pages, optional: Muster works fully without it. With `slack.incidentChannels`, declaring an
 * incident opens a channel (through jobs, see jobs.ts), changes are mirrored into it, and messages posted in it come
 * back as notes through the Events API. With `slack.interactivity`, a page's Acknowledge / Resolve buttons act in
 * place. Inbound requests are verified with the app's signing secret.
 */
import type { Db, Executor } from '../db/index.js';
import type { Actor } from '../identity/index.js';
import { findIncident, listEvents, type IncidentChatHook, type IncidentService } from '../incidents/index.js';
import { enqueueJob } from '../jobs/index.js';
import type { ActionLinkService } from '../notify/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { isAppError, type AppError } from '../shared/errors.js';
import { slackNotConfigured, slackSignatureInvalid, slackUserNotLinked } from './errors.js';
import { JOB_OPEN_CHANNEL, JOB_RESPOND, enqueueInvite, enqueuePost } from './jobs.js';
import { channelName, checkSlackSignature, renderEvent } from './model.js';
import {
  claimInbound,
  findChannel,
  findChannelBySlackId,
  incidentNumber,
  isOwnPost,
  releaseInbound,
  updateChannel,
  userForSlackId,
} from './repo.js';

export interface ChatConfig {
  incidentChannels: boolean;
  interactivity: boolean;
  signingSecret: string | null;
  /** Hosts a block_actions `response_url` may point at (Slack's, and the configured API's for the stand-in). */
  responseHosts: string[];
}

export interface ChatDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  config: ChatConfig;
  /** Read lazily: the incident service is built with this one's hook. */
  incidents: () => IncidentService;
  actionLinks: ActionLinkService;
}

/** The Events API message fields we read (https://api.slack.com/events/message). */
interface SlackMessageEvent {
  type?: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  channel?: string;
  ts?: string;
}

export type InboundResult = { challenge: string } | { ok: true; noted: boolean; reason?: string };

const PAGE_ACTIONS = new Set(['muster_acknowledge', 'muster_resolve']);

const unescapeSlack = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  get isIncidentChannelsEnabled(): boolean {
    return this.deps.config.incidentChannels;
  }

  /** The hook the incident service calls in each change's transaction; null when channels are off. */
  incidentHook(): IncidentChatHook | null {
    if (!this.deps.config.incidentChannels) return null;
    return { declared: (...a) => this.declared(...a), changed: (...a) => this.changed(...a) };
  }

  private async declared(trx: Executor, engine: Db['engine'], incidentId: string, now: number): Promise<void> {
    const incident = await findIncident(trx, incidentId);
    if (!incident) return;
    // A communication-failure game day (gamedays.mute_chat): its drill incident gets no channel, so nothing is posted.
    if (incident.kind === 'drill') {
      const muted = await trx
        .selectFrom('gamedays')
        .select('id')
        .where('incidentId', '=', incidentId)
        .where('muteChat', '=', 1)
        .executeTakeFirst();
      if (muted) return;
    }
    await trx
      .insertInto('chatChannels')
      .values({
        incidentId,
        provider: 'slack',
        channelId: null,
        channelName: channelName(await incidentNumber(trx, incidentId), incident.title),
        status: 'opening',
        cursorSeq: incident.lastEventSeq,
        lastError: null,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    await enqueueJob(
      trx,
      engine,
      { kind: JOB_OPEN_CHANNEL, payload: { incidentId }, uniqueKey: `chat.open:${incidentId}` },
      now,
    );
  }

  /** One post job per mirrored timeline event since the channel's cursor; new role holders are invited. */
  private async changed(trx: Executor, engine: Db['engine'], incidentId: string, now: number): Promise<void> {
    const ch = await findChannel(trx, engine, incidentId, true);
    if (!ch || ch.status === 'failed') return;
    const events = await listEvents(trx, incidentId, { afterSeq: ch.cursorSeq, limit: 500 });
    const last = events.at(-1);
    if (!last) return;
    for (const e of events) {
      const text = renderEvent(e);
      if (text) await enqueuePost(trx, engine, incidentId, { eventSeq: e.seq, text }, now);
      const userId = e.details.userId;
      if (e.kind === 'role_assigned' && typeof userId === 'string') {
        await enqueueInvite(trx, engine, incidentId, [userId], now);
      }
    }
    await updateChannel(trx, incidentId, { cursorSeq: last.seq, updatedAt: now });
  }

  /** Verify a request from Slack: signing secret configured, signature valid, timestamp within five minutes. */
  verify(headers: Record<string, string | string[] | undefined>, rawBody: string): void {
    const secret = this.deps.config.signingSecret;
    if (!secret) throw slackNotConfigured();
    const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
    const problem = checkSlackSignature({
      secret,
      timestamp: one(headers['x-slack-request-timestamp']),
      signature: one(headers['x-slack-signature']),
      rawBody,
      now: this.deps.clock.now(),
    });
    if (problem) throw slackSignatureInvalid(problem);
  }

  /** An Events API request body, already verified. */
  async handleEvent(body: { type?: string; challenge?: string; event?: SlackMessageEvent }): Promise<InboundResult> {
    if (body.type === 'url_verification') return { challenge: String(body.challenge ?? '') };
    if (body.type !== 'event_callback' || !body.event) return { ok: true, noted: false, reason: 'not an event' };
    if (!this.deps.config.incidentChannels) return { ok: true, noted: false, reason: 'incident channels are off' };
    return this.onMessage(body.event);
  }

  private async onMessage(ev: SlackMessageEvent): Promise<InboundResult> {
    const skip = (reason: string): InboundResult => ({ ok: true, noted: false, reason });
    if (ev.type !== 'message') return skip('not a message');
    // Bots (including this integration's own posts) and edits/joins/topic changes carry bot_id or a subtype.
    if (ev.bot_id || ev.subtype) return skip('bot or system message');
    if (!ev.channel || !ev.ts || !ev.text?.trim()) return skip('empty');
    const db = this.deps.db.kysely;
    const ch = await findChannelBySlackId(db, ev.channel);
    if (!ch) return skip('not an incident channel');
    if (await isOwnPost(db, ev.ts)) return skip('own post');
    const key = `${ev.channel}:${ev.ts}`;
    if (!(await claimInbound(db, key, ch.incidentId, this.deps.clock.now()))) return skip('duplicate delivery');
    const user = ev.user ? await userForSlackId(db, ev.user) : null;
    const actor: Actor = user
      ? { userId: user.userId, tokenId: null, label: `${user.name} (Slack)`, ip: null, isAdmin: user.isAdmin }
      : { userId: null, tokenId: null, label: `Slack user ${ev.user ?? 'unknown'}`, ip: null, isAdmin: false };
    try {
      await this.deps.incidents().addNote(actor, ch.incidentId, unescapeSlack(ev.text), {
        source: 'slack',
        slackChannel: ev.channel,
        slackTs: ev.ts,
        slackUserId: ev.user ?? null,
      });
    } catch (e) {
      await releaseInbound(db, key); // let Slack's retry take it again
      throw e;
    }
    return { ok: true, noted: true };
  }

  /**
   * A block_actions payload from a page's Acknowledge / Resolve button: the value is the signed action-link token
   * (single use); the clicking Slack user must map, through their Slack contact method, to the page's recipient.
   * Slack shows any answer but 200 as a bare "something went wrong", so a problem the person can act on (not
   * linked, a second click, an expired button) is answered 200 and told to them through the `response_url`, only
   * to them (ephemeral). Faults on Muster's side (5xx) still fail the request.
   */
  async handleInteraction(payload: {
    type?: string;
    user?: { id?: string };
    actions?: { action_id?: string; value?: string }[];
    response_url?: string;
  }): Promise<{ ok: true; action?: string; alertId?: string; ignored?: boolean; problem?: string }> {
    const action = payload.actions?.[0];
    if (payload.type !== 'block_actions' || !action?.value || !PAGE_ACTIONS.has(action.action_id ?? '')) {
      return { ok: true, ignored: true };
    }
    let used: { action: string; alertId: string };
    try {
      const slackUserId = payload.user?.id ?? '';
      const user = slackUserId ? await userForSlackId(this.deps.db.kysely, slackUserId) : null;
      if (!user) throw slackUserNotLinked(slackUserId || 'unknown');
      const claim = await this.deps.actionLinks.inspect(action.value, this.deps.clock.now());
      if (claim.userId !== user.userId) throw slackUserNotLinked(slackUserId);
      used = await this.deps.actionLinks.use(action.value, null);
    } catch (e) {
      if (!isAppError(e) || e.status >= 500) throw e;
      await this.respondInSlack(payload.response_url, problemInSlack(e));
      return { ok: true, problem: e.code };
    }
    await this.respondInSlack(
      payload.response_url,
      `:white_check_mark: ${used.action === 'acknowledge' ? 'Acknowledged' : 'Resolved'} in Muster.`,
    );
    return { ok: true, action: used.action, alertId: used.alertId };
  }

  /**
   * Tell the person in Slack (https://api.slack.com/interactivity/handling#message_responses), through a job. It is
   * enqueued after the action committed (or failed) (the action is the alerts domain's transaction): a crash in between loses
   * only this confirmation, never the acknowledgement.
   */
  private async respondInSlack(responseUrl: string | undefined, text: string): Promise<void> {
    if (!responseUrl) return;
    let host: string;
    try {
      host = new URL(responseUrl).host;
    } catch {
      return;
    }
    if (!this.deps.config.responseHosts.includes(host)) return;
    const now = this.deps.clock.now();
    const { db } = this.deps;
    await db.kysely
      .transaction()
      .execute((trx) =>
        enqueueJob(trx, db.engine, { kind: JOB_RESPOND, payload: { url: responseUrl, text }, maxAttempts: 5 }, now),
      );
  }
}

/** What a person who clicked a page's button in Slack reads when Muster could not act on it (only they see it). */
export function problemInSlack(e: AppError): string {
  switch (e.code) {
    case 'action_link_used':
      return ':warning: This button was used already: each one works once. Open the alert in Muster to see where it stands.';
    case 'action_link_expired':
      return ':warning: This button has expired. Open the alert in Muster to act on it.';
    default:
      return `:warning: ${e.message}`;
  }
}
