/**
 * Config as code as pure functions: the canonical form of each object (the same whether it came from a file or from
 * the database, so export → plan is empty), and the plan: desired against current, create / update / delete per
 * object with field-level changes. No I/O here.
 *
 * A field a file leaves out takes its default, except the collections marked "unmanaged when left out" (a team's
 * members, a schedule's overrides, a service's integration keys): leaving those out keeps whatever Muster has.
 */
import { createHash } from 'node:crypto';
import type {
  EscalationPolicyDoc,
  SilenceDoc,
  Kind,
  LayerDoc,
  PostmortemTemplateDoc,
  RunbookDoc,
  StatusPageComponentDoc,
  ScheduleDoc,
  ServiceDoc,
  SeverityPolicyDoc,
  TeamDoc,
  UserDoc,
} from './schema.js';
import { KINDS } from './schema.js';

export type Value = Record<string, unknown>;

/** Where a desired object was declared: the file and its place there (for error messages). */
export interface Source {
  file: string;
  index: number;
}

export interface DesiredObject {
  kind: Kind;
  key: string;
  value: Value;
  source: Source;
}

export type DesiredState = Record<Kind, Map<string, DesiredObject>>;

export interface CurrentObject {
  kind: Kind;
  key: string;
  id: string;
  value: Value;
  /**
   * Built into Muster (the four severity policies, the built-in post-mortem templates): never deleted, and when the
   * files leave it out it is simply kept (neither "not managed" nor pruned).
   */
  builtin?: boolean;
}

export type CurrentState = Record<Kind, Map<string, CurrentObject>>;

export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

export type Action = 'create' | 'update' | 'delete';

export interface Change {
  action: Action;
  kind: Kind;
  key: string;
  fields: FieldChange[];
}

export interface Plan {
  changes: Change[];
  /** In Muster, not in the files, kept because the plan was made without --prune. */
  unmanaged: { kind: Kind; key: string }[];
  summary: { create: number; update: number; delete: number; unmanaged: number };
}

/** The singular word for a kind, as plans print it. */
export const KIND_WORD: Record<Kind, string> = {
  users: 'user',
  teams: 'team',
  schedules: 'schedule',
  escalationPolicies: 'escalation_policy',
  services: 'service',
  postmortemTemplates: 'postmortem_template',
  severityPolicies: 'severity_policy',
  runbooks: 'runbook',
  statusPageComponents: 'status_page_component',
  silences: 'silence',
};

/** The field of an object that is its key in the files. */
export const KEY_FIELD: Record<Kind, string> = {
  users: 'email',
  teams: 'slug',
  schedules: 'slug',
  escalationPolicies: 'slug',
  services: 'slug',
  postmortemTemplates: 'slug',
  severityPolicies: 'severity',
  runbooks: 'slug',
  statusPageComponents: 'slug',
  silences: 'key',
};

/** An object's key in plans: its key field, or `team/slug` for a runbook (a slug is unique in its team). */
export function keyOf(kind: Kind, value: Record<string, unknown>): unknown {
  if (kind === 'silences') {
    // A silence has no name: it is named by what it says (its canonical value), so it is created or ended, never updated.
    const { start, end, matchers, comment } = value;
    return `sil-${createHash('sha256')
      .update(canonical({ start, end, matchers, comment }))
      .digest('hex')
      .slice(0, 12)}`;
  }
  if (kind === 'runbooks') {
    return typeof value.team === 'string' && typeof value.slug === 'string'
      ? `${value.team}/${value.slug}`
      : value.slug;
  }
  return value[KEY_FIELD[kind]];
}

/** Collections a file may leave out to leave them alone. */
export const UNMANAGED_WHEN_OMITTED: Partial<Record<Kind, string[]>> = {
  users: ['notificationRules'],
  teams: ['members'],
  schedules: ['overrides'],
  services: ['integrationKeys', 'maintenanceWindows', 'silences'],
};

/** Time-bound entries (overrides, maintenance windows, silences) are compared only until they end: ended is history. */
export function withoutEnded(desired: DesiredState, now: number): DesiredState {
  const nowIso = new Date(now).toISOString();
  const live = (list: unknown) =>
    list === undefined ? undefined : (list as { end: string }[]).filter((x) => x.end > nowIso);
  for (const o of desired.schedules.values()) o.value.overrides = live(o.value.overrides);
  for (const o of desired.services.values()) {
    o.value.maintenanceWindows = live(o.value.maintenanceWindows);
    o.value.silences = live(o.value.silences);
  }
  for (const [key, o] of desired.silences) if (String(o.value.end) <= nowIso) desired.silences.delete(key);
  return desired;
}

export const emptyState = <T>(): Record<Kind, Map<string, T>> =>
  Object.fromEntries(KINDS.map((k) => [k, new Map<string, T>()])) as Record<Kind, Map<string, T>>;

export const DEFAULT_WORKING_HOURS = { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

/** An RFC 3339 instant in its one canonical spelling (UTC, milliseconds), or null when it is not one. */
export function canonicalInstant(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

const lower = (email: string): string => email.trim().toLowerCase();
const byJson = (a: unknown, b: unknown): number =>
  canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0;

export const uniqueSorted = <T>(xs: T[]): T[] => [...new Map(xs.map((x) => [canonical(x), x])).values()].sort(byJson);

export function normalizeUser(d: UserDoc): Value {
  return {
    email: lower(d.email),
    name: d.name.trim(),
    timezone: d.timezone ?? 'UTC',
    admin: d.admin ?? false,
    disabled: false,
    notificationRules:
      d.notificationRules === undefined
        ? undefined
        : uniqueSorted(
            d.notificationRules.map((r) => ({
              contactMethod: { kind: r.contactMethod.kind, address: r.contactMethod.address },
              urgency: r.urgency,
              delayMinutes: r.delayMinutes,
            })),
          ),
  };
}

export function normalizeTeam(d: TeamDoc): Value {
  return {
    slug: d.slug,
    name: d.name.trim(),
    description: (d.description ?? '').trim(),
    members:
      d.members === undefined
        ? undefined
        : d.members.map((m) => ({ user: lower(m.user), role: m.role })).sort((a, b) => a.user.localeCompare(b.user)),
  };
}

export function normalizeLayer(l: LayerDoc): Value {
  return {
    name: l.name.trim(),
    timeZone: l.timeZone ?? null,
    participants: l.participants.map(lower),
    turn:
      l.turn.unit === 'duration'
        ? { unit: 'duration', seconds: l.turn.seconds }
        : { unit: l.turn.unit, count: l.turn.count },
    startDate: l.startDate,
    handoffTime: l.handoffTime,
    restrictions: (l.restrictions ?? []).map((r) => ({ days: r.days ?? [], start: r.start, end: r.end })),
    endsAt: l.endsAt ? (canonicalInstant(l.endsAt) ?? l.endsAt) : null,
  };
}

export function normalizeSchedule(d: ScheduleDoc): Value {
  return {
    slug: d.slug,
    name: d.name.trim(),
    team: d.team,
    description: (d.description ?? '').trim(),
    timezone: d.timezone,
    shared: d.shared ?? false,
    layers: (d.layers ?? []).map(normalizeLayer),
    overrides:
      d.overrides === undefined
        ? undefined
        : d.overrides
            .map((o) => ({
              user: lower(o.user),
              start: canonicalInstant(o.start) ?? o.start,
              end: canonicalInstant(o.end) ?? o.end,
              reason: (o.reason ?? '').trim(),
            }))
            .sort(byJson),
  };
}

export function normalizeCondition(c: unknown): unknown {
  const kind = (c as { kind?: string } | undefined)?.kind;
  if (!c || kind === 'always') return undefined;
  if (kind === 'days_of_week') return { kind, days: [...new Set((c as { days: number[] }).days)].sort() };
  return { kind };
}

export function normalizePolicy(d: EscalationPolicyDoc): Value {
  return {
    slug: d.slug,
    name: d.name.trim(),
    team: d.team,
    description: (d.description ?? '').trim(),
    repeat: d.repeat ?? 0,
    ackTimeoutMinutes: d.ackTimeoutMinutes ?? null,
    shared: d.shared ?? false,
    workingHours: d.workingHours
      ? { ...d.workingHours, days: [...new Set(d.workingHours.days)].sort() }
      : DEFAULT_WORKING_HOURS,
    levels: d.levels.map((l) => ({
      delayMinutes: l.delayMinutes,
      condition: normalizeCondition(l.condition),
      targets: l.targets.map((t) => ('user' in t ? { user: lower(t.user) } : { schedule: t.schedule })),
    })),
  };
}

export function normalizeService(d: ServiceDoc): Value {
  const g = d.pagingGroups;
  return {
    slug: d.slug,
    name: d.name.trim(),
    team: d.team,
    description: (d.description ?? '').trim(),
    criticality: d.criticality ?? 'medium',
    escalationPolicy: d.escalationPolicy ?? null,
    dependsOn: [...new Set(d.dependsOn ?? [])].sort(),
    incidentRule: d.incidentRule
      ? {
          alertSeverities: [...new Set(d.incidentRule.alertSeverities)].sort(),
          incidentSeverity: d.incidentRule.incidentSeverity,
        }
      : null,
    pagingGroups: { mode: g?.mode ?? 'alertmanager', labels: g?.labels ?? [], windowMinutes: g?.windowMinutes ?? 10 },
    integrationKeys:
      d.integrationKeys === undefined
        ? undefined
        : d.integrationKeys.map((k) => ({ name: k.name.trim(), source: k.source })).sort(byJson),
    maintenanceWindows:
      d.maintenanceWindows === undefined
        ? undefined
        : d.maintenanceWindows
            .map((w) => ({
              start: canonicalInstant(w.start) ?? w.start,
              end: canonicalInstant(w.end) ?? w.end,
              comment: (w.comment ?? '').trim(),
            }))
            .sort(byJson),
    silences:
      d.silences === undefined
        ? undefined
        : d.silences
            .map((x) => ({
              matchers: x.matchers.map((m) => ({
                name: m.name,
                value: m.value,
                isRegex: m.isRegex ?? false,
                isEqual: m.isEqual ?? true,
              })),
              start: canonicalInstant(x.start) ?? x.start,
              end: canonicalInstant(x.end) ?? x.end,
              comment: x.comment.trim(),
            }))
            .sort(byJson),
  };
}

export function normalizePostmortemTemplate(d: PostmortemTemplateDoc): Value {
  return {
    slug: d.slug,
    name: d.name.trim(),
    description: (d.description ?? '').trim(),
    sections: d.sections.map((x) => ({
      key: x.key,
      title: x.title.trim(),
      kind: x.kind,
      required: x.required ?? false,
      help: (x.help ?? '').trim(),
    })),
  };
}

export function normalizeRunbook(d: RunbookDoc): Value {
  return {
    team: d.team,
    slug: d.slug,
    title: d.title.trim(),
    body: d.body ?? '',
    reviewIntervalDays: d.reviewIntervalDays ?? 90,
    services: [...new Set(d.services ?? [])].sort(),
    alertRules: uniqueSorted(
      (d.alertRules ?? []).map((r) => ({
        alertname: r.alertname == null ? null : r.alertname.trim(),
        matchers: (r.matchers ?? []).map((m) => ({ name: m.name, op: m.op, value: m.value })),
      })),
    ),
    disabled: false,
  };
}

export function normalizeSilence(d: SilenceDoc): Value {
  return {
    matchers: d.matchers.map((m) => ({
      name: m.name,
      value: m.value,
      isRegex: m.isRegex ?? false,
      isEqual: m.isEqual ?? true,
    })),
    start: canonicalInstant(d.start) ?? d.start,
    end: canonicalInstant(d.end) ?? d.end,
    comment: d.comment.trim(),
  };
}

export function normalizeStatusPageComponent(d: StatusPageComponentDoc): Value {
  return {
    slug: d.slug,
    name: d.name.trim(),
    description: d.description ?? '',
    services: [...new Set(d.services ?? [])].sort(),
    displayOrder: d.displayOrder ?? 0,
  };
}

/** What each severity demands when nothing was changed: src/incidents/severity.ts and migration 0020's policies. */
export const DEFAULT_SEVERITY_POLICIES: Record<string, Value> = {
  P1: {
    requireDistinctRoles: true,
    commanderDeadlineMinutes: 0,
    updateReminderMinutes: 30,
    pagesOutOfHours: true,
    postmortem: { mode: 'required', dueBusinessDays: 5, template: 'standard' },
  },
  P2: {
    requireDistinctRoles: false,
    commanderDeadlineMinutes: 30,
    updateReminderMinutes: 60,
    pagesOutOfHours: true,
    postmortem: { mode: 'required', dueBusinessDays: 5, template: 'standard' },
  },
  P3: {
    requireDistinctRoles: false,
    commanderDeadlineMinutes: null,
    updateReminderMinutes: null,
    pagesOutOfHours: false,
    postmortem: { mode: 'optional', dueBusinessDays: 10, template: 'light' },
  },
  P4: {
    requireDistinctRoles: false,
    commanderDeadlineMinutes: null,
    updateReminderMinutes: null,
    pagesOutOfHours: false,
    postmortem: { mode: 'none', dueBusinessDays: null, template: 'light' },
  },
};

export function normalizeSeverityPolicy(d: SeverityPolicyDoc): Value {
  const def = DEFAULT_SEVERITY_POLICIES[d.severity]!;
  const pm = def.postmortem as { mode: string; dueBusinessDays: number | null; template: string };
  const pick = <T>(x: T | undefined, fallback: unknown): unknown => (x === undefined ? fallback : x);
  return {
    severity: d.severity,
    requireDistinctRoles: pick(d.requireDistinctRoles, def.requireDistinctRoles),
    commanderDeadlineMinutes: pick(d.commanderDeadlineMinutes, def.commanderDeadlineMinutes),
    updateReminderMinutes: pick(d.updateReminderMinutes, def.updateReminderMinutes),
    pagesOutOfHours: pick(d.pagesOutOfHours, def.pagesOutOfHours),
    postmortem: d.postmortem
      ? {
          mode: d.postmortem.mode,
          dueBusinessDays: d.postmortem.dueBusinessDays ?? null,
          template: d.postmortem.template ?? pm.template,
        }
      : pm,
  };
}

/** JSON with object keys sorted and undefined dropped: two values are equal when their canonical texts are. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** Field-level differences, descending into objects and into arrays of the same length (`layers[0].participants`). */
export function diffValues(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (canonical(from) === canonical(to)) return [];
  const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
  if (isObj(from) && isObj(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
    return keys.flatMap((k) => diffValues(from[k], to[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return from.flatMap((x, i) => diffValues(x, to[i], `${path}[${i}]`));
  }
  return [{ field: path, from, to }];
}

/** The desired value with the fields it leaves unmanaged taken from the current one. */
export function mergedValue(kind: Kind, desired: Value, current: Value | undefined): Value {
  const out: Value = { ...desired };
  for (const f of UNMANAGED_WHEN_OMITTED[kind] ?? []) {
    if (out[f] === undefined) out[f] = current?.[f];
  }
  return out;
}

/**
 * The plan: every desired object created or updated, and every current object the files do not name either deleted
 * (`prune`) or reported as not managed. Changes come in the order they are applied: creates and updates by kind
 * (users, teams, schedules, policies, services), then deletions in the reverse order.
 */
export function makePlan(desired: DesiredState, current: CurrentState, opts: { prune: boolean }): Plan {
  const changes: Change[] = [];
  const unmanaged: Plan['unmanaged'] = [];
  for (const kind of KINDS) {
    for (const d of sortedByKey(desired[kind])) {
      const c = current[kind].get(d.key);
      if (!c) {
        changes.push({
          action: 'create',
          kind,
          key: d.key,
          fields: Object.entries(dropUndefined(d.value))
            .filter(([field]) => field !== 'disabled')
            .map(([field, to]) => ({ field, to })),
        });
        continue;
      }
      const fields = diffValues(c.value, mergedValue(kind, d.value, c.value));
      if (fields.length) changes.push({ action: 'update', kind, key: d.key, fields });
    }
  }
  for (const kind of [...KINDS].reverse()) {
    for (const c of sortedByKey(current[kind])) {
      if (desired[kind].has(c.key) || c.value.disabled === true || c.builtin) continue;
      if (opts.prune) changes.push({ action: 'delete', kind, key: c.key, fields: [] });
      else unmanaged.push({ kind, key: c.key });
    }
  }
  const count = (a: Action) => changes.filter((c) => c.action === a).length;
  return {
    changes,
    unmanaged,
    summary: { create: count('create'), update: count('update'), delete: count('delete'), unmanaged: unmanaged.length },
  };
}

const sortedByKey = <T extends { key: string }>(m: Map<string, T>): T[] =>
  [...m.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

export function dropUndefined(v: Value): Value {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
}
