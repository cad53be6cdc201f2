/**
 * ntfy server stand-in (https://docs.ntfy.sh/publish/): JSON publishing to the root URL (`{ topic, message, … }`)
 * and plain publishing to /<topic>. Answers with the message envelope `{ id, time, event: 'message', topic, … }`.
 * With `accessToken` set, requests need `Authorization: Bearer <token>` (403 otherwise, as a protected topic).
 */
import { randomBytes } from 'node:crypto';
import { StandIn, type RecordedRequest, type Reply } from './base.js';

export interface NtfyMessage {
  id: string;
  topic: string;
  title?: string;
  message: string;
  priority?: number;
  tags?: string[];
  click?: string;
  actions?: { action: string; label: string; url: string }[];
}

export class NtfyStandIn extends StandIn {
  readonly published: NtfyMessage[] = [];

  constructor(readonly accessToken: string | null = null) {
    super((req) => this.answer(req));
  }

  private answer(req: RecordedRequest): Reply {
    if (req.method !== 'POST' && req.method !== 'PUT')
      return { status: 405, body: { code: 40500, error: 'method not allowed' } };
    if (this.accessToken && req.headers.authorization !== `Bearer ${this.accessToken}`) {
      return { status: 403, body: { code: 40301, http: 403, error: 'forbidden' } };
    }
    let msg: Omit<NtfyMessage, 'id'>;
    if (req.path === '/') {
      try {
        msg = JSON.parse(req.body) as Omit<NtfyMessage, 'id'>;
      } catch {
        return { status: 400, body: { code: 40001, http: 400, error: 'invalid request: invalid JSON' } };
      }
    } else {
      msg = { topic: req.path.slice(1).split('?')[0]!, message: req.body };
      const title = req.headers['x-title'] ?? req.headers.title;
      if (typeof title === 'string') msg.title = title;
    }
    if (!msg.topic || !/^[A-Za-z0-9_-]{1,64}$/.test(msg.topic)) {
      return { status: 400, body: { code: 40009, http: 400, error: 'invalid request: topic invalid' } };
    }
    const id = randomBytes(6).toString('base64url');
    this.published.push({ ...msg, id });
    return { status: 200, body: { id, time: Math.floor(Date.now() / 1000), event: 'message', ...msg } };
  }
}
