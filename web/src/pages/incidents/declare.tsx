/** Declare an incident: what is happening, the severity questionnaire, the severity (proposed, the responder decides). */
import { useEffect, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Card, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link, navigate, useLocation } from '../../lib/router.js';
import {
  AlertPicker,
  PickedList,
  ServicePicker,
  type PickedAlert,
  type PickedService,
} from '../../components/pickers.js';
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
  const [services, setServices] = useState<PickedService[]>([]);
  const [alerts, setAlerts] = useState<PickedAlert[]>([]);
  const addService = (s: PickedService) => setServices((xs) => (xs.some((x) => x.id === s.id) ? xs : [...xs, s]));
  const addAlert = (a: PickedAlert) => setAlerts((xs) => (xs.some((x) => x.id === a.id) ? xs : [...xs, a]));

  // Declared from an alert (/incidents/new?alert=…): its title, its service and the alert itself, pre-filled.
  const fromAlert = useLocation().search.get('alert');
  const [prefillError, setPrefillError] = useState<unknown>(null);
  useEffect(() => {
    if (!fromAlert) return;
    let isCurrent = true;
    void (async () => {
      try {
        const a = await api.get<PickedAlert>(`/api/alerts/${encodeURIComponent(fromAlert)}`);
        const svc = await api.get<PickedService>(`/api/services/${encodeURIComponent(a.serviceId)}`);
        if (!isCurrent) return;
        setTitle((t) => t || a.summary || a.dedupKey);
        addAlert(a);
        addService(svc);
      } catch (e) {
        if (isCurrent) setPrefillError(e);
      }
    })();
    return () => {
      isCurrent = false;
    };
  }, [fromAlert]);

  const submit = useSubmit(async () => {
    if (!severity) throw new Error('Choose a severity: answer the questions or pick one.');
    const d = await api.post<IncidentDetail>('/api/incidents', {
      title: title.trim(),
      ...(summary.trim() ? { summary: summary.trim() } : {}),
      severity,
      ...(Object.keys(assessment).length ? { assessment } : {}),
      ...(fromLocalInput(impactStarted) ? { impactStartedAt: fromLocalInput(impactStarted) } : {}),
      ...(isDrill ? { kind: 'drill' } : {}),
      ...(services.length ? { serviceIds: services.map((x) => x.id) } : {}),
      ...(alerts.length ? { alertIds: alerts.map((x) => x.id) } : {}),
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
          <ErrorBanner error={prefillError} />
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
            <ServicePicker
              label="Affected services"
              id="inc-services"
              onPick={addService}
              exclude={services.map((x) => x.id)}
              hint="Optional: the services customers feel this in. Linking an alert adds its service."
            />
            <PickedList
              label="Affected services chosen"
              items={services}
              keyOf={(x) => x.id}
              labelOf={(x) => x.name}
              onRemove={(x) => setServices((xs) => xs.filter((y) => y.id !== x.id))}
            />
            <AlertPicker
              label="Alerts"
              id="inc-alerts"
              onPick={addAlert}
              exclude={alerts.map((x) => x.id)}
              hint="Optional: the alerts this incident is about. They are linked to it."
            />
            <PickedList
              label="Alerts chosen"
              items={alerts}
              keyOf={(x) => x.id}
              labelOf={(x) => x.summary || x.dedupKey}
              onRemove={(x) => setAlerts((xs) => xs.filter((y) => y.id !== x.id))}
            />
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
