/**
 * Filters shared by the insights endpoints (docs/insights.md): the same names, defaults and validation as response
 * times (`ResponseTimeInsights.resolve`: window, kinds, the team's time zone), the echo every response carries, and a
 * bucket start given back by a client. Add a helper here rather than a copy in each figure's file.
 */
import type { Db } from '../db/index.js';
import { toIso, type Clock } from '../shared/clock.js';
import { validationError } from '../shared/errors.js';
import { ResponseTimeInsights, type ResolvedFilter, type ResponseTimeFilter } from './response-times.js';

export type { ResolvedFilter, ResponseTimeFilter as InsightFilter };

/** Window (default the last 90 days, at most 5 years), kinds, team time zone: 400 naming the field when bad. */
export function resolveInsightFilter(db: Db, clock: Clock, f: ResponseTimeFilter): Promise<ResolvedFilter> {
  return new ResponseTimeInsights(db, clock).resolve(f);
}

/** The `filter` echo of every insights response: `{ from, to, teamId, serviceId, severity, kinds }`. */
export function presentFilter(f: ResolvedFilter): {
  from: string;
  to: string;
  teamId: string | null;
  serviceId: string | null;
  severity: string | null;
  kinds: string[];
} {
  return {
    from: toIso(f.from),
    to: toIso(f.to),
    teamId: f.teamId ?? null,
    serviceId: f.serviceId ?? null,
    severity: f.severity ?? null,
    kinds: f.kinds,
  };
}

/** An RFC 3339 query value as epoch ms (undefined when absent; NaN is left for `resolve` to name the field). */
export const isoToMs = (iso: string | undefined): number | undefined =>
  iso === undefined ? undefined : Date.parse(iso);

/** A bucket's start as a response gave it (RFC 3339), for a drill-down; 400 naming `field` when it is not one. */
export function parseBucketStart(iso: string | undefined, field = 'bucket'): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw validationError([{ field, message: "must be a bucket's start (RFC 3339)" }]);
  return ms;
}
