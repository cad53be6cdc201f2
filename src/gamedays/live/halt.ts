/**
 * Halt conditions (docs/gamedays.md, "Failure injection and halting"): a Prometheus query crossing a threshold, read
 * through Prometheus's HTTP API (GET /api/v1/query, https://prometheus.io/docs/prometheus/latest/querying/api/), and a
 * real (kind 'real') P1 or P2 declared on one of the game day's target services since it started. Checked by the
 * `gamedays.haltCheck` job while the game day runs (src/gamedays/live/hooks.ts).
 */
import type { Executor } from '../../db/index.js';
import { httpRequest } from '../../notify/channel.js';
import type { ResolveAll } from '../../shared/net.js';
import { trimSlash } from './injection/types.js';

export const COMPARATORS = ['>', '>=', '<', '<='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export function crosses(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/**
 * The query's value now: a scalar, or the largest sample of an instant vector (for '<' and '<=', the smallest), or
 * null when the vector is empty (nothing to compare: not crossed). NaN samples are ignored.
 */
export function valueOf(body: unknown, comparator: Comparator): number | null {
  const b = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; error?: unknown } | null;
  if (!b || b.status !== 'success' || !b.data) {
    throw new Error(
      `Prometheus answered an error: ${typeof b?.error === 'string' ? b.error.slice(0, 200) : 'no data'}`,
    );
  }
  const { resultType, result } = b.data;
  if (resultType === 'scalar' && Array.isArray(result)) {
    const v = Number(result[1]);
    return Number.isFinite(v) ? v : null;
  }
  if (resultType === 'vector' && Array.isArray(result)) {
    const values = result
      .map((s: { value?: unknown[] }) => Number(Array.isArray(s.value) ? s.value[1] : NaN))
      .filter((v) => Number.isFinite(v));
    if (!values.length) return null;
    return comparator === '<' || comparator === '<=' ? Math.min(...values) : Math.max(...values);
  }
  throw new Error(`Prometheus answered a ${String(resultType)}; the query must give a scalar or an instant vector`);
}

export async function queryPrometheus(
  prometheusUrl: string,
  query: string,
  comparator: Comparator,
  opts: { publicOnly: boolean; resolve?: ResolveAll | undefined; timeoutMs?: number },
): Promise<number | null> {
  const url = `${trimSlash(prometheusUrl)}/api/v1/query?query=${encodeURIComponent(query)}`;
  const r = await httpRequest('Prometheus', url, {
    method: 'GET',
    headers: { accept: 'application/json' },
    timeoutMs: opts.timeoutMs ?? 5000,
    ...(opts.publicOnly ? { publicOnly: { resolve: opts.resolve } } : {}),
  });
  if (r.status !== 200 && r.status !== 400 && r.status !== 422) {
    throw new Error(`Prometheus answered ${r.status}`);
  }
  return valueOf(r.json, comparator);
}

/** A real P1/P2 declared on a target service since the drill started: the first one, for the halt reason. */
export async function realIncidentOnTargets(
  ex: Executor,
  gamedayId: string,
  since: number,
): Promise<{ id: string; title: string; severity: string } | null> {
  const r = await ex
    .selectFrom('incidents')
    .innerJoin('incidentServices', 'incidentServices.incidentId', 'incidents.id')
    .innerJoin('gamedayServices', 'gamedayServices.serviceId', 'incidentServices.serviceId')
    .select(['incidents.id', 'incidents.title', 'incidents.severity'])
    .where('gamedayServices.gamedayId', '=', gamedayId)
    .where('incidents.kind', '=', 'real')
    .where('incidents.severity', 'in', ['P1', 'P2'])
    .where('incidents.declaredAt', '>=', since)
    .orderBy('incidents.declaredAt')
    .executeTakeFirst();
  return r ?? null;
}
