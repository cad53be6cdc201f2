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

/** Role-separation overrides per team (src/people/ledger/service.ts `roleOverrides`; docs/people-health.md). */
export const RoleOverridesSchema = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  teamId: Type.Union([Type.String(), Type.Null()], { description: 'The team asked for; null: every team' }),
  teams: Type.Array(
    Type.Object({
      teamId: Type.String(),
      name: Type.String(),
      overrides: Type.Integer({ description: 'Overrides on incidents of its services in the window' }),
      incidents: Type.Integer({ description: 'Incidents with at least one override' }),
    }),
    { description: 'Most overrides first' },
  ),
  events: Type.Array(
    Type.Object({
      teamId: Type.String(),
      incidentId: Type.String(),
      title: Type.String(),
      severity: Type.String(),
      at: Type.String({ format: 'date-time' }),
      reason: Type.String({ description: 'Why one person took two roles against the policy' }),
    }),
    { description: 'Each override, oldest first' },
  ),
});
