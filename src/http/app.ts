import { registerIncidentBridgeRoutes } from './routes/incident-bridge.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { redactUrl } from '../shared/logger.js';
import { installAccess } from './access.js';
import { installAuth } from './auth.js';
import { webAppHeaders } from './web-headers.js';
import { MAX_BODY_DEPTH, nestsDeeperThan } from './body-depth.js';
import { answerClientError } from './client-errors.js';
import { installClosedBodies } from './closed-schemas.js';
import { installResponseCheck } from './response-check.js';
import { installErrorHandling, sendError } from './errors.js';
import { documentRoute, finishDocument } from './openapi.js';
import { registerActionLinkRoutes } from './routes/action-links.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerPagingRoutes } from './routes/paging.js';
import { registerAlertQualityRoutes } from './routes/alert-quality.js';
import { registerChangeHookRoutes } from './routes/change-hooks.js';
import { registerChangeRoutes } from './routes/changes.js';
import { registerConfigCodeRoutes } from './routes/config-code.js';
import { registerImportRoutes } from './routes/import.js';
import { registerSilenceRoutes } from './routes/silences.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerIncidentRoutes } from './routes/incidents.js';
import { registerIncidentSummaryRoutes } from './routes/incident-summary.js';
import { registerIncidentFindingsRoutes } from './routes/incident-findings.js';
import { registerInsightRoutes } from './routes/insights.js';
import { registerInsightRecurrenceRoutes } from './routes/insights-recurrence.js';
import { registerInsightPagingRoutes } from './routes/insights-paging.js';
import { registerInsightLearningRoutes } from './routes/insights-learning.js';
import { registerInsightRespondersRoutes } from './routes/insights-responders.js';
import { registerInsightAlertQualityRoutes } from './routes/insights-alert-quality.js';
import { registerStatusPageRoutes } from './routes/statuspage.js';
import { registerStatusPagePublicRoutes } from './routes/statuspage-public.js';
import { registerEscalationRoutes } from './routes/escalation.js';
import { registerEscalationPreviewRoutes } from './routes/escalation-preview.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerIntakeRoutes } from './routes/intake.js';
import { registerNotifyRoutes } from './routes/notify.js';
import { registerWebAppFiles } from './routes/web-app-files.js';
import { registerOncallRoutes } from './routes/oncall.js';
import { registerOncallReportRoutes } from './routes/oncall-reports.js';
import { registerPostmortemRoutes } from './routes/postmortems.js';
import { registerPostmortemAnalysisRoutes } from './routes/postmortem-analysis.js';
import { registerActionItemRoutes } from './routes/action-items.js';
import { registerBlameRoutes } from './routes/blame.js';
import { registerGamedayRoutes } from './routes/gamedays.js';
import { registerGamedayLiveRoutes } from './routes/gameday-live.js';
import { registerSlackRoutes } from './routes/slack.js';
import { registerSystemRoutes } from './routes/system.js';
import { trackEventStreams } from './sse.js';
import { readTlsFiles } from './tls.js';
import { registerTeamRoutes } from './routes/teams.js';
import { registerTokenRoutes } from './routes/tokens.js';
import { registerUserRoutes } from './routes/users.js';
import { registerRunbookRoutes } from './routes/runbooks.js';
import { registerRemediationRoutes } from './routes/remediation.js';
import { registerAgentRoutes } from './routes/agents.js';
import { registerAutomationRoutes } from './routes/automation.js';
import { registerPeopleRoutes } from './routes/people.js';
import { registerPeopleLedgerRoutes } from './routes/people-ledger.js';
import type { Services } from './services.js';

const addFormats = addFormatsModule.default;
const AJV_BASE = { removeAdditional: true, useDefaults: true, allErrors: true, strict: false } as const;
const ajvBody = addFormats(new Ajv({ ...AJV_BASE, coerceTypes: false }));
const ajvParts = addFormats(new Ajv({ ...AJV_BASE, coerceTypes: 'array' }));

/** Built web UI: web/dist beside the package root (from src/http or dist/http alike). */
export function webDistDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');
}

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const tls = readTlsFiles(services.config);
  const app: FastifyInstance = Fastify({
    // An optional TLS listener (src/http/tls.ts); the instance is typed as the http one, which it serves the same.
    ...((tls ? { https: tls } : {}) as object),
    // pino's Logger type is wider than Fastify's logger interface; tsc needs the narrowing, the linter disagrees.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: services.log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: services.config.bodyLimitBytes,
    trustProxy: services.config.trustProxy,
    genReqId: () => newId('req'),
    requestIdHeader: false,
    // Our own onResponse line replaces Fastify's, so URLs are logged with integration keys and tokens redacted.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors Node's HTTP parser raises before there is a request (a URL over 16 KiB): the envelope too.
    clientErrorHandler: answerClientError,
    // Errors Fastify answers before routing (a path parameter over maxParamLength, a malformed URL): the envelope.
    frameworkErrors: (err, req, reply) => {
      void reply.header('x-request-id', req.id);
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void sendError(
        reply,
        req,
        tooLong
          ? new AppError('path_parameter_too_long', 'A path parameter is longer than 100 characters.', { status: 414 })
          : new AppError('bad_url', 'The URL is not valid.', { status: 400 }),
      );
    },
  });

  // JSON bodies: Fastify's parser (prototype poisoning refused), behind a nesting bound (body-depth.ts).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    // An action sent with content-type JSON and no body (ack, resolve, …: clients and generators do) has none.
    if ((body as string).trim() === '') {
      done(null, undefined);
      return;
    }
    if (nestsDeeperThan(body as string, MAX_BODY_DEPTH)) {
      done(
        new AppError('body_too_deep', `The body nests objects or arrays more than ${MAX_BODY_DEPTH} deep.`, {
          status: 400,
        }),
        undefined,
      );
      return;
    }
    void parseJson(req, body as string, done);
  });

  // Query strings, params and headers arrive as text and are coerced to the schema's types; JSON bodies are not:
  // coercion inside a union would turn a null into 0 or "" before the null branch is tried.
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajvBody : ajvParts).compile(schema));
  installErrorHandling(app);
  // Closed bodies by default: every object in a route's body schema refuses or strips fields it does not declare
  // (closed-schemas.ts). Before swagger, so the OpenAPI document shows the closed schemas.
  installClosedBodies(app);
  // Every route declares who may call it (access.ts); registered before any route, plugins' included.
  installAccess(app);
  await app.register(cookie);

  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  // Development aid: lines for answers whose response schema left out what the handler returned (response-check.ts).
  if (services.config.responseDiffsFile) installResponseCheck(app, services.config.responseDiffsFile);
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    services.metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, seconds);
    // A route that must not be logged (logLevel 'silent', the pulse answer): its failures still show, without the
    // path, the request id or the caller.
    if (req.routeOptions.logLevel === 'silent') {
      if (reply.statusCode >= 500)
        services.log.error({ component: 'http', status: reply.statusCode }, 'request failed on an unlogged route');
      return;
    }
    req.log.info(
      {
        method: req.method,
        url: redactUrl(req.url),
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Muster API',
        version: '0.1.0',
        description:
          'Authenticate with a personal API token (`Authorization: Bearer mst_…`) or the session cookie plus the ' +
          '`X-CSRF-Token` header. Errors share one envelope: `{ error: { code, message, details? }, requestId }`.',
        contact: { name: 'Muster maintainers' },
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Operation ids, tags, descriptions and success media types where a route sets none (openapi.ts).
    transform: documentRoute,
    transformObject: (d) => finishDocument('openapiObject' in d ? (d.openapiObject as Record<string, unknown>) : {}),
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  // The docs page sits behind sign-in; the document itself is public (it holds no secrets), for client generators.

  // Server-sent event streams count themselves in muster_live_streams_open (src/http/sse.ts).
  trackEventStreams(app, services.metrics.liveStreams);
  installAuth(app, services);

  registerSystemRoutes(app, services);
  registerAuthRoutes(app, services);
  registerUserRoutes(app, services);
  registerTeamRoutes(app, services);
  registerTokenRoutes(app, services);
  registerAdminRoutes(app, services);
  registerIncidentRoutes(app, services);
  registerIncidentSummaryRoutes(app, services);
  registerIncidentFindingsRoutes(app, services);
  registerInsightRoutes(app, services);
  registerInsightRecurrenceRoutes(app, services);
  registerInsightPagingRoutes(app, services);
  registerInsightLearningRoutes(app, services);
  registerInsightRespondersRoutes(app, services);
  registerInsightAlertQualityRoutes(app, services);
  registerStatusPageRoutes(app, services);
  await registerStatusPagePublicRoutes(app, services);
  registerEscalationRoutes(app, services);
  registerEscalationPreviewRoutes(app, services);
  registerCatalogRoutes(app, services);
  registerAlertRoutes(app, services);
  registerPagingRoutes(app, services);
  registerAlertQualityRoutes(app, services);
  registerRunbookRoutes(app, services);
  registerRemediationRoutes(app, services);
  registerAgentRoutes(app, services);
  registerAutomationRoutes(app, services);
  registerPeopleRoutes(app, services);
  registerPeopleLedgerRoutes(app, services);
  registerSilenceRoutes(app, services);
  registerChangeRoutes(app, services);
  registerConfigCodeRoutes(app, services);
  registerImportRoutes(app, services);
  await registerChangeHookRoutes(app, services);
  registerIncidentBridgeRoutes(app, services);
  registerIntakeRoutes(app, services);
  registerNotifyRoutes(app, services);
  registerOncallRoutes(app, services);
  registerOncallReportRoutes(app, services);
  registerPostmortemRoutes(app, services);
  registerPostmortemAnalysisRoutes(app, services);
  registerActionItemRoutes(app, services);
  registerBlameRoutes(app, services);
  registerGamedayRoutes(app, services);
  registerGamedayLiveRoutes(app, services);
  await registerActionLinkRoutes(app, services);
  await registerSlackRoutes(app, services);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerWebAppFiles(app, services, webDistDir()); // manifest, service worker and icons at the root
  await serveWeb(app);
  return app;
}

/** The React app: hashed assets from web/dist, and index.html for every other GET that is not an API path. */
async function serveWeb(app: FastifyInstance): Promise<void> {
  const dir = webDistDir();
  const indexPath = join(dir, 'index.html');
  const hasWeb = existsSync(indexPath);
  if (hasWeb) {
    // The hashed bundles are public (no data in them): the sign-in page needs them before anyone is signed in.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/assets/')) route.config = { ...(route.config ?? {}), auth: 'public' };
    });
    await app.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      wildcard: true,
      decorateReply: false,
      setHeaders: (res) => {
        res.setHeader('x-content-type-options', 'nosniff');
      },
    });
  }
  const apiLike = /^\/(api|integrations|v2|metrics|healthz|readyz)(\/|$|\?)/;
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !apiLike.test(req.url) && hasWeb) {
      return webAppHeaders(reply)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(readFileSync(indexPath));
    }
    return sendError(
      reply,
      req,
      new AppError('route_not_found', `No route ${req.method} ${req.url.split('?')[0]}.`, { status: 404 }),
    );
  });
}
