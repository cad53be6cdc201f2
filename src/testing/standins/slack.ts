/**
 * Slack Web API stand-in, as documented at https://api.slack.com/methods — bearer bot token, JSON bodies, HTTP 200
 * with `{ ok: true, … }` or `{ ok: false, error }`:
 *   conversations.open (DMs), conversations.create, conversations.invite, chat.postMessage, conversations.history.
 * Members listed in `knownUsers` exist; anyone else is `user_not_found`. DM channels are `D<user>`; created channels
 * get `C…` ids. `signedRequest` builds what Slack would send to Muster (Events API, interactivity), signed with the
 * app's signing secret (https://api.slack.com/authentication/verifying-requests-from-slack).
 */
import { createHmac } from 'node:crypto';
import { StandIn, type RecordedRequest, type Reply } from './base.js';

export interface SlackMessage {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  ts: string;
}

export interface SlackConversation {
  id: string;
  name: string;
  members: Set<string>;
}

interface Body {
  users?: string;
  channel?: string;
  text?: string;
  blocks?: unknown[];
  name?: string;
  is_private?: boolean;
}

export class SlackStandIn extends StandIn {
  readonly messages: SlackMessage[] = [];
  readonly conversations = new Map<string, SlackConversation>();
  /** Bodies posted to interaction response_urls (`<url>/actions/…`), parsed. */
  readonly responses: Record<string, unknown>[] = [];
  /** The bot's own member id (what `user` carries on its posts). */
  readonly botUserId = 'UBOT0001';
  private seq = 0;

  constructor(
    readonly botToken = 'xoxb-test-token',
    readonly knownUsers = new Set<string>(['U0001', 'U0002']),
  ) {
    super((req) => this.answer(req));
  }

  private answer(req: RecordedRequest): Reply {
    // response_url (https://api.slack.com/interactivity/handling#message_responses): the URL is the credential.
    if (req.path.startsWith('/actions/')) {
      this.responses.push(JSON.parse(req.body) as Record<string, unknown>);
      return { status: 200, body: { ok: true } };
    }
    if (req.headers.authorization !== `Bearer ${this.botToken}`)
      return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    let body: Body;
    try {
      body = JSON.parse(req.body) as Body;
    } catch {
      return { status: 200, body: { ok: false, error: 'invalid_json' } };
    }
    const ok = (extra: Record<string, unknown>): Reply => ({ status: 200, body: { ok: true, ...extra } });
    const fail = (error: string): Reply => ({ status: 200, body: { ok: false, error } });
    switch (req.path) {
      case '/conversations.open': {
        const user = body.users ?? '';
        return this.knownUsers.has(user) ? ok({ channel: { id: `D${user}` } }) : fail('user_not_found');
      }
      case '/conversations.create':
        return this.create(body.name ?? '', ok, fail);
      case '/conversations.invite':
        return this.invite(body, ok, fail);
      case '/chat.postMessage':
        return this.post(body, ok, fail);
      case '/conversations.history': {
        const channel = body.channel ?? '';
        if (!this.conversations.has(channel)) return fail('channel_not_found');
        return ok({ messages: this.messages.filter((m) => m.channel === channel).reverse() });
      }
      default:
        return fail('unknown_method');
    }
  }

  /** https://api.slack.com/methods/conversations.create: lowercase, ≤ 80 chars, letters, digits, - and _. */
  private create(name: string, ok: (x: Record<string, unknown>) => Reply, fail: (e: string) => Reply): Reply {
    if (!/^[a-z0-9_-]{1,80}$/.test(name)) return fail('invalid_name_specials');
    if ([...this.conversations.values()].some((c) => c.name === name)) return fail('name_taken');
    const id = `C${String(this.conversations.size + 1).padStart(8, '0')}`;
    this.conversations.set(id, { id, name, members: new Set([this.botUserId]) });
    return ok({ channel: { id, name, is_channel: true, is_private: false, created: Math.floor(Date.now() / 1000) } });
  }

  private invite(body: Body, ok: (x: Record<string, unknown>) => Reply, fail: (e: string) => Reply): Reply {
    const conv = this.conversations.get(body.channel ?? '');
    if (!conv) return fail('channel_not_found');
    const users = (body.users ?? '').split(',').filter(Boolean);
    if (!users.length) return fail('no_user');
    if (users.some((u) => !this.knownUsers.has(u))) return fail('user_not_found');
    if (users.every((u) => conv.members.has(u))) return fail('already_in_channel');
    for (const u of users) conv.members.add(u);
    return ok({ channel: { id: conv.id, name: conv.name } });
  }

  private post(body: Body, ok: (x: Record<string, unknown>) => Reply, fail: (e: string) => Reply): Reply {
    const channel = body.channel ?? '';
    const isDm = channel.startsWith('D');
    if (!isDm && !this.conversations.has(channel)) return fail('channel_not_found');
    const ts = `1700000000.${String(++this.seq).padStart(6, '0')}`;
    this.messages.push({
      channel,
      user: isDm ? channel.slice(1) : this.botUserId,
      text: body.text ?? '',
      blocks: body.blocks ?? [],
      ts,
    });
    return ok({ channel, ts });
  }

  /** Messages posted to a channel, oldest first. */
  messagesIn(channel: string): SlackMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  /** Headers Slack sends with a signed request: v0 HMAC-SHA256 of `v0:{timestamp}:{raw body}`. */
  static signatureHeaders(secret: string, rawBody: string, timestampSec: number): Record<string, string> {
    const sig = createHmac('sha256', secret).update(`v0:${timestampSec}:${rawBody}`).digest('hex');
    return { 'x-slack-request-timestamp': String(timestampSec), 'x-slack-signature': `v0=${sig}` };
  }
}
