/** The CLI's client mode: a thin HTTP client of the Muster API (the same API the web UI uses). */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The server could not be reached at all: the message names the URL and the cause (refused, no such host, TLS…). */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`Cannot reach the Muster server at ${url}: ${describeNetworkError(cause)}.`, { cause });
  }
}

/** fetch's "fetch failed" names nothing: the cause (an errno, a TLS or DNS failure) is in `cause`, sometimes nested. */
export function describeNetworkError(e: unknown): string {
  let err: unknown = e;
  for (let i = 0; i < 4 && err instanceof Error && err.cause instanceof Error; i++) err = err.cause;
  if (err instanceof AggregateError && err.errors[0] instanceof Error) err = err.errors[0];
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is Muster running, on that port?)',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the host name could not be looked up now',
    ETIMEDOUT: 'the connection timed out',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'no route to the host',
    UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
    DEPTH_ZERO_SELF_SIGNED_CERT: "its certificate is self-signed (set NODE_EXTRA_CA_CERTS to the certificate's file)",
    SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain is not trusted (set NODE_EXTRA_CA_CERTS)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate could not be verified (set NODE_EXTRA_CA_CERTS)',
    ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak https there (try http://)',
  };
  if (code && why[code]) return `${why[code]} (${code})`;
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * One request with node:http(s), not fetch: a command's first successful fetch compiles undici's HTTP parser, about
 * 200 ms of CPU at every start (docs/benchmarks.md, CLI start-up). A connection not made within 10 s is a time-out.
 */
function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('the connection timed out'), { code: 'ETIMEDOUT' })),
      10_000,
    );
    req.on('socket', (sock) => {
      if (sock.connecting) sock.once('connect', () => clearTimeout(timer));
      else clearTimeout(timer);
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on('close', () => clearTimeout(timer));
    if (body !== undefined) req.setHeader('content-length', Buffer.byteLength(body));
    req.end(body);
  });
}

export interface ClientOptions {
  url: string;
  token: string;
}

export class MusterClient {
  constructor(private readonly opts: ClientOptions) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: { status: number; text: string };
    try {
      res = await send(
        new URL(path, this.opts.url.replace(/\/?$/, '/')),
        method,
        {
          authorization: `Bearer ${this.opts.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body !== undefined ? JSON.stringify(body) : undefined,
      );
    } catch (e) {
      throw new UnreachableError(this.opts.url, e);
    }
    const text = res.text;
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (res.status < 200 || res.status >= 300) {
      const env = parsed as { error?: { code?: string; message?: string; details?: unknown } } | null;
      throw new ApiError(
        res.status,
        env?.error?.code ?? `http_${res.status}`,
        env?.error?.message ?? `${method} ${path} answered ${res.status}`,
        env?.error?.details,
      );
    }
    return parsed as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }
  put<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body ?? {});
  }
  patch<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body ?? {});
  }
  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * A team's id from its id or slug (`--team payments`): list filters and request bodies take ids, and a slug there
   * would match nothing. An unknown team is the API's 404.
   */
  async teamId(ref: string): Promise<string> {
    if (ref.startsWith('team_')) return ref;
    return (await this.get<{ id: string }>(`/api/teams/${encodeURIComponent(ref)}`)).id;
  }

  /**
   * A user's id from an email or an id (`--user ana@example.com`): the API's paths and bodies take ids. An email
   * nobody has is an error naming it.
   */
  async userId(ref: string): Promise<string> {
    if (!ref.includes('@')) return ref;
    const { users } = await this.get<{ users: { id: string; email: string }[] }>('/api/users?includeDisabled=true');
    const want = ref.trim().toLowerCase();
    const found = users.find((u) => u.email.toLowerCase() === want);
    if (!found) throw new Error(`No user with email ${ref}.`);
    return found.id;
  }

  /** A service's id from its id or slug (`--service checkout`), as `teamId` does for teams. */
  async serviceId(ref: string): Promise<string> {
    if (ref.startsWith('svc_')) return ref;
    return (await this.get<{ id: string }>(`/api/services/${encodeURIComponent(ref)}`)).id;
  }
}
