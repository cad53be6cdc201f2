/** Output for people (aligned columns) or for scripts (--json, one JSON document on stdout). */
import type { MusterClient } from './client.js';

/** What a client command module is given: the API client (made when a command runs) and whether --json was asked. */
export interface ClientDeps {
  client: () => MusterClient;
  json: () => boolean;
}

/** One line for people on stdout. */
export const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A column key as a heading: `lastSeenAt` → `LAST SEEN AT`. */
export function heading(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toUpperCase();
}

export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '-';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v);
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns.map(heading))}\n`);
  for (const r of rows) process.stdout.write(`${line(columns.map((c) => cell(r[c])))}\n`);
}

export function output(json: boolean, value: unknown, human: () => void): void {
  if (json) printJson(value);
  else human();
}

/**
 * For people: each row's `serviceId` as a `service` slug (ids are for scripts, which get --json). One listing of the
 * catalog per command; an id the caller may not see stays an id.
 */
export async function withServiceSlugs<R extends { serviceId?: unknown }>(
  client: MusterClient,
  rows: R[],
): Promise<(R & { service: string })[]> {
  if (!rows.some((r) => typeof r.serviceId === 'string')) return rows.map((r) => ({ ...r, service: '-' }));
  const { services } = await client.get<{ services: { id: string; slug: string }[] }>('/api/services');
  const slugs = new Map(services.map((s) => [s.id, s.slug]));
  return rows.map((r) => {
    const id = typeof r.serviceId === 'string' ? r.serviceId : '';
    return { ...r, service: slugs.get(id) ?? (id || '-') };
  });
}
