/** The room's timeline (live, oldest first, newest at the bottom) and the note composer under it. */
import { useEffect, useRef, useState } from 'react';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import { Card, LoadError } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { EvidenceLink } from './findings.js';
import type { RoomLive } from './live.js';
import { incidentPath, type TimelineEvent } from './types.js';
import { UncoordinatedRow, withPeriods, type UncoordinatedPeriod } from './uncoordinated.js';

const KIND_TEXT: Record<string, string> = {
  note: 'Note',
  status_update: 'Status update',
  declared: 'Declared',
  joined: 'Joined',
  role_assigned: 'Role',
  role_unassigned: 'Role',
  checklist_ticked: 'Checklist',
  severity_changed: 'Severity',
  severity_assessed: 'Severity',
  status_changed: 'Status',
  change_suspected: 'Suspected cause',
  alert_linked: 'Alert',
  alert_acknowledged: 'Alert',
  task_added: 'Task',
  gameday_started: 'Drill',
  gameday_inject: 'Drill inject',
  gameday_halted: 'Drill halted',
  gameday_ended: 'Drill ended',
  hypothesis: 'Hypothesis',
  ruled_out: 'Ruled out',
  finding: 'Finding',
  decision: 'Decision',
  hypothesis_owner_changed: 'Hypothesis',
  ticket_requested: 'Ticket',
  ticket_created: 'Ticket',
  ticket_failed: 'Ticket',
  ticket_state_changed: 'Ticket',
};

/** The timeline's filter by type (issue 22, item 4): everything, or one kind of typed entry. */
const FILTERS: { value: string; label: string; kinds: string[] | null }[] = [
  { value: 'all', label: 'Everything', kinds: null },
  {
    value: 'entries',
    label: 'Hypotheses, findings, decisions',
    kinds: ['hypothesis', 'ruled_out', 'finding', 'decision'],
  },
  { value: 'hypothesis', label: 'Hypotheses', kinds: ['hypothesis', 'hypothesis_owner_changed'] },
  { value: 'ruled_out', label: 'Ruled out', kinds: ['ruled_out'] },
  { value: 'finding', label: 'Findings', kinds: ['finding'] },
  { value: 'decision', label: 'Decisions', kinds: ['decision'] },
  { value: 'note', label: 'Notes and updates', kinds: ['note', 'status_update'] },
];

export function TimelinePanel({
  incidentId,
  events,
  error,
  live,
  timeZone,
  uncoordinated = [],
  onAssignCommander,
}: {
  incidentId: string;
  events: TimelineEvent[];
  error: unknown;
  live: RoomLive;
  timeZone: string;
  /** P1/P2 periods with 3+ people acting and no IC (GET /api/incidents/:id/responders), flagged where they start. */
  uncoordinated?: UncoordinatedPeriod[];
  onAssignCommander?: () => void;
}) {
  const [text, setText] = useState('');
  const [filter, setFilter] = useState('all');
  const kinds = FILTERS.find((f) => f.value === filter)?.kinds ?? null;
  const shown = kinds ? events.filter((e) => kinds.includes(e.kind)) : events;
  // Newest at the bottom, like a conversation: follow new entries unless the reader scrolled up to read older ones.
  const list = useRef<HTMLOListElement>(null);
  const isFollowing = useRef(true);
  useEffect(() => {
    const el = list.current;
    if (el && isFollowing.current) el.scrollTop = el.scrollHeight;
  }, [events.length]);
  const note = useSubmit(async () => {
    await api.post(`${incidentPath(incidentId)}/notes`, { text: text.trim() });
    setText('');
  });
  return (
    <Card
      className="room-timeline"
      title={
        <span className="card-title-row">
          <span>Timeline</span>
          <span className={`live live-${live === 'stream' ? 'stream' : 'poll'}`} role="status" data-testid="room-live">
            <span className="live-dot" aria-hidden="true" />
            {live === 'stream' ? 'Live' : live === 'poll' ? 'Refreshes every 5 s' : 'Connecting…'}
          </span>
        </span>
      }
    >
      {error ? <LoadError error={error} /> : null}
      <div className="timeline-filter">
        <label htmlFor="timeline-filter">Show</label>{' '}
        <select id="timeline-filter" value={filter} onChange={(e) => setFilter(e.target.value)}>
          {FILTERS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </div>
      <ol
        className="room-events"
        aria-label="Timeline"
        ref={list}
        onScroll={(e) => {
          const el = e.currentTarget;
          isFollowing.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {withPeriods(shown, kinds ? [] : uncoordinated).map((row) => {
          if ('period' in row)
            return (
              <UncoordinatedRow
                key={`uncoordinated-${row.period.from}`}
                period={row.period}
                timeZone={timeZone}
                onAssignCommander={onAssignCommander}
              />
            );
          const e = row.event;
          return (
            <li
              key={e.id}
              className={`room-event room-event-${e.kind}${e.isFlagged ? ' room-event-flagged' : ''}`}
              data-seq={e.seq}
              data-kind={e.kind}
            >
              <span className="room-event-time" title={formatTime(e.at, timeZone)}>
                {new Date(e.at).toLocaleTimeString('en-GB', { timeZone, hour12: false })}
              </span>
              <span className="room-event-kind">{KIND_TEXT[e.kind] ?? e.kind.replace(/_/g, ' ')}</span>
              <span className="room-event-body">
                {e.isFlagged && <strong className="warn-text">⚠ </strong>}
                <span className="prewrap">{e.body}</span> <span className="muted small">— {e.actorLabel}</span>
                {typeof e.details?.evidenceUrl === 'string' && (
                  <>
                    {' '}
                    <EvidenceLink url={e.details.evidenceUrl} />
                  </>
                )}
              </span>
            </li>
          );
        })}
      </ol>
      <form onSubmit={note.onSubmit} className="note-form" aria-label="Add a note">
        <ErrorBanner error={note.error} />
        <label className="sr-only" htmlFor="note-text">
          Note
        </label>
        <textarea
          id="note-text"
          rows={2}
          placeholder="What did you see, try or decide?"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) note.onSubmit(e);
          }}
        />
        <button type="submit" className="btn btn-primary" disabled={note.busy || !text.trim()}>
          Post note
        </button>
      </form>
    </Card>
  );
}
