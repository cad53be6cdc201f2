/**
 * The HTTP sender of remediation actions: one request with node:http(s), public addresses only unless an
 * organisation administrator allowed a private target (the resolver checks the address connected to), a hard
 * timeout, redirects not followed, the answer read up to 64 KB. Never inside a database transaction.
 */
import http from 'node:http';
import https from 'node:https';
import { assertNoTransaction } from '../db/tx-context.js';
import { hmacSha256Hex } from '../shared/crypto.js';
import { isPrivateWebhookHost, publicOnlyLookup, type ResolveAll } from '../shared/net.js';
import { OUTPUT_CAP, type RenderedHttp } from './model.js';

export const SIGNATURE_HEADER = 'X-Muster-Signature';
export const RUN_ID_HEADER = 'X-Muster-Run-Id';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<exact body>")>`, as webhooks are signed. */
export function signRequest(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${hmacSha256Hex(secret, `${timestampSeconds}.${body}`)}`;
}

export interface HttpOutcome {
  status: number | null;
  body: string;
  truncated: boolean;
  error: string | null;
  timedOut: boolean;
}

export function sendActionRequest(
  req: RenderedHttp,
  opts: {
    runId: string;
    secret: string | null;
    timeoutMs: number;
    allowPrivate: boolean;
    resolve?: ResolveAll | undefined;
    now: number;
  },
): Promise<HttpOutcome> {
  const url = new URL(req.url);
  assertNoTransaction(`A remediation request to ${url.host}`);
  if (!opts.allowPrivate && isPrivateWebhookHost(req.url)) {
    return Promise.resolve({
      status: null,
      body: '',
      truncated: false,
      timedOut: false,
      error: `${url.hostname} is not a public address; refused (an administrator may allow a private target)`,
    });
  }
  const body = req.body ?? '';
  const headers: Record<string, string> = {
    'user-agent': 'Muster-Remediation/1',
    ...req.headers,
    [RUN_ID_HEADER.toLowerCase()]: opts.runId,
  };
  if (req.body !== null) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  if (opts.secret)
    headers[SIGNATURE_HEADER.toLowerCase()] = signRequest(opts.secret, Math.floor(opts.now / 1000), body);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const request = lib.request(
      url,
      {
        method: req.method,
        headers,
        agent: false,
        ...(opts.allowPrivate ? {} : { lookup: publicOnlyLookup(opts.resolve) }),
      },
      (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (b: Buffer) => {
          if (size >= OUTPUT_CAP) {
            truncated = true;
            return;
          }
          parts.push(b);
          size += b.length;
        });
        res.on('end', () => {
          let text = Buffer.concat(parts).toString('utf8');
          if (text.length > OUTPUT_CAP) {
            text = text.slice(0, OUTPUT_CAP);
            truncated = true;
          }
          done({ status: res.statusCode ?? null, body: text, truncated, error: null, timedOut: false });
        });
        res.on('error', (e) =>
          done({
            status: res.statusCode ?? null,
            body: '',
            truncated: false,
            error: `the answer was cut off: ${e.message}`,
            timedOut: false,
          }),
        );
      },
    );
    const timer = setTimeout(() => {
      done({
        status: null,
        body: '',
        truncated: false,
        error: `no answer within ${Math.round(opts.timeoutMs / 1000)} s`,
        timedOut: true,
      });
      request.destroy();
    }, opts.timeoutMs);
    request.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EPRIVATEADDRESS' ? e.message : `could not reach ${url.host} (${e.code ?? e.message})`;
      done({ status: null, body: '', truncated: false, error: why, timedOut: false });
    });
    request.end(req.body ?? undefined);
  });
}
