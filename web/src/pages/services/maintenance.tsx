/** Maintenance windows of a service: between start and end its alerts are recorded but page nobody. */
import { useCallback, useMemo, useState } from 'react';
import { ConfirmButton, ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Badge, Card, Empty, LoadError } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { browserZone, durationText, fromLocalInput, toLocalInput } from '../alerts/time-input.js';
import type { MaintenanceWindow, Service } from '../alerts/types.js';

const TONE = { active: 'warn', pending: 'info', expired: 'neutral' } as const;

export function MaintenanceWindows({ service }: { service: Service }) {
  const user = useUser();
  const path = `/api/services/${encodeURIComponent(service.id)}/maintenance-windows`;
  const windows = useApi<{ maintenanceWindows: MaintenanceWindow[] }>(path);
  const [showForm, setShowForm] = useState(false);
  const [removeError, setRemoveError] = useState<unknown>(null);
  // Before the maintenance API exists (404), leave the section out.
  if (windows.error instanceof ApiError && windows.error.status === 404) return null;

  const remove = async (w: MaintenanceWindow) => {
    setRemoveError(null);
    try {
      await api.del(`${path}/${encodeURIComponent(w.id)}`);
      windows.reload();
    } catch (e) {
      setRemoveError(e);
    }
  };
  const list = windows.data?.maintenanceWindows ?? [];
  const active = list.find((w) => w.status === 'active');
  const shown = list.filter((w) => w.status !== 'expired' || Date.now() - Date.parse(w.endsAt) < 7 * 86400_000);

  return (
    <Card title="Maintenance windows">
      {active && (
        <div className="banner banner-warn" role="note">
          <strong>In maintenance until {formatTime(active.endsAt, user.timezone)}.</strong> Alerts of this service page
          nobody until then.
        </div>
      )}
      {removeError ? <ErrorBanner error={removeError} /> : null}
      {windows.error ? (
        <LoadError error={windows.error} retry={windows.reload} />
      ) : !windows.data ? null : shown.length === 0 ? (
        <Empty>No maintenance planned.</Empty>
      ) : (
        <table className="table table-dense" aria-label="Maintenance windows">
          <thead>
            <tr>
              <th>When</th>
              <th>Why</th>
              <th>Status</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((w) => (
              <tr key={w.id} className={w.status === 'expired' ? 'row-dim' : ''}>
                <td className="small">
                  {formatTime(w.startsAt, user.timezone)} → {formatTime(w.endsAt, user.timezone)}
                  <div className="muted">
                    {w.status === 'pending'
                      ? `starts ${relativeTime(w.startsAt)}`
                      : w.status === 'active'
                        ? `ends ${relativeTime(w.endsAt)}`
                        : `ended ${relativeTime(w.endsAt)}`}
                  </div>
                </td>
                <td>
                  {w.comment || <span className="muted">—</span>}
                  <div className="muted small">by {w.createdByLabel}</div>
                </td>
                <td>
                  <Badge tone={TONE[w.status]}>{w.status}</Badge>
                </td>
                <td className="actions-col">
                  {w.status !== 'expired' && (
                    <ConfirmButton
                      label={w.status === 'active' ? 'End now' : 'Cancel'}
                      confirmLabel={w.status === 'active' ? 'End maintenance' : 'Cancel window'}
                      onConfirm={() => void remove(w)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {showForm ? (
        <PlanMaintenance
          path={path}
          onDone={() => {
            setShowForm(false);
            windows.reload();
          }}
          onCancel={() => setShowForm(false)}
        />
      ) : (
        <button type="button" className="btn" onClick={() => setShowForm(true)}>
          Plan maintenance
        </button>
      )}
    </Card>
  );
}

function PlanMaintenance({ path, onDone, onCancel }: { path: string; onDone: () => void; onCancel: () => void }) {
  const now = useMemo(() => new Date(), []);
  const [startsAt, setStartsAt] = useState(toLocalInput(now));
  const [endsAt, setEndsAt] = useState(toLocalInput(new Date(now.getTime() + 3600_000)));
  const [comment, setComment] = useState('');
  const form = useSubmit(
    useCallback(async () => {
      const end = fromLocalInput(endsAt);
      if (!end) throw new Error('Give the maintenance window an end time.');
      const start = fromLocalInput(startsAt);
      await api.post(path, {
        ...(start ? { startsAt: start } : {}),
        endsAt: end,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      onDone();
    }, [path, startsAt, endsAt, comment, onDone]),
  );
  const start = fromLocalInput(startsAt);
  const end = fromLocalInput(endsAt);
  const length = start && end ? Date.parse(end) - Date.parse(start) : null;
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Plan maintenance" className="subform">
      <ErrorBanner error={form.error} fields={['startsAt', 'endsAt', 'comment']} />
      <div className="grid-2">
        <Field label="Starts" htmlFor="mw-starts" error={form.fieldError('startsAt')} hint={browserZone()}>
          <input id="mw-starts" type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
        </Field>
        <Field
          label="Ends"
          htmlFor="mw-ends"
          error={form.fieldError('endsAt')}
          hint={length !== null && length > 0 ? durationText(length) : undefined}
        >
          <input id="mw-ends" type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
        </Field>
      </div>
      <Field label="Reason" htmlFor="mw-comment" error={form.fieldError('comment')}>
        <input
          id="mw-comment"
          value={comment}
          placeholder="Database upgrade, ticket OPS-123"
          onChange={(e) => setComment(e.target.value)}
        />
      </Field>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Plan maintenance'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
