/** The CLI's client mode: a thin HTTP client of the Muster API (the same API the web UI uses). */
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

export interface ClientOptions {
  url: string;
  token: string;
}

export class MusterClient {
  constructor(private readonly opts: ClientOptions) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.opts.url.replace(/\/?$/, '/')), {
      method,
      headers: {
        authorization: `Bearer ${this.opts.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
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
