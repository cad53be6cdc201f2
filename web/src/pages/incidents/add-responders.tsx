/**
 * "Add responders" in the room: page another escalation policy, a schedule's on-call or a person with a message; the
 * page carries the incident's title, severity, the room and the bridge. The Responders card lists each request's
 * state (paged, acknowledged, declined, escalated) and who was paged; whoever was paged answers here: Acknowledge or
 * Can't help. On a P1 it sits under the first five minutes with "all hands on deck".
 */
import { useState, type FormEvent } from 'react';
import { ErrorBanner, FormActions, useActions } from '../../components/forms.js';
import {
  PickedList,
  PolicyPicker,
  SearchPicker,
  UserPicker,
  type PickedPolicy,
  type PickedUser,
} from '../../components/pickers.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { incidentPath } from './types.js';

export type ResponderState = 'paged' | 'escalated' | 'acknowledged' | 'declined' | 'exhausted' | 'cancelled';

export interface ResponderRequest {
  id: string;
  target: { type: 'policy' | 'schedule' | 'user'; id: string; name: string };
  message: string;
  state: ResponderState;
  paged: { userId: string; name: string; hasDeclined: boolean }[];
  requestedBy: { userId: string | null; label: string };
  respondedBy: { userId: string | null; label: string | null; at: string | null };
}

interface Target {
  type: 'policy' | 'schedule' | 'user';
  id: string;
  name: string;
}

const STATE_WORDS: Record<ResponderState, { text: string; tone: string }> = {
  paged: { text: 'Paged', tone: 'badge-warn' },
  escalated: { text: 'Escalated', tone: 'badge-warn' },
  acknowledged: { text: 'Acknowledged', tone: 'badge-good' },
  declined: { text: 'Declined', tone: 'badge-bad' },
  exhausted: { text: 'Nobody to page', tone: 'badge-bad' },
  cancelled: { text: 'Closed', tone: '' },
};
const TYPE_WORDS: Record<Target['type'], string> = {
  policy: 'Escalation policy',
  schedule: 'On call for',
  user: 'Person',
};

interface PickedSchedule {
  id: string;
  name: string;
}
const searchSchedules = async (text: string): Promise<PickedSchedule[]> =>
  (await api.get<{ schedules: PickedSchedule[] }>('/api/schedules')).schedules.filter(
    (s) => !text || s.name.toLowerCase().includes(text.toLowerCase()),
  );

export function RespondersPanel({
  incidentId,
  severity,
  isResolved,
  version,
  onChanged,
}: {
  incidentId: string;
  severity: string;
  isResolved: boolean;
  /** Read again when this changes (the timeline grew). */
  version: number;
  onChanged: () => void;
}) {
  const base = incidentPath(incidentId);
  const me = useUser();
  const list = useApi<{ requests: ResponderRequest[] }>(`${base}/responder-requests?v=${version}`);
  const [isAdding, setAdding] = useState(false);
  const [kind, setKind] = useState<Target['type']>('policy');
  const [targets, setTargets] = useState<Target[]>([]);
  const [message, setMessage] = useState('');
  const { run, busy, error } = useActions(() => {
    list.reload();
    onChanged();
  });
  const requests = list.data?.requests ?? [];
  const isP1 = severity === 'P1';

  const pick = (t: Target) => setTargets((prev) => (prev.some((p) => p.id === t.id) ? prev : [...prev, t]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await run(() =>
      api.post(`${base}/responder-requests`, {
        message: message.trim(),
        targets: targets.map((t) => ({ type: t.type, id: t.id })),
      }),
    );
    if (ok) {
      setTargets([]);
      setMessage('');
      setAdding(false);
    }
  };
  const answer = (r: ResponderRequest, what: 'acknowledge' | 'decline') =>
    void run(() => api.post(`${base}/responder-requests/${encodeURIComponent(r.id)}/${what}`, {}));
  // Requests this person was paged for and has not answered: they answer at the top of the card.
  const mine = requests.filter(
    (r) =>
      ['paged', 'escalated', 'exhausted'].includes(r.state) &&
      r.paged.some((p) => p.userId === me.id && !p.hasDeclined),
  );

  return (
    <Card
      className={isP1 && !isResolved && requests.length === 0 ? 'responders responders-offer' : 'responders'}
      title={
        <span className="card-title-row">
          <span>Responders</span>
          {!isResolved && !isAdding && (
            <button
              type="button"
              id="add-responders-open"
              className={isP1 && requests.length === 0 ? 'btn btn-small btn-primary' : 'btn btn-small'}
              onClick={() => setAdding(true)}
            >
              Add responders
            </button>
          )}
        </span>
      }
    >
      <ErrorBanner error={error} fields={['message', 'targets']} />
      {mine.map((r) => (
        <div key={r.id} className="banner banner-warn responder-ask" role="note" data-testid="responder-ask">
          <span>
            <strong>{r.requestedBy.label}</strong> asks for your help{r.message ? `: “${r.message}”` : '.'}
          </span>
          <span className="responder-answers">
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => answer(r, 'acknowledge')}>
              Acknowledge
            </button>
            <button type="button" className="btn" disabled={busy} onClick={() => answer(r, 'decline')}>
              Can’t help
            </button>
          </span>
        </div>
      ))}
      {isP1 && !isResolved && requests.length === 0 && !isAdding && (
        <p className="small">
          P1: all hands on deck. Page the people you need now: another team’s policy, a schedule or a person.
        </p>
      )}
      {requests.length > 0 && (
        <ul className="plain-list responder-list" aria-label="Responders asked for">
          {requests.map((r) => (
            <li key={r.id} className="responder-item" data-state={r.state}>
              <span className="responder-head">
                <span className={`badge ${STATE_WORDS[r.state].tone}`}>{STATE_WORDS[r.state].text}</span>{' '}
                <strong>{r.target.name}</strong>
                <span className="muted small"> · {TYPE_WORDS[r.target.type]}</span>
              </span>
              <span className="muted small">
                {r.paged.length
                  ? `Paged: ${r.paged.map((p) => (p.hasDeclined ? `${p.name} (can’t help)` : p.name)).join(', ')}`
                  : 'Nobody paged yet'}
                {r.state === 'acknowledged' && r.respondedBy.label && ` · coming: ${r.respondedBy.label}`}
              </span>
              {r.message && <span className="small">“{r.message}”</span>}
            </li>
          ))}
        </ul>
      )}
      {isAdding && (
        <form className="responders-form" onSubmit={(e) => void submit(e)} aria-label="Add responders">
          <div className="field">
            <label htmlFor="responder-kind">Page</label>
            <select id="responder-kind" value={kind} onChange={(e) => setKind(e.target.value as Target['type'])}>
              <option value="policy">An escalation policy</option>
              <option value="schedule">Whoever is on call for a schedule</option>
              <option value="user">A person</option>
            </select>
          </div>
          {kind === 'policy' && (
            <PolicyPicker
              id="responder-target"
              label="Escalation policy"
              exclude={targets.map((t) => t.id)}
              onPick={(p: PickedPolicy) => pick({ type: 'policy', id: p.id, name: p.name })}
            />
          )}
          {kind === 'schedule' && (
            <SearchPicker<PickedSchedule>
              id="responder-target"
              label="Schedule"
              placeholder="Type a schedule name"
              search={searchSchedules}
              keyOf={(s) => s.id}
              labelOf={(s) => s.name}
              exclude={targets.map((t) => t.id)}
              onPick={(s) => pick({ type: 'schedule', id: s.id, name: s.name })}
            />
          )}
          {kind === 'user' && (
            <UserPicker
              id="responder-target"
              label="Person"
              exclude={targets.map((t) => t.id)}
              onPick={(u: PickedUser) => pick({ type: 'user', id: u.id, name: u.name || u.email })}
            />
          )}
          <PickedList
            label="To page"
            items={targets}
            keyOf={(t) => t.id}
            labelOf={(t) => `${t.name} (${TYPE_WORDS[t.type].toLowerCase()})`}
            onRemove={(t) => setTargets((prev) => prev.filter((p) => p.id !== t.id))}
          />
          <div className="field">
            <label htmlFor="responder-message">Message</label>
            <textarea
              id="responder-message"
              rows={2}
              maxLength={1000}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
              placeholder="What you need from them"
            />
          </div>
          <p className="muted small">The page includes the incident’s title, severity, the room and the bridge call.</p>
          <FormActions
            busy={busy}
            submit="Page them"
            busyText="Paging…"
            disabled={targets.length === 0}
            onCancel={() => setAdding(false)}
          />
        </form>
      )}
    </Card>
  );
}
