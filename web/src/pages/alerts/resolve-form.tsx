/**
 * Resolve an alert and judge it for the alert-quality report (actionable, not actionable, false positive), or judge
 * an alert that is already resolved. The judgement feeds the noisy-rules page.
 */
import { useCallback } from 'react';
import { ErrorBanner, FormActions, TextField, useApiForm, useSubmit } from '../../components/forms.js';
import { api } from '../../lib/api.js';
import { CLASSIFICATIONS, CLASSIFICATION_TEXT, type AlertDetail, type Classification } from './types.js';

const HINT: Record<Classification, string> = {
  actionable: 'Someone had to do something, and did.',
  not_actionable: 'Real, but nothing to do (self-healed, expected, not urgent).',
  false_positive: 'Nothing was wrong: the rule fired by mistake.',
};

export function ResolveForm({
  alertId,
  mode,
  initial,
  onDone,
  onCancel,
}: {
  alertId: string;
  /** resolve: resolve now (with an optional judgement); classify: judge a resolved alert. */
  mode: 'resolve' | 'classify';
  initial?: { classification: Classification | null; note: string | null };
  onDone: (a: AlertDetail) => void;
  onCancel?: () => void;
}) {
  const idBase = `${mode}-${alertId}`;
  const form = useApiForm<{ classification: Classification | ''; note: string }>(
    { classification: initial?.classification ?? '', note: initial?.note ?? '' },
    async (v) => {
      if (!v.classification)
        throw new Error('Choose whether the alert was actionable, not actionable or a false positive.');
      const body = { classification: v.classification, ...(v.note.trim() ? { note: v.note.trim() } : {}) };
      // Resolving takes the judgement along; an alert already resolved is judged on its own route.
      const action = mode === 'resolve' ? 'resolve' : 'classification';
      onDone(await api.post<AlertDetail>(`/api/alerts/${encodeURIComponent(alertId)}/${action}`, body));
    },
  );
  const classification = form.watch('classification');
  // At 3 AM judging can wait: resolve now, classify later from the alert page.
  const plain = useSubmit(
    useCallback(async () => {
      onDone(await api.post<AlertDetail>(`/api/alerts/${encodeURIComponent(alertId)}/resolve`, {}));
    }, [alertId, onDone]),
  );
  const busy = form.busy || plain.busy;

  const title = mode === 'resolve' ? 'Resolve this alert' : 'Classify this alert';
  return (
    <form className="resolve-form" onSubmit={form.onSubmit} aria-label={title} noValidate>
      <fieldset>
        <legend>{mode === 'resolve' ? 'Was this alert worth paging for?' : 'How useful was this alert?'}</legend>
        <div className="choice-row">
          {CLASSIFICATIONS.map((c) => (
            <label key={c} className={classification === c ? 'choice selected' : 'choice'}>
              <input type="radio" value={c} {...form.register('classification')} />
              <span className="choice-text">
                <strong>{CLASSIFICATION_TEXT[c]}</strong>
                <span className="muted small">{HINT[c]}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <TextField
        form={form}
        name="note"
        id={`${idBase}-note`}
        label="Note (optional)"
        rows={2}
        placeholder="What fixed it, or why the rule should change"
      />
      <ErrorBanner error={form.error ?? plain.error} fields={['classification', 'note']} />
      <FormActions
        busy={busy}
        submit={mode === 'resolve' ? 'Resolve' : 'Save classification'}
        busyText={form.busy ? 'Saving…' : mode === 'resolve' ? 'Resolve' : 'Save classification'}
      >
        {mode === 'resolve' && (
          <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => void plain.run()}>
            Resolve without classifying
          </button>
        )}
        {onCancel && (
          <button type="button" className="btn btn-ghost" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </FormActions>
    </form>
  );
}
