/** Someone covers an interval: pick a person and local start/end times in the schedule's zone. */
import { useCallback, useEffect, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { api } from '../../lib/api.js';
import { userLabel, type People } from './people.js';
import type { Override } from './types.js';
import { formatDuration, fromLocalInput, HOUR, MINUTE, toLocalInput } from './zone.js';

export function OverrideForm({
  scheduleId,
  zone,
  people,
  picked,
  onCreated,
}: {
  scheduleId: string;
  zone: string;
  people: People;
  /** An interval chosen by dragging on the timeline. */
  picked: { start: number; end: number } | null;
  onCreated: () => void;
}) {
  const [userId, setUserId] = useState('');
  const [start, setStart] = useState(() => toLocalInput(Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE, zone));
  const [end, setEnd] = useState(() =>
    toLocalInput(Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE + 8 * HOUR, zone),
  );
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);

  useEffect(() => {
    if (!picked) return;
    setStart(toLocalInput(picked.start, zone));
    setEnd(toLocalInput(picked.end, zone));
    setDone(null);
    document.getElementById('override-user')?.focus();
  }, [picked, zone]);

  const a = fromLocalInput(start, zone);
  const b = fromLocalInput(end, zone);
  const form = useSubmit(
    useCallback(async () => {
      setDone(null);
      if (!userId) throw new Error('Pick who covers this time.');
      if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error('Enter a start and an end.');
      await api.post<Override>(`/api/schedules/${encodeURIComponent(scheduleId)}/overrides`, {
        userId,
        start: new Date(a).toISOString(),
        end: new Date(b).toISOString(),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setDone(`Override added for ${people.name(userId)}.`);
      setReason('');
      onCreated();
    }, [userId, a, b, reason, scheduleId, people, onCreated]),
  );

  const users = people.users.filter((u) => !u.disabledAt);
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Add an override">
      <ErrorBanner error={form.error} fields={['userId', 'start', 'end', 'reason']} />
      <Field label="Person" htmlFor="override-user" error={form.fieldError('userId')}>
        <select id="override-user" value={userId} onChange={(e) => setUserId(e.target.value)}>
          <option value="">Who covers it…</option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {userLabel(u)}
            </option>
          ))}
        </select>
      </Field>
      <div className="grid-2">
        <Field label={`Start (${zone})`} htmlFor="override-start" error={form.fieldError('start')}>
          <input id="override-start" type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />
        </Field>
        <Field
          label={`End (${zone})`}
          htmlFor="override-end"
          error={form.fieldError('end')}
          hint={Number.isFinite(a) && Number.isFinite(b) && b > a ? formatDuration(b - a) : undefined}
        >
          <input id="override-end" type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />
        </Field>
      </div>
      <Field
        label="Reason"
        htmlFor="override-reason"
        error={form.fieldError('reason')}
        hint="Optional, e.g. “covering Sam's dentist appointment”."
      >
        <input id="override-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      </Field>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={form.busy}>
          {form.busy ? 'Adding…' : 'Add override'}
        </button>
        {done && (
          <span className="saved" role="status">
            {done}
          </span>
        )}
      </div>
    </form>
  );
}
