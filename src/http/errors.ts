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
export const DATABASE_RETRY_AFTER_SECONDS = 5;

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
    else appErr = fromFastify(err);
    if (!appErr) {
      // Unknown errors are logged with the request id and masked: internals never reach the client.
      request.log.error({ err }, 'unhandled error');
      appErr = new AppError('internal_error', `Something went wrong on our side. Quote request id ${request.id}.`, {
        status: 500,
      });
    } else if (appErr.status >= 500) {
      request.log.error({ err }, 'request failed');
    }
    return sendError(reply, request, appErr);
  });
}
