/**
 * "Impact started" in the incident room: when customers were first affected (MTTD runs from it to detection). Muster
 * fills it from the earliest linked alert's start until a person sets it here (docs/insights.md).
 */
import { useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { browserZone, fromLocalInput, toLocalInput } from '../alerts/time-input.js';
import { incidentPath, type IncidentDetail } from './types.js';

export function ImpactStartedPanel({
  detail,
  timeZone,
  onChanged,
}: {
  detail: IncidentDetail;
  timeZone?: string | undefined;
  onChanged: () => void;
}) {
  const inc = detail.incident;
  const at = inc.milestones.impactStartedAt;
  const [isEditing, setEditing] = useState(false);
  const [value, setValue] = useState(at ? toLocalInput(new Date(at)) : '');
  const [reason, setReason] = useState('');
  const save = useSubmit(async () => {
    await api.put(`${incidentPath(inc.id)}/milestones/impactStartedAt`, {
      at: fromLocalInput(value),
      reason: reason.trim(),
    });
    setEditing(false);
    setReason('');
    onChanged();
  });
  return (
    <Card title="Impact started">
      <p>
        <span data-testid="impact-started">{at ? formatTime(at, timeZone) : 'Not set'}</span>
        {inc.kind && inc.kind !== 'real' && (
          <span className="muted"> · {inc.kind === 'drill' ? 'Drill' : 'Imported'}</span>
        )}
      </p>
      {!isEditing ? (
        <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
          {at ? 'Correct' : 'Set'}
        </button>
      ) : (
        <form aria-label="Impact started" onSubmit={save.onSubmit}>
          <Field
            label="When customers were first affected"
            htmlFor="impact-started-at"
            hint={`In ${browserZone()}. Empty clears it.`}
            error={save.fieldError('at')}
          >
            <input
              id="impact-started-at"
              type="datetime-local"
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
          </Field>
          <Field label="Reason" htmlFor="impact-started-reason" error={save.fieldError('reason')}>
            <input
              id="impact-started-reason"
              maxLength={2000}
              value={reason}
              placeholder="e.g. The deploy went out at 14:02"
              onChange={(e) => setReason(e.target.value)}
            />
          </Field>
          <ErrorBanner error={save.error} fields={['at', 'reason']} />
          <div className="form-actions">
            <button type="submit" className="btn btn-small btn-primary" disabled={save.busy || !reason.trim()}>
              Save
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Card>
  );
}
