/**
 * Alert intake. Each route checks its own integration key (auth level `integration`), parses its vendor format
 * (src/alerts/<source>.ts), and answers 2xx only after the transaction holding the event has committed (deliveries
 * arriving together share one transaction: group commit in IntakeService).
 * Intake is bounded (IntakeLimiter): when full, Muster answers 503 (429 on the PagerDuty API) with Retry-After,
 * which Alertmanager and PagerDuty clients retry, instead of queueing without limit; and a delivery that could not
 * be applied within intake.deadlineMs of asking for a slot is refused the same way, before its client gives up.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  INTAKE_ERRORS_PAGE_MAX,
  PD_BODY_LIMIT,
  describeProblems,
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
  type RejectedItem,
} from '../../alerts/index.js';
import type { IntakeKey, IntegrationSource } from '../../catalog/index.js';
import type { IntakeEventOutcome } from '../metrics.js';
import { isDatabaseUnavailable } from '../../db/health.js';
import { toIso } from '../../shared/clock.js';
import { AppError, validationError, type FieldProblem } from '../../shared/errors.js';
import { actorOf } from '../auth.js';
import { MAX_BODY_DEPTH, nestsDeeperThan } from '../body-depth.js';
import { openBody } from '../closed-schemas.js';
import { ErrorEnvelope, Timestamp, withErrors } from '../schemas.js';
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

/** A monitor's own payload: open on purpose, read field by field by its intake parser (never spread into a row). */
const IntakeBody = (description: string) =>
  openBody(description, "a monitor's payload, read field by field by its source's parser");

const OutcomeSchema = Type.Object({
  dedupKey: Type.String(),
  outcome: Type.String({ description: 'created, updated, acknowledged, resolved or ignored' }),
  alertId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Optional(Type.String()),
});

const RejectedSchema = Type.Object({
  index: Type.Union([Type.Integer(), Type.Null()], { description: 'Position in the alerts array' }),
  field: Type.String(),
  reason: Type.String(),
});

const IntakeResponse = Type.Object({
  status: Type.Literal('success'),
  alerts: Type.Array(OutcomeSchema),
  rejected: Type.Optional(
    Type.Array(RejectedSchema, {
      description: "Alerts that could not be applied (the others were); each is in the service's intake error log",
    }),
  ),
});

/**
 * A body the JSON parser could not read. The vendor routes take it to the handler instead of failing in the parser,
 * so that, when the integration key is valid, the service's owners see what arrived (the sender still gets 400).
 */
class UnreadableBody {
  constructor(
    readonly text: string,
    readonly problem: FieldProblem,
  ) {}
}

const IntakeErrorSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  integrationKeyId: Type.String(),
  payloadId: Type.Union([Type.String(), Type.Null()], {
    description: 'The stored delivery the item came in, when its other alerts were applied',
  }),
  source: Type.String(),
  itemIndex: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Position in the alerts array; null: all of it',
  }),
  field: Type.String(),
  reason: Type.String(),
  rawItem: Type.String({ description: 'The item as received, at most 16 KiB' }),
  rawTruncated: Type.Boolean(),
  receivedAt: Timestamp,
});

interface IntakeReply {
  status: 'success';
  alerts: IntakeOutcome[];
  rejected?: { index: number | null; field: string; reason: string }[];
}

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

/** What one applied event came to, for `muster_intake_events_total`: repeats and folded re-sends are deduplicated. */
export function intakeEventOutcome(o: IntakeOutcome['outcome']): IntakeEventOutcome {
  return o === 'updated' || o === 'ignored' ? 'deduplicated' : 'accepted';
}

function intakeCounters(services: Services) {
  const countIntake = (source: string, outcome: IntakeEventOutcome, n = 1): void => {
    if (n > 0) services.metrics.intakeEvents.inc({ source, outcome }, n);
  };
  const countOutcomes = (source: string, alerts: IntakeOutcome[]): void => {
    for (const a of alerts) countIntake(source, intakeEventOutcome(a.outcome));
  };
  return { countIntake, countOutcomes };
}

export function registerIntakeRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { intakeLimiter: limiter, integrationKeys: keys, intake } = services;
  const { countIntake, countOutcomes } = intakeCounters(services);

  /**
   * Authenticate and ingest inside a limiter slot; throws the Muster errors for the Muster-style endpoints. Alerts
   * that cannot be applied are recorded on the service and named in `rejected`; the others are applied (2xx). A
   * message with nothing readable in it is a 400, and is recorded on the service too when the key is valid.
   */
  async function runIntake(
    req: FastifyRequest,
    pathKey: string | undefined,
    source: AlertSource,
    parse: (body: unknown) => ParsedIntake,
  ): Promise<IntakeReply> {
    // Intake queues fairly by the key as presented (before it is checked): one noisy monitor cannot crowd out the rest.
    const plaintext = intakeKeyFrom(req, pathKey);
    let result: Awaited<ReturnType<typeof limiter.run<{ alerts: IntakeOutcome[]; rejected: RejectedItem[] }>>>;
    try {
      result = await limiter.run(async (deadline) => {
        const key = plaintext ? await keys.authenticate(plaintext, [source]) : null;
        if (!key) {
          countIntake(source, 'rejected');
          throw invalidIntegrationKey();
        }
        const body: unknown = req.body;
        const parsed: ParsedIntake =
          body instanceof UnreadableBody ? { events: [], rejected: [], problems: [body.problem] } : parse(body);
        if (parsed.problems.length) {
          const item: RejectedItem = {
            index: null,
            item: body instanceof UnreadableBody ? body.text : body,
            problems: parsed.problems,
          };
          await intake.recordUnreadable(key, source, item);
          services.metrics.intakeRejected.inc({ source });
          countIntake(source, 'rejected');
          throw validationError(parsed.problems);
        }
        const alerts = await intake.ingest(key, source, parsed.events, body, parsed.rejected, deadline);
        return { alerts, rejected: parsed.rejected };
      }, plaintext ?? undefined);
    } catch (e) {
      if (e instanceof AppError && e.code === 'intake_busy') countIntake(source, 'throttled');
      throw e;
    }
    if (!result) {
      countIntake(source, 'throttled');
      throw intakeBusy(RETRY_AFTER_SECONDS);
    }
    const { alerts, rejected } = result.value;
    countOutcomes(source, alerts);
    if (!rejected.length) return { status: 'success', alerts };
    services.metrics.intakeRejected.inc({ source }, rejected.length);
    countIntake(source, 'rejected', rejected.length);
    return {
      status: 'success',
      alerts,
      rejected: rejected.map((r) => ({ index: r.index, ...describeProblems(r.problems) })),
    };
  }

  // The Muster-style routes read JSON in a scope of their own: a body that is not JSON reaches the handler as an
  // UnreadableBody, so it can be recorded on the service its key names (and still answered 400).
  void app.register(async (scope) => {
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    const json = scope.getDefaultJsonParser('error', 'error');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => {
      const raw = String(text);
      if (nestsDeeperThan(raw, MAX_BODY_DEPTH)) {
        const message = `nests objects or arrays more than ${MAX_BODY_DEPTH} deep`;
        done(null, new UnreadableBody(raw, { field: 'body', message }));
        return;
      }
      void json(req, raw, (err, value) => {
        if (!err) return done(null, value);
        const message = raw.trim() === '' ? 'is empty' : `is not valid JSON (${err.message})`;
        done(null, new UnreadableBody(raw, { field: 'body', message }));
      });
    });

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
            return runIntake(req, pathKey, source, parse);
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
          return runIntake(req, pathKey, 'generic', (body) => {
            const parsed = parseGenericEvent(body);
            if ('problems' in parsed) return { events: [], problems: parsed.problems, rejected: [] };
            const dedupKey = parsed.event.dedupKey ?? intake.newDedupKey();
            return { events: [{ ...parsed.event, dedupKey }], problems: [], rejected: [] };
          });
        },
      );
    }
  });

  r.get(
    '/api/services/:service/intake-errors',
    {
      // Members of the owning team (viewers too) and organisation administrators (access.ts; checked below too).
      config: { access: 'viewer@service' },
      schema: {
        tags: ['intake'],
        summary:
          "The service's intake error log, newest first: alerts its monitors sent that could not be applied (team members)",
        params: Type.Object({ service: Type.String({ maxLength: 100, description: 'Service id or slug' }) }),
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: INTAKE_ERRORS_PAGE_MAX, default: 50 })),
          before: Type.Optional(Type.String({ maxLength: 100, description: 'Errors older than this id (keyset)' })),
        }),
        response: withErrors({
          200: Type.Object({
            intakeErrors: Type.Array(IntakeErrorSchema),
            nextBefore: Type.Union([Type.String(), Type.Null()], { description: 'Pass as before for the next page' }),
          }),
        }),
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const service = await services.catalog.get(actor, req.params.service);
      await services.teams.requireRole(actor, service.teamId, 'viewer');
      const page = await intake.listErrors(service.id, { before: req.query.before, limit: req.query.limit ?? 50 });
      return {
        intakeErrors: page.errors.map((e) => ({ ...e, receivedAt: toIso(e.receivedAt) })),
        nextBefore: page.nextBefore,
      };
    },
  );

  registerPagerDutyRoutes(app, services);
}

/** PagerDuty's envelope for every answer on its API, errors included: its clients parse nothing else. */
function pdErrorHandler() {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    if (err instanceof AppError && err.status < 500) {
      // Refused before the handler (a body nested too deep, …): still PagerDuty's shape.
      void reply.status(err.status).send(pdUnrecognized(err.message));
      return;
    }
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
  const { countIntake, countOutcomes } = intakeCounters(services);
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

  /** An invalid event whose routing key is a valid key goes to that service's intake error log (still a 400). */
  async function recordInvalidPdEvent(body: unknown, errors: string[]): Promise<void> {
    const routingKey = bucketOf(body)?.trim();
    const key = routingKey ? await authenticate(routingKey, ['pagerduty']) : null;
    if (!key) return;
    // PagerDuty's wording names the field first ("'payload.summary' is missing or blank").
    const problems = errors.map((e) => {
      const field = /^'([^']+)' /.exec(e)?.[1];
      return field ? { field, message: e.slice(field.length + 3) } : { field: 'body', message: e };
    });
    await intake.recordUnreadable(key, 'pagerduty', { index: null, item: body, problems });
    services.metrics.intakeRejected.inc({ source: 'pagerduty' });
  }

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
        const result = await limiter.run(async (deadline) => {
          const parsed = parsePagerDutyEvent(req.body);
          if ('errors' in parsed) {
            countIntake('pagerduty', 'rejected');
            await recordInvalidPdEvent(req.body, parsed.errors);
            return { code: 400 as const, body: pdInvalid(parsed.errors) };
          }
          const { event } = parsed;
          // PagerDuty answers 400 "Invalid routing key" for a key it does not know.
          const key = await authenticate(event.routingKey, ['pagerduty']);
          if (!key) {
            countIntake('pagerduty', 'rejected');
            return { code: 400 as const, body: pdInvalid(['Invalid routing key']) };
          }
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
            countOutcomes('pagerduty', await intake.ingest(key, 'pagerduty', [alert], req.body, [], deadline));
          } catch (e) {
            // The commit queue is full, or the event's batch had not started by its deadline: 429.
            if (e instanceof AppError && e.code === 'intake_busy') return null;
            throw e;
          }
          return { code: 202 as const, body: pdSuccess(dedupKey) };
        }, bucketOf(req.body));
        if (!result?.value) {
          countIntake('pagerduty', 'throttled');
          return busy(reply);
        }
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
