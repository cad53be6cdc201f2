/**
 * Double-booked responders (docs/people-health.md): who is engaged in another open incident (holds a role, was paged
 * for one of its alerts, or joined its room), from GET /api/engagements. The room's role pickers and its participant
 * list mark them, so assigning or joining shows that the person is already busy elsewhere.
 */
import { useEffect } from 'react';
import { useApi } from '../../lib/use-api.js';

export interface Engagement {
  incidentId: string;
  title: string;
  severity?: string;
  roles?: string[];
}

/**
 * person → the other open incidents they are engaged in (this incident left out); read again when `version` changes.
 * Nobody, and nothing read, while this incident is not `open` (resolved: being busy elsewhere no longer matters here).
 */
export function useEngagedElsewhere(incidentId: string, version: unknown = 0, open = true): Map<string, Engagement[]> {
  const engaged = useApi<{ people: { userId: string; incidents: Engagement[] }[] }>(open ? '/api/engagements' : null);
  const { reload } = engaged;
  useEffect(() => {
    reload();
  }, [version, reload]);
  return new Map(
    (engaged.data?.people ?? []).flatMap((p) => {
      const others = p.incidents.filter((i) => i.incidentId !== incidentId);
      return others.length ? [[p.userId, others] as const] : [];
    }),
  );
}

/** "⚑ also in Refunds stuck" beside a person who is in another open incident. */
export function DoubleBookedMark({ incidents }: { incidents: Engagement[] | undefined }) {
  if (!incidents?.length) return null;
  return (
    <span className="badge badge-warn small" data-testid="double-booked-badge">
      ⚑ also in {incidents.map((i) => i.title).join(', ')}
    </span>
  );
}
