import { useState } from 'react';
import { ErrorBanner } from '../components/forms.js';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../components/ui.js';
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
      <div className="tabs" role="tablist" aria-label="Job status">
        {(['', ...JOB_STATUSES] as const).map((s) => (
          <button
            key={s || 'all'}
            type="button"
            role="tab"
            aria-selected={status === s}
            className={status === s ? 'tab active' : 'tab'}
            onClick={() => setStatus(s)}
          >
            {s ? s[0]!.toUpperCase() + s.slice(1) : 'All'}
            <span className={s === 'dead' && (counts.dead ?? 0) > 0 ? 'tab-count tab-count-bad' : 'tab-count'}>
              {s ? (counts[s] ?? 0) : total}
            </span>
          </button>
        ))}
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
      </div>
      {retryError ? <ErrorBanner error={retryError} /> : null}
      {retried && (
        <div className="banner banner-good" role="status">
          Job <code>{retried}</code> queued to run again.
        </div>
      )}
      <Card>
        {jobs.error ? (
          <LoadError error={jobs.error} retry={jobs.reload} />
        ) : !jobs.data ? (
          <Loading what="Loading jobs" />
        ) : jobs.data.jobs.length === 0 ? (
          <Empty>{status ? `No ${status} jobs.` : 'No jobs.'}</Empty>
        ) : (
          <table className="table table-dense" aria-label="Jobs">
            <thead>
              <tr>
                <th>Kind</th>
                <th>Status</th>
                <th className="num">Attempts</th>
                <th>Run at</th>
                <th>Finished</th>
                <th>Last error</th>
                <th className="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.jobs.map((j) => (
                <tr key={j.id}>
                  <td>
                    <code>{j.kind}</code>
                    <div className="muted small mono">{j.id}</div>
                  </td>
                  <td>
                    <Badge tone={TONE[j.status] ?? 'neutral'}>{j.status}</Badge>
                  </td>
                  <td className="num">
                    {j.attempts}/{j.maxAttempts}
                  </td>
                  <td className="nowrap" title={j.runAt}>
                    {formatTime(j.runAt, user.timezone)}
                  </td>
                  <td className="nowrap" title={j.finishedAt ?? ''}>
                    {formatTime(j.finishedAt, user.timezone)}
                  </td>
                  <td className="error-cell">{j.lastError ?? '—'}</td>
                  <td className="actions-col">
                    {j.status === 'dead' && (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={retrying === j.id}
                        onClick={() => void retry(j.id)}
                      >
                        {retrying === j.id ? 'Retrying…' : 'Retry'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
