/** Response schemas every insights route shares (docs/insights.md): one statistic, and the `filter` echo. */
import { Type } from '@sinclair/typebox';

/** A figure's statistics in whole seconds (null when count is 0): src/insights/model.ts `stats()`. */
export const StatsSchema = Type.Object({
  median: Type.Union([Type.Number(), Type.Null()]),
  p90: Type.Union([Type.Number(), Type.Null()]),
  mean: Type.Union([Type.Number(), Type.Null()]),
  count: Type.Integer(),
});

/** The filters as resolved (src/insights/filters.ts `presentFilter`). */
export const FilterOut = Type.Object({
  from: Type.String(),
  to: Type.String(),
  teamId: Type.Union([Type.String(), Type.Null()]),
  serviceId: Type.Union([Type.String(), Type.Null()]),
  severity: Type.Union([Type.String(), Type.Null()]),
  kinds: Type.Array(Type.String()),
});
