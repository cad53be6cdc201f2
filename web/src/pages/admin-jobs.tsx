import { useState } from 'react';
import { Tabs } from '../components/filters.js';
import { ErrorBanner } from '../components/forms.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Badge, Card, PageHeader } from '../components/ui.js';
import { api, query } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import { JOB_STATUSES, type Job, type JobStatus } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';

const TONE: Record<string, 'neutral' | 'good' | 'warn' | 'bad' | 'info'> = {
  pending: 'neutral',
  running: 'info',
  succeeded: 'good',
  dead: 'bad',
};

const STATUS_TABS = [
  { key: '' as const, text: 'All' },
  ...JOB_STATUSES.map((s) => ({ key: s, text: s[0]!.toUpperCase() + s.slice(1) })),
];

const JOB_COLUMNS: Column<Job>[] = [
  {
    id: 'kind',
    header: 'Kind',
    sortValue: (j) => j.kind,
    cell: (j) => (
      <>
        <code>{j.kind}</code>
        <div className="muted small mono">{j.id}</div>
      </>
    ),
  },
  {
    id: 'status',
    header: 'Status',
    sortValue: (j) => j.status,
    cell: (j) => <Badge tone={TONE[j.status] ?? 'neutral'}>{j.status}</Badge>,
  },
  {
    id: 'attempts',
    header: 'Attempts',
    align: 'num',
    sortValue: (j) => j.attempts,
    cell: (j) => `${j.attempts}/${j.maxAttempts}`,
  },
];

export function JobsPage() {
  const user = useUser();
  const [status, setStatus] = useState<JobStatus | ''>('');
  const [kind, setKind] = useState('');
  const [appliedKind, setAppliedKind] = useState('');
  const jobs = useApi<{ jobs: Job[]; counts: Record<string, number> }>(
    `/api/jobs${query({ status, kind: appliedKind, limit: 200 })}`,
  );
  const [retryError, setRetryError] = useState<unknown>(null);
  const [retrying, setRetrying] = useState<string | null>(null);
  const [retried, setRetried] = useState<string | null>(null);

  const retry = async (id: string) => {
    setRetryError(null);
    setRetried(null);
    setRetrying(id);
    try {
      await api.post<Job>(`/api/jobs/${encodeURIComponent(id)}/retry`);
      setRetried(id);
      jobs.reload();
    } catch (e) {
      setRetryError(e);
    } finally {
      setRetrying(null);
    }
  };

  const counts = jobs.data?.counts ?? {};
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const tz = user.timezone;
  const columns: Column<Job>[] = [
    ...JOB_COLUMNS,
    {
      id: 'runAt',
      header: 'Run at',
      className: 'nowrap',
      sortValue: (j) => j.runAt,
      cell: (j) => <span title={j.runAt}>{formatTime(j.runAt, tz)}</span>,
    },
    {
      id: 'finished',
      header: 'Finished',
      className: 'nowrap',
      hideOnPhone: true,
      sortValue: (j) => j.finishedAt,
      cell: (j) => <span title={j.finishedAt ?? ''}>{formatTime(j.finishedAt, tz)}</span>,
    },
    { id: 'error', header: 'Last error', className: 'error-cell', cell: (j) => j.lastError ?? '—' },
    {
      id: 'actions',
      header: 'Actions',
      align: 'actions',
      cell: (j) =>
        j.status === 'dead' && (
          <button type="button" className="btn btn-small" disabled={retrying === j.id} onClick={() => void retry(j.id)}>
            {retrying === j.id ? 'Retrying…' : 'Retry'}
          </button>
        ),
    },
  ];
  return (
    <>
      <PageHeader
        title="Jobs"
        subtitle="Durable background work. Dead jobs ran out of attempts or failed permanently and need a person."
        actions={
          <button type="button" className="btn" onClick={jobs.reload}>
            Refresh
          </button>
        }
      />
      <Tabs
        label="Job status"
        options={STATUS_TABS}
        value={status}
        onChange={setStatus}
        count={(s) => (
          <span className={s === 'dead' && (counts.dead ?? 0) > 0 ? 'tab-count tab-count-bad' : 'tab-count'}>
            {s ? (counts[s] ?? 0) : total}
          </span>
        )}
      >
        <form
          className="tabs-filter"
          onSubmit={(e) => {
            e.preventDefault();
            setAppliedKind(kind.trim());
          }}
        >
          <input
            aria-label="Job kind"
            placeholder="Kind, e.g. escalation.runStep"
            value={kind}
            onChange={(e) => setKind(e.target.value)}
          />
        </form>
      </Tabs>
      {retryError ? <ErrorBanner error={retryError} /> : null}
      {retried && (
        <div className="banner banner-good" role="status">
          Job <code>{retried}</code> queued to run again.
        </div>
      )}
      <Card>
        <Loadable
          resource={jobs}
          what="jobs"
          isEmpty={(d) => d.jobs.length === 0}
          empty={status ? `No ${status} jobs.` : 'No jobs.'}
        >
          {(d) => <DataTable label="Jobs" dense columns={columns} rows={d.jobs} rowKey={(j) => j.id} />}
        </Loadable>
      </Card>
    </>
  );
}
