/**
 * The one interface every notification channel implements, and the HTTP plumbing the HTTP-based adapters share.
 * An adapter sends one message to one contact and either returns the provider's id for it or throws a
 * DeliveryError that says whether trying again can help.
 */
import { parseRetryAfter } from '../shared/errors.js';
import { permanentFailure, transientFailure, DeliveryError } from './errors.js';
import type { ContactKind, OutboundMessage } from './model.js';

/** What an adapter needs to know about the recipient's contact method. */
export interface ContactTarget {
  id: string;
  kind: ContactKind;
  address: string;
  /** ntfy: the server (self-hosted or ntfy.sh); null means the configured default. */
  serverUrl: string | null;
  /** webhook: the signing secret; ntfy: an optional access token. Never logged. */
  secret: string | null;
}

export interface SendResult {
  providerMessageId?: string | undefined;
}

export interface Channel {
  readonly kind: ContactKind;
  send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Statuses worth retrying: the provider is down, overloaded or rate-limiting us (RFC 9110 §15.5.9, RFC 6585 §4). */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408 || status === 425;
}

/**
 * One HTTP request with a timeout. Network errors and timeouts become transient DeliveryErrors; the response is
 * returned whatever its status, for the adapter to classify (Slack answers 200 with ok:false).
 */
export async function httpRequest(
  channel: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<HttpResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'POST',
      headers: init.headers ?? {},
      ...(init.body !== undefined ? { body: init.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (e) {
    const isTimeout = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw transientFailure(channel, isTimeout ? 'request timed out' : `could not reach ${hostOf(url)}`, e);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw transientFailure(channel, `connection lost while reading the response from ${hostOf(url)}`, e);
  }
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: the adapter looks at text */
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Fail unless the status is 2xx: 5xx/429/408 transient, every other status (4xx, a redirect) permanent. */
export function requireOk(channel: string, r: HttpResult, describe: (r: HttpResult) => string = shortBody): void {
  if (r.status >= 200 && r.status < 300) return;
  const message = `HTTP ${r.status}${describe(r) ? `: ${describe(r)}` : ''}`;
  throw new DeliveryError(channel, message, {
    isPermanent: !isTransientStatus(r.status),
    providerStatus: r.status,
    // 429 and 503 may say when to come back; the retry waits at least that long.
    retryAfterMs: parseRetryAfter(r.headers.get('retry-after'), Date.now()),
  });
}

export function shortBody(r: HttpResult): string {
  return r.text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** The host only: URLs can carry credentials or tokens in their path, and errors end up in the delivery log. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/** A channel whose provider is not configured on this server: every send is a permanent, explained failure. */
export function unconfiguredChannel(kind: ContactKind, setting: string): Channel {
  return {
    kind,
    send: () => Promise.reject(permanentFailure(kind, `${kind} is not configured on this server (set ${setting})`)),
  };
}
