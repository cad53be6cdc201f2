/**
 * Remediation actions, pure parts: the run state machine, parameters and their validation (RE2), the tiny template
 * substitution and its encoding per place (URL path and query, JSON body, agent argv), automatic conditions and the
 * rate-limit / kill-switch decision. No I/O here; unit tests in model.test.ts.
 */
import { opMatcherHolds } from '../alerts/noise-model.js';
import { storedPattern, patternProblem } from '../shared/pattern.js';
import type { FieldProblem } from '../shared/errors.js';

export type ActionKind = 'http' | 'agent';
export type ActionMode = 'manual' | 'approval' | 'automatic';
export type RunTrigger = 'manual' | 'automatic' | 'rule';
export type RunStatus =
  | 'awaiting_approval'
  | 'rejected'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'skipped';

export const ACTION_KINDS: readonly ActionKind[] = ['http', 'agent'];
export const ACTION_MODES: readonly ActionMode[] = ['manual', 'approval', 'automatic'];
export const RUN_STATUSES: readonly RunStatus[] = [
  'awaiting_approval',
  'rejected',
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'skipped',
];
export const FINAL_STATUSES: readonly RunStatus[] = [
  'rejected',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'skipped',
];
export const isFinal = (s: string): boolean => (FINAL_STATUSES as readonly string[]).includes(s);

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  awaiting_approval: ['queued', 'rejected', 'cancelled'],
  queued: ['running', 'cancelled', 'failed'],
  running: ['succeeded', 'failed', 'timed_out', 'cancelled'],
  rejected: [],
  succeeded: [],
  failed: [],
  timed_out: [],
  cancelled: [],
  skipped: [],
};

/** Whether a run may move from one status to another. */
export function canTransition(from: string, to: RunStatus): boolean {
  return (TRANSITIONS[from as RunStatus] ?? []).includes(to);
}

/** The default pattern every substituted value must match when its parameter does not name one. */
export const DEFAULT_PARAM_PATTERN = '^[A-Za-z0-9_.:/@-]{1,200}$';
/** Stored output (and the HTTP answer's body) is capped here. */
export const OUTPUT_CAP = 64 * 1024;

export interface Param {
  name: string;
  from: 'label' | 'annotation' | 'input';
  key: string;
  pattern?: string | undefined;
  required: boolean;
}

export interface HttpConfig {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dryRun?:
    { query?: Record<string, string>; header?: Record<string, string>; body?: Record<string, unknown> } | undefined;
}

export interface AgentConfig {
  agentId: string | null;
  command: string;
  args: string[];
  dryRunArgs?: string[] | undefined;
}

export interface AutoConditions {
  alertnames?: string[];
  matchers?: { name: string; op: '=' | '!=' | '=~' | '!~'; value: string }[];
  serviceIds?: string[];
  severities?: string[];
}

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PLACEHOLDER = /\{\{\s*([a-z]+)(?:\.([A-Za-z0-9_.-]{1,128}))?\s*\}\}/g;
const ANY_PLACEHOLDER = /\{\{([^}]*)\}\}/g;
const SOURCES = new Set(['label', 'annotation', 'param', 'incident', 'alert', 'service']);
const FIXED: Record<string, string> = { incident: 'key', alert: 'id', service: 'slug' };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Problems with declared parameters (names, sources, patterns). */
export function paramProblems(params: Param[], field = 'params'): FieldProblem[] {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  params.forEach((p, i) => {
    if (!PARAM_NAME.test(p.name))
      out.push({
        field: `${field}[${i}].name`,
        message: 'must be a letter or _ then letters, digits or _ (at most 64)',
      });
    else if (seen.has(p.name)) out.push({ field: `${field}[${i}].name`, message: `names ${p.name} twice` });
    seen.add(p.name);
    if (!p.key.trim()) out.push({ field: `${field}[${i}].key`, message: 'must not be empty' });
    if (p.pattern !== undefined) {
      const prob = patternProblem(`${field}[${i}].pattern`, p.pattern);
      if (prob) out.push(prob);
    }
  });
  return out;
}

/** Problems with the placeholders in a template: only the documented ones, params that are declared. */
export function templateProblems(template: string, field: string, params: Param[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  const declared = new Set(params.map((p) => p.name));
  for (const m of template.matchAll(ANY_PLACEHOLDER)) {
    const inner = (m[1] ?? '').trim();
    const [source, ...rest] = inner.split('.');
    const name = rest.join('.');
    if (!source || !SOURCES.has(source)) {
      out.push({
        field,
        message: `uses {{${inner}}}: only label.NAME, annotation.NAME, param.NAME, incident.key, alert.id and service.slug may be used`,
      });
    } else if (FIXED[source] !== undefined) {
      if (name !== FIXED[source])
        out.push({ field, message: `uses {{${inner}}}: did you mean {{${source}.${FIXED[source]}}}?` });
    } else if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name)) {
      out.push({ field, message: `uses {{${inner}}}: name the ${source}` });
    } else if (source === 'param' && !declared.has(name)) {
      out.push({ field, message: `uses {{param.${name}}} but no parameter ${name} is declared` });
    }
  }
  return out;
}

/** Problems with an HTTP action's URL template: placeholders only after the host (never in the scheme or host). */
export function urlTemplateProblems(url: string, params: Param[], field = 'http.url'): FieldProblem[] {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!m) return [{ field, message: 'must be an http:// or https:// URL' }];
  if (m[2]!.includes('{{') || !m[2])
    return [{ field, message: 'must name a fixed host: placeholders may be used only in the path and query' }];
  try {
    new URL(`${m[1]}://${m[2]}/`);
  } catch {
    return [{ field, message: 'must be a valid URL' }];
  }
  if (m[3]!.includes('#')) return [{ field, message: 'must not have a fragment' }];
  // An action's URL is shown to everyone signed in and kept in the audit log: credentials go in a header, sealed.
  if (m[2].includes('@')) return [{ field, message: `must not hold a user name or password: ${USE_A_HEADER}` }];
  for (const pair of (m[3]!.split('?')[1] ?? '').split('&')) {
    const [name = '', value = ''] = pair.split('=');
    if (CREDENTIAL_PARAM.test(safeDecode(name)) && value !== '' && !value.includes('{{')) {
      return [{ field, message: `must not carry a credential in its query (${safeDecode(name)}=…): ${USE_A_HEADER}` }];
    }
  }
  return templateProblems(url, field, params);
}

/** Query parameters that carry a credential (Jenkins' `token`, Azure's `code`, `api_key`…), as logs redact them. */
const CREDENTIAL_PARAM =
  /^(token|access[-_]?token|auth|api[-_]?key|apikey|key|code|secret|client[-_]?secret|password|passwd|signature|sig)$/i;
const USE_A_HEADER =
  "put it in a header (Authorization, or the target's token header), which is sealed and never shown";
const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** What values are taken from. */
export interface TemplateContext {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  inputs: Record<string, string>;
  incidentKey: string | null;
  alertId: string | null;
  serviceSlug: string | null;
}

export interface ResolvedParams {
  /** Declared parameters' values (missing optional ones absent). */
  values: Record<string, string>;
  problems: FieldProblem[];
}

/** One value checked against a pattern; control characters (newlines) are refused whatever the pattern says. */
function valueProblem(field: string, value: string, pattern: string | undefined): FieldProblem | null {
  if (CONTROL.test(value)) return { field, message: 'must not contain control characters such as a newline' };
  const p = storedPattern(pattern ?? DEFAULT_PARAM_PATTERN);
  if (!p) return { field, message: 'has a pattern that does not compile' };
  if (!p.matchesWhole(value)) {
    return {
      field,
      message: `does not match the parameter's pattern ${pattern ?? DEFAULT_PARAM_PATTERN} (the value is refused, not run)`,
    };
  }
  return null;
}

/** Declared parameters' values from the context, each validated against its pattern. */
export function resolveParams(params: Param[], ctx: TemplateContext): ResolvedParams {
  const values: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  for (const p of params) {
    const src = p.from === 'label' ? ctx.labels : p.from === 'annotation' ? ctx.annotations : ctx.inputs;
    const given = p.from === 'input' ? (ctx.inputs[p.name] ?? ctx.inputs[p.key]) : src[p.key];
    const field = `params.${p.name}`;
    if (given === undefined || given === '') {
      if (p.required) {
        problems.push({
          field,
          message:
            p.from === 'input'
              ? 'is required'
              : ctx.alertId === null
                ? `is required: it comes from an alert's ${p.from} ${p.key}; run the action from the alert (or an incident with it)`
                : `is required: the alert has no ${p.from} ${p.key}`,
        });
      }
      continue;
    }
    const prob = valueProblem(field, given, p.pattern);
    if (prob) problems.push(prob);
    else values[p.name] = given;
  }
  return { values, problems };
}

type Encode = (value: string, field: string) => string;

/**
 * Substitute the placeholders of one template. Each value is validated (a declared parameter's own pattern, else the
 * default pattern) and encoded for its place by `encode`. Problems are collected, never thrown.
 */
export function renderTemplate(
  template: string,
  ctx: TemplateContext,
  params: Param[],
  resolved: Record<string, string>,
  encode: Encode,
  problems: FieldProblem[],
): string {
  return template.replace(PLACEHOLDER, (_all, source: string, name: string | undefined) => {
    let value: string | null | undefined;
    let field: string;
    let pattern: string | undefined;
    if (source === 'param') {
      field = `params.${name}`;
      value = resolved[name ?? ''];
      pattern = params.find((p) => p.name === name)?.pattern;
      if (value === undefined) {
        if (!problems.some((p) => p.field === field)) problems.push({ field, message: 'has no value' });
        return '';
      }
    } else if (source === 'label' || source === 'annotation') {
      field = `${source}.${name}`;
      value = (source === 'label' ? ctx.labels : ctx.annotations)[name ?? ''];
      if (value === undefined) {
        problems.push({ field, message: `is used by the action but the alert has no ${source} ${name}` });
        return '';
      }
    } else {
      field = `${source}.${FIXED[source] ?? ''}`;
      value = source === 'incident' ? ctx.incidentKey : source === 'alert' ? ctx.alertId : ctx.serviceSlug;
      if (!value) {
        problems.push({ field, message: `is used by the action but the run has no ${source}` });
        return '';
      }
    }
    const prob = valueProblem(field, value, pattern);
    if (prob) {
      problems.push(prob);
      return '';
    }
    return encode(value, field);
  });
}

/** A value placed in a URL (path segment or query): percent-encoded, and never a `.`/`..` path step. */
export function encodeUrlValue(problems: FieldProblem[]): Encode {
  return (value, field) => {
    if (value === '.' || value === '..') {
      problems.push({ field, message: 'must not be . or .. (it would change the URL path)' });
      return '';
    }
    return encodeURIComponent(value);
  };
}

/** A value placed in a JSON string or a header: kept as it is (JSON.stringify escapes it at the end). */
const asIs: Encode = (value) => value;

/** Every string inside a JSON body template rendered; the structure itself never comes from a value. */
export function renderJson(
  value: unknown,
  ctx: TemplateContext,
  params: Param[],
  resolved: Record<string, string>,
  problems: FieldProblem[],
): unknown {
  if (typeof value === 'string') return renderTemplate(value, ctx, params, resolved, asIs, problems);
  if (Array.isArray(value)) return value.map((v) => renderJson(v, ctx, params, resolved, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        renderJson(v, ctx, params, resolved, problems),
      ]),
    );
  }
  return value;
}

/** Every string of a JSON value (for template checks). */
export function jsonStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) jsonStrings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) jsonStrings(v, out);
  return out;
}

export interface RenderedHttp {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The exact body sent (JSON text) or null. */
  body: string | null;
}

/** The request an HTTP action makes for a run; problems name the parameter or label refused. */
export function renderHttp(
  cfg: HttpConfig,
  ctx: TemplateContext,
  params: Param[],
  resolved: Record<string, string>,
  dryRun: boolean,
): { request: RenderedHttp; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  let url = renderTemplate(cfg.url, ctx, params, resolved, encodeUrlValue(problems), problems);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg.headers ?? {}))
    headers[k.toLowerCase()] = renderTemplate(v, ctx, params, resolved, asIs, problems);
  let body =
    cfg.body === undefined || cfg.body === null ? undefined : renderJson(cfg.body, ctx, params, resolved, problems);
  if (dryRun && cfg.dryRun) {
    if (cfg.dryRun.query) {
      const u = new URL(url);
      for (const [k, v] of Object.entries(cfg.dryRun.query)) u.searchParams.set(k, v);
      url = u.toString();
    }
    for (const [k, v] of Object.entries(cfg.dryRun.header ?? {})) headers[k.toLowerCase()] = v;
    if (cfg.dryRun.body) {
      body =
        body && typeof body === 'object' && !Array.isArray(body)
          ? { ...body, ...cfg.dryRun.body }
          : { ...cfg.dryRun.body };
    }
  }
  return {
    request: { method: cfg.method, url, headers, body: body === undefined ? null : JSON.stringify(body) },
    problems,
  };
}

/** The argv an agent runs: each rendered template one separate element (never a shell string). */
export function renderArgs(
  templates: string[],
  ctx: TemplateContext,
  params: Param[],
  resolved: Record<string, string>,
): { args: string[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const args = templates.map((t) => renderTemplate(t, ctx, params, resolved, asIs, problems));
  return { args, problems };
}

/** Whether an alert meets an automatic action's conditions (every given condition must hold). */
export function matchesAutoConditions(
  c: AutoConditions,
  alert: { ruleKey: string; labels: Record<string, string>; serviceId: string | null; severity: string | null },
): boolean {
  if (c.alertnames?.length && !c.alertnames.includes(alert.ruleKey)) return false;
  if (c.serviceIds?.length && (!alert.serviceId || !c.serviceIds.includes(alert.serviceId))) return false;
  if (c.severities?.length && (!alert.severity || !c.severities.includes(alert.severity))) return false;
  return (c.matchers ?? []).every((m) => opMatcherHolds(m, alert.labels));
}

export type AutomaticDecision = { run: true } | { run: false; reason: string };

/** Whether an automatic run may start: the team's kill switch, then at most `limit` automatic runs per hour. */
export function automaticDecision(input: {
  paused: boolean;
  pausedReason?: string | null;
  recentAutomaticRuns: number;
  rateLimitPerHour: number;
}): AutomaticDecision {
  if (input.paused) {
    return {
      run: false,
      reason: `Automatic runs are paused for this team${input.pausedReason ? ` (${input.pausedReason})` : ''}.`,
    };
  }
  if (input.recentAutomaticRuns >= input.rateLimitPerHour) {
    return {
      run: false,
      reason: `Rate limit reached: ${input.recentAutomaticRuns} automatic run${input.recentAutomaticRuns === 1 ? '' : 's'} for this service in the last hour (at most ${input.rateLimitPerHour}).`,
    };
  }
  return { run: true };
}

/** Remove every known secret from text (HTTP answers may echo what they were sent). */
export function redact(text: string, secrets: (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** Append to stored output within the cap; reports whether anything was cut. */
export function appendCapped(
  existing: string,
  chunk: string,
  cap = OUTPUT_CAP,
): { output: string; truncated: boolean } {
  if (existing.length >= cap) return { output: existing, truncated: chunk.length > 0 };
  const room = cap - existing.length;
  if (chunk.length <= room) return { output: existing + chunk, truncated: false };
  return { output: existing + chunk.slice(0, room), truncated: true };
}

/** The first lines of output for the timeline. */
export function firstLines(output: string, lines = 5, chars = 600): string {
  const out = output.split('\n').slice(0, lines).join('\n');
  return out.length > chars ? `${out.slice(0, chars)}…` : out;
}

/**
 * The values a run used, as stored on the run (`params`): declared parameters by name, and every other placeholder
 * the action's templates use by its path (`label.pod`, `incident.key`). An executor renders from these alone, so what
 * ran is what was validated and recorded.
 */
export function storedValues(
  templates: string[],
  ctx: TemplateContext,
  resolved: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = { ...resolved };
  for (const t of templates) {
    for (const m of t.matchAll(PLACEHOLDER)) {
      const source = m[1]!;
      const name = m[2] ?? '';
      let v: string | null | undefined;
      if (source === 'label') v = ctx.labels[name];
      else if (source === 'annotation') v = ctx.annotations[name];
      else if (source === 'incident') v = ctx.incidentKey;
      else if (source === 'alert') v = ctx.alertId;
      else if (source === 'service') v = ctx.serviceSlug;
      if (source !== 'param' && v) out[`${source}.${name}`] = v;
    }
  }
  return out;
}

/** The template context and parameter values back from a run's stored values. */
export function contextFromStored(
  stored: Record<string, string>,
  params: Param[],
): { ctx: TemplateContext; resolved: Record<string, string> } {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const resolved: Record<string, string> = {};
  const names = new Set(params.map((p) => p.name));
  for (const [k, v] of Object.entries(stored)) {
    if (k.startsWith('label.')) labels[k.slice(6)] = v;
    else if (k.startsWith('annotation.')) annotations[k.slice(11)] = v;
    else if (names.has(k)) resolved[k] = v;
  }
  return {
    ctx: {
      labels,
      annotations,
      inputs: {},
      incidentKey: stored['incident.key'] ?? null,
      alertId: stored['alert.id'] ?? null,
      serviceSlug: stored['service.slug'] ?? null,
    },
    resolved,
  };
}

/** Every template string of an action's config (for checks and stored values). */
export function templatesOf(kind: ActionKind, cfg: HttpConfig | AgentConfig): string[] {
  if (kind === 'http') {
    const c = cfg as HttpConfig;
    return [c.url, ...Object.values(c.headers ?? {}), ...jsonStrings(c.body)];
  }
  const c = cfg as AgentConfig;
  return [...(c.args ?? []), ...(c.dryRunArgs ?? [])];
}
