/**
 * The live drill's part of the facilitator's view (src/http/routes/gameday-live.ts): the drill key (an integration key
 * whose alerts page the real on-call as drills, shown once), "Fire a drill alert" through the real intake (asked once
 * more: it pages people), the halt conditions (a real P1/P2 on a target service, Prometheus thresholds) and the
 * failure injection's state.
 */
import { useState } from 'react';
import { ErrorBanner, FormActions, TextField, useApiForm } from '../../components/forms.js';
import { Badge, Card, OneTimeSecret } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import type { GamedayDetail, HaltCondition } from './types.js';

type ConditionBody =
  | { kind: 'real_incident' }
  | { kind: 'prometheus'; prometheusUrl: string; query: string; comparator: string; threshold: number };

const toBody = (c: HaltCondition): ConditionBody =>
  c.kind === 'prometheus'
    ? {
        kind: 'prometheus',
        prometheusUrl: c.prometheusUrl ?? '',
        query: c.query ?? '',
        comparator: c.comparator ?? '>',
        threshold: c.threshold ?? 0,
      }
    : { kind: 'real_incident' };

export function LiveDrillCard({
  g,
  base,
  reload,
  timeZone,
}: {
  g: GamedayDetail;
  base: string;
  reload: () => void;
  timeZone: string;
}) {
  const [key, setKey] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [summary, setSummary] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fired, setFired] = useState<string | null>(null);
  const conditions = g.haltConditions;
  const finished = g.status === 'ended' || g.status === 'cancelled';

  const call = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const createKey = () =>
    call(async () => {
      const r = await api.post<{ key: string }>(`${base}/drill-key`, {});
      setKey(r.key);
    });
  const fire = () =>
    call(async () => {
      const r = await api.post<{ outcome: string }>(`${base}/fire`, summary.trim() ? { summary: summary.trim() } : {});
      setFired(r.outcome);
      setAsking(false);
      setSummary('');
    });
  const putConditions = (next: ConditionBody[]) =>
    call(async () => {
      await api.put(`${base}/halt-conditions`, { conditions: next });
    });
  const onRealIncident = conditions.some((c) => c.kind === 'real_incident');

  return (
    <Card title="Live drill" className="gd-live">
      <p className="muted small">
        A drill alert enters the real intake and pages the real on-call through the real schedules and escalation; every
        page says DRILL.
      </p>
      <ErrorBanner error={error} />
      {key && (
        <OneTimeSecret
          title="Drill key"
          value={key}
          note="Alerts sent with this key (generic webhook, /integrations/generic/<key>) page as drills. It is shown once."
          onDismiss={() => setKey(null)}
        />
      )}
      <div className="gd-controls-row">
        {g.status === 'running' && !asking && (
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => setAsking(true)}>
            Fire a drill alert
          </button>
        )}
        {!finished && (
          <button type="button" className="btn" disabled={busy} onClick={() => void createKey()}>
            Create a drill key
          </button>
        )}
      </div>
      {asking && (
        <div className="gd-confirm" role="group" aria-label="Fire a drill alert">
          <p>Fire a drill alert? It pages whoever is on call for the target service now, labelled DRILL.</p>
          <div className="field">
            <label htmlFor="gd-fire-summary">Alert summary</label>
            <input
              id="gd-fire-summary"
              value={summary}
              maxLength={400}
              placeholder={`DRILL: ${g.title}`}
              onChange={(e) => setSummary(e.target.value)}
            />
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void fire()}>
              {busy ? 'Firing…' : 'Fire it'}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
              Not now
            </button>
          </div>
        </div>
      )}
      {fired && (
        <p className="gd-fired" role="status">
          Drill alert sent ({fired}). Watch the drill room for the acknowledgement.
        </p>
      )}

      <h3 className="gd-subtitle">Halt conditions</h3>
      <label className="check" htmlFor="gd-halt-real">
        <input
          id="gd-halt-real"
          type="checkbox"
          checked={onRealIncident}
          disabled={busy || finished}
          onChange={(e) =>
            void putConditions(
              e.target.checked
                ? [...conditions.map(toBody), { kind: 'real_incident' }]
                : conditions.filter((c) => c.kind !== 'real_incident').map(toBody),
            )
          }
        />{' '}
        Halt if a real P1 or P2 is declared on a target service
      </label>
      <ul className="gd-conditions">
        {conditions
          .filter((c) => c.kind === 'prometheus')
          .map((c) => (
            <li key={c.id}>
              <code className="gd-text">
                {c.query} {c.comparator} {c.threshold}
              </code>
              <div className="muted small">
                {c.prometheusUrl}
                {c.lastCheckedAt && (
                  <>
                    {' '}
                    · last {c.lastValue ?? '—'} at {formatTime(c.lastCheckedAt, timeZone)}
                  </>
                )}
              </div>
              {c.lastError && <div className="field-error">{c.lastError}</div>}
              {!finished && (
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  disabled={busy}
                  onClick={() => void putConditions(conditions.filter((x) => x.id !== c.id).map(toBody))}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
      </ul>
      {!finished && <AddPrometheusCondition base={base} current={conditions.map(toBody)} reload={reload} />}

      {g.injection && (
        <>
          <h3 className="gd-subtitle">Failure injection</h3>
          <p>
            <strong>{g.injection.provider}</strong>{' '}
            <Badge tone={g.injection.lastError ? 'bad' : 'neutral'}>{g.injection.state}</Badge>
            <span className="muted small gd-text"> {g.injection.url}</span>
          </p>
          {g.injection.lastError && <div className="field-error">{g.injection.lastError}</div>}
        </>
      )}
    </Card>
  );
}

function AddPrometheusCondition({
  base,
  current,
  reload,
}: {
  base: string;
  current: ConditionBody[];
  reload: () => void;
}) {
  const [open, setOpen] = useState(false);
  const form = useApiForm<{ prometheusUrl: string; query: string; comparator: string; threshold: string }>(
    { prometheusUrl: '', query: '', comparator: '>', threshold: '' },
    async (v) => {
      await api.put(`${base}/halt-conditions`, {
        conditions: [
          ...current,
          {
            kind: 'prometheus',
            prometheusUrl: v.prometheusUrl.trim(),
            query: v.query.trim(),
            comparator: v.comparator,
            threshold: Number(v.threshold),
          },
        ],
      });
      form.reset();
      setOpen(false);
      reload();
    },
  );
  if (!open)
    return (
      <button type="button" className="btn btn-small" onClick={() => setOpen(true)}>
        Add a Prometheus halt condition
      </button>
    );
  return (
    <form className="gd-prom" onSubmit={form.onSubmit} noValidate aria-label="Prometheus halt condition">
      <ErrorBanner error={form.error} fields={['prometheusUrl', 'query', 'comparator', 'threshold']} />
      <TextField
        form={form}
        name="prometheusUrl"
        id="gd-prom-url"
        label="Prometheus URL"
        type="url"
        placeholder="http://prometheus:9090"
      />
      <TextField
        form={form}
        name="query"
        id="gd-prom-query"
        label="Query"
        placeholder="sum(rate(http_errors_total[1m]))"
      />
      <div className="gd-prom-threshold">
        <div className="field">
          <label htmlFor="gd-prom-cmp">Halt when</label>
          <select id="gd-prom-cmp" {...form.register('comparator')}>
            {['>', '>=', '<', '<='].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <TextField form={form} name="threshold" id="gd-prom-threshold" label="Threshold" type="number" />
      </div>
      <FormActions busy={form.busy} submit="Add condition" onCancel={() => setOpen(false)} />
    </form>
  );
}
