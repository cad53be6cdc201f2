/**
 * Alerts: everything the monitoring sent, newest first. Filters live in the URL (a link to "open critical alerts of
 * checkout" can be shared); older pages follow the API's cursor (`next`, keyset pagination); the newest page updates
 * itself. Calls are typed from the generated API types (lib/typed-api.ts).
 */
import { useMemo, useState, type FormEvent } from 'react';
import { FilterBar, SearchFilter, SelectFilter, Tabs, useUrlFilters } from '../../components/filters.js';
import { ErrorBanner } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Card, PageHeader } from '../../components/ui.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { apiCall, apiUrl, type ApiQuery } from '../../lib/typed-api.js';
import { useApi } from '../../lib/use-api.js';
import { AlertMarkers, SeverityBadge, StatusBadge, type AlertRunbook } from './badges.js';
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
const DEFAULTS = { status: 'open' };
const STATUS_TABS = [...STATUS_FILTERS, 'all'].map((s) => ({ key: s, text: STATUS_TEXT[s]! }));
const SEVERITY_OPTIONS = SEVERITIES.map((s) => ({ value: s, text: s[0]!.toUpperCase() + s.slice(1) }));

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
  const cursor = search.get('cursor') ?? '';
  const group = search.get('group') ?? '';
  const services = useServiceNames();

  const filters = {
    status: status === 'all' ? undefined : status,
    service,
    severity,
    q,
    group,
    cursor,
    limit: PAGE_SIZE,
  } as ApiQuery<'/api/alerts'>;
  const path = apiUrl('/api/alerts', undefined, filters);
  const alerts = useApi<AlertPage>(path);
  // Only the newest page changes by itself; older pages stay put while you read them.
  const live = useAlertChanges(alerts.reload, !cursor);

  const setFilter = useUrlFilters('/alerts', DEFAULTS, 'cursor');

  const [text, setText] = useState(q);
  const applyText = (e: FormEvent) => {
    e.preventDefault();
    setFilter({ q: text.trim() });
  };

  // The runbook each alert's page would show (linked to its service or matching its rule): the list says the same.
  const shownIds = (alerts.data?.alerts ?? []).map((a) => a.id).join(',');
  const runbooks = useApi<{ runbooks: Record<string, AlertRunbook | null> }>(
    shownIds ? `/api/runbooks/for-alerts?alertIds=${encodeURIComponent(shownIds)}` : null,
  );

  const [acting, setActing] = useState<string | null>(null);
  const [resolving, setResolving] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const acknowledge = async (a: Alert) => {
    setActionError(null);
    setActing(a.id);
    try {
      await apiCall('post', '/api/alerts/{id}/acknowledge', { params: { id: a.id } });
      alerts.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setActing(null);
    }
  };

  const sortedServices = [...services.values()].sort((a, b) => a.name.localeCompare(b.name));
  const columns: Column<Alert>[] = [
    ...alertColumns(services, runbooks.data?.runbooks ?? {}),
    {
      id: 'lastSeen',
      header: 'Last seen',
      className: 'nowrap',
      sortValue: (a) => a.lastSeenAt,
      cell: (a) => <span title={formatTime(a.lastSeenAt, user.timezone)}>{relativeTime(a.lastSeenAt)}</span>,
    },
    {
      id: 'actions',
      header: 'Actions',
      align: 'actions',
      cell: (a) => (
        <div className="row-actions">
          {a.status === 'triggered' && (
            <button
              type="button"
              className="btn btn-small btn-primary"
              disabled={acting === a.id}
              onClick={() => void acknowledge(a)}
            >
              {acting === a.id ? 'Acknowledging…' : 'Acknowledge'}
            </button>
          )}
          {a.status !== 'resolved' && (
            <button
              type="button"
              className="btn btn-small"
              aria-expanded={resolving === a.id}
              onClick={() => setResolving(resolving === a.id ? null : a.id)}
            >
              Resolve
            </button>
          )}
        </div>
      ),
    },
  ];
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
      <Tabs label="Alert status" options={STATUS_TABS} value={status} onChange={(s) => setFilter({ status: s })} />
      <FilterBar label="Filter alerts" onSubmit={applyText}>
        <SelectFilter
          id="alerts-service"
          label="Service"
          all="All services"
          value={service}
          options={sortedServices.map((s) => ({ value: s.slug, text: s.name }))}
          onChange={(v) => setFilter({ service: v })}
        />
        <SelectFilter
          id="alerts-severity"
          label="Severity"
          all="All severities"
          value={severity}
          options={SEVERITY_OPTIONS}
          onChange={(v) => setFilter({ severity: v })}
        />
        <SearchFilter
          id="alerts-q"
          placeholder="Search summary or dedup key"
          value={text}
          onChange={setText}
          onClear={
            filtered
              ? () => {
                  setText('');
                  setFilter({ service: '', severity: '', q: '', group: '' });
                }
              : undefined
          }
        />
      </FilterBar>
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
        <Loadable
          resource={alerts}
          what="alerts"
          isEmpty={(d) => d.alerts.length === 0}
          empty={
            status === 'open' && !filtered && !cursor ? 'Nothing open. All quiet.' : 'No alerts match these filters.'
          }
        >
          {(d) => (
            <DataTable
              label="Alerts"
              className="alert-table"
              columns={columns}
              rows={d.alerts}
              rowKey={(a) => a.id}
              rowClassName={(a) => `alert-row alert-row-${a.status}`}
              rowData={(a) => ({ 'data-alert-id': a.id })}
              rowDetailClassName="resolve-row"
              rowDetail={(a) =>
                resolving === a.id && (
                  <ResolveForm
                    alertId={a.id}
                    mode="resolve"
                    onDone={() => {
                      setResolving(null);
                      alerts.reload();
                    }}
                    onCancel={() => setResolving(null)}
                  />
                )
              }
            />
          )}
        </Loadable>
        {(cursor || alerts.data?.next) && (
          <div className="table-foot pager">
            {cursor && (
              <button type="button" className="btn" onClick={() => setFilter({ cursor: '' })}>
                ← Newest
              </button>
            )}
            {alerts.data?.next && (
              <button type="button" className="btn" onClick={() => setFilter({ cursor: alerts.data!.next! })}>
                Older →
              </button>
            )}
          </div>
        )}
      </Card>
    </>
  );
}

/** Severity, alert and status: the columns that need only the service names. */
function alertColumns(services: Map<string, Service>, runbooks: Record<string, AlertRunbook | null>): Column<Alert>[] {
  return [
    {
      id: 'severity',
      header: 'Severity',
      sortValue: (a) => SEVERITIES.indexOf(a.severity),
      cell: (a) => <SeverityBadge severity={a.severity} />,
    },
    {
      id: 'alert',
      header: 'Alert',
      className: 'alert-main',
      cell: (a) => {
        const service = services.get(a.serviceId);
        return (
          <>
            <Link to={`/alerts/${encodeURIComponent(a.id)}`} className="alert-summary">
              {a.summary || a.dedupKey}
            </Link>
            <div className="alert-meta">
              <span>{service ? service.name : <code>{a.serviceId}</code>}</span>
              {a.occurrenceCount > 1 && <span title="Times this alert was received">×{a.occurrenceCount}</span>}
              <span className="muted">{a.source}</span>
              <AlertMarkers alert={a} runbook={runbooks[a.id]} />
            </div>
          </>
        );
      },
    },
    {
      id: 'status',
      header: 'Status',
      cell: (a) => (
        <>
          <StatusBadge status={a.status} />
          {a.status === 'acknowledged' && a.acknowledgedByLabel && (
            <div className="muted small">by {a.acknowledgedByLabel}</div>
          )}
          {a.status === 'resolved' && a.resolvedByLabel && <div className="muted small">by {a.resolvedByLabel}</div>}
        </>
      ),
    },
  ];
}
