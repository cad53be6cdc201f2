import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/health.js';
import { AppError, isAppError } from '../shared/errors.js';

export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
  requestId: string;
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}

/** Fastify's schema errors → `validation_failed` naming every field (`body.email`, `query.limit`). */
function fromValidation(err: FastifyError): AppError {
  const where = err.validationContext ?? 'body';
  const prefix = where === 'querystring' ? 'query' : where;
  const problems = ((err.validation ?? []) as AjvIssue[]).map((v) => {
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const extra = v.params?.missingProperty ?? v.params?.additionalProperty;
    const field = [prefix, path, extra].filter(Boolean).join('.');
    return { field, message: v.message ?? 'is not valid' };
  });
  const first = problems[0];
  return new AppError('validation_failed', first ? `${first.field}: ${first.message}` : 'The request is not valid.', {
    status: 400,
    details: { problems },
  });
}

/** Map Fastify's own errors (body parsing, limits) to stable codes. */
function fromFastify(err: FastifyError): AppError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is larger than this endpoint accepts.', {
        status: 413,
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_json', `The body is not valid JSON: ${err.message}`, { status: 400 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json.', { status: 415 });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalid_content_length', err.message, { status: 400 });
    default:
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return new AppError('bad_request', err.message, { status: err.statusCode });
      }
      return null;
  }
}

/** How long a client is asked to wait when the database is away (restart, failover): a routine restart takes seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 3;

/** The database is restarting, failing over or unreachable: 503 + Retry-After, never a 500. */
export function databaseUnavailable(cause?: unknown): AppError {
  return new AppError(
    'database_unavailable',
    'The database is unavailable (restarting, failing over or unreachable). Muster is running; try again in a few seconds.',
    {
      status: 503,
      cause,
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
    },
  );
}

const camel = (column: string): string => column.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * Constraint and data errors from either engine → 4xx naming the field where the engine says which. A request that
 * names a row that does not exist, repeats a unique value or sends a number the column cannot hold is the caller's
 * mistake, not ours: services check the common cases by name; this is the net under the rest.
 */
export function fromDatabase(err: unknown): AppError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; message?: unknown; detail?: unknown; column?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const detail = typeof e.detail === 'string' ? e.detail : '';
  // PostgreSQL: `Key (team_id)=(x) is not present…`; SQLite: `UNIQUE constraint failed: status_templates.name`.
  const pgColumn = /^Key \(([a-z0-9_]+)(?:, [a-z0-9_]+)*\)=/.exec(detail)?.[1];
  const sqliteColumn = /constraint failed: [a-z0-9_]+\.([a-z0-9_]+)/i.exec(message)?.[1];
  const column = pgColumn ?? sqliteColumn ?? (typeof e.column === 'string' ? e.column : undefined);
  const field = column ? camel(column) : undefined;
  const problems = field ? [{ field, message: 'refers to something that does not exist' }] : [];
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new AppError(
      'invalid_reference',
      field
        ? `${field}: refers to something that does not exist.`
        : 'The request refers to something that does not exist.',
      { status: 400, details: { problems } },
    );
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    return new AppError('already_exists', field ? `${field}: that value is already taken.` : 'That already exists.', {
      status: 409,
      ...(field ? { details: { field } } : {}),
    });
  }
  if (code === 'SQLITE_CONSTRAINT_NOTNULL' || code === 'SQLITE_CONSTRAINT_CHECK' || /^2(3502|3514)$/.test(code)) {
    return new AppError(
      'invalid_value',
      field ? `${field}: is not allowed.` : 'A value in the request is not allowed.',
      {
        status: 400,
        ...(field ? { details: { problems: [{ field, message: 'is not allowed' }] } } : {}),
      },
    );
  }
  // PostgreSQL class 22, data exceptions: a number out of range, text the column type cannot hold, a NUL byte.
  if (/^22[0-9A-Z]{3}$/.test(code) || code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH') {
    return new AppError('invalid_value', 'A value in the request is out of range or not allowed here.', {
      status: 400,
    });
  }
  return null;
}

export function sendError(reply: FastifyReply, request: FastifyRequest, appErr: AppError): FastifyReply {
  const body: ErrorEnvelope = {
    error: {
      code: appErr.code,
      message: appErr.message,
      ...(appErr.details !== undefined ? { details: appErr.details } : {}),
    },
    requestId: request.id,
  };
  if (appErr.headers) void reply.headers(appErr.headers);
  return reply.status(appErr.status).type('application/json').send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (!isAppError(err) && isDatabaseUnavailable(err)) {
      // Logged once per outage by the database's health (src/db/health.ts), not once per request.
      request.log.debug({ err }, 'refused: the database is unavailable');
      return sendError(reply, request, databaseUnavailable(err));
    }
    let appErr: AppError | null = null;
    if (isAppError(err)) appErr = err;
    else if (err.validation) appErr = fromValidation(err);
    else appErr = fromFastify(err) ?? fromDatabase(err);
    if (!appErr) {
      // Unknown errors are logged with the request id and masked: internals never reach the client.
      request.log.error({ err }, 'unhandled error');
      appErr = new AppError('internal_error', `Something went wrong on our side. Quote request id ${request.id}.`, {
        status: 500,
      });
    } else if (appErr.status >= 500 && appErr.headers?.['retry-after'] !== undefined) {
      // Back-pressure (intake full or past its deadline): expected under a storm and counted in the metrics, so one
      // line without a stack, not an error per refused request.
      request.log.warn({ code: appErr.code, status: appErr.status }, 'refused: busy, asked to retry');
    } else if (appErr.status >= 500) {
      request.log.error({ err }, 'request failed');
    }
    return sendError(reply, request, appErr);
  });
}
