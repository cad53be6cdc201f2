/**
 * The API fuzzer behind src/http/fuzz.int.test.ts (bounded, in `npm test`) and scripts/fuzz.ts (`npm run fuzz`, for
 * minutes). It reads the OpenAPI document a running server serves, and for every operation sends requests built by
 * fast-check from the operation's own schemas, mixed with hostile values (wrong types, huge and empty strings,
 * unicode, deep nesting, `__proto__`, unknown fields, negative and huge numbers, SQL and HTML injection, bad JSON),
 * with the API token of each role. A finding is a 5xx, an error outside the envelope, or no answer within the bound.
 */
import fc from 'fast-check';
import type { TestMuster } from './server.js';

export type Role = 'orgAdmin' | 'teamAdmin' | 'responder' | 'viewer' | 'anonymous';
export const ROLES: Role[] = ['orgAdmin', 'teamAdmin', 'responder', 'viewer', 'anonymous'];

type Json = Record<string, unknown>;

export interface Operation {
  method: string;
  /** OpenAPI path with `{param}` placeholders. */
  path: string;
  pathParams: { name: string; schema: Json }[];
  queryParams: { name: string; schema: Json; required: boolean }[];
  body: Json | undefined;
}

export interface FuzzRequest {
  method: string;
  url: string;
  role: Role;
  /** The raw body text (JSON or deliberately not). */
  body?: string;
  contentType?: string;
}

export interface Finding {
  kind: '5xx' | 'hang' | 'not_envelope' | 'network';
  operation: string;
  status: number | null;
  detail: string;
  request: FuzzRequest;
}

/** What the fuzzer knows about the server: tokens per role and real ids to put into paths. */
export interface FuzzWorld {
  baseUrl: string;
  tokens: Record<Role, string | null>;
  /** Real ids by path parameter name (`id`, `team`, `userId`, …) and a pool of all of them. */
  ids: Record<string, string[]>;
  allIds: string[];
  /**
   * Ids the fuzzer itself stands on (its users, their tokens and team): used in reads only, so a random DELETE or
   * PATCH cannot revoke the tokens or disable the users the rest of the run authenticates with.
   */
  protectedIds: Set<string>;
  /** Integration keys for the intake routes' `{key}`. */
  integrationKeys: string[];
}

/** Every operation in the OpenAPI document (hidden routes are not in it). */
export function operationsOf(doc: Json): Operation[] {
  const ops: Operation[] = [];
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const resolve = (s: unknown): Json => resolveRef(doc, s);
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = ((op.parameters ?? []) as Json[]).map((p) => resolve(p));
      const content = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      const body = content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params
          .filter((p) => p.in === 'path')
          .map((p) => ({ name: String(p.name), schema: resolve(p.schema) })),
        queryParams: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: String(p.name), schema: resolve(p.schema), required: p.required === true })),
        body: body ? resolve(body) : undefined,
      });
    }
  }
  return ops;
}

/**
 * Routes the OpenAPI document hides (one-click action links, Slack, the public status page, the document itself),
 * from the app's route table: fuzzed with hostile paths and bodies, no schema to follow.
 */
export function hiddenOperations(
  routes: readonly { method: string; url: string }[],
  documented: Operation[],
): Operation[] {
  const known = new Set(documented.map((o) => `${o.method} ${o.path}`));
  const out: Operation[] = [];
  for (const { method, url } of routes) {
    if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) continue;
    const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{wildcard}');
    if (known.has(`${method} ${path}`) || path.startsWith('/api/docs')) continue;
    known.add(`${method} ${path}`);
    const pathParams = [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => ({ name: m[1]!, schema: {} }));
    out.push({ method, path, pathParams, queryParams: [], body: undefined });
  }
  return out;
}

function resolveRef(doc: Json, s: unknown): Json {
  let cur = (s ?? {}) as Json;
  for (let i = 0; i < 10 && typeof cur.$ref === 'string'; i++) {
    const parts = cur.$ref.replace(/^#\//, '').split('/');
    let next: unknown = doc;
    for (const p of parts) next = (next as Json | undefined)?.[p];
    cur = (next ?? {}) as Json;
  }
  return cur;
}

// ---- hostile values ----------------------------------------------------------------------------------------------

const HOSTILE_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  "' OR 1=1 --",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${7*7}',
  '../../../../etc/passwd',
  '%00',
  'a\u0000b',
  '\u202e\u0301\ud83d\ude00',
  '\ud800',
  'null',
  'true',
  '-1',
  '1e309',
  'NaN',
  '2026-02-30T25:61:61Z',
  '0000-00-00T00:00:00Z',
  'http://127.0.0.1:1/',
  'http://[::ffff:127.0.0.1]/',
  'x'.repeat(101),
  'x'.repeat(5000),
  '(a+)+b',
  '=cmd|calc',
];

const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0.5,
  1.5,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  [],
  {},
  [null],
  { a: { b: { c: [] } } },
  ...HOSTILE_STRINGS,
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 101, maxLength: 300 }),
);
const hostileValue = fc.oneof(fc.constantFrom(...HOSTILE_VALUES), hostileString, fc.jsonValue({ maxDepth: 3 }));

// ---- values from schemas -----------------------------------------------------------------------------------------

/** Values a schema accepts (or nearly: fast-check ignores formats it does not know). Depth-bounded. */
export function arbitraryFor(schema: Json, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (Array.isArray(union) && union.length) return fc.oneof(...union.map((s) => arbitraryFor(s, depth + 1)));
  if (Array.isArray(schema.allOf) && schema.allOf.length) return arbitraryFor(schema.allOf[0] as Json, depth + 1);
  const type = Array.isArray(schema.type) ? (schema.type as string[])[0] : (schema.type as string | undefined);
  switch (type) {
    case 'string': {
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uri' || schema.format === 'url') return fc.webUrl();
      const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const maxLength = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, minLength + 40);
      return fc.string({ minLength, maxLength });
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : Math.max(min + 1000, 1000);
      return type === 'integer'
        ? fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31)) })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items ?? {}) as Json;
      const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 4, 4);
      const minLength = Math.min(typeof schema.minItems === 'number' ? schema.minItems : 0, maxLength);
      return fc.array(arbitraryFor(items, depth + 1), { minLength, maxLength });
    }
    case 'object':
    default: {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      const keys = Object.keys(props);
      if (!keys.length) {
        if (type === 'object' || schema.patternProperties || schema.additionalProperties) {
          return fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
        }
        return fc.jsonValue({ maxDepth: 2 });
      }
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const k of keys) model[k] = arbitraryFor(props[k]!, depth + 1);
      const required = ((schema.required ?? []) as string[]).filter((k) => keys.includes(k));
      return fc.record(model, { requiredKeys: required });
    }
  }
}

/** Replace one value somewhere in `v` with a hostile one, or add an unknown field, or nest deeply. */
function mutate(v: unknown, choice: number, hostile: unknown, pathPick: number): unknown {
  const spots: { parent: Json | unknown[]; key: string | number }[] = [];
  const walk = (x: unknown, d: number) => {
    if (d > 6 || x === null || typeof x !== 'object') return;
    for (const [k, child] of Object.entries(x)) {
      spots.push({ parent: x as Json, key: Array.isArray(x) ? Number(k) : k });
      walk(child, d + 1);
    }
  };
  const root = { v: structuredClone(v) };
  walk(root, 0);
  const spot = spots[pathPick % Math.max(1, spots.length)];
  switch (choice % 6) {
    case 0: // a wrong or hostile value in a declared place
      if (spot) (spot.parent as Json)[spot.key] = hostile;
      return root.v;
    case 1: {
      // an unknown field (mass assignment: ids, owners, flags)
      const target = spots.map((s) => (s.parent as Json)[s.key]).find((x) => x && typeof x === 'object') ?? root.v;
      if (target && typeof target === 'object' && !Array.isArray(target)) {
        const t = target as Json;
        t[['userId', 'id', 'teamId', 'isAdmin', 'createdAt', 'role', 'ownerId', 'tokenHash'][pathPick % 8]!] = hostile;
      }
      return root.v;
    }
    case 2: // nested deeper than the bound
      if (spot) (spot.parent as Json)[spot.key] = nest(pathPick % 2 ? 100 : 2000);
      return root.v;
    case 3: // the whole body is something else
      return hostile;
    case 4: // a required field missing
      if (spot && !Array.isArray(spot.parent)) delete spot.parent[spot.key as string];
      return root.v;
    default:
      return root.v;
  }
}

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/**
 * Plausible payloads for the intake routes (their bodies are open in the schema, read by each source's parser), so the
 * parsers see real shapes with hostile values in them, not only random dictionaries.
 */
function intakeSample(path: string, key: string, r: () => number): unknown {
  const labels = { alertname: ['Disk', '__proto__', 'x'.repeat(300)][r() % 3], severity: 'critical' };
  if (path.includes('alertmanager')) {
    return { version: '4', status: 'firing', groupKey: 'g', alerts: [{ status: 'firing', labels, annotations: {} }] };
  }
  if (path.includes('grafana')) {
    return { status: 'firing', alerts: [{ status: 'firing', labels, annotations: {}, fingerprint: 'f1' }] };
  }
  if (path.includes('change')) {
    return { routing_key: key, payload: { summary: 'deploy', source: 'ci', timestamp: new Date(0).toISOString() } };
  }
  if (path.includes('/v2/')) {
    const action = ['trigger', 'acknowledge', 'resolve'][r() % 3];
    return {
      routing_key: key,
      event_action: action,
      dedup_key: 'd',
      payload: { summary: 's', source: 'x', severity: 'error' },
    };
  }
  return { summary: 'Disk full', dedupKey: 'd1', status: ['firing', 'resolved'][r() % 2], labels };
}

/** Raw body texts that are not what the schema wants at the JSON level. */
const RAW_BODIES = [
  '',
  '{',
  'null',
  '[]',
  '"x"',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":1,"a":2}',
  '\u0000',
  '{"name":"\\ud800"}',
  '['.repeat(5000) + ']'.repeat(5000),
  '{"x":' + '{"a":'.repeat(3000) + '1' + '}'.repeat(3000) + '}',
];

// ---- requests ----------------------------------------------------------------------------------------------------

const HOSTILE_PATH = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '..',
  '%2e%2e',
  'x'.repeat(99),
  'x'.repeat(150),
  "1' OR '1'='1",
  '<svg>',
  '\u00e9\ud83d\ude00',
  '-1',
  '0',
  '99999999999999999999',
  'null',
  'builtin:nope',
  ' ',
];

/** Pick one `n` from a seeded stream: a tiny PRNG so a request is a pure function of (seed, op, run). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function paramValue(world: FuzzWorld, name: string, method: string, r: () => number): string {
  const roll = r() % 10;
  if (name === 'key' && world.integrationKeys.length && roll < 6) {
    return world.integrationKeys[r() % world.integrationKeys.length]!;
  }
  const usable = (ids: string[]) => (method === 'GET' ? ids : ids.filter((id) => !world.protectedIds.has(id)));
  const own = usable(world.ids[name] ?? []);
  if (roll < 6 && own.length) return own[r() % own.length]!;
  const all = usable(world.allIds);
  if (roll < 8 && all.length) return all[r() % all.length]!;
  return HOSTILE_PATH[r() % HOSTILE_PATH.length]!;
}

/** A query-string value: strings as they are, anything else as JSON (objects may have no prototype). */
function asText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null');
}

/** `n` requests for one operation, a pure function of the seed. */
export function requestsFor(world: FuzzWorld, op: Operation, seed: number, n: number): FuzzRequest[] {
  const r = rng(seed);
  const bodies = op.body ? fc.sample(arbitraryFor(op.body), { seed, numRuns: n }) : [];
  const hostiles = fc.sample(hostileValue, { seed: seed + 1, numRuns: n });
  const queries = op.queryParams.map((q) => fc.sample(arbitraryFor(q.schema), { seed: seed + 2, numRuns: n }));
  const out: FuzzRequest[] = [];
  for (let i = 0; i < n; i++) {
    const role = ROLES[(seed + i) % ROLES.length]!;
    let path = op.path;
    for (const p of op.pathParams)
      path = path.replace(`{${p.name}}`, encodeURIComponent(paramValue(world, p.name, op.method, r)));
    const qs = new URLSearchParams();
    op.queryParams.forEach((q, qi) => {
      const roll = r() % 10;
      if (roll < 3 && !q.required) return;
      const v = roll === 9 ? hostiles[i] : queries[qi]![i];
      if (v === undefined) return;
      qs.set(q.name, asText(v));
    });
    if (r() % 12 === 0) qs.set(['__proto__', 'limit', 'unknown'][r() % 3]!, asText(hostiles[i]));
    const query = qs.toString();
    const req: FuzzRequest = { method: op.method, url: path + (query ? `?${query}` : ''), role };
    if (op.body || r() % 8 === 0) {
      const roll = r() % 10;
      if (roll === 0) {
        req.body = RAW_BODIES[r() % RAW_BODIES.length]!;
        req.contentType = 'application/json';
      } else if (roll === 1) {
        req.body = 'a=1&b=2';
        req.contentType = r() % 2 ? 'text/plain' : 'application/x-www-form-urlencoded';
      } else {
        const intake = /^\/(integrations|v2)\//.test(op.path) && world.integrationKeys.length && r() % 2 === 0;
        const key = world.integrationKeys[r() % Math.max(1, world.integrationKeys.length)] ?? '';
        const valid = intake ? intakeSample(op.path, key, r) : (bodies[i] ?? {});
        const v = roll < 5 ? valid : mutate(valid, r(), hostiles[i], r());
        req.body = JSON.stringify(v) ?? 'null';
        req.contentType = 'application/json';
      }
    }
    out.push(req);
  }
  return out;
}

export function isEnvelope(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const b = body as { error?: { code?: unknown; message?: unknown }; requestId?: unknown };
  return (
    typeof b.error === 'object' &&
    b.error !== null &&
    typeof b.error.code === 'string' &&
    typeof b.error.message === 'string' &&
    typeof b.requestId === 'string'
  );
}

function isPagerDutyError(body: unknown): boolean {
  const b = body as { status?: unknown; message?: unknown } | null;
  return typeof b?.status === 'string' && typeof b.message === 'string';
}

/** Send one request; a finding when it answers 5xx, an error outside the envelope, or nothing within `timeoutMs`. */
export async function send(
  world: FuzzWorld,
  opName: string,
  req: FuzzRequest,
  timeoutMs: number,
): Promise<{ status: number | null; finding: Finding | null }> {
  const token = world.tokens[req.role];
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (req.contentType) headers['content-type'] = req.contentType;
  const started = Date.now();
  try {
    const res = await fetch(world.baseUrl + req.url, {
      method: req.method,
      headers,
      ...(req.body !== undefined && req.method !== 'GET' ? { body: req.body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      // A live stream answers at once and stays open by design: its headers are the answer.
      await res.body?.cancel();
      return { status: res.status, finding: null };
    }
    const text = await res.text();
    const finding = (kind: Finding['kind'], detail: string): Finding => ({
      kind,
      operation: opName,
      status: res.status,
      detail,
      request: req,
    });
    if (res.status >= 500) return { status: res.status, finding: finding('5xx', text.slice(0, 500)) };
    if (res.status >= 400) {
      const type = res.headers.get('content-type') ?? '';
      // HTML pages for people (one-click action links, the public status page) answer errors in HTML.
      if (type.startsWith('text/html')) return { status: res.status, finding: null };
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      // The PagerDuty-compatible routes answer in PagerDuty's own shape: its clients parse nothing else.
      const pd = /^\/(v2|integrations\/pagerduty)\//.test(req.url) && isPagerDutyError(parsed);
      if (!pd && !isEnvelope(parsed))
        return { status: res.status, finding: finding('not_envelope', text.slice(0, 500)) };
    }
    if (res.status < 300 && (res.headers.get('content-type') ?? '').includes('json')) {
      try {
        harvestIds(world, JSON.parse(text));
      } catch {
        /* not JSON after all */
      }
    }
    return { status: res.status, finding: null };
  } catch (e) {
    const err = e as Error;
    const hang = err.name === 'TimeoutError' || err.name === 'AbortError';
    return {
      status: null,
      finding: {
        kind: hang ? 'hang' : 'network',
        operation: opName,
        status: null,
        detail: hang ? `no answer within ${timeoutMs} ms (after ${Date.now() - started} ms)` : String(err),
        request: req,
      },
    };
  }
}

/** A shell command that repeats the request (the token shown by role). */
export function reproduction(world: FuzzWorld, f: Finding): string {
  const r = f.request;
  const url = r.url.length > 600 ? `${r.url.slice(0, 600)}…(${r.url.length} chars)` : r.url;
  const parts = [`curl -sS -X ${r.method} '${world.baseUrl}${url}'`];
  if (world.tokens[r.role]) parts.push(`-H 'authorization: Bearer <${r.role} token>'`);
  if (r.contentType) parts.push(`-H 'content-type: ${r.contentType}'`);
  if (r.body !== undefined) {
    const body = r.body.length > 400 ? `${r.body.slice(0, 400)}…(${r.body.length} chars)` : r.body;
    parts.push(`--data '${body.replace(/'/g, "'\\''")}'`);
  }
  return parts.join(' ');
}

// ---- the world: users of each role and things to point at -------------------------------------------------------

async function must<T>(
  t: TestMuster,
  method: string,
  path: string,
  body: unknown,
  token: string | null = t.adminToken,
): Promise<T> {
  const r = await t.api<T>(method, path, body, token);
  if (r.status >= 300) throw new Error(`fuzz setup: ${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Users of each role in one team (created through the API, with their own API tokens) and a few things to point at:
 * a service with an integration key, a schedule, an escalation policy, an incident, a status-page component.
 */
export async function buildWorld(t: TestMuster): Promise<FuzzWorld> {
  const ids: Record<string, string[]> = {};
  const protectedIds = new Set<string>();
  const add = (names: string[], id: string | undefined) => {
    if (!id) return;
    for (const n of names) (ids[n] ??= []).push(id);
  };
  const admin = await must<{ id: string }>(t, 'GET', '/api/me', undefined);
  protectedIds.add(admin.id);
  add(['id', 'userId', 'user'], admin.id);
  const team = await must<{ id: string; slug: string }>(t, 'POST', '/api/teams', { name: 'Fuzz team' });
  add(['team', 'teamId'], team.id);
  add(['team'], team.slug);
  protectedIds.add(team.id).add(team.slug);
  const tokens: Record<Role, string | null> = {
    orgAdmin: t.adminToken,
    teamAdmin: null,
    responder: null,
    viewer: null,
    anonymous: null,
  };
  for (const role of ['teamAdmin', 'responder', 'viewer'] as const) {
    const { user } = await must<{ user: { id: string } }>(t, 'POST', '/api/users', {
      email: `fuzz-${role.toLowerCase()}@example.test`,
      name: `Fuzz ${role}`,
    });
    add(['id', 'userId', 'user'], user.id);
    protectedIds.add(user.id);
    const teamRole = role === 'teamAdmin' ? 'admin' : role;
    await must(t, 'PUT', `/api/teams/${team.id}/members/${user.id}`, { role: teamRole });
    const tok = await must<{ token: string; apiToken: { id: string } }>(t, 'POST', '/api/tokens', {
      name: `fuzz ${role}`,
      userId: user.id,
    });
    tokens[role] = tok.token;
    protectedIds.add(tok.apiToken.id);
  }
  for (const tok of (await must<{ tokens: { id: string }[] }>(t, 'GET', '/api/tokens', undefined)).tokens) {
    protectedIds.add(tok.id);
  }
  const other = await must<{ id: string }>(t, 'POST', '/api/teams', { name: 'Other team' });
  add(['team', 'teamId'], other.id);

  const optional = async <T>(method: string, path: string, body: unknown): Promise<T | undefined> => {
    const r = await t.api<T>(method, path, body);
    return r.status < 300 ? r.body : undefined;
  };
  const integrationKeys: string[] = [];
  const svc = await optional<{ id: string; slug?: string }>('POST', '/api/services', {
    name: 'Fuzz service',
    teamId: team.id,
  });
  add(['id', 'service', 'serviceId'], svc?.id);
  for (const source of svc ? ['alertmanager', 'grafana', 'generic', 'pagerduty', 'change'] : []) {
    const key = await optional<{ key?: string; integrationKey?: { id: string } }>(
      'POST',
      `/api/services/${svc!.id}/integration-keys`,
      { source, name: `fuzz ${source}` },
    );
    if (key?.key) integrationKeys.push(key.key);
    add(['keyId', 'itemId'], key?.integrationKey?.id);
  }
  const sched = await optional<{ id: string; layers?: { id: string }[] }>('POST', '/api/schedules', {
    name: 'Fuzz schedule',
    teamId: team.id,
    timezone: 'UTC',
    layers: [],
  });
  add(['id', 'scheduleId'], sched?.id);
  const policy = await optional<{ id: string }>('POST', '/api/escalation-policies', {
    name: 'Fuzz policy',
    teamId: team.id,
    levels: [],
  });
  add(['id', 'policyId'], policy?.id);
  const incident = await optional<{ incident?: { id: string }; id?: string }>('POST', '/api/incidents', {
    title: 'Fuzz incident',
    severity: 'P3',
  });
  add(['id', 'incidentId'], incident?.incident?.id ?? incident?.id);
  const component = await optional<{ id: string }>('POST', '/api/status-page/components', { name: 'Fuzz API' });
  add(['id', 'componentId'], component?.id);
  const allIds = [...new Set(Object.values(ids).flat())];
  return { baseUrl: t.url, tokens, ids, allIds, protectedIds, integrationKeys };
}

const MAX_HARVESTED_IDS = 300;

/** Remember ids from a successful answer (things the fuzzer created), so later paths point at real rows. */
export function harvestIds(world: FuzzWorld, body: unknown): void {
  const seen = new Set(world.allIds);
  const walk = (v: unknown, depth: number) => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string' && (k === 'id' || k.endsWith('Id')) && x.length <= 100 && !seen.has(x)) {
        if (world.allIds.length >= MAX_HARVESTED_IDS) return;
        seen.add(x);
        world.allIds.push(x);
      } else walk(x, depth + 1);
    }
  };
  walk(body, 0);
}
