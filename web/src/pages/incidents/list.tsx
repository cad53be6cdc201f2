/** Incidents: open ones first by default, filters (status, severity) in the URL, and "Declare incident". */
import { useCallback } from 'react';
import { Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, navigate, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { IncidentSeverityBadge, IncidentStatusBadge } from './badges.js';
import { SEVERITIES, STATUSES, STATUS_TEXT, duration, type Incident } from './types.js';

const STATUS_FILTERS = ['open', ...STATUSES, 'all'] as const;
const FILTER_TEXT: Record<string, string> = { open: 'Open', all: 'All', ...STATUS_TEXT };

export function IncidentsPage() {
  const user = useUser();
  const { search } = useLocation();
  const status = search.get('status') ?? 'open';
  const severity = search.get('severity') ?? '';
  const list = useApi<{ incidents: Incident[] }>(`/api/incidents${query({ status, severity, limit: 200 })}`);

  const setFilter = useCallback(
    (changes: Record<string, string>) => {
      const next = new URLSearchParams(search);
      for (const [k, v] of Object.entries(changes)) {
        if (v) next.set(k, v);
        else next.delete(k);
      }
      if (next.get('status') === 'open') next.delete('status');
      const qs = next.toString();
      navigate(`/incidents${qs ? `?${qs}` : ''}`, { replace: true });
    },
    [search],
  );

  const rows = list.data?.incidents ?? [];
  return (
    <>
      <PageHeader
        title="Incidents"
        subtitle="Declare when customers are affected; run it from the incident room until it is resolved."
        actions={
          <>
            <button type="button" className="btn" onClick={list.reload}>
              Refresh
            </button>
            <Link to="/incidents/new" className="btn btn-primary">
              Declare incident
            </Link>
          </>
        }
      />
      <div className="tabs" role="tablist" aria-label="Incident status">
        {STATUS_FILTERS.map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={status === s}
            className={status === s ? 'tab active' : 'tab'}
            onClick={() => setFilter({ status: s })}
          >
            {FILTER_TEXT[s]}
          </button>
        ))}
      </div>
      <div className="filter-bar">
        <label className="sr-only" htmlFor="incidents-severity">
          Severity
        </label>
        <select id="incidents-severity" value={severity} onChange={(e) => setFilter({ severity: e.target.value })}>
          <option value="">All severities</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <Card className="card-flush">
        {list.error && !list.data ? (
          <LoadError error={list.error} retry={list.reload} />
        ) : !list.data ? (
          <Loading what="Loading incidents" />
        ) : rows.length === 0 ? (
          <Empty>{status === 'open' && !severity ? 'No open incidents.' : 'No incidents match these filters.'}</Empty>
        ) : (
          <table className="table" aria-label="Incidents">
            <thead>
              <tr>
                <th>Severity</th>
                <th>Incident</th>
                <th>Status</th>
                <th>Declared</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((i) => (
                <tr key={i.id} data-incident-id={i.id}>
                  <td>
                    <IncidentSeverityBadge severity={i.severity} />
                  </td>
                  <td>
                    <Link to={`/incidents/${encodeURIComponent(i.id)}`} className="strong">
                      {i.title}
                    </Link>
                    <div className="muted small">declared by {i.declaredBy.label}</div>
                  </td>
                  <td>
                    <IncidentStatusBadge status={i.status} />
                  </td>
                  <td className="nowrap" title={formatTime(i.declaredAt, user.timezone)}>
                    {relativeTime(i.declaredAt)}
                  </td>
                  <td className="nowrap">{duration(i.declaredAt, i.milestones.resolvedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
