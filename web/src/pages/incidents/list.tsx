/**
 * Incidents: open ones first by default, filters (status, severity) in the URL, older pages by the API's cursor
 * (`next`, keyset pagination), and "Declare incident". The list is read with the generated API types.
 */
import { FilterBar, SelectFilter, Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Card, PageHeader } from '../../components/ui.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { apiUrl, type ApiQuery, type ApiResponse } from '../../lib/typed-api.js';
import { useApi } from '../../lib/use-api.js';
import { ImportedBadge, IncidentSeverityBadge, IncidentStatusBadge } from './badges.js';
import { IncidentPostmortemBadge } from '../postmortems/badges.js';
import { SEVERITIES, STATUSES, STATUS_TEXT, duration, type Incident } from './types.js';

const FILTER_TEXT: Record<string, string> = { open: 'Open', all: 'All', ...STATUS_TEXT };
const DEFAULTS = { status: 'open' };
const PAGE_SIZE = 100;
const STATUS_TABS = ['open', ...STATUSES, 'all'].map((s) => ({ key: s, text: FILTER_TEXT[s]! }));
const SEVERITY_OPTIONS = SEVERITIES.map((s) => ({ value: s, text: s }));

const INCIDENT_COLUMNS: Column<Incident>[] = [
  {
    id: 'severity',
    header: 'Severity',
    sortValue: (i) => i.severity,
    cell: (i) => <IncidentSeverityBadge severity={i.severity} />,
  },
  {
    id: 'title',
    header: 'Incident',
    sortValue: (i) => i.title.toLowerCase(),
    cell: (i) => (
      <>
        <Link to={`/incidents/${encodeURIComponent(i.id)}`} className="strong">
          {i.title}
        </Link>
        {i.importedFrom ? (
          <div className="small">
            <ImportedBadge from={i.importedFrom} />
          </div>
        ) : (
          <div className="muted small">declared by {i.declaredBy.label}</div>
        )}
      </>
    ),
  },
  {
    id: 'status',
    header: 'Status',
    cell: (i) => (
      <>
        <IncidentStatusBadge status={i.status} /> <IncidentPostmortemBadge incident={i} />
      </>
    ),
  },
];

export function IncidentsPage() {
  const user = useUser();
  const { search } = useLocation();
  const status = search.get('status') ?? 'open';
  const severity = search.get('severity') ?? '';
  const cursor = search.get('cursor') ?? '';
  const filters = { status, severity, cursor, limit: PAGE_SIZE } as ApiQuery<'/api/incidents'>;
  const list = useApi<ApiResponse<'/api/incidents'>>(apiUrl('/api/incidents', undefined, filters));

  const setFilter = useUrlFilters('/incidents', DEFAULTS, 'cursor');

  const columns: Column<Incident>[] = [
    ...INCIDENT_COLUMNS,
    {
      id: 'declared',
      header: 'Declared',
      className: 'nowrap',
      sortValue: (i) => i.declaredAt,
      cell: (i) => <span title={formatTime(i.declaredAt, user.timezone)}>{relativeTime(i.declaredAt)}</span>,
    },
    {
      id: 'duration',
      header: 'Duration',
      className: 'nowrap',
      hideOnPhone: true,
      cell: (i) => duration(i.declaredAt, i.milestones.resolvedAt),
    },
  ];
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
      <Tabs label="Incident status" options={STATUS_TABS} value={status} onChange={(s) => setFilter({ status: s })} />
      <FilterBar label="Filter incidents">
        <SelectFilter
          id="incidents-severity"
          label="Severity"
          all="All severities"
          value={severity}
          options={SEVERITY_OPTIONS}
          onChange={(v) => setFilter({ severity: v })}
        />
      </FilterBar>
      <Card className="card-flush">
        <Loadable
          resource={list}
          what="incidents"
          isEmpty={(d) => d.incidents.length === 0}
          empty={status === 'open' && !severity ? 'No open incidents.' : 'No incidents match these filters.'}
        >
          {(d) => (
            <DataTable
              label="Incidents"
              columns={columns}
              rows={d.incidents}
              rowKey={(i) => i.id}
              rowData={(i) => ({ 'data-incident-id': i.id })}
            />
          )}
        </Loadable>
        {(cursor || list.data?.next) && (
          <div className="table-foot pager">
            {cursor && (
              <button type="button" className="btn" onClick={() => setFilter({ cursor: '' })}>
                ← Newest
              </button>
            )}
            {list.data?.next && (
              <button type="button" className="btn" onClick={() => setFilter({ cursor: list.data!.next! })}>
                Older →
              </button>
            )}
          </div>
        )}
      </Card>
    </>
  );
}
