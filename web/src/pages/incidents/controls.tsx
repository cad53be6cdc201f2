/**
 * Commanding the incident: move the status, change (or confirm) the severity with a reason and a fresh assessment,
 * and post a status update for stakeholders.
 */
import { useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { AssessmentQuestions, ProposalBox, SeverityChoices, useProposal } from './assessment.js';
import {
  STATUSES,
  STATUS_TEXT,
  incidentPath,
  type Assessment,
  type IncidentDetail,
  type IncidentStatus,
  type Severities,
  type Severity,
} from './types.js';

export function StatusControl({ detail, onChanged }: { detail: IncidentDetail; onChanged: () => void }) {
  const current = detail.incident.status;
  const [status, setStatus] = useState<IncidentStatus>(current);
  const [message, setMessage] = useState('');
  const submit = useSubmit(async () => {
    await api.post(`${incidentPath(detail.incident.id)}/status`, {
      status,
      ...(message.trim() ? { message: message.trim() } : {}),
    });
    setMessage('');
    onChanged();
  });
  return (
    <Card title="Status">
      <form onSubmit={submit.onSubmit} aria-label="Change status" id="status-control">
        <ErrorBanner error={submit.error} />
        <div className="inc-seg" role="radiogroup" aria-label="New status">
          {STATUSES.map((s) => (
            <label key={s} className={status === s ? 'inc-opt active' : 'inc-opt'}>
              <input type="radio" name="inc-status" checked={status === s} onChange={() => setStatus(s)} />
              {STATUS_TEXT[s]}
            </label>
          ))}
        </div>
        <Field label="Message" htmlFor="status-message" hint="Optional: what changed.">
          <input id="status-message" value={message} onChange={(e) => setMessage(e.target.value)} />
        </Field>
        <button type="submit" className="btn" disabled={submit.busy || status === current}>
          {current === 'resolved' && status !== 'resolved' ? 'Reopen' : 'Change status'}
        </button>
      </form>
    </Card>
  );
}

export function SeverityControl({
  detail,
  severities,
  onChanged,
  onClose,
}: {
  detail: IncidentDetail;
  severities: Severities;
  onChanged: () => void;
  onClose: () => void;
}) {
  const [assessment, setAssessment] = useState<Assessment>({});
  const [chosen, setChosen] = useState<Severity | null>(null);
  const [reason, setReason] = useState('');
  const proposal = useProposal(assessment);
  const severity = chosen ?? proposal?.severity ?? detail.incident.severity;
  const submit = useSubmit(async () => {
    await api.post(`${incidentPath(detail.incident.id)}/severity`, {
      severity,
      reason: reason.trim(),
      ...(Object.keys(assessment).length ? { assessment } : {}),
    });
    setReason('');
    onChanged();
    onClose();
  });
  const isSame = severity === detail.incident.severity;
  return (
    <Card title="Assess severity" className="severity-control">
      <form onSubmit={submit.onSubmit} aria-label="Assess severity">
        <ErrorBanner error={submit.error} fields={['reason']} />
        <div className="grid-2">
          <div>
            <AssessmentQuestions
              severities={severities}
              value={assessment}
              onChange={setAssessment}
              idPrefix="reassess"
            />
            <ProposalBox proposal={proposal} />
          </div>
          <SeverityChoices severities={severities} value={severity} onChange={setChosen} name="reassess-sev" />
        </div>
        <Field label="Reason" htmlFor="severity-reason" error={submit.fieldError('reason')}>
          <input
            id="severity-reason"
            required
            value={reason}
            placeholder="Why this severity: who is affected, how"
            onChange={(e) => setReason(e.target.value)}
          />
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={submit.busy || !reason.trim()}>
            {isSame ? `Confirm ${severity}` : `Change to ${severity}`}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}

export function StatusUpdateComposer({ detail }: { detail: IncidentDetail }) {
  const [message, setMessage] = useState('');
  const [posted, setPosted] = useState(false);
  const submit = useSubmit(async () => {
    await api.post(`${incidentPath(detail.incident.id)}/updates`, { message: message.trim() });
    setMessage('');
    setPosted(true);
  });
  const every = detail.policy.updateReminderMinutes;
  return (
    <Card title="Status update">
      <form onSubmit={submit.onSubmit} aria-label="Post a status update">
        <ErrorBanner error={submit.error} />
        <Field
          label="Update for stakeholders"
          htmlFor="update-message"
          hint={every ? `${detail.incident.severity}: post one at least every ${every} minutes.` : undefined}
        >
          <textarea
            id="update-message"
            rows={3}
            value={message}
            placeholder="What is affected, what we are doing, when the next update comes"
            onChange={(e) => {
              setMessage(e.target.value);
              setPosted(false);
            }}
          />
        </Field>
        <button type="submit" className="btn" disabled={submit.busy || !message.trim()}>
          Post update
        </button>
        {posted && <span className="saved"> Posted.</span>}
      </form>
    </Card>
  );
}
