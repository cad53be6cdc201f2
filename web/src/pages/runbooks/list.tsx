/**
 * /runbooks: every runbook, filtered by team, service, a search and "needs review" (all in the URL). Each row says
 * which services it serves, how fresh it is and how many one-click actions it has.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { FilterBar, SearchFilter, SelectFilter, Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { Service } from '../alerts/types.js';
import { useTeams } from '../oncall/people.js';
import { StaleBadge } from './parts.js';
import { runbookPath, type RunbookSummary } from './types.js';

const STALE_TABS = [
  { key: 'all', text: 'All' },
  { key: 'stale', text: 'Needs review' },
] as const;
type StaleKey = (typeof STALE_TABS)[number]['key'];

export function RunbooksPage() {
  const user = useUser();
  const { search } = useLocation();
  const setFilter = useUrlFilters('/runbooks');
  const teamId = search.get('team') ?? '';
  const serviceId = search.get('service') ?? '';
  const q = search.get('q') ?? '';
  const stale: StaleKey = search.get('stale') === 'true' ? 'stale' : 'all';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const teams = useTeams();
  const services = useApi<{ services: Service[] }>('/api/services');
  const list = useApi<{ items: RunbookSummary[] }>(
    `/api/runbooks${query({
      teamId: teamId || undefined,
      serviceId: serviceId || undefined,
      q: q || undefined,
      stale: stale === 'stale' ? 'true' : undefined,
    })}`,
  );
  const filtered = !!(teamId || serviceId || q || stale === 'stale');
  const applyText = (e: FormEvent) => {
    e.preventDefault();
    setFilter({ q: text.trim() });
  };
  const serviceOptions = (services.data?.services ?? [])
    .filter((s) => !teamId || s.teamId === teamId)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => ({ value: s.id, text: s.name }));

  return (
    <>
      <PageHeader
        title="Runbooks"
        subtitle="What to do when something breaks: the steps, the commands and the one-click actions, kept fresh by their team."
        actions={
          <Link to={`/runbooks/new${query({ serviceId: serviceId || undefined })}`} className="btn btn-primary">
            Write a runbook
          </Link>
        }
      />
      <Tabs
        label="Freshness"
        options={STALE_TABS}
        value={stale}
        onChange={(k) => setFilter({ stale: k === 'stale' ? 'true' : '' })}
      />
      <FilterBar label="Filter runbooks" onSubmit={applyText}>
        <SelectFilter
          id="rb-filter-team"
          label="Team"
          all="All teams"
          value={teamId}
          options={teams.teams.map((t) => ({ value: t.id, text: t.name }))}
          onChange={(v) => setFilter({ team: v, service: '' })}
        />
        <SelectFilter
          id="rb-filter-service"
          label="Service"
          all="All services"
          value={serviceId}
          options={serviceOptions}
          onChange={(v) => setFilter({ service: v })}
        />
        <SearchFilter
          id="rb-filter-q"
          placeholder="Search titles"
          value={text}
          onChange={setText}
          onClear={
            filtered
              ? () => {
                  setText('');
                  setFilter({ team: '', service: '', q: '', stale: '' });
                }
              : undefined
          }
        />
      </FilterBar>
      <Loadable
        resource={list}
        what="runbooks"
        isEmpty={(d) => d.items.length === 0}
        empty={
          filtered ? (
            'No runbook matches these filters.'
          ) : (
            <>
              No runbooks yet. <Link to="/runbooks/new">Write the first one</Link>: the steps your team takes for the
              alert that pages most.
            </>
          )
        }
      >
        {(d) => <RunbookTable rows={d.items} timeZone={user.timezone} />}
      </Loadable>
    </>
  );
}

function RunbookTable({ rows, timeZone }: { rows: RunbookSummary[]; timeZone: string }) {
  const columns: Column<RunbookSummary>[] = [
    {
      id: 'title',
      header: 'Runbook',
      sortValue: (r) => r.title.toLowerCase(),
      cell: (r) => (
        <>
          <Link to={runbookPath(r.id)} className="strong">
            {r.title}
          </Link>
          <div className="muted small">
            {r.teamName} · v{r.version}
          </div>
        </>
      ),
    },
    {
      id: 'services',
      header: 'Services',
      cell: (r) =>
        r.services.length ? (
          <span className="rb-chips">
            {r.services.map((s) => (
              <Link key={s.id} to={`/services/${encodeURIComponent(s.slug)}`} className="rb-chip">
                {s.name}
              </Link>
            ))}
          </span>
        ) : (
          <span className="muted">none</span>
        ),
    },
    {
      id: 'review',
      header: 'Review',
      sortValue: (r) => r.reviewDueAt ?? '',
      cell: (r) => (
        <>
          {r.isStale ? <StaleBadge runbook={r} /> : <Badge tone="good">fresh</Badge>}
          <div className="muted small" title={r.reviewDueAt ? `Due ${formatTime(r.reviewDueAt, timeZone)}` : undefined}>
            {r.lastReviewedAt ? `reviewed ${relativeTime(r.lastReviewedAt)}` : 'never reviewed'}
          </div>
        </>
      ),
    },
    {
      id: 'actions',
      header: 'Actions',
      align: 'num',
      hideOnPhone: true,
      sortValue: (r) => r.actionCount,
      cell: (r) => r.actionCount,
    },
    {
      id: 'updated',
      header: 'Updated',
      className: 'nowrap',
      hideOnPhone: true,
      sortValue: (r) => r.updatedAt,
      cell: (r) => <span title={formatTime(r.updatedAt, timeZone)}>{relativeTime(r.updatedAt)}</span>,
    },
  ];
  return (
    <Card className="card-flush">
      <DataTable
        label="Runbooks"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        rowData={(r) => ({ 'data-runbook-id': r.id })}
      />
    </Card>
  );
}
