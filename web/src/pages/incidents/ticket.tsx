/**
 * Small incidents leave as tickets (issue 22, item 5): once the incident is resolved, or P3/P4 ("schedule the fix",
 * "regular engineering work"), the room offers to create a ticket in the tracker of a team that owns one of its
 * services; then it shows the ticket's key, link and state (refreshed by a job every 15 minutes, or "Check now").
 * Reloads when the live timeline brings a ticket, status or severity event.
 */
import { useState } from 'react';
import { ErrorBanner, useActions } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { useApi, useReloadOn } from '../../lib/use-api.js';
import { incidentPath } from './types.js';

/** Timeline kinds after which the ticket card reads again. */
export const TICKET_EVENT_KINDS = [
  'ticket_requested',
  'ticket_created',
  'ticket_failed',
  'ticket_state_changed',
  'status_changed',
  'reopened',
  'severity_changed',
  'service_added',
  'service_removed',
];

interface Ticket {
  team: { id: string; name: string };
  provider: 'github' | 'gitlab' | 'jira';
  status: 'pending' | 'created' | 'failed';
  key: string | null;
  url: string | null;
  state: string | null;
  isClosed: boolean;
  stateCheckedAt: string | null;
  error: string | null;
}
interface TicketState {
  ticket: Ticket | null;
  offer: {
    isOffered: boolean;
    reason: 'resolved' | 'low_severity' | null;
    choices: { team: { id: string; name: string }; provider: 'github' | 'gitlab' | 'jira' }[];
  };
}

const PROVIDER_TEXT = { github: 'GitHub', gitlab: 'GitLab', jira: 'Jira' } as const;

export function TicketCard({ incidentId, timeZone, signal }: { incidentId: string; timeZone: string; signal: number }) {
  const base = `${incidentPath(incidentId)}/ticket`;
  const res = useApi<TicketState>(base);
  const { reload } = res;
  useReloadOn(signal, reload);
  const [choice, setChoice] = useState(0);
  const { run, busy, error } = useActions(reload);
  const s = res.data;
  if (!s || (!s.ticket && !s.offer.isOffered)) return null;
  const t = s.ticket;
  const picked = s.offer.choices[choice] ?? s.offer.choices[0];
  return (
    <Card title="Ticket" className="room-ticket">
      <div data-testid="incident-ticket">
        <ErrorBanner error={error} />
        {t?.status === 'created' && (
          <p>
            <a href={t.url ?? undefined} target="_blank" rel="noopener noreferrer">
              {t.key}
            </a>{' '}
            in {t.team.name}’s {PROVIDER_TEXT[t.provider]}:{' '}
            <strong data-testid="ticket-state">{t.state ?? 'unknown'}</strong>
            {t.isClosed ? ' (closed)' : ''}
            {t.stateCheckedAt && (
              <span className="muted small"> · checked {formatTime(t.stateCheckedAt, timeZone)}</span>
            )}{' '}
            <button
              type="button"
              className="btn btn-small"
              disabled={busy}
              onClick={() => void run(() => api.post(`${base}/refresh`, {}))}
            >
              Check now
            </button>
            {t.error && <span className="warn-text small"> Last check failed: {t.error}</span>}
          </p>
        )}
        {t?.status === 'pending' && (
          <p>
            Creating the ticket in {t.team.name}’s {PROVIDER_TEXT[t.provider]}…
            {t.error && <span className="warn-text small"> Retrying: {t.error}</span>}
          </p>
        )}
        {t?.status === 'failed' && (
          <p className="warn-text">
            The ticket in {t.team.name}’s {PROVIDER_TEXT[t.provider]} could not be created: {t.error}
          </p>
        )}
        {s.offer.isOffered && (
          <>
            <p>
              {s.offer.reason === 'resolved'
                ? 'This incident is resolved. Leave the follow-up as a ticket, linked both ways.'
                : 'A P3 or P4 is tracked as regular engineering work. Leave it as a ticket, linked both ways.'}
            </p>
            {s.offer.choices.length === 0 ? (
              <p className="muted small">
                No team of this incident’s services has a tracker connected: a team admin connects GitHub, GitLab or
                Jira in the team’s settings.
              </p>
            ) : (
              <div className="inline-form">
                {s.offer.choices.length > 1 && (
                  <>
                    <label className="sr-only" htmlFor="ticket-choice">
                      Tracker
                    </label>
                    <select id="ticket-choice" value={choice} onChange={(e) => setChoice(Number(e.target.value))}>
                      {s.offer.choices.map((c, i) => (
                        <option key={`${c.team.id}-${c.provider}`} value={i}>
                          {c.team.name}’s {PROVIDER_TEXT[c.provider]}
                        </option>
                      ))}
                    </select>
                  </>
                )}
                <button
                  type="button"
                  className="btn btn-primary btn-small"
                  disabled={busy || !picked}
                  onClick={() =>
                    void run(() => api.post(base, { teamId: picked!.team.id, provider: picked!.provider }))
                  }
                >
                  {s.offer.choices.length > 1
                    ? 'Create ticket'
                    : `Create ticket in ${picked!.team.name}’s ${PROVIDER_TEXT[picked!.provider]}`}
                </button>
              </div>
            )}
          </>
        )}
      </div>
    </Card>
  );
}
