/** Declare an incident: what is happening, the severity questionnaire, the severity (proposed, the responder decides). */
import { useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Card, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link, navigate } from '../../lib/router.js';
import { AssessmentQuestions, ProposalBox, SeverityChoices, useProposal, useSeverities } from './assessment.js';
import { browserZone, fromLocalInput } from '../alerts/time-input.js';
import type { Assessment, IncidentDetail, Severity } from './types.js';

export function DeclareIncidentPage() {
  const severities = useSeverities();
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const [impactStarted, setImpactStarted] = useState('');
  const [isDrill, setDrill] = useState(false);
  const [assessment, setAssessment] = useState<Assessment>({});
  const [chosen, setChosen] = useState<Severity | null>(null);
  const proposal = useProposal(assessment);
  const severity = chosen ?? proposal?.severity ?? null;

  const submit = useSubmit(async () => {
    if (!severity) throw new Error('Choose a severity: answer the questions or pick one.');
    const d = await api.post<IncidentDetail>('/api/incidents', {
      title: title.trim(),
      ...(summary.trim() ? { summary: summary.trim() } : {}),
      severity,
      ...(Object.keys(assessment).length ? { assessment } : {}),
      ...(fromLocalInput(impactStarted) ? { impactStartedAt: fromLocalInput(impactStarted) } : {}),
      ...(isDrill ? { kind: 'drill' } : {}),
    });
    navigate(`/incidents/${encodeURIComponent(d.incident.id)}`);
  });

  return (
    <>
      <PageHeader
        title="Declare incident"
        subtitle="Declare early: it is cheaper to downgrade than to catch up."
        actions={
          <Link to="/incidents" className="btn btn-ghost">
            Cancel
          </Link>
        }
      />
      {severities.error ? (
        <LoadError error={severities.error} retry={severities.reload} />
      ) : !severities.data ? (
        <Loading />
      ) : (
        <form onSubmit={submit.onSubmit} aria-label="Declare incident">
          <ErrorBanner error={submit.error} fields={['title', 'summary', 'impactStartedAt']} />
          <Card title="What is happening">
            <Field label="Title" htmlFor="inc-title" error={submit.fieldError('title')}>
              <input
                id="inc-title"
                required
                maxLength={300}
                value={title}
                placeholder="e.g. Checkout fails for card payments"
                onChange={(e) => setTitle(e.target.value)}
              />
            </Field>
            <Field label="Summary" htmlFor="inc-summary" hint="Optional: what you see so far.">
              <textarea id="inc-summary" rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} />
            </Field>
            <Field
              label="Impact started"
              htmlFor="inc-impact-started"
              hint={`Optional, in ${browserZone()}: when customers were first affected. Empty: the earliest linked alert's start.`}
              error={submit.fieldError('impactStartedAt')}
            >
              <input
                id="inc-impact-started"
                type="datetime-local"
                value={impactStarted}
                onChange={(e) => setImpactStarted(e.target.value)}
              />
            </Field>
            <label className="check" htmlFor="inc-drill">
              <input id="inc-drill" type="checkbox" checked={isDrill} onChange={(e) => setDrill(e.target.checked)} />{' '}
              This is a drill (left out of insights)
            </label>
          </Card>
          <Card title="Severity">
            <div className="grid-2">
              <div>
                <AssessmentQuestions
                  severities={severities.data}
                  value={assessment}
                  onChange={setAssessment}
                  idPrefix="declare"
                />
                <ProposalBox proposal={proposal} />
              </div>
              <SeverityChoices severities={severities.data} value={severity} onChange={setChosen} name="declare-sev" />
            </div>
          </Card>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary btn-large" disabled={submit.busy || !title.trim()}>
              {submit.busy ? 'Declaring…' : `Declare ${severity ?? ''} incident`}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
