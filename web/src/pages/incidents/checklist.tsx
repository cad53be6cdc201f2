/**
 * The first five minutes, prominent until every step is done: each step ticks itself from what happens in the room
 * (an acknowledgement, an assessment, joining, roles, looking at recent changes) and shows when, and how long after
 * the declaration.
 */
import { ErrorBanner, useActions } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { incidentPath, seconds, type ChecklistItem } from './types.js';

export function Checklist({
  incidentId,
  items,
  timeZone,
  onChanged,
  actions,
}: {
  incidentId: string;
  items: ChecklistItem[];
  timeZone: string;
  onChanged: () => void;
  actions: Partial<Record<string, { label: string; run: () => void }>>;
}) {
  const { run, busy, error } = useActions(onChanged);
  const done = items.filter((i) => i.doneAt).length;
  const isComplete = done === items.length;
  const last = Math.max(0, ...items.map((i) => i.elapsedSeconds ?? 0));

  const acknowledge = () => run(() => api.post(`${incidentPath(incidentId)}/acknowledge`));
  const all = {
    acknowledge: { label: busy ? 'Acknowledging…' : 'Acknowledge', run: () => void acknowledge() },
    ...actions,
  };

  return (
    <Card
      className={isComplete ? 'checklist checklist-done' : 'checklist checklist-open'}
      title={
        <span className="card-title-row">
          <span>First five minutes</span>
          <span className="muted small" data-testid="checklist-progress">
            {isComplete ? `All done in ${seconds(last)}` : `${done} of ${items.length} done`}
          </span>
        </span>
      }
    >
      <ErrorBanner error={error} />
      <ol className="checklist-steps" aria-label="First five minutes">
        {items.map((i) => {
          const act = all[i.step as keyof typeof all];
          return (
            <li key={i.step} className={i.doneAt ? 'step step-done' : 'step'} data-step={i.step} data-done={!!i.doneAt}>
              <span className="step-mark" aria-hidden="true">
                {i.doneAt ? '✓' : '○'}
              </span>
              <span className="step-text">
                <span className="step-title">{i.title}</span>
                {i.doneAt ? (
                  <span className="muted small">
                    Done {formatTime(i.doneAt, timeZone)}
                    {i.elapsedSeconds !== null && ` (+${seconds(i.elapsedSeconds)})`}
                    {i.doneByLabel && ` by ${i.doneByLabel}`}
                  </span>
                ) : (
                  <span className="muted small">Not done yet</span>
                )}
              </span>
              {!i.doneAt && act && (
                <button type="button" className="btn btn-small" disabled={busy} onClick={act.run}>
                  {act.label}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </Card>
  );
}
