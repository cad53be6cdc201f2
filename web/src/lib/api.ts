/**
 * The one way the UI talks to the server: fetch with the session cookie, the CSRF token (kept in memory only) on
 * every write, and the API's error envelope turned into an `ApiError`.
 */

export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The problem for one form field; the server names body fields `body.email` or plain `email`. */
  fieldError(field: string): string | null {
    const p = this.problems.find((x) => x.field === field || x.field === `body.${field}`);
    return p ? p.message : null;
  }
}

let csrfToken: string | null = null;
let onSignedOut: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request answers 401: the session ended (expired, signed out elsewhere). */
export function setSignedOutHandler(handler: (() => void) | null): void {
  onSignedOut = handler;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Do not call the signed-out handler on 401 (the session probe and sign-in forms expect it). */
  quiet401?: boolean;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Cannot reach the Muster server. Check your connection and try again.');
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (res.ok) return parsed as T;
  const err = toApiError(res.status, parsed);
  if (res.status === 401 && !opts.quiet401) onSignedOut?.();
  throw err;
}

function toApiError(status: number, body: unknown): ApiError {
  if (isEnvelope(body)) {
    const details = body.error.details;
    const list: unknown = details && typeof details === 'object' ? (details as { problems?: unknown }).problems : null;
    const problems: FieldProblem[] = Array.isArray(list) ? list.filter(isProblem) : [];
    return new ApiError(status, body.error.code, body.error.message, problems, body.requestId ?? null);
  }
  if (status === 502 || status === 503 || status === 504) {
    return new ApiError(status, 'unavailable', 'Muster is unavailable right now. Try again in a few seconds.');
  }
  return new ApiError(status, 'http_error', `The server answered ${status}.`);
}

/** The server's database is restarting or failing over: Muster answers again by itself within seconds. */
export const DATABASE_UNAVAILABLE_MESSAGE =
  "Database unavailable: Muster's database is restarting or unreachable. Nothing saved is lost; " +
  'try again in a few seconds.';

function isEnvelope(
  b: unknown,
): b is { error: { code: string; message: string; details?: unknown }; requestId?: string } {
  if (!b || typeof b !== 'object') return false;
  const e = (b as { error?: unknown }).error;
  return !!e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string';
}

function isProblem(p: unknown): p is FieldProblem {
  return !!p && typeof p === 'object' && typeof (p as FieldProblem).field === 'string';
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** A query string from defined values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError && err.code === 'database_unavailable') return DATABASE_UNAVAILABLE_MESSAGE;
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
