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
