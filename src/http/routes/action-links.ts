/**
 * One-click acknowledge/resolve links from notifications, at /a/<token> (and a responder page's link, which
 * acknowledges the responder request: `respond`). Public: the signed token is the
 * credential. GET shows a confirmation page and changes nothing, because mail scanners and chat unfurlers fetch
 * every link; only the POST from that page's button acts. Responses are small HTML pages, not the JSON envelope.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { systemActor } from '../../identity/index.js';
import type { ActionLinkClaim } from '../../notify/links.js';
import { isAppError } from '../../shared/errors.js';
import type { Services } from '../services.js';
import {
  confirmPage,
  donePage,
  escapeHtml,
  htmlPage,
  responderConfirmPage,
  responderDonePage,
  safeHref,
  type LinkPageView,
  type ResponderLinkView,
} from './action-link-page.js';

// A wildcard, not `:token`: signed tokens are longer than the router's 100-character limit for named parameters.
const Params = Type.Object({ '*': Type.String({ minLength: 10, maxLength: 2000 }) });

const HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

function send(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').headers(HEADERS).send(html);
}

function errorPage(reply: FastifyReply, e: unknown): FastifyReply {
  const say = (status: number, title: string, message: string) =>
    send(reply, status, htmlPage(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`));
  if (isAppError(e) && e.status < 500) return say(e.status, 'This link cannot be used', e.message);
  if (isAppError(e) && e.code === 'action_links_unavailable') return say(503, 'Not available', e.message);
  throw e;
}

/**
 * What the page shows of a link's alert: its title, service, state, summary and runbooks, read as the system (the
 * signed link is the credential; the page shows the person no more than the page they were sent). A part that
 * cannot be read is left out rather than failing the page: the buttons matter most.
 */
async function viewOf(services: Services, claim: ActionLinkClaim): Promise<LinkPageView> {
  const actor = systemActor('action link');
  const now = services.clock.now();
  const alert = await services.alerts.get(actor, claim.alertId).catch(() => null);
  const [service, runbooks, recipient, other] = await Promise.all([
    alert ? services.catalog.get(actor, alert.serviceId).catch(() => null) : null,
    alert ? services.runbooks.forAlert(alert.id).catch(() => null) : null,
    services.identity.getUser(claim.userId).catch(() => null),
    services.actionLinks.sibling(claim).catch(() => null),
  ]);
  return {
    alertId: claim.alertId,
    alert: alert && {
      id: alert.id,
      summary: alert.summary,
      description: alert.description,
      severity: alert.severity,
      status: alert.status,
      serviceName: service?.name ?? null,
      firstSeenAt: alert.firstSeenAt,
      acknowledgedAt: alert.acknowledgedAt,
      acknowledgedByLabel: alert.acknowledgedByLabel,
      resolvedAt: alert.resolvedAt,
      resolvedByLabel: alert.resolvedByLabel,
    },
    recipient: recipient?.email ?? null,
    action: claim.action,
    other,
    runbooks: (runbooks?.items ?? []).map((i) => ({
      title: i.runbook.title,
      path: `/runbooks/${encodeURIComponent(i.runbook.id)}`,
    })),
    externalRunbook: safeHref(runbooks?.externalUrl),
    now,
  };
}

/** What a responder link's page shows: the incident and the request, read as the system (the link is the credential). */
async function responderViewOf(services: Services, claim: ActionLinkClaim): Promise<ResponderLinkView> {
  const { requestId, incidentId } = claim.responder!;
  const [incident, requests, recipient] = await Promise.all([
    services.incidents.get(incidentId).then(
      (d) => ({ id: d.incident.id, title: d.incident.title, severity: d.incident.severity, status: d.incident.status }),
      () => null,
    ),
    services.responders.list(incidentId).catch(() => []),
    services.identity.getUser(claim.userId).catch(() => null),
  ]);
  const r = requests.find((q) => q.id === requestId) ?? null;
  const targetLabel = !r
    ? ''
    : r.target.type === 'policy'
      ? `the escalation policy ${r.target.name}`
      : r.target.type === 'schedule'
        ? `whoever is on call for ${r.target.name}`
        : r.target.name;
  return {
    incident: incident ?? null,
    incidentId,
    request: r && {
      state: r.state,
      message: r.message,
      requestedBy: r.requestedBy.label,
      targetLabel,
      respondedBy: r.respondedBy.label,
    },
    recipient: recipient?.email ?? null,
    now: services.clock.now(),
  };
}

/** Registered in its own encapsulated scope: the form-encoded body parser applies to these routes only. */
export async function registerActionLinkRoutes(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    const schema = { hide: true, params: Params };

    r.get('/a/*', { config: { auth: 'public' }, schema }, async (req, reply) => {
      try {
        const claim = await services.actionLinks.inspect(req.params['*'], services.clock.now());
        if (claim.action === 'respond')
          return send(reply, 200, responderConfirmPage(await responderViewOf(services, claim)).html);
        return send(reply, 200, confirmPage(await viewOf(services, claim)).html);
      } catch (e) {
        return errorPage(reply, e);
      }
    });

    r.post('/a/*', { config: { auth: 'public' }, schema }, async (req, reply) => {
      try {
        const claim = await services.actionLinks.use(req.params['*'], req.ip || null);
        if (claim.action === 'respond')
          return send(reply, 200, responderDonePage(await responderViewOf(services, claim)).html);
        return send(reply, 200, donePage(await viewOf(services, claim)).html);
      } catch (e) {
        return errorPage(reply, e);
      }
    });
  });
}
