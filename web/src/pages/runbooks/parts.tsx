/** Pieces the runbook pages and the alert/incident panel share: the freshness badge and an action's Run button. */
import { useRef, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Badge } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { MODE_TEXT, runPath, type ActionSummary, type Run, type RunbookSummary } from './types.js';
import './runbooks.css';

export function StaleBadge({ runbook }: { runbook: Pick<RunbookSummary, 'isStale' | 'reviewDueAt'> }) {
  if (!runbook.isStale) return null;
  return (
    <span title={runbook.reviewDueAt ? `Review was due ${formatTime(runbook.reviewDueAt)}` : undefined}>
      <Badge tone="warn">needs review</Badge>
    </span>
  );
}

/** "Reviewed 3 days ago · next review in 87 days" or "Review overdue by 5 days". */
export function ReviewLine({ runbook }: { runbook: RunbookSummary }) {
  const reviewed = runbook.lastReviewedAt ? `Reviewed ${relativeTime(runbook.lastReviewedAt)}` : 'Never reviewed';
  if (!runbook.reviewDueAt) return <span>{reviewed}</span>;
  return (
    <span>
      {reviewed} ·{' '}
      {runbook.isStale ? (
        <strong className="rb-overdue">review was due {relativeTime(runbook.reviewDueAt)}</strong>
      ) : (
        <>next review {relativeTime(runbook.reviewDueAt)}</>
      )}
    </span>
  );
}

/**
 * Run one action from a runbook, for this alert or incident. Parameters taken from the alert fill in on the server;
 * those a person gives (`from: 'input'`) are asked here first. Approval actions are requested, not run.
 */
export function ActionRun({
  action,
  alertId,
  incidentId,
  compact,
}: {
  action: ActionSummary;
  alertId?: string;
  incidentId?: string;
  compact?: boolean;
}) {
  const inputs = action.params.filter((p) => p.from === 'input');
  const [asking, setAsking] = useState<null | 'run' | 'dry'>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [run, setRun] = useState<Run | null>(null);
  const dryRun = useRef(false);
  const verb = action.mode === 'approval' ? 'Request run' : 'Run';

  // The kit's button action: one request at a time, a refused parameter (`params.NAME`) shown beside its input.
  const submit = useSubmit(async () => {
    const params = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
    const r = await api.post<Run>(`/api/actions/${encodeURIComponent(action.id)}/runs`, {
      ...(alertId ? { alertId } : {}),
      ...(incidentId ? { incidentId } : {}),
      ...(Object.keys(params).length ? { params } : {}),
      ...(dryRun.current ? { dryRun: true } : {}),
    });
    setRun(r);
    setAsking(null);
  });
  const busy = submit.busy;
  const click = (dry: boolean) => {
    dryRun.current = dry;
    submit.clearError();
    if (inputs.length) setAsking(dry ? 'dry' : 'run');
    else void submit.run();
  };

  return (
    <div className={compact ? 'rb-action rb-action-compact' : 'rb-action'} data-action-id={action.id}>
      <div className="rb-action-head">
        <div className="rb-action-name">
          <strong>{action.name}</strong>{' '}
          <span className="muted small">
            {action.kind === 'agent' ? 'agent command' : 'HTTP'} · {MODE_TEXT[action.mode]}
          </span>
          {!compact && action.description && <div className="muted small">{action.description}</div>}
        </div>
        <div className="rb-action-buttons">
          {!action.enabled ? (
            <Badge>disabled</Badge>
          ) : (
            <>
              <button
                type="button"
                className="btn btn-small btn-primary"
                disabled={busy}
                aria-label={`${verb}: ${action.name}`}
                onClick={() => click(false)}
              >
                {busy && !dryRun.current ? `${verb}…` : verb}
              </button>
              {action.dryRunSupported && (
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={busy}
                  aria-label={`Dry run: ${action.name}`}
                  onClick={() => click(true)}
                >
                  Dry run
                </button>
              )}
            </>
          )}
        </div>
      </div>
      {asking && (
        <form className="rb-action-inputs" onSubmit={submit.onSubmit} aria-label={`Inputs for ${action.name}`}>
          {inputs.map((p) => (
            <Field
              key={p.name}
              label={`${p.name}${p.required ? '' : ' (optional)'}`}
              htmlFor={`rb-in-${action.id}-${p.name}`}
              error={submit.fieldError(`params.${p.name}`)}
            >
              <input
                id={`rb-in-${action.id}-${p.name}`}
                required={p.required}
                value={values[p.name] ?? ''}
                onChange={(e) => setValues((v) => ({ ...v, [p.name]: e.target.value }))}
                spellCheck={false}
              />
            </Field>
          ))}
          <div className="form-actions">
            <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
              {asking === 'dry' ? 'Start the dry run' : verb}
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorBanner error={submit.error} fields={inputs.map((p) => `params.${p.name}`)} />
      {run && (
        <div className="banner banner-info rb-run-started" role="status">
          {run.status === 'awaiting_approval'
            ? 'Waiting for a second person to approve. '
            : run.dryRun
              ? 'Dry run started. '
              : 'Started. '}
          <Link to={runPath(run.id)}>See the run and its output →</Link>
        </div>
      )}
    </div>
  );
}
