/**
 * The room timeline's "uncoordinated" flag (docs/insights.md "Responders"): on a P1/P2, when three or more people
 * acted within 15 minutes with no Incident Commander, one calm line at the time it started, with a button to assign an
 * IC while it lasts. Read from GET /api/incidents/:id/responders, again whenever the timeline grows.
 */
import { useEffect, useState } from 'react';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { incidentPath, type TimelineEvent } from './types.js';

export interface UncoordinatedPeriod {
  from: string;
  until: string | null;
  people: { userId: string; name: string }[];
}

/** The incident's uncoordinated periods, refreshed when `version` (the timeline's length) changes. */
export function useUncoordinated(incidentId: string, version: number): UncoordinatedPeriod[] {
  const [periods, setPeriods] = useState<UncoordinatedPeriod[]>([]);
  useEffect(() => {
    const ctl = new AbortController();
    api
      .get<{ uncoordinated: UncoordinatedPeriod[] }>(`${incidentPath(incidentId)}/responders`, { signal: ctl.signal })
      .then(
        (r) => setPeriods(r.uncoordinated),
        () => {
          /* the flag is a hint: without it the timeline still works */
        },
      );
    return () => ctl.abort();
  }, [incidentId, version]);
  return periods;
}

export type TimelineRow = { event: TimelineEvent } | { period: UncoordinatedPeriod };

/** The events with each period placed after the last event at or before its start. */
export function withPeriods(events: TimelineEvent[], periods: UncoordinatedPeriod[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const pending = [...periods].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  for (const event of events) {
    while (pending.length && Date.parse(pending[0]!.from) < Date.parse(event.at))
      rows.push({ period: pending.shift()! });
    rows.push({ event });
  }
  for (const period of pending) rows.push({ period });
  return rows;
}

export function UncoordinatedRow({
  period,
  timeZone,
  onAssignCommander,
}: {
  period: UncoordinatedPeriod;
  timeZone: string;
  onAssignCommander?: (() => void) | undefined;
}) {
  const names = period.people.map((p) => p.name).join(', ');
  return (
    <li className="room-event room-event-flagged room-event-uncoordinated" data-kind="uncoordinated">
      <span className="room-event-time" title={formatTime(period.from, timeZone)}>
        {new Date(period.from).toLocaleTimeString('en-GB', { timeZone, hour12: false })}
      </span>
      <span className="room-event-kind">Roles</span>
      <span className="room-event-body" data-testid="uncoordinated-flag">
        <strong className="warn-text">⚠ </strong>
        <span title={names}>{period.people.length} people acting with no Incident Commander</span>
        {period.until ? (
          <span className="muted small">
            {' '}
            — until {new Date(period.until).toLocaleTimeString('en-GB', { timeZone, hour12: false })}
          </span>
        ) : (
          onAssignCommander && (
            <>
              {' '}
              <button type="button" className="btn btn-small" onClick={onAssignCommander}>
                Assign an IC
              </button>
            </>
          )
        )}
      </span>
    </li>
  );
}
