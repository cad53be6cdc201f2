/** Service catalog rules as pure functions: criticality, integration sources, key shapes, input checks. */
import type { FieldProblem } from '../shared/errors.js';

export const CRITICALITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** Where alerts come from. `change` keys accept change events only (deploys, config changes). */
export const INTEGRATION_SOURCES = ['alertmanager', 'pagerduty', 'grafana', 'generic', 'change'] as const;
export type IntegrationSource = (typeof INTEGRATION_SOURCES)[number];

export const isCriticality = (v: string): v is Criticality => (CRITICALITIES as readonly string[]).includes(v);
export const isIntegrationSource = (v: string): v is IntegrationSource =>
  (INTEGRATION_SOURCES as readonly string[]).includes(v);

/**
 * Integration keys are 32 lower-case base32 characters (160 bits): PagerDuty clients check that a routing key is
 * 32 alphanumeric characters, and the same key must also fit in a URL path and a basic-auth password.
 */
export const INTEGRATION_KEY_LENGTH = 32;
const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function integrationKeyFromBytes(bytes: Uint8Array): string {
  if (bytes.length < INTEGRATION_KEY_LENGTH) throw new Error('need 32 random bytes');
  let out = '';
  for (let i = 0; i < INTEGRATION_KEY_LENGTH; i++) out += KEY_ALPHABET[bytes[i]! & 31];
  return out;
}

export const looksLikeIntegrationKey = (v: string): boolean => /^[a-z2-7]{32}$/.test(v);

/** The first characters, shown in lists so people can tell keys apart; never enough to use. */
export const integrationKeyPrefix = (key: string): string => key.slice(0, 6);

const REDACTED_SUFFIX = '…(redacted)';

/**
 * A received body as it may be stored: PagerDuty events carry the integration key itself (`routing_key`), which must
 * not sit in the database in plaintext (keys are stored hashed). Its prefix is kept, which is how keys are told
 * apart in the UI.
 */
export function withoutIntegrationKey(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const key = (body as Record<string, unknown>).routing_key;
  if (typeof key !== 'string' || key.endsWith(REDACTED_SUFFIX)) return body;
  return { ...body, routing_key: `${integrationKeyPrefix(key.trim())}${REDACTED_SUFFIX}` };
}

/**
 * How a service's alerts share a page (issue 14): `alertmanager` groups by the source's own group key (Alertmanager's
 * groupKey; the alert's name for the other sources), `labels` by the values of chosen labels, `window` every alert
 * within N minutes of the page, `per_alert` pages each alert on its own.
 */
export const PAGING_GROUP_MODES = ['alertmanager', 'labels', 'window', 'per_alert'] as const;
export type PagingGroupMode = (typeof PAGING_GROUP_MODES)[number];
export const isPagingGroupMode = (v: string): v is PagingGroupMode =>
  (PAGING_GROUP_MODES as readonly string[]).includes(v);

export interface PagingGroups {
  mode: PagingGroupMode;
  /** Mode `labels`: alerts with equal values of these labels share a page. */
  labels: string[];
  /** Mode `window`: alerts within this many minutes of the page's start share it. */
  windowMinutes: number;
}

export const DEFAULT_PAGING_GROUPS: PagingGroups = { mode: 'alertmanager', labels: [], windowMinutes: 10 };
export const MAX_PAGING_GROUP_LABELS = 10;
export const MAX_PAGING_GROUP_WINDOW_MINUTES = 24 * 60;

export function pagingGroupProblems(input: Partial<PagingGroups>, field = 'pagingGroups'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.mode !== undefined && !isPagingGroupMode(input.mode)) {
    problems.push({ field: `${field}.mode`, message: `must be one of ${PAGING_GROUP_MODES.join(', ')}` });
  }
  if (input.labels !== undefined) {
    const labels = input.labels.map((l) => l.trim());
    if (labels.length > MAX_PAGING_GROUP_LABELS) {
      problems.push({ field: `${field}.labels`, message: `at most ${MAX_PAGING_GROUP_LABELS} labels` });
    } else if (labels.some((l) => !/^[A-Za-z_][A-Za-z0-9_.\-/]{0,99}$/.test(l))) {
      problems.push({ field: `${field}.labels`, message: 'each must be a label name (letters, digits, _ . - /)' });
    } else if (new Set(labels).size !== labels.length) {
      problems.push({ field: `${field}.labels`, message: 'must not repeat a label' });
    }
    if (input.mode === 'labels' && labels.length === 0) {
      problems.push({ field: `${field}.labels`, message: 'name at least one label to group by' });
    }
  }
  if (input.windowMinutes !== undefined) {
    const w = input.windowMinutes;
    if (!Number.isInteger(w) || w < 1 || w > MAX_PAGING_GROUP_WINDOW_MINUTES) {
      problems.push({
        field: `${field}.windowMinutes`,
        message: `must be a whole number of minutes from 1 to ${MAX_PAGING_GROUP_WINDOW_MINUTES}`,
      });
    }
  }
  return problems;
}

export interface ServiceInput {
  name?: string | undefined;
  slug?: string | undefined;
  description?: string | undefined;
  criticality?: string | undefined;
}

export function serviceProblems(input: ServiceInput, creating: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (creating || input.name !== undefined) {
    const name = (input.name ?? '').trim();
    if (!name) problems.push({ field: 'name', message: 'must not be empty' });
    else if (name.length > 100) problems.push({ field: 'name', message: 'must be at most 100 characters' });
  }
  if (input.slug !== undefined && !/^[a-z0-9][a-z0-9-]{0,47}$/.test(input.slug)) {
    problems.push({ field: 'slug', message: 'must be lower-case letters, digits and dashes, at most 48' });
  }
  if (input.criticality !== undefined && !isCriticality(input.criticality)) {
    problems.push({ field: 'criticality', message: `must be one of ${CRITICALITIES.join(', ')}` });
  }
  return problems;
}

/** Dependency lists: no duplicates, never the service itself. */
export function normalizeDependencies(
  serviceId: string | null,
  ids: string[],
): { ids: string[]; problem?: FieldProblem } {
  const unique = [...new Set(ids.map((i) => i.trim()).filter(Boolean))];
  if (serviceId && unique.includes(serviceId)) {
    return { ids: unique, problem: { field: 'dependsOn', message: 'a service cannot depend on itself' } };
  }
  return { ids: unique };
}
