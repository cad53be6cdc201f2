/**
 * The one interface every notification channel implements, and the HTTP plumbing the HTTP-based adapters share.
 * An adapter sends one message to one contact and either returns the provider's id for it or throws a
 * DeliveryError that says whether trying again can help.
 */
import http from 'node:http';
import https from 'node:https';
import { parseRetryAfter } from '../shared/errors.js';
import { isPrivateWebhookHost, PrivateAddressError, publicOnlyLookup, type ResolveAll } from '../shared/net.js';
import { assertNoTransaction } from '../db/tx-context.js';
import { permanentFailure, unreachableFailure, DeliveryError } from './errors.js';
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
  /**
   * The URL (a webhook's address, an ntfy contact's own server) came from someone other than an organisation
   * administrator — a status-page webhook subscription from the public, a contact method whose row does not allow
   * private addresses (`contact_methods.allow_private_address` = 0): connect only to public addresses, checked on the
   * address actually connected to, so a host name re-pointed at a private one after it was given is refused, and the
   * failure is permanent and says nothing about the private host (no "connection refused" port scanner).
   */
  publicAddressesOnly?: boolean;
}

export interface SendResult {
  providerMessageId?: string | undefined;
}

/**
 * A channel's send receives the message and the contact, never a database executor: it runs after the claim
 * committed and before the outcome is recorded, outside any transaction (src/notify/jobs.ts).
 */
export interface Channel {
  readonly kind: ContactKind;
  send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult>;
  /**
   * Where a send to `contact` goes, for the bulkhead and circuit breaker (src/notify/bulkhead.ts): a host and port,
   * or a provider account. Default: the channel itself (one provider for everyone).
   */
  destination?(contact: ContactTarget): string;
}

/** All of one send (connect, TLS, request, answer); config `notify.timeoutMs`. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Connecting (TCP) alone: a host that drops packets fails here, well before the total time-out. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;

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

type RequestInit = {
  method?: string;
  headers?: Record<string, string>;
  /** Text, or bytes (an encrypted push message). */
  body?: string | Buffer;
  /** The whole request, answer included (default 10 s). */
  timeoutMs?: number;
  /** Connecting alone (default 3 s, at most timeoutMs). */
  connectTimeoutMs?: number;
};

/**
 * One HTTP request with a connect time-out and a total time-out. Network errors and time-outs become transient
 * DeliveryErrors marked unreachable (the destination's circuit breaker counts them); the response is returned
 * whatever its status, for the adapter to classify (Slack answers 200 with ok:false). Never inside a database
 * transaction (src/db/tx-context.ts): a send holds no connection or lock while it waits for an answer.
 */
export async function httpRequest(
  channel: string,
  url: string,
  init: RequestInit & {
    /** Connect to public addresses only (see ContactTarget.publicAddressesOnly), resolving names with this. */
    publicOnly?: { resolve?: ResolveAll | undefined };
  },
): Promise<HttpResult> {
  assertNoTransaction(`A ${channel} request to ${hostOf(url)}`);
  if (init.publicOnly) return publicOnlyRequest(channel, url, init, init.publicOnly.resolve);
  return requestThrough(channel, url, init, null);
}

/** A request that failed before an answer, as a transient failure: it timed out, or the host was not reached. */
function unreachable(channel: string, url: string, e: unknown) {
  if (e instanceof ConnectTimeoutError) {
    return unreachableFailure(channel, `could not connect to ${hostOf(url)} within ${e.ms} ms`, e);
  }
  const isTimeout = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
  return unreachableFailure(channel, isTimeout ? 'request timed out' : `could not reach ${hostOf(url)}`, e);
}

const connectionLost = (channel: string, url: string, e: unknown) =>
  unreachableFailure(channel, `connection lost while reading the response from ${hostOf(url)}`, e);

class ConnectTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`connect timed out after ${ms} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

/** The body parsed when it is JSON, else null: the adapter looks at the text. */
function jsonOrNull(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Bodies read from untrusted receivers are cut here; only a short excerpt is ever used. */
const MAX_UNTRUSTED_BODY = 64 * 1024;
/** Providers' answers (Slack, Twilio, ntfy) are small JSON documents; anything past this is not read. */
const MAX_BODY = 1024 * 1024;

/** Kept-alive connections for providers and webhooks (not for public addresses: each of those connects afresh). */
const agents = {
  'http:': new http.Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxFreeSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxFreeSockets: 64 }),
};

/**
 * httpRequest for an address given by the public: refuse private address literals, and connect through a `lookup`
 * that refuses private addresses, so the check and the connection use the same resolution. Redirects are not
 * followed.
 */
function publicOnlyRequest(
  channel: string,
  url: string,
  init: RequestInit,
  resolve: ResolveAll | undefined,
): Promise<HttpResult> {
  if (isPrivateWebhookHost(url)) {
    return Promise.reject(permanentFailure(channel, `${hostOf(url)} is not a public address; refused`));
  }
  return requestThrough(channel, url, init, publicOnlyLookup(resolve));
}

/**
 * One request with node:http(s): a kept-alive connection, or (with `lookup`, for public addresses) a fresh one
 * resolved through `lookup`. Errors classified as httpRequest does; redirects are not followed.
 */
export function requestThrough(
  channel: string,
  url: string,
  init: RequestInit,
  lookup: ReturnType<typeof publicOnlyLookup> | null,
): Promise<HttpResult> {
  assertNoTransaction(`A ${channel} request to ${hostOf(url)}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(permanentFailure(channel, 'the URL is not valid'));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return Promise.reject(permanentFailure(channel, 'the URL is not http(s)'));
  }
  const body = init.body ?? '';
  const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connectMs = Math.min(timeoutMs, init.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const maxBody = lookup ? MAX_UNTRUSTED_BODY : MAX_BODY;
  return new Promise<HttpResult>((done, fail) => {
    const req = (u.protocol === 'https:' ? https : http).request(
      u,
      {
        method: init.method ?? 'POST',
        headers: { ...(init.headers ?? {}), 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(timeoutMs),
        ...(lookup ? { lookup, agent: false } : { agent: agents[u.protocol as 'http:' | 'https:'] }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < maxBody) text += chunk.slice(0, maxBody - text.length);
        });
        res.on('error', (e) => fail(connectionLost(channel, url, e)));
        res.on('aborted', () => fail(connectionLost(channel, url, new Error('aborted'))));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          }
          done({ status: res.statusCode ?? 0, headers, text, json: jsonOrNull(text) });
        });
      },
    );
    // The connect time-out: a host that drops packets (or a full listen queue) fails in seconds, not at the total.
    req.on('socket', (socket) => {
      if (!socket.connecting) return; // a kept-alive connection
      const timer = setTimeout(() => req.destroy(new ConnectTimeoutError(connectMs)), connectMs);
      timer.unref();
      const clear = (): void => clearTimeout(timer);
      socket.once('connect', clear);
      socket.once('close', clear);
    });
    req.on('error', (e) =>
      fail(e instanceof PrivateAddressError ? permanentFailure(channel, e.message) : unreachable(channel, url, e)),
    );
    req.end(body);
  });
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
