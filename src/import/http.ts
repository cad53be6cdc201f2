/**
 * The importers' HTTP client (src/import/model.ts ImportHttp): GET with the source's headers, a JSON answer, a 429
 * waited out as its Retry-After asks (bounded: at most `maxWaitMs` per wait and `MAX_WAITS_IN_A_ROW` waits in a row),
 * a time-out per request, and errors that name the source's status and the URL's PATH — never the token, never the
 * query string. Unless an administrator allowed a private address, the URL goes through the private-address guard
 * (src/shared/net.ts): a private address literal is refused before connecting and a name is resolved through
 * `publicOnlyLookup`, so the address checked is the address connected to. Never inside a database transaction.
 */
import http from 'node:http';
import https from 'node:https';
import { assertNoTransaction } from '../db/tx-context.js';
import { AppError, parseRetryAfter } from '../shared/errors.js';
import { isPrivateWebhookHost, PrivateAddressError, publicOnlyLookup, type ResolveAll } from '../shared/net.js';
import type { ImportHttp } from './model.js';

/** The longest a single Retry-After is honoured for; a longer ask is waited for this long, then tried again. */
export const DEFAULT_MAX_WAIT_MS = 60_000;
/** 429s in a row for one request before the import gives up. */
export const MAX_WAITS_IN_A_ROW = 8;
/** The time-out of one request (connect, answer and body). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** A 429 without a readable Retry-After waits this long. */
const DEFAULT_RETRY_WAIT_MS = 1_000;
/** The largest answer read (a page of a source's list is far smaller). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface ImportHttpOptions {
  /** The source may be on a private address (an on-premises Grafana OnCall): an administrator's choice. */
  allowPrivateAddress: boolean;
  /** The longest one Retry-After is waited out (default 60 s). */
  maxWaitMs?: number | undefined;
  /** Per request (default 30 s). */
  timeoutMs?: number | undefined;
  /** The resolver the guard connects through (tests pass their own, as they pass a clock). */
  resolve?: ResolveAll | undefined;
}

/** The error every failed request becomes: 502 `import_source_error`, naming the status and the path only. */
export function importSourceError(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('import_source_error', message, { status: 502, details });
}

interface RawAnswer {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

export function createImportHttp(opts: ImportHttpOptions): ImportHttp {
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const stats = { total: 0, rateLimited: 0 };

  async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
    const { text, where } = await get(url, headers, 'application/json');
    try {
      return (text ? JSON.parse(text) : null) as T;
    } catch {
      throw importSourceError(`The source's answer to GET ${where} is not JSON.`, { path: where });
    }
  }

  /** The same GET, the answer as text (an iCal feed). */
  async function getText(url: string, headers: Record<string, string>): Promise<string> {
    return (await get(url, headers, 'text/calendar, text/plain, */*')).text;
  }

  async function get(
    url: string,
    headers: Record<string, string>,
    accept: string,
  ): Promise<{ text: string; where: string }> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw importSourceError('The source URL is not valid.');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw importSourceError('The source URL must be http(s).');
    }
    const where = u.pathname;
    if (!opts.allowPrivateAddress && isPrivateWebhookHost(url)) {
      throw new AppError(
        'import_private_address',
        `${u.hostname} is not a public address; refused (an administrator may allow a private address).`,
        { status: 400 },
      );
    }
    for (let waits = 0; ; waits++) {
      stats.total++;
      const answer = await requestOnce(u, { accept, ...headers }, where);
      if (answer.status === 429) {
        stats.rateLimited++;
        if (waits >= MAX_WAITS_IN_A_ROW) {
          throw importSourceError(
            `The source kept answering 429 (too many requests) for GET ${where}: gave up after ${MAX_WAITS_IN_A_ROW} waits.`,
            { status: 429, path: where },
          );
        }
        const asked = parseRetryAfter(answer.retryAfter, Date.now()) ?? DEFAULT_RETRY_WAIT_MS;
        await sleep(Math.min(asked, maxWaitMs));
        continue;
      }
      if (answer.status < 200 || answer.status >= 300) {
        throw importSourceError(`The source answered ${answer.status}${hint(answer.status)} for GET ${where}.`, {
          status: answer.status,
          path: where,
        });
      }
      return { text: answer.text, where };
    }
  }

  function requestOnce(u: URL, headers: Record<string, string>, where: string): Promise<RawAnswer> {
    assertNoTransaction(`An import request to ${u.host}`);
    return new Promise<RawAnswer>((done, fail) => {
      const req = (u.protocol === 'https:' ? https : http).request(
        u,
        {
          method: 'GET',
          headers: { accept: 'application/json', 'user-agent': 'Muster-Import/1', ...headers },
          agent: false,
          signal: AbortSignal.timeout(timeoutMs),
          ...(opts.allowPrivateAddress ? {} : { lookup: publicOnlyLookup(opts.resolve) }),
        },
        (res) => {
          const parts: Buffer[] = [];
          let size = 0;
          res.on('data', (b: Buffer) => {
            size += b.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(importSourceError(`The source's answer to GET ${where} is larger than 32 MB.`));
              return;
            }
            parts.push(b);
          });
          res.on('error', (e) => fail(networkError(e, u, where)));
          res.on('end', () => {
            const ra: string | string[] | undefined = res.headers['retry-after'];
            done({
              status: res.statusCode ?? 0,
              retryAfter: typeof ra === 'string' ? ra : ra?.[0],
              text: Buffer.concat(parts).toString('utf8'),
            });
          });
        },
      );
      req.on('error', (e) => fail(networkError(e, u, where)));
      req.end();
    });
  }

  function networkError(e: unknown, u: URL, where: string): AppError {
    if (e instanceof AppError) return e;
    if (e instanceof PrivateAddressError) {
      return new AppError(
        'import_private_address',
        `${u.hostname} resolves to a private address; refused (an administrator may allow a private address).`,
        { status: 400 },
      );
    }
    const err = e as NodeJS.ErrnoException;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return importSourceError(`The source did not answer GET ${where} within ${Math.round(timeoutMs / 1000)} s.`, {
        path: where,
      });
    }
    return importSourceError(`Could not reach ${u.host} for GET ${where} (${err.code ?? err.message}).`, {
      path: where,
    });
  }

  return { getJson, getText, stats };
}

function hint(status: number): string {
  if (status === 401) return ' (unauthorised: check the token)';
  if (status === 403) return ' (forbidden: the token lacks access)';
  if (status === 404) return ' (not found: check the base URL)';
  return '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
