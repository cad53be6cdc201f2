/**
 * The anonymous check-in after an incident resolves (docs/people-health.md, "Pulse"): shown only to a responder who
 * was invited, until they answer. It never shows anyone's answers: those are only aggregated per team and quarter.
 */
import { useEffect, useRef, useState } from 'react';
import { ErrorBanner, FormActions, TextField, useApiForm } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';

const QUESTIONS = [
  { key: 'safe', text: "I could say 'I do not know' without worry" },
  { key: 'calm', text: 'The response was calm and coordinated' },
  { key: 'roleClear', text: 'I knew my role' },
] as const;

interface Values {
  safe: string;
  calm: string;
  roleClear: string;
  text: string;
}

export function PulseCard({ incidentId }: { incidentId: string }) {
  const mine = useApi<{ invited: boolean; answered: boolean }>(`/api/incidents/${incidentId}/pulse`);
  const [sent, setSent] = useState(false);
  const form = useApiForm<Values>({ safe: '', calm: '', roleClear: '', text: '' }, async (v) => {
    const text = v.text.trim();
    await api.post(`/api/incidents/${incidentId}/pulse`, {
      safe: Number(v.safe),
      calm: Number(v.calm),
      roleClear: Number(v.roleClear),
      ...(text ? { text } : {}),
    });
    setSent(true);
  });
  const ref = useRef<HTMLDivElement>(null);
  const open = !!mine.data?.invited && !mine.data.answered;
  // Home's reminder links to #pulse: bring the card into view once it is there.
  useEffect(() => {
    if (open && window.location.hash === '#pulse') ref.current?.scrollIntoView({ block: 'start' });
  }, [open]);
  const values = form.watch();
  // Answered before (or never invited): nothing to show here.
  if (!mine.data?.invited || (mine.data.answered && !sent)) return null;
  if (sent)
    return (
      <Card title="Check-in">
        <p data-testid="pulse-thanks">Thank you. Your answer is anonymous and only counted with your team's.</p>
      </Card>
    );
  const complete = QUESTIONS.every((q) => !!values[q.key]);
  return (
    <div id="pulse" ref={ref}>
      <Card title="How did this response feel?">
        <form data-testid="pulse-card" onSubmit={form.onSubmit}>
          <p className="muted small">
            Anonymous: stored without your name, this incident or the time. Your team sees it only with at least four
            other answers in the quarter. 1 means not at all, 5 means completely.
          </p>
          {QUESTIONS.map((q) => (
            <fieldset key={q.key} className="pulse-question">
              <legend>{q.text}</legend>
              <div style={{ display: 'flex', flexWrap: 'wrap', gap: '0.25rem 1.25rem' }}>
                {[1, 2, 3, 4, 5].map((n) => (
                  <label
                    key={n}
                    className="check"
                    style={{ display: 'inline-flex', alignItems: 'center', gap: '0.35rem', padding: '0.25rem 0' }}
                  >
                    <input type="radio" value={String(n)} {...form.register(q.key)} />
                    {n}
                  </label>
                ))}
              </div>
              {form.fieldError(q.key) && (
                <div className="field-error" role="alert">
                  {form.fieldError(q.key)}
                </div>
              )}
            </fieldset>
          ))}
          <TextField
            form={form}
            name="text"
            id="pulse-text"
            label="Anything else (optional)"
            rows={2}
            maxLength={2000}
          />
          <ErrorBanner error={form.error} fields={['safe', 'calm', 'roleClear', 'text']} />
          <FormActions busy={form.busy} submit="Send anonymously" busyText="Sending…" disabled={!complete} />
        </form>
      </Card>
    </div>
  );
}
