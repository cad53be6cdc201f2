/**
 * Slack Web API stand-in: conversations.open and chat.postMessage as documented at
 * https://api.slack.com/methods — bearer bot token, JSON bodies, HTTP 200 with `{ ok: true, … }` or
 * `{ ok: false, error }`. Members listed in `knownUsers` exist; anyone else is `user_not_found`.
 */
import { StandIn, type RecordedRequest, type Reply } from './base.js';

export interface SlackMessage {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  ts: string;
}

export class SlackStandIn extends StandIn {
  readonly messages: SlackMessage[] = [];
  private seq = 0;

  constructor(
    readonly botToken = 'xoxb-test-token',
    readonly knownUsers = new Set<string>(['U0001', 'U0002']),
  ) {
    super((req) => this.answer(req));
  }

  private answer(req: RecordedRequest): Reply {
    if (req.headers.authorization !== `Bearer ${this.botToken}`)
      return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    let body: { users?: string; channel?: string; text?: string; blocks?: unknown[] };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return { status: 200, body: { ok: false, error: 'invalid_json' } };
    }
    if (req.path === '/conversations.open') {
      const user = body.users ?? '';
      if (!this.knownUsers.has(user)) return { status: 200, body: { ok: false, error: 'user_not_found' } };
      return { status: 200, body: { ok: true, channel: { id: `D${user}` } } };
    }
    if (req.path === '/chat.postMessage') {
      const channel = body.channel ?? '';
      if (!channel.startsWith('D')) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
      const ts = `1700000000.${String(++this.seq).padStart(6, '0')}`;
      this.messages.push({
        channel,
        user: channel.slice(1),
        text: body.text ?? '',
        blocks: body.blocks ?? [],
        ts,
      });
      return { status: 200, body: { ok: true, channel, ts } };
    }
    return { status: 200, body: { ok: false, error: 'unknown_method' } };
  }
}
