/**
 * Alerts: everything the monitoring sent, newest first. Filters live in the URL (a link to "open critical alerts of
 * checkout" can be shared); older pages use the API's keyset (`before`); the newest page updates itself.
 */
import { useCallback, useMemo, useState, type FormEvent } from 'react';
import { ErrorBanner } from '../../components/forms.js';
import { Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { api, query } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, navigate, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { AlertMarkers, SeverityBadge, StatusBadge } from './badges.js';
import { LiveIndicator, useAlertChanges } from './live.js';
import { ResolveForm } from './resolve-form.js';
import { SEVERITIES, STATUS_FILTERS, type Alert, type AlertPage, type Service } from './types.js';

const PAGE_SIZE = 50;
const STATUS_TEXT: Record<string, string> = {
  open: 'Open',
  triggered: 'Triggered',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  all: 'All',
};

/** Services by id, for names in alert rows. */
export function useServiceNames(): Map<string, Service> {
  const services = useApi<{ services: Service[] }>('/api/services');
  return useMemo(() => new Map((services.data?.services ?? []).map((s) => [s.id, s])), [services.data]);
}

export function AlertsPage() {
  const user = useUser();
  const { search } = useLocation();
  const status = search.get('status') ?? 'open';
  const service = search.get('service') ?? '';
  const severity = search.get('severity') ?? '';
  const q = search.get('q') ?? '';
  const before = search.get('before') ?? '';
  const group = search.get('group') ?? '';
  const services = useServiceNames();

  const path = `/api/alerts${query({
    status: status === 'all' ? undefined : status,
    service,
    severity,
    q,
    group,
    before,
    limit: PAGE_SIZE,
  })}`;
  const alerts = useApi<AlertPage>(path);
  // Only the newest page changes by itself; older pages stay put while you read them.
  const live = useAlertChanges(alerts.reload, !before);

  const setFilter = useCallback(
    (changes: Record<string, string>) => {
      const next = new URLSearchParams(search);
      for (const [k, v] of Object.entries(changes)) {
        if (v) next.set(k, v);
        else next.delete(k);
      }
      if (!('before' in changes)) next.delete('before');
      if (next.get('status') === 'open') next.delete('status');
      const qs = next.toString();
      navigate(`/alerts${qs ? `?${qs}` : ''}`, { replace: !('before' in changes) });
    },
    [search],
  );

  const [text, setText] = useState(q);
  const applyText = (e: FormEvent) => {
    e.preventDefault();
    setFilter({ q: text.trim() });
  };

  const [acting, setActing] = useState<string | null>(null);
  const [resolving, setResolving] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const acknowledge = async (a: Alert) => {
    setActionError(null);
    setActing(a.id);
    try {
      await api.post(`/api/alerts/${encodeURIComponent(a.id)}/acknowledge`);
      alerts.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setActing(null);
    }
  };

  const sortedServices = [...services.values()].sort((a, b) => a.name.localeCompare(b.name));
  const rows = alerts.data?.alerts ?? [];
  const filtered = !!(service || severity || q || group);

  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="Everything your monitoring sent, newest first. Acknowledge to say you are on it; resolve when it is fixed."
        actions={
          <>
            <LiveIndicator state={live} />
            <button type="button" className="btn" onClick={alerts.reload}>
              Refresh
            </button>
          </>
        }
      />
      <div className="tabs" role="tablist" aria-label="Alert status">
        {[...STATUS_FILTERS, 'all'].map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={status === s}
            className={status === s ? 'tab active' : 'tab'}
            onClick={() => setFilter({ status: s })}
          >
            {STATUS_TEXT[s]}
          </button>
        ))}
      </div>
      <form className="filter-bar" onSubmit={applyText} aria-label="Filter alerts">
        <label className="sr-only" htmlFor="alerts-service">
          Service
        </label>
        <select id="alerts-service" value={service} onChange={(e) => setFilter({ service: e.target.value })}>
          <option value="">All services</option>
          {sortedServices.map((s) => (
            <option key={s.id} value={s.slug}>
              {s.name}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="alerts-severity">
          Severity
        </label>
        <select id="alerts-severity" value={severity} onChange={(e) => setFilter({ severity: e.target.value })}>
          <option value="">All severities</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s[0]!.toUpperCase() + s.slice(1)}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="alerts-q">
          Search
        </label>
        <input
          id="alerts-q"
          type="search"
          placeholder="Search summary or dedup key"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="btn">
          Search
        </button>
        {filtered && (
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => {
              setText('');
              setFilter({ service: '', severity: '', q: '', group: '' });
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      {group && (
        <div className="banner banner-info">
          Showing the alerts of one group.{' '}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setFilter({ group: '' })}>
            Show all alerts
          </button>
        </div>
      )}
      {actionError ? <ErrorBanner error={actionError} /> : null}
      <Card className="card-flush">
        {alerts.error && !alerts.data ? (
          <LoadError error={alerts.error} retry={alerts.reload} />
        ) : !alerts.data ? (
          <Loading what="Loading alerts" />
        ) : rows.length === 0 ? (
          <Empty>
            {status === 'open' && !filtered && !before ? 'Nothing open. All quiet.' : 'No alerts match these filters.'}
          </Empty>
        ) : (
          <table className="table alert-table" aria-label="Alerts">
            <thead>
              <tr>
                <th>Severity</th>
                <th>Alert</th>
                <th>Status</th>
                <th>Last seen</th>
                <th className="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <AlertRow
                  key={a.id}
                  alert={a}
                  service={services.get(a.serviceId)}
                  timeZone={user.timezone}
                  busy={acting === a.id}
                  resolving={resolving === a.id}
                  onAcknowledge={() => void acknowledge(a)}
                  onResolve={() => setResolving(resolving === a.id ? null : a.id)}
                  onResolved={() => {
                    setResolving(null);
                    alerts.reload();
                  }}
                />
              ))}
            </tbody>
          </table>
        )}
        {alerts.error && alerts.data ? <LoadError error={alerts.error} retry={alerts.reload} /> : null}
        {(before || alerts.data?.nextBefore) && (
          <div className="table-foot pager">
            {before && (
              <button type="button" className="btn" onClick={() => setFilter({ before: '' })}>
                ← Newest
              </button>
            )}
            {alerts.data?.nextBefore && (
              <button type="button" className="btn" onClick={() => setFilter({ before: alerts.data!.nextBefore! })}>
                Older →
              </button>
            )}
          </div>
        )}
      </Card>
    </>
  );
}

function AlertRow(props: {
  alert: Alert;
  service: Service | undefined;
  timeZone: string;
  busy: boolean;
  resolving: boolean;
  onAcknowledge: () => void;
  onResolve: () => void;
  onResolved: () => void;
}) {
  const { alert: a, service } = props;
  return (
    <>
      <tr className={`alert-row alert-row-${a.status}`} data-alert-id={a.id}>
        <td>
          <SeverityBadge severity={a.severity} />
        </td>
        <td className="alert-main">
          <Link to={`/alerts/${encodeURIComponent(a.id)}`} className="alert-summary">
            {a.summary || a.dedupKey}
          </Link>
          <div className="alert-meta">
            <span>{service ? service.name : <code>{a.serviceId}</code>}</span>
            {a.occurrenceCount > 1 && <span title="Times this alert was received">×{a.occurrenceCount}</span>}
            <span className="muted">{a.source}</span>
            <AlertMarkers alert={a} />
          </div>
        </td>
        <td>
          <StatusBadge status={a.status} />
          {a.status === 'acknowledged' && a.acknowledgedByLabel && (
            <div className="muted small">by {a.acknowledgedByLabel}</div>
          )}
          {a.status === 'resolved' && a.resolvedByLabel && <div className="muted small">by {a.resolvedByLabel}</div>}
        </td>
        <td className="nowrap" title={formatTime(a.lastSeenAt, props.timeZone)}>
          {relativeTime(a.lastSeenAt)}
        </td>
        <td className="actions-col">
          <div className="row-actions">
            {a.status === 'triggered' && (
              <button
                type="button"
                className="btn btn-small btn-primary"
                disabled={props.busy}
                onClick={props.onAcknowledge}
              >
                {props.busy ? 'Acknowledging…' : 'Acknowledge'}
              </button>
            )}
            {a.status !== 'resolved' && (
              <button type="button" className="btn btn-small" aria-expanded={props.resolving} onClick={props.onResolve}>
                Resolve
              </button>
            )}
          </div>
        </td>
      </tr>
      {props.resolving && (
        <tr className="resolve-row">
          <td colSpan={5}>
            <ResolveForm alertId={a.id} mode="resolve" onDone={props.onResolved} onCancel={props.onResolve} />
          </td>
        </tr>
      )}
    </>
  );
}
