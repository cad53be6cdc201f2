/**
 * The OpenAPI document's contract (issue 17 item 2; docs/api.md): every operation has a stable camelCase
 * `operationId`, a tag (declared with a description at the top of the document), a summary, a description and a
 * success response with its media type. Routes say what they know (tags, summary, schemas); what a route does not
 * say is derived here when the document is built, so a route added anywhere meets the contract without repeating
 * itself: the id from the method and path, the tag from the path, and for a route with no 2xx schema its media type
 * from the path (CSV, iCalendar, Markdown, server-sent events, Prometheus text) or JSON. This only shapes the document:
 * the route's own schema (validation, serialisation) is never changed. `src/http/openapi.int.test.ts` runs Spectral's
 * OpenAPI ruleset on the result and calls every GET operation with only its required parameters.
 */
import type { FastifySchema, RouteOptions } from 'fastify';

type Json = Record<string, unknown>;

const METHOD_VERB: Record<string, string> = {
  GET: 'get',
  POST: 'post',
  PUT: 'put',
  PATCH: 'patch',
  DELETE: 'delete',
  HEAD: 'head',
  OPTIONS: 'options',
};

const cap = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
/** `comp-time.csv` → `CompTimeCsv`, `:id` → `ById`, `*` → `Wildcard`. */
function segmentWords(segment: string): string {
  if (segment === '*') return 'Wildcard';
  if (segment.startsWith(':') || segment.startsWith('{')) return 'By' + segmentWords(segment.replace(/^[:{]|}$/g, ''));
  return segment
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map(cap)
    .join('');
}

/**
 * The operation id a route gets when it sets none: the method, then the path's words, `api` left out
 * (`GET /api/alerts/:id/escalation` → `getAlertsByIdEscalation`). Stable as long as the method and path are.
 */
export function operationIdOf(method: string, url: string): string {
  const verb = METHOD_VERB[method.toUpperCase()] ?? method.toLowerCase();
  const segments = url.split('/').filter(Boolean);
  if (segments[0] === 'api') segments.shift();
  return verb + segments.map(segmentWords).join('');
}

/** The tag a route gets when it sets none: the first word of its path after `/api`. */
export function tagOf(url: string): string {
  const segments = url.split('/').filter(Boolean);
  if (segments[0] === 'api') segments.shift();
  return (segments[0] ?? 'system').replace(/[^A-Za-z0-9-]/g, '') || 'system';
}

/** The media type of a route that declares no 2xx schema, from its path. */
export function mediaTypeOf(url: string): { type: string; schema: Json; description: string } {
  if (url.endsWith('.csv')) return { type: 'text/csv', schema: { type: 'string' }, description: 'A CSV file' };
  if (url.endsWith('.ics'))
    return { type: 'text/calendar', schema: { type: 'string' }, description: 'An iCalendar feed' };
  if (url.endsWith('.md'))
    return { type: 'text/markdown', schema: { type: 'string' }, description: 'A Markdown document' };
  if (url.endsWith('/stream'))
    return {
      type: 'text/event-stream',
      schema: { type: 'string' },
      description: 'Server-sent events (`id:` and `data:` lines; reconnect with Last-Event-ID)',
    };
  if (url === '/metrics')
    return {
      type: 'text/plain',
      schema: { type: 'string' },
      description: 'Prometheus text exposition format 0.0.4',
    };
  return {
    type: 'application/json',
    schema: { description: 'A JSON value; its fields are described in the docs/*.md page of its domain' },
    description: 'Success',
  };
}

/** Tag descriptions for the document's top-level `tags` (a tag not listed gets a generic one). */
const TAG_DESCRIPTIONS: Record<string, string> = {
  system: 'Health, readiness and metrics',
  auth: 'Signing in and out, sessions and sign-in links',
  users: 'People, their profiles, passwords and preferences',
  teams: 'Teams and their members',
  tokens: 'Personal API tokens',
  audit: 'The audit log',
  jobs: 'Durable jobs (operators)',
  incidents: 'Incidents: declaring, roles, timeline, milestones',
  insights: 'Response times, paging load, learning and alert quality over time',
  'status page': 'The public status page (administration)',
  'status page (public)': 'The public status page as the public reads it',
  escalation: 'Escalation policies and runs',
  services: 'Services, dependencies and integration keys',
  alerts: 'Alerts: listing, acknowledging, resolving, the live stream',
  'alert-quality': 'Alert quality reports',
  runbooks: 'Runbooks and their versions',
  remediation: 'Remediation actions and runs',
  agents: 'Remediation agents',
  automation: 'Automation rules',
  people: 'People health: load, recovery, knowledge, comp time, the pulse',
  silences: 'Silences and maintenance windows',
  intake: 'Alert intake from monitors (integration keys)',
  changes: 'Change events (deploys, config, infrastructure)',
  notifications: 'Contact methods, notification rules and deliveries',
  'on-call': 'Schedules, overrides, swaps, who is on call, calendar feeds',
  postmortems: 'Post-mortems, templates and policies',
  'action items': 'Post-mortem action items and trackers',
  gamedays: 'Game days: scenarios, drills and debriefs',
};

/** A route's schema as the document shows it: the derived id, tag, description and success response added. */
export function documentRoute({
  schema,
  url,
  route,
}: {
  schema: FastifySchema | undefined;
  url: string;
  route: RouteOptions;
}): {
  schema: FastifySchema;
  url: string;
} {
  const s: Json = { ...((schema ?? {}) as Json) };
  const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
  s.operationId ??= operationIdOf(method, url);
  if (!Array.isArray(s.tags) || s.tags.length === 0) s.tags = [tagOf(url)];
  s.summary ??= `${method} ${url}`;
  s.description ??= s.summary;
  const response = { ...((s.response as Json | undefined) ?? {}) };
  const success = Object.keys(response).filter((code) => /^2/.test(code) || code === '2xx');
  if (success.length === 0) {
    const media = mediaTypeOf(url);
    response['200'] = { description: media.description, content: { [media.type]: { schema: media.schema } } };
  }
  s.response = response;
  return { schema: s, url };
}

/** The finished document: every tag used is declared with a description; a server and a contact are named. */
export function finishDocument(doc: Json): Json {
  const used = new Set<string>();
  const paths = (doc.paths ?? {}) as Record<string, Record<string, { tags?: string[] } | undefined>>;
  for (const ops of Object.values(paths))
    for (const op of Object.values(ops)) for (const tag of op?.tags ?? []) used.add(tag);
  const tags = [...used]
    .sort()
    .map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? `Operations on ${name}` }));
  return { ...doc, tags, servers: [{ url: '/', description: 'This Muster server' }] };
}
