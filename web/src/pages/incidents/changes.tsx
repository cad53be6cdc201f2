/**
 * Recent changes of the affected services and their dependencies, most relevant first ("over 70% of incidents are
 * caused by recent changes"), with "Mark as suspected cause"; and the alerts linked to the incident. Looking at the
 * changes ticks "check recent changes", so the list loads on request until that step is done.
 */
import { useCallback, useEffect, useState } from 'react';
import { ErrorBanner, useActions } from '../../components/forms.js';
import { Badge, Card, Empty } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import {
  AlertPicker,
  PickedList,
  ServicePicker,
  type PickedAlert,
  type PickedService,
} from '../../components/pickers.js';
import { incidentPath, type IncidentDetail, type RecentChanges } from './types.js';

export function ChangesPanel({
  detail,
  isChecked,
  openSignal,
  timeZone,
  onChanged,
}: {
  detail: IncidentDetail;
  isChecked: boolean;
  /** Bumped by "Check recent changes" elsewhere on the page. */
  openSignal: number;
  timeZone: string;
  onChanged: () => void;
}) {
  const base = incidentPath(detail.incident.id);
  const [data, setData] = useState<RecentChanges | null>(null);
  const { run, busy, error } = useActions(onChanged);

  const load = useCallback(
    () => run(async () => setData(await api.get<RecentChanges>(`${base}/changes`))),
    [run, base],
  );
  const [shouldLoad, setShouldLoad] = useState(isChecked);
  useEffect(() => {
    if (isChecked || openSignal > 0) setShouldLoad(true);
  }, [isChecked, openSignal]);
  useEffect(() => {
    if (shouldLoad) void load();
    // Reload when the incident's services or suspect change, not on every detail refresh.
  }, [shouldLoad, load, detail.services.length, detail.incident.suspectedChangeId]);

  const post = (path: string) => run(() => api.post(path, {}));
  const suspected = detail.incident.suspectedChangeId;

  return (
    <Card title="Recent changes" className="changes-panel">
      <ErrorBanner error={error} />
      {!data ? (
        <div className="form-actions">
          <button type="button" className="btn" disabled={busy} onClick={() => setShouldLoad(true)}>
            {busy ? 'Loading…' : 'Check recent changes'}
          </button>
          <span className="muted small">Deployments, config changes and infrastructure updates before the impact.</span>
        </div>
      ) : data.changes.length === 0 ? (
        <Empty>
          No changes recorded for the affected services in the last {data.windowMinutes} minutes
          {detail.services.length === 0 && ' (no affected service yet: link an alert to add one)'}.
        </Empty>
      ) : (
        <ol className="change-list" aria-label="Recent changes">
          {data.changes.map((c) => (
            <li key={c.id} className={c.id === suspected ? 'change change-suspected' : 'change'} data-change-id={c.id}>
              <div>
                <strong>{c.summary}</strong> <Badge>{c.kind}</Badge>{' '}
                {c.relation === 'dependency' && <Badge tone="info">dependency</Badge>}{' '}
                {c.id === suspected && <Badge tone="bad">suspected cause</Badge>}
              </div>
              <div className="muted small" title={formatTime(c.at, timeZone)}>
                {relativeTime(c.at)} · {c.source} · {c.reasons.join('; ')}
              </div>
              {c.id !== suspected && (
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={busy}
                  onClick={() => void post(`${base}/changes/${encodeURIComponent(c.id)}/suspect`)}
                >
                  Mark as suspected cause
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {data && !isChecked && (
        <button
          type="button"
          className="btn btn-small"
          disabled={busy}
          onClick={() => void post(`${base}/changes/reviewed`)}
        >
          Checked: nothing suspicious
        </button>
      )}
    </Card>
  );
}

export function AlertsPanel({ detail, onChanged }: { detail: IncidentDetail; onChanged: () => void }) {
  const { run: act, error } = useActions(onChanged);
  const base = incidentPath(detail.incident.id);
  const linkAlert = (a: PickedAlert) => void act(() => api.post(`${base}/alerts`, { alertId: a.id }));
  const addService = (s: PickedService) => void act(() => api.post(`${base}/services`, { serviceId: s.id }));
  const removeService = (s: { id: string }) => void act(() => api.del(`${base}/services/${encodeURIComponent(s.id)}`));
  return (
    <Card title="Alerts and affected services">
      {detail.alerts.length === 0 ? (
        <p className="muted small">No alerts linked.</p>
      ) : (
        <ul className="plain-list" aria-label="Linked alerts">
          {detail.alerts.map((a) => (
            <li key={a.id}>
              <Link to={`/alerts/${encodeURIComponent(a.id)}`}>{a.summary || a.id}</Link>{' '}
              <Badge tone={a.status === 'resolved' ? 'good' : a.status === 'acknowledged' ? 'warn' : 'bad'}>
                {a.status}
              </Badge>
            </li>
          ))}
        </ul>
      )}
      <ErrorBanner error={error} />
      <AlertPicker
        label="Link an alert"
        id="link-alert"
        onPick={linkAlert}
        exclude={detail.alerts.map((a) => a.id)}
        hint="Its service becomes affected."
      />
      <h3 className="small-heading">Affected services</h3>
      {detail.services.length === 0 ? (
        <p className="muted small">No affected service yet.</p>
      ) : (
        <PickedList
          label="Affected services"
          items={detail.services}
          keyOf={(s) => s.id}
          labelOf={(s) => s.name}
          onRemove={removeService}
        />
      )}
      <ServicePicker
        label="Add an affected service"
        id="add-service"
        onPick={addService}
        exclude={detail.services.map((s) => s.id)}
      />
    </Card>
  );
}
