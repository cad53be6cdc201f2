/**
 * The one error base. `code` is stable snake_case and part of the API contract; the HTTP mapper turns
 * `status` into the response status and everything else into the envelope `{ error: { code, message, details? } }`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  /** Permanent errors stop a job at once (bad data); anything else is retried with backoff. */
  readonly isPermanent: boolean;
  readonly headers: Record<string, string> | undefined;
  /** A transient failure whose provider said when to come back (Retry-After): the job waits at least this long. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    opts: {
      status?: number;
      details?: unknown;
      cause?: unknown;
      isPermanent?: boolean;
      headers?: Record<string, string>;
      retryAfterMs?: number | undefined;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? 400;
    this.details = opts.details;
    this.isPermanent = opts.isPermanent ?? this.status < 500;
    this.headers = opts.headers;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * An HTTP Retry-After header (delay-seconds or an HTTP date) as milliseconds from `now`, capped at an hour; undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, 60 * 60 * 1000);
}

export interface FieldProblem {
  field: string;
  message: string;
}

export function validationError(problems: FieldProblem[], message?: string): AppError {
  const first = problems[0];
  return new AppError(
    'validation_failed',
    message ?? (first ? `${first.field}: ${first.message}` : 'The request is not valid.'),
    { status: 400, details: { problems } },
  );
}

export function notFound(kind: string, id: string): AppError {
  return new AppError(`${kind}_not_found`, `No ${kind.replace(/_/g, ' ')} with id ${id}.`, { status: 404 });
}

export function conflict(code: string, message: string, details?: unknown): AppError {
  return new AppError(code, message, { status: 409, details });
}

export function forbidden(message = 'You do not have permission to do that.', code = 'forbidden'): AppError {
  return new AppError(code, message, { status: 403 });
}

export function unauthenticated(message = 'Sign in or send an API token.'): AppError {
  return new AppError('unauthenticated', message, { status: 401 });
}

export function tooManyRequests(message: string, retryAfterSeconds: number, code = 'rate_limited'): AppError {
  return new AppError(code, message, {
    status: 429,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    details: { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) },
  });
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
