/**
 * Alert intake. Each route checks its own integration key (auth level `integration`), parses its vendor format
 * (src/alerts/<source>.ts), and answers 2xx only after the transaction holding the event has committed (deliveries
 * arriving together share one transaction: group commit in IntakeService).
 * Intake is bounded (IntakeLimiter): when full, Muster answers 503 (429 on the PagerDuty API) with Retry-After,
 * which Alertmanager and PagerDuty clients retry, instead of queueing without limit.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  PD_BODY_LIMIT,
  intakeBusy,
  invalidIntegrationKey,
  parseAlertmanagerWebhook,
  parseGenericEvent,
  parseGrafanaWebhook,
  parsePagerDutyChange,
  parsePagerDutyEvent,
  pdInvalid,
  pdSuccess,
  pdUnrecognized,
  type AlertSource,
  type IntakeEvent,
  type IntakeOutcome,
  type ParsedIntake,
  type PdResponse,
} from '../../alerts/index.js';
import type { IntakeKey, IntegrationSource } from '../../catalog/index.js';
import { isDatabaseUnavailable } from '../../db/health.js';
import { AppError, validationError } from '../../shared/errors.js';
import { ErrorEnvelope } from '../schemas.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../errors.js';
import type { Services } from '../services.js';

const RETRY_AFTER_SECONDS = 1;

/**
 * The key from the path, else from the Authorization header: the basic-auth password (Alertmanager basic_auth,
 * Grafana username/password) or the credentials of any other scheme (Bearer, or Alertmanager's authorization.type).
 */
export function intakeKeyFrom(request: FastifyRequest, pathKey: string | undefined): string | null {
  if (pathKey) return pathKey;
  const header = request.headers.authorization;
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme !== 'basic') return value || null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
  return password || user || null;
}

const IntakeBody = (description: string) => Type.Object({}, { additionalProperties: true, description });

const OutcomeSchema = Type.Object({
  dedupKey: Type.String(),
  outcome: Type.String({ description: 'created, updated, acknowledged, resolved or ignored' }),
  alertId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Optional(Type.String()),
});

const IntakeResponse = Type.Object({ status: Type.Literal('success'), alerts: Type.Array(OutcomeSchema) });

const intakeErrors = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  413: ErrorEnvelope,
  503: ErrorEnvelope,
};

const PdResponseSchema = Type.Object({
  status: Type.String(),
  message: Type.String(),
  dedup_key: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.String())),
});

export function registerIntakeRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { intakeLimiter: limiter, integrationKeys: keys, intake } = services;

  /** Authenticate and ingest inside a limiter slot; throws the Muster errors for the Muster-style endpoints. */
  async function runIntake(
    req: FastifyRequest,
    pathKey: string | undefined,
    source: AlertSource,
    parse: (body: unknown) => ParsedIntake | { events: IntakeEvent[]; problems: [] },
  ): Promise<IntakeOutcome[]> {
    // Intake queues fairly by the key as presented (before it is checked): one noisy monitor cannot crowd out the rest.
    const plaintext = intakeKeyFrom(req, pathKey);
    const result = await limiter.run(async () => {
      const key = plaintext ? await keys.authenticate(plaintext, [source]) : null;
      if (!key) throw invalidIntegrationKey();
      const parsed = parse(req.body);
      if (parsed.problems.length) throw validationError(parsed.problems);
      return intake.ingest(key, source, parsed.events, req.body);
    }, plaintext ?? undefined);
    if (!result) throw intakeBusy(RETRY_AFTER_SECONDS);
    return result.value;
  }

  const vendorRoutes: [source: 'alertmanager' | 'grafana', summary: string, parse: (b: unknown) => ParsedIntake][] = [
    ['alertmanager', 'Alertmanager webhook (payload version 4)', parseAlertmanagerWebhook],
    ['grafana', 'Grafana alerting webhook contact point', parseGrafanaWebhook],
  ];
  for (const [source, summary, parse] of vendorRoutes) {
    for (const withKey of [true, false]) {
      r.post(
        withKey ? `/integrations/${source}/:key` : `/integrations/${source}`,
        {
          config: { auth: 'integration' },
          schema: {
            tags: ['intake'],
            summary: withKey
              ? `${summary}; the integration key in the path`
              : `${summary}; the key as basic-auth password or bearer token`,
            security: [],
            ...(withKey ? { params: Type.Object({ key: Type.String({ maxLength: 200 }) }) } : {}),
            body: IntakeBody(`${summary}; see docs/integrations/${source}.md`),
            response: { 200: IntakeResponse, ...intakeErrors },
          },
        },
        async (req) => {
          const pathKey = (req.params as { key?: string }).key;
          return { status: 'success' as const, alerts: await runIntake(req, pathKey, source, parse) };
        },
      );
    }
  }

  for (const withKey of [true, false]) {
    r.post(
      withKey ? '/integrations/generic/:key' : '/integrations/generic',
      {
        config: { auth: 'integration' },
        schema: {
          tags: ['intake'],
          summary: 'Generic JSON alert: {status, dedupKey, title, severity, labels, annotations, links}',
          security: [],
          ...(withKey ? { params: Type.Object({ key: Type.String({ maxLength: 200 }) }) } : {}),
          body: IntakeBody('See docs/integrations/generic-webhook.md'),
          response: { 200: IntakeResponse, ...intakeErrors },
        },
      },
      async (req) => {
        const pathKey = (req.params as { key?: string }).key;
        const alerts = await runIntake(req, pathKey, 'generic', (body) => {
          const parsed = parseGenericEvent(body);
          if ('problems' in parsed) return { events: [], problems: parsed.problems };
          const dedupKey = parsed.event.dedupKey ?? intake.newDedupKey();
          return { events: [{ ...parsed.event, dedupKey }], problems: [] };
        });
        return { status: 'success' as const, alerts };
      },
    );
  }

  registerPagerDutyRoutes(app, services);
}

/** PagerDuty's envelope for every answer on its API, errors included: its clients parse nothing else. */
function pdErrorHandler() {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      void reply.status(413).send({
        status: 'Request Entity Too Large',
        message: 'Event object is too large',
        errors: [`The request body must be at most ${PD_BODY_LIMIT} bytes`],
      } satisfies PdResponse);
      return;
    }
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.validation) {
      void reply.status(400).send(pdUnrecognized('JSON parse error'));
      return;
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      void reply.status(400).send(pdUnrecognized('Content-Type must be application/json'));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // A database restart or failover: PagerDuty clients retry 5xx; the outage is logged once, by db.health.
      void reply
        .status(503)
        .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
        .send({
          status: 'error',
          message: 'Database unavailable',
          errors: [`The database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`],
        } satisfies PdResponse);
      return;
    }
    req.log.error({ err }, 'pagerduty intake failed');
    void reply.status(500).send({
      status: 'error',
      message: 'Internal error',
      errors: [`Quote request id ${req.id}`],
    } satisfies PdResponse);
  };
}

function registerPagerDutyRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { intakeLimiter: limiter, integrationKeys: keys, intake, changes } = services;
  const busy = (reply: FastifyReply) =>
    reply.status(429).header('retry-after', String(RETRY_AFTER_SECONDS)).send({
      status: 'throttle event',
      message: 'Requests for this service are arriving too quickly. Please retry later.',
    });

  const authenticate = (routingKey: string, sources: IntegrationSource[]): Promise<IntakeKey | null> =>
    keys.authenticate(routingKey, sources);
  /** The fair-queueing bucket: the routing key as sent (see IntakeLimiter). */
  const bucketOf = (body: unknown): string | undefined => {
    const k = (body as { routing_key?: unknown } | null)?.routing_key;
    return typeof k === 'string' ? k : undefined;
  };

  // Alertmanager's pagerduty_config posts to whatever url is configured: both the PagerDuty path and a prefixed one.
  for (const url of ['/v2/enqueue', '/integrations/pagerduty/v2/enqueue']) {
    r.post(
      url,
      {
        config: { auth: 'integration' },
        bodyLimit: PD_BODY_LIMIT,
        errorHandler: pdErrorHandler(),
        schema: {
          tags: ['intake'],
          summary: 'PagerDuty Events API v2: trigger, acknowledge, resolve. routing_key is a Muster integration key.',
          security: [],
          body: IntakeBody('A PagerDuty Events API v2 event; see docs/integrations/pagerduty-events.md'),
          response: { 202: PdResponseSchema, 400: PdResponseSchema, 413: PdResponseSchema, 429: PdResponseSchema },
        },
      },
      async (req, reply) => {
        const result = await limiter.run(async () => {
          const parsed = parsePagerDutyEvent(req.body);
          if ('errors' in parsed) return { code: 400 as const, body: pdInvalid(parsed.errors) };
          const { event } = parsed;
          // PagerDuty answers 400 "Invalid routing key" for a key it does not know.
          const key = await authenticate(event.routingKey, ['pagerduty']);
          if (!key) return { code: 400 as const, body: pdInvalid(['Invalid routing key']) };
          const dedupKey = event.dedupKey ?? intake.newDedupKey();
          const alert: IntakeEvent = event.alert
            ? { ...event.alert, action: event.action, dedupKey }
            : {
                action: event.action,
                dedupKey,
                startsAt: null,
                endsAt: null,
                summary: '',
                description: '',
                severity: 'error',
                labels: {},
                annotations: {},
                links: [],
                groupKey: null,
                groupName: '',
              };
          try {
            await intake.ingest(key, 'pagerduty', [alert], req.body);
          } catch (e) {
            if (e instanceof AppError && e.code === 'intake_busy') return null; // the commit queue is full: 429
            throw e;
          }
          return { code: 202 as const, body: pdSuccess(dedupKey) };
        }, bucketOf(req.body));
        if (!result?.value) return busy(reply);
        return reply.status(result.value.code).send(result.value.body);
      },
    );
  }

  for (const url of ['/v2/change/enqueue', '/integrations/pagerduty/v2/change/enqueue']) {
    r.post(
      url,
      {
        config: { auth: 'integration' },
        bodyLimit: PD_BODY_LIMIT,
        errorHandler: pdErrorHandler(),
        schema: {
          tags: ['intake'],
          summary: 'PagerDuty change events: record a deploy or config change against the service',
          security: [],
          body: IntakeBody('A PagerDuty change event'),
          response: { 202: PdResponseSchema, 400: PdResponseSchema, 413: PdResponseSchema, 429: PdResponseSchema },
        },
      },
      async (req, reply) => {
        const result = await limiter.run(async () => {
          const parsed = parsePagerDutyChange(req.body);
          if ('errors' in parsed) return { code: 400 as const, body: pdInvalid(parsed.errors) };
          const key = await authenticate(parsed.event.routingKey, ['change', 'pagerduty']);
          if (!key) return { code: 400 as const, body: pdInvalid(['Invalid routing key']) };
          const { summary, source, at, links, details } = parsed.event;
          await changes.record(key, { summary, source, at, links, details }, req.body);
          return { code: 202 as const, body: { status: 'success', message: 'Change event processed' } };
        }, bucketOf(req.body));
        if (!result) return busy(reply);
        return reply.status(result.value.code).send(result.value.body);
      },
    );
  }
}
