/**
 * Who may call each route: one named access policy per route (method + URL), declared in ROUTE_ACCESS below or in the
 * route's own `config: { access }`. The app refuses to start when a route declares none (installAccess), and the auth
 * hook (auth.ts) enforces the policy in `onRequest`, before the body is parsed or validated, so an anonymous or
 * unauthorised caller learns nothing about a route's fields. Policies that name a resource (`responder@service`,
 * `incident-actor`, …) find its owning team through the domain services; the services check again where the team is
 * only known from the body (a service's team on create, a referenced policy's team, …). docs/security.md has the
 * matrix in prose; src/http/authz-matrix.int.test.ts checks every route against every role.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Actor } from '../identity/index.js';
import { AppError, forbidden } from '../shared/errors.js';
import type { Services } from './services.js';

/** A resource whose owning team a policy checks, found from the route's path parameters. */
export type Owned =
  | 'team'
  | 'service'
  | 'schedule'
  | 'policy'
  | 'silence'
  | 'alert'
  | 'runbook'
  | 'action'
  | 'run'
  | 'agent'
  | 'automation-rule';
export type TeamLevel = 'viewer' | 'responder' | 'admin' | 'owner';

export type Access =
  /** Anyone, signed in or not (health, sign-in, the public status page, one-click links, web assets). */
  | 'public'
  /** Monitors and Slack: the route checks its own integration key or signature; user credentials grant nothing. */
  | 'integration'
  /** Prometheus: the metrics token or an organisation administrator (the route checks). */
  | 'metrics'
  /** Any signed-in user: reads, and actions on what is one's own (the service checks whose it is). */
  | 'signed-in'
  /** The user named by the path (`/api/users/:id/…`) or an organisation administrator. */
  | 'self'
  /** Organisation administrators only. */
  | 'org-admin'
  /** A responder (or more) of at least one team: declare an incident, create a silence or record a change. */
  | 'any-responder'
  /** An admin (or owner) of at least one team: create a service, schedule or policy (the service checks which team). */
  | 'any-team-admin'
  /** Responders of an affected service's team, the incident's role holders, organisation administrators. */
  | 'incident-actor'
  /** The incident's Communications Lead or Incident Commander, organisation administrators (the public page). */
  | 'incident-comms'
  /** A post-mortem's owner, its reviewers, whoever may act on its incident, organisation administrators. */
  | 'postmortem-actor'
  /** Whoever was paged for the alert, responders of its service's team, organisation administrators. */
  | 'paged-or-responder@alert'
  /** The team member named by the path (leaving a team), or an admin of the team. */
  | 'self-or-admin@team'
  /** The person named by the path, or an admin of one of their teams (who sees a failing contact method). */
  | 'self-or-their-team-admin'
  /** The action item's owner, responders (or more) of its team, organisation administrators. */
  | 'action-item-actor'
  /** Responders (or more) of the game day's team, its facilitator, organisation administrators. */
  | 'gameday-actor'
  /** Responders (or more) of the run's team, the Incident Commander of its incident, organisation administrators. */
  | 'run-decider'
  /** At least this role in the team that owns the resource named by the path (organisation administrators always). */
  | `${TeamLevel}@${Owned}`;

const SIGNED_IN: Access = 'signed-in';

/**
 * The route table's declarations, keyed `METHOD url` (HEAD follows GET). A route not listed here must declare
 * `config: { access }` itself; one that does neither stops the app from starting.
 */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  // Health, sign-in, the public status page, action links, web assets and the API docs page.
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'metrics',
  'POST /api/auth/sign-in': 'public',
  'POST /api/auth/sign-out': SIGNED_IN,
  'GET /api/auth/session': SIGNED_IN,
  'POST /api/auth/link': 'public',
  'GET /status': 'public',
  'POST /status/subscribe': 'public',
  'GET /status/subscribers/:id/confirm': 'public',
  'POST /status/subscribers/:id/confirm': 'public',
  'GET /status/subscribers/:id/unsubscribe': 'public',
  'POST /status/subscribers/:id/unsubscribe': 'public',
  'GET /api/public/status': 'public',
  'POST /api/public/status/subscribers': 'public',
  'POST /api/public/status/subscribers/:id/confirm': 'public',
  'POST /api/public/status/subscribers/:id/unsubscribe': 'public',
  'GET /a/*': 'public',
  'POST /a/*': 'public',
  'GET /assets/*': 'public',
  'GET /sw.js': 'public',
  'GET /manifest.webmanifest': 'public',
  'GET /icons/:file': 'public',
  'GET /api/users/:id/feed.ics': 'public',
  'GET /api/schedules/:id/feed.ics': 'public',
  'GET /api/openapi.json': 'public',
  'GET /api/docs': SIGNED_IN,
  'GET /api/docs/': SIGNED_IN,
  'GET /api/docs/static/index.html': SIGNED_IN,
  'GET /api/docs/static/swagger-initializer.js': SIGNED_IN,
  'GET /api/docs/static/*': SIGNED_IN,
  'GET /api/docs/json': 'public',
  'GET /api/docs/yaml': 'public',
  'GET /api/docs/*': SIGNED_IN,

  // Intake and Slack: integration keys and signatures.
  'POST /integrations/alertmanager': 'integration',
  'POST /integrations/alertmanager/:key': 'integration',
  'POST /integrations/grafana': 'integration',
  'POST /integrations/grafana/:key': 'integration',
  'POST /integrations/generic': 'integration',
  'POST /integrations/generic/:key': 'integration',
  'POST /integrations/pagerduty/v2/enqueue': 'integration',
  'POST /integrations/pagerduty/v2/change/enqueue': 'integration',
  'POST /v2/enqueue': 'integration',
  'POST /v2/change/enqueue': 'integration',
  'POST /integrations/change/:key': 'integration',
  'POST /integrations/slack/events': 'integration',
  'POST /integrations/slack/interactions': 'integration',

  // Operations: the audit log, jobs, diagnostics.
  'GET /api/audit-events': 'org-admin',
  'GET /api/jobs': 'org-admin',
  'GET /api/jobs/:id': 'org-admin',
  'POST /api/jobs/:id/retry': 'org-admin',
  'GET /api/diagnostics/probes': 'org-admin',
  'POST /api/diagnostics/probes': 'org-admin',

  // People: everyone reads the directory; profiles, contact methods and rules are one's own.
  'GET /api/me': SIGNED_IN,
  'GET /api/users': SIGNED_IN,
  'POST /api/users': 'org-admin',
  'GET /api/users/:id': SIGNED_IN,
  'PATCH /api/users/:id': 'self',
  'PUT /api/users/:id/password': 'self',
  'POST /api/users/:id/sign-in-links': 'org-admin',
  'GET /api/users/:id/shifts': SIGNED_IN,
  'GET /api/users/:id/contact-methods': 'self-or-their-team-admin',
  'POST /api/users/:id/contact-methods': 'self',
  'PATCH /api/users/:id/contact-methods/:itemId': 'self',
  'DELETE /api/users/:id/contact-methods/:itemId': 'self',
  'POST /api/users/:id/contact-methods/:itemId/test': 'self',
  'POST /api/users/:id/contact-methods/:itemId/verification': 'self',
  'POST /api/users/:id/contact-methods/:itemId/verification/confirm': 'self',
  'GET /api/push/vapid-public-key': SIGNED_IN,
  'GET /api/users/:id/notification-rules': 'self',
  'POST /api/users/:id/notification-rules': 'self',
  'DELETE /api/users/:id/notification-rules/:itemId': 'self',
  'POST /api/users/:id/feed': 'self',
  'DELETE /api/users/:id/feed': 'self',
  'GET /api/notifications': SIGNED_IN,
  'GET /api/tokens': SIGNED_IN,
  'POST /api/tokens': SIGNED_IN,
  'DELETE /api/tokens/:id': SIGNED_IN,

  // Teams: anyone may start a team (and owns it); its admins manage it, its owners delete it.
  'GET /api/teams': SIGNED_IN,
  'POST /api/teams': SIGNED_IN,
  'GET /api/teams/:team': SIGNED_IN,
  'PATCH /api/teams/:team': 'admin@team',
  'DELETE /api/teams/:team': 'owner@team',
  'PUT /api/teams/:team/members/:userId': 'admin@team',
  'DELETE /api/teams/:team/members/:userId': 'self-or-admin@team',

  // Services: the owning team's admins manage them; its responders plan maintenance windows.
  'GET /api/services': SIGNED_IN,
  'POST /api/services': 'any-team-admin',
  'GET /api/services/:service': SIGNED_IN,
  'PATCH /api/services/:service': 'admin@service',
  'DELETE /api/services/:service': 'admin@service',
  'GET /api/services/:service/integration-keys': SIGNED_IN,
  'POST /api/services/:service/integration-keys': 'admin@service',
  'POST /api/services/:service/integration-keys/:keyId/rotate': 'admin@service',
  'DELETE /api/services/:service/integration-keys/:keyId': 'admin@service',
  'GET /api/services/:service/maintenance-windows': SIGNED_IN,
  'POST /api/services/:service/maintenance-windows': 'responder@service',
  'DELETE /api/services/:service/maintenance-windows/:id': 'responder@service',
  'GET /api/services/:service/changes': SIGNED_IN,

  // Alerts: whoever was paged, or a responder of the service's team, acts on them.
  'GET /api/alerts': SIGNED_IN,
  'GET /api/alerts/stream': SIGNED_IN,
  'GET /api/alerts/:id': SIGNED_IN,
  'GET /api/alerts/:id/escalation': SIGNED_IN,
  'GET /api/alerts/:id/payloads/:payloadId': SIGNED_IN,
  'POST /api/alerts/:id/acknowledge': 'paged-or-responder@alert',
  'POST /api/alerts/:id/resolve': 'paged-or-responder@alert',
  'POST /api/alerts/:id/classification': 'responder@alert',
  'GET /api/alert-quality/rules': SIGNED_IN,
  'GET /api/alert-quality/services': SIGNED_IN,
  'GET /api/silences': SIGNED_IN,
  'POST /api/silences': 'any-responder',
  'GET /api/silences/:id': SIGNED_IN,
  'POST /api/silences/:id/expire': 'responder@silence',
  'GET /api/changes': SIGNED_IN,
  'POST /api/changes': 'any-responder',

  // Escalation policies and schedules: the owning team's admins; its responders take overrides and swaps.
  'GET /api/escalation-policies': SIGNED_IN,
  'POST /api/escalation-policies': 'any-team-admin',
  'GET /api/escalation-policies/:id': SIGNED_IN,
  'PATCH /api/escalation-policies/:id': 'admin@policy',
  'DELETE /api/escalation-policies/:id': 'admin@policy',
  'GET /api/settings/incident-commander-schedule': SIGNED_IN,
  'PUT /api/settings/incident-commander-schedule': 'org-admin',
  'GET /api/schedules': SIGNED_IN,
  'POST /api/schedules': 'any-team-admin',
  'GET /api/schedules/:id': SIGNED_IN,
  'PATCH /api/schedules/:id': 'admin@schedule',
  'DELETE /api/schedules/:id': 'admin@schedule',
  'POST /api/schedules/:id/layers': 'admin@schedule',
  'PATCH /api/schedules/:id/layers/:layerId': 'admin@schedule',
  'DELETE /api/schedules/:id/layers/:layerId': 'admin@schedule',
  'GET /api/schedules/:id/oncall': SIGNED_IN,
  'GET /api/schedules/:id/shifts': SIGNED_IN,
  'GET /api/schedules/:id/overrides': SIGNED_IN,
  'POST /api/schedules/:id/overrides': 'responder@schedule',
  'DELETE /api/schedules/:id/overrides/:overrideId': 'responder@schedule',
  // Only for one's own shifts (the service checks): whoever is on the schedule, team member or not.
  'POST /api/schedules/:id/swaps': SIGNED_IN,
  'POST /api/schedules/:id/feed': SIGNED_IN,
  'DELETE /api/schedules/:id/feed': SIGNED_IN,
  'GET /api/swaps': SIGNED_IN,
  'POST /api/swaps/:id/:action': SIGNED_IN,
  'GET /api/oncall/now': SIGNED_IN,
  'GET /api/oncall/report': SIGNED_IN,
  'GET /api/oncall/compensation': SIGNED_IN,
  'GET /api/oncall/compensation.csv': SIGNED_IN,

  // Incidents: everyone reads; any responder declares; responders of an affected service's team and the role
  // holders act.
  'GET /api/incidents': SIGNED_IN,
  'POST /api/incidents': 'any-responder',
  'GET /api/incidents/severities': SIGNED_IN,
  'POST /api/incidents/assess': SIGNED_IN,
  'PUT /api/incidents/policies/:severity': 'org-admin',
  'GET /api/incidents/metrics': SIGNED_IN,
  'GET /api/insights/response-times': SIGNED_IN,
  'GET /api/insights/response-times/incidents': SIGNED_IN,
  'GET /api/insights/recurrence': SIGNED_IN,
  'GET /api/insights/recurrence/incidents/:id': SIGNED_IN,
  'GET /api/insights/paging': SIGNED_IN,
  'GET /api/insights/paging/pages': SIGNED_IN,
  'GET /api/insights/responders': SIGNED_IN,
  'GET /api/incidents/:id/responders': SIGNED_IN,
  'GET /api/insights/alert-quality': SIGNED_IN,
  // The weekly digest: one's own settings; the service answers 403 for a team one does not administer.
  'GET /api/insights/digest': SIGNED_IN,
  'PUT /api/insights/digest': SIGNED_IN,
  'GET /api/insights/digest/preview': SIGNED_IN,
  'GET /api/insights/learning': SIGNED_IN,
  'POST /api/incidents/:id/links': 'incident-actor',
  'DELETE /api/incidents/:id/links/:relatedId': 'incident-actor',
  'GET /api/incidents/:id': SIGNED_IN,
  'PATCH /api/incidents/:id': 'incident-actor',
  'POST /api/incidents/:id/severity': 'incident-actor',
  'POST /api/incidents/:id/services': 'incident-actor',
  'DELETE /api/incidents/:id/services/:serviceId': 'incident-actor',
  'POST /api/incidents/:id/status': 'incident-actor',
  'GET /api/incidents/:id/stream': SIGNED_IN,
  'GET /api/incidents/:id/summary': SIGNED_IN,
  'PUT /api/incidents/:id/milestones/:milestone': 'incident-actor',
  'POST /api/incidents/:id/acknowledge': 'incident-actor',
  'POST /api/incidents/:id/alerts': 'incident-actor',
  'PUT /api/incidents/:id/roles/:role': 'incident-actor',
  'DELETE /api/incidents/:id/roles/:role': 'incident-actor',
  'GET /api/incidents/:id/changes': SIGNED_IN,
  'POST /api/incidents/:id/changes/reviewed': 'incident-actor',
  'POST /api/incidents/:id/changes/:changeId/suspect': 'incident-actor',
  'GET /api/incidents/:id/timeline': SIGNED_IN,
  'POST /api/incidents/:id/tasks': 'incident-actor',
  'PATCH /api/incidents/:id/tasks/:taskId': 'incident-actor',
  'POST /api/incidents/:id/notes': 'incident-actor',
  'POST /api/incidents/:id/updates': 'incident-actor',
  'POST /api/incidents/:id/join': SIGNED_IN,
  'GET /api/incidents/:id/entries': SIGNED_IN,
  'POST /api/incidents/:id/entries': 'incident-actor',
  'PATCH /api/incidents/:id/entries/:entryId': 'incident-actor',
  'GET /api/incidents/:id/ticket': SIGNED_IN,
  'POST /api/incidents/:id/ticket': 'incident-actor',
  'POST /api/incidents/:id/ticket/refresh': 'incident-actor',
  // Blameless-language check of a text (the post-mortem editor's live checking): pure, stores nothing.
  'POST /api/blame-check': SIGNED_IN,

  // Post-mortems: everyone reads; the post-mortem's actors (its owner, reviewers, whoever may act on its incident,
  // organisation administrators) write, review and publish it; organisation administrators edit templates and policies.
  'GET /api/postmortems': SIGNED_IN,
  'POST /api/incidents/:id/postmortem': 'incident-actor',
  'GET /api/incidents/:id/postmortem': SIGNED_IN,
  'GET /api/postmortems/:id': SIGNED_IN,
  'PATCH /api/postmortems/:id': 'postmortem-actor',
  'GET /api/postmortems/:id/timeline': SIGNED_IN,
  'PUT /api/postmortems/:id/timeline/marks': 'postmortem-actor',
  'POST /api/postmortems/:id/timeline/entries': 'postmortem-actor',
  'DELETE /api/postmortems/:id/timeline/entries/:entryId': 'postmortem-actor',
  'PUT /api/postmortems/:id/milestones/:milestone': 'postmortem-actor',
  'GET /api/postmortems/:id/revisions': SIGNED_IN,
  'GET /api/postmortems/:id/revisions/:revision': SIGNED_IN,
  'POST /api/postmortems/:id/review': 'postmortem-actor',
  'POST /api/postmortems/:id/review/decision': 'postmortem-actor',
  'POST /api/postmortems/:id/comments': 'postmortem-actor',
  'POST /api/postmortems/:id/comments/:commentId/resolve': 'postmortem-actor',
  'POST /api/postmortems/:id/publish': 'postmortem-actor',
  'POST /api/postmortems/:id/reopen': 'postmortem-actor',
  'POST /api/postmortems/:id/blame/dismissals': 'postmortem-actor',
  'GET /api/postmortems/:id/export.md': SIGNED_IN,
  'POST /api/postmortems/:id/public-summary': 'postmortem-actor',
  'GET /api/postmortem-templates': SIGNED_IN,
  'POST /api/postmortem-templates': 'org-admin',
  'PUT /api/postmortem-templates/:id': 'org-admin',
  'DELETE /api/postmortem-templates/:id': 'org-admin',
  'GET /api/postmortem-policies': SIGNED_IN,
  'PUT /api/postmortem-policies/:severity': 'org-admin',

  // Post-mortems' analysis: everyone reads; the post-mortem's actors change its whys and factors; organisation
  // administrators edit the factor taxonomy.
  'GET /api/postmortems/:id/whys': SIGNED_IN,
  'POST /api/postmortems/:id/whys': 'postmortem-actor',
  'PATCH /api/postmortems/:id/whys/:whyId': 'postmortem-actor',
  'DELETE /api/postmortems/:id/whys/:whyId': 'postmortem-actor',
  'PUT /api/postmortems/:id/factors/:factorId': 'postmortem-actor',
  'DELETE /api/postmortems/:id/factors/:factorId': 'postmortem-actor',
  'GET /api/contributing-factors': SIGNED_IN,
  'POST /api/contributing-factors': 'org-admin',
  'PATCH /api/contributing-factors/:id': 'org-admin',
  'GET /api/postmortems/insights/factors': SIGNED_IN,
  'GET /api/postmortems/completion': SIGNED_IN,

  // The public status page: its set-up belongs to organisation administrators; an incident's public story to its
  // Communications Lead and Incident Commander.
  'GET /api/status-page/settings': SIGNED_IN,
  'PATCH /api/status-page/settings': 'org-admin',
  'GET /api/status-page/subscribers': 'org-admin',
  'POST /api/status-page/subscribers': 'org-admin',
  'DELETE /api/status-page/subscribers/:id': 'org-admin',
  'GET /api/status-page/components': SIGNED_IN,
  'POST /api/status-page/components': 'org-admin',
  'PATCH /api/status-page/components/:id': 'org-admin',
  'DELETE /api/status-page/components/:id': 'org-admin',
  'GET /api/status-page/templates': SIGNED_IN,
  'POST /api/status-page/templates': 'org-admin',
  'PATCH /api/status-page/templates/:id': 'org-admin',
  'DELETE /api/status-page/templates/:id': 'org-admin',
  'GET /api/status-page/maintenance': SIGNED_IN,
  'POST /api/status-page/maintenance': 'org-admin',
  'GET /api/status-page/maintenance/:id': SIGNED_IN,
  'PATCH /api/status-page/maintenance/:id': 'org-admin',
  'POST /api/status-page/maintenance/:id/updates': 'org-admin',
  'GET /api/status-page/incidents/:incidentId': SIGNED_IN,
  'POST /api/status-page/incidents/:incidentId': 'incident-comms',
  'POST /api/status-page/incidents/:incidentId/updates': 'incident-comms',

  // Action items: everyone reads the board; adding one checks the incident or post-mortem named in the body (the
  // service); the item's owner, its team's responders and administrators change it; team admins connect trackers.
  'GET /api/action-items': SIGNED_IN,
  'POST /api/action-items': SIGNED_IN,
  'GET /api/action-items/:id': SIGNED_IN,
  'PATCH /api/action-items/:id': 'action-item-actor',
  'POST /api/action-items/:id/tracker': 'action-item-actor',
  'GET /api/teams/:team/trackers/:provider': 'admin@team',
  'PUT /api/teams/:team/trackers/:provider': 'admin@team',
  'DELETE /api/teams/:team/trackers/:provider': 'admin@team',

  // Game days: everyone reads; a responder of a team adds scenarios and plans game days (the service checks the team
  // in the body; built-in scenarios are read-only); a game day's team, facilitator and administrators run it.
  'GET /api/gameday-scenarios': SIGNED_IN,
  'POST /api/gameday-scenarios': 'any-responder',
  'GET /api/gameday-scenarios/:id': SIGNED_IN,
  'PATCH /api/gameday-scenarios/:id': 'any-responder',
  'DELETE /api/gameday-scenarios/:id': 'any-responder',
  'GET /api/gamedays': SIGNED_IN,
  'POST /api/gamedays': 'any-responder',
  'GET /api/gamedays/:id': SIGNED_IN,
  'PATCH /api/gamedays/:id': 'gameday-actor',
  'POST /api/gamedays/:id/start': 'gameday-actor',
  'POST /api/gamedays/:id/halt': 'gameday-actor',
  'POST /api/gamedays/:id/end': 'gameday-actor',
  'POST /api/gamedays/:id/cancel': 'gameday-actor',
  'POST /api/gamedays/:id/injects': 'gameday-actor',
  'PUT /api/gamedays/:id/actions/:actionId': 'gameday-actor',
  'POST /api/gamedays/:id/debrief': 'gameday-actor',
  'GET /api/gamedays/:id/measures': SIGNED_IN,
  'PUT /api/gamedays/:id/injection': 'gameday-actor',
  'DELETE /api/gamedays/:id/injection': 'gameday-actor',
  'PUT /api/gamedays/:id/halt-conditions': 'gameday-actor',
  'POST /api/gamedays/:id/drill-key': 'gameday-actor',
  'POST /api/gamedays/:id/fire': 'gameday-actor',

  // Remediation actions and runs (docs/runbooks.md): everyone signed in reads; a team's admins write its actions (the
  // service checks the team in the body); its responders run them; its responders and the Incident Commander of the
  // run's incident approve (never their own request), reject and cancel.
  'GET /api/actions': SIGNED_IN,
  'POST /api/actions': 'any-team-admin',
  'GET /api/actions/:id': SIGNED_IN,
  'PATCH /api/actions/:id': 'admin@action',
  'DELETE /api/actions/:id': 'admin@action',
  'POST /api/actions/:id/runs': 'responder@action',
  'GET /api/runs': SIGNED_IN,
  'GET /api/runs/:id': SIGNED_IN,
  'GET /api/runs/:id/stream': SIGNED_IN,
  'POST /api/runs/:id/approve': 'run-decider',
  'POST /api/runs/:id/reject': 'run-decider',
  'POST /api/runs/:id/cancel': 'run-decider',
  'GET /api/approvals': SIGNED_IN,
  'GET /api/teams/:team/automation': 'viewer@team',
  'PUT /api/teams/:team/automation': 'admin@team',

  // Runbooks (src/http/routes/runbooks.ts): creating one, a responder of the body's team (the service checks).
  'GET /api/runbooks': SIGNED_IN,
  'POST /api/runbooks': 'any-responder',
  'GET /api/runbooks/:id': SIGNED_IN,
  'PATCH /api/runbooks/:id': 'responder@runbook',
  'POST /api/runbooks/:id/review': 'responder@runbook',
  'DELETE /api/runbooks/:id': 'admin@runbook',
  'GET /api/runbooks/:id/versions': SIGNED_IN,
  'GET /api/runbooks/:id/versions/:version': SIGNED_IN,
  'GET /api/runbooks/:id/diff': SIGNED_IN,
  'GET /api/alerts/:id/runbooks': SIGNED_IN,
  'GET /api/runbooks/for-alerts': SIGNED_IN,
  'GET /api/incidents/:id/runbooks': SIGNED_IN,

  // Automation rules (src/http/routes/automation.ts): creating one, an admin of the body's team (the service checks).
  'GET /api/automation-rules': SIGNED_IN,
  'POST /api/automation-rules': 'any-team-admin',
  'GET /api/automation-rules/:id': SIGNED_IN,
  'PATCH /api/automation-rules/:id': 'admin@automation-rule',
  'DELETE /api/automation-rules/:id': 'admin@automation-rule',
  'GET /api/automation-rules/:id/firings': SIGNED_IN,
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

const tables = new WeakMap<FastifyInstance, RouteAccess[]>();

/** Every route registered after installAccess, with its policy (HEAD routes left out: they follow GET). */
export function routeAccessTable(app: FastifyInstance): readonly RouteAccess[] {
  return tables.get(app) ?? [];
}

function declared(method: string, url: string, config: RouteOptions['config']): Access | undefined {
  const own = config?.access;
  return own ?? ROUTE_ACCESS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

/**
 * Give every route its declared policy and refuse to start when one has none. Call before any route is registered
 * (plugins' routes included): routes added earlier are not checked.
 */
export function installAccess(app: FastifyInstance): void {
  const table: RouteAccess[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let access: Access | undefined;
    for (const method of methods) {
      const found = declared(method, route.url, route.config);
      if (!found) {
        throw new Error(
          `Route ${method} ${route.url} declares no access policy: add it to ROUTE_ACCESS in src/http/access.ts ` +
            `or give it config: { access }.`,
        );
      }
      if (access && found !== access) throw new Error(`Route ${route.url} declares different policies per method.`);
      access = found;
      if (method !== 'HEAD') table.push({ method, url: route.url, access: found });
    }
    // The older `auth` level, where a route still gives one, must agree with its policy.
    const level = (route.config as { auth?: string } | undefined)?.auth;
    if (
      (level === 'admin' && access !== 'org-admin') ||
      ((level === 'public' || level === 'integration') && !isOpen(access!))
    ) {
      throw new Error(`Route ${route.url}: config.auth '${level}' disagrees with its access policy '${access}'.`);
    }
    route.config = { ...(route.config ?? {}), access: access! };
    // The OpenAPI document tells callers who may call each operation (docs/security.md has the policies).
    if (route.schema && !route.schema.hide) {
      const said = typeof route.schema.description === 'string' ? `${route.schema.description}\n\n` : '';
      route.schema = { ...route.schema, description: `${said}Access: \`${access}\` (docs/security.md).` };
    }
  });
}

/** Policies that need no signed-in user: the route (or nobody) checks the caller. */
export function isOpen(access: Access): boolean {
  return access === 'public' || access === 'integration' || access === 'metrics';
}

function denied(access: Access): AppError {
  const why: Partial<Record<Access, string>> = {
    self: 'You can do this only for yourself.',
    'org-admin': 'This needs an administrator.',
    'any-responder': 'This needs the responder role in a team.',
    'any-team-admin': 'This needs the admin role in a team.',
    'incident-actor':
      "This needs the responder role in the team of a service the incident affects, or one of the incident's roles.",
    'incident-comms': "This needs the incident's Communications Lead or Incident Commander, or an administrator.",
    'postmortem-actor':
      "This needs the post-mortem's owner, one of its reviewers, someone who may act on its incident, or an administrator.",
    'paged-or-responder@alert': 'This needs to have been paged for the alert, or the responder role in its team.',
    'self-or-admin@team': 'This needs the admin role in the team.',
    'self-or-their-team-admin': 'This is for the person themselves or an admin of one of their teams.',
    'action-item-actor': "This needs the item's owner, the responder role in its team, or an administrator.",
    'gameday-actor':
      "This needs the responder role in the game day's team, being its facilitator, or an administrator.",
    'run-decider':
      "This needs the responder role in the action's team, being the incident's Incident Commander, or an administrator.",
  };
  const [level, owned] = access.split('@');
  if (why[access]) return forbidden(why[access]);
  // A team's own settings: "the team that owns this team" reads oddly.
  if (owned === 'team') return forbidden(`This needs the ${level} role in this team.`);
  return forbidden(`This needs the ${level} role in the team that owns this ${owned}.`);
}

const isNotFound = (e: unknown): boolean => e instanceof AppError && e.status === 404;

/**
 * The owning team of the resource the path names; null when it does not exist (the route answers 404 itself) or has
 * no owning team.
 */
async function owningTeam(services: Services, actor: Actor, owned: Owned, params: Record<string, string>) {
  try {
    switch (owned) {
      case 'team':
        return (await services.teams.get(actor, params.team ?? '')).id;
      case 'service':
        return (await services.catalog.get(actor, params.service ?? '')).teamId;
      case 'schedule':
        return (await services.oncall.schedules.get(params.id ?? '')).teamId;
      case 'policy':
        return (await services.escalationPolicies.get(params.id ?? '')).teamId;
      case 'alert':
        return await services.alerts.teamOf(params.id ?? '');
      case 'runbook':
        return await services.runbooks.teamOf(params.id ?? '');
      case 'action':
        return await services.remediation.teamOfAction(params.id ?? '');
      case 'run':
        return await services.remediation.teamOfRun(params.id ?? '');
      case 'agent':
        return await services.remediation.teamOfAgent(params.id ?? '');
      case 'automation-rule':
        return await services.automation.teamOfRule(params.id ?? '');
      case 'silence': {
        const silence = await services.silences.getSilence(params.id ?? '');
        return silence.serviceId ? (await services.catalog.get(actor, silence.serviceId)).teamId : undefined;
      }
    }
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

/** Enforce a route's policy for a signed-in caller (auth.ts has already refused anonymous ones). */
export async function authorize(services: Services, request: FastifyRequest, access: Access): Promise<void> {
  const actor = request.actor;
  if (!actor) return;
  if (actor.isAdmin || access === 'signed-in' || isOpen(access)) return;
  const params = (request.params ?? {}) as Record<string, string>;
  let allowed: boolean;
  switch (access) {
    case 'org-admin':
      allowed = false;
      break;
    case 'self':
      allowed = params.id === actor.userId;
      break;
    case 'self-or-their-team-admin':
      allowed = params.id === actor.userId || (await services.teams.administersMember(actor, params.id ?? ''));
      break;
    case 'any-responder':
      allowed = await services.teams.hasRoleInAnyTeam(actor, 'responder');
      break;
    case 'any-team-admin':
      allowed = await services.teams.hasRoleInAnyTeam(actor, 'admin');
      break;
    case 'incident-actor':
      allowed = (await services.incidents.canAct(actor, params.id ?? '')) !== false;
      break;
    case 'incident-comms':
      allowed = (await services.incidents.canCommunicate(actor, params.incidentId ?? '')) !== false;
      break;
    case 'action-item-actor':
      allowed = (await services.actionItems.canUpdate(actor, params.id ?? '')) !== false;
      break;
    case 'postmortem-actor':
      allowed = (await services.postmortemAnalysis.canAct(actor, params.id ?? '')) !== false;
      break;
    case 'gameday-actor':
      allowed = (await services.gamedays.canAct(actor, params.id ?? '')) !== false;
      break;
    case 'run-decider':
      allowed = (await services.remediation.canDecide(actor, params.id ?? '')) !== false;
      break;
    case 'paged-or-responder@alert':
      allowed = (await services.alerts.canAct(actor, params.id ?? '', { paged: true })) !== false;
      break;
    case 'self-or-admin@team':
      if (params.userId === actor.userId) return;
      allowed = await teamRoleAllows(services, actor, 'team', 'admin', params);
      break;
    default: {
      const [level, owned] = access.split('@') as [TeamLevel, Owned];
      allowed = await teamRoleAllows(services, actor, owned, level, params);
    }
  }
  if (!allowed) throw denied(access);
}

async function teamRoleAllows(
  services: Services,
  actor: Actor,
  owned: Owned,
  level: TeamLevel,
  params: Record<string, string>,
): Promise<boolean> {
  const teamId = await owningTeam(services, actor, owned, params);
  if (teamId === null) return true; // not found: the route answers 404
  if (teamId === undefined) return false; // no owning team (a silence of every service): administrators only
  return services.teams.hasRole(actor, teamId, level);
}
