/**
 * A minimal Slack Web API client for the incident channel (https://api.slack.com/web): JSON POST with the bot token.
 * HTTP 429 (https://api.slack.com/apis/rate-limits) and 5xx are transient; `{ ok: false, error }` is permanent unless
 * the code says "later". Callers are durable jobs: a transient error is thrown so the runner retries with backoff.
 */
import { assertNoTransaction } from '../db/tx-context.js';
import { slackCallFailed } from './errors.js';
import { parseRetryAfter } from '../shared/errors.js';

const TRANSIENT = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export interface SlackApiOptions {
  botToken: string;
  apiUrl: string;
  timeoutMs: number;
}

export class SlackApi {
  constructor(private readonly opts: SlackApiOptions) {}

  async call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const url = `${this.opts.apiUrl.replace(/\/+$/, '')}/${method}`;
    assertNoTransaction(`The Slack call ${method}`);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          authorization: `Bearer ${this.opts.botToken}`,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (e) {
      throw Object.assign(slackCallFailed(method, `network: ${(e as Error).message}`, false), { networkError: e });
    }
    const text = await res.text();
    if (res.status === 429 || res.status >= 500) {
      // Slack's rate limits say how long to wait (Retry-After, seconds): the job's retry honours it.
      throw slackCallFailed(
        method,
        `HTTP ${res.status}`,
        false,
        parseRetryAfter(res.headers.get('retry-after'), Date.now()),
      );
    }
    if (res.status >= 400) throw slackCallFailed(method, `HTTP ${res.status}`, true);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw slackCallFailed(method, 'invalid JSON in response', false);
    }
    if (json.ok !== true) {
      const code = typeof json.error === 'string' ? json.error : 'unknown_error';
      throw slackCallFailed(method, code, !TRANSIENT.has(code));
    }
    return json;
  }

  /** POST to an interaction's response_url (no token: the URL is the credential). 4xx is permanent. */
  async respond(url: string, body: Record<string, unknown>): Promise<void> {
    assertNoTransaction('A Slack response_url request');
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (e) {
      throw Object.assign(slackCallFailed('response_url', `network: ${(e as Error).message}`, false), {
        networkError: e,
      });
    }
    await res.text();
    if (res.status === 429 || res.status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
      throw slackCallFailed('response_url', `HTTP ${res.status}`, false, retryAfterMs);
    }
    if (res.status >= 400) throw slackCallFailed('response_url', `HTTP ${res.status}`, true);
  }
}

/** The Slack error code carried by a slackCallFailed error, if any. */
export function slackErrorCode(e: unknown): string | null {
  const d = (e as { code?: string; details?: { error?: unknown } } | null) ?? null;
  return d?.code === 'slack_call_failed' && typeof d.details?.error === 'string' ? d.details.error : null;
}
