import { useEffect, useState } from 'react';
import { Card, Empty, LoadError, Loading, PageHeader } from '../components/ui.js';
import { api, query } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import type { AuditEvent } from '../lib/types.js';

const PAGE = 100;

export function AuditPage() {
  const user = useUser();
  const [action, setAction] = useState('');
  const [targetType, setTargetType] = useState('');
  const [applied, setApplied] = useState({ action: '', targetType: '' });
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [version, setVersion] = useState(0);

  const load = async (before: string | undefined, signal?: AbortSignal) => {
    setLoading(true);
    try {
      const res = await api.get<{ events: AuditEvent[] }>(
        `/api/audit-events${query({ ...applied, limit: PAGE, before })}`,
        signal ? { signal } : {},
      );
      setEvents((prev) => (before && prev ? [...prev, ...res.events] : res.events));
      setMore(res.events.length === PAGE);
      setError(null);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    } finally {
      if (!signal?.aborted) setLoading(false);
    }
  };

  useEffect(() => {
    const ctl = new AbortController();
    setEvents(null);
    void load(undefined, ctl.signal);
    return () => ctl.abort();
  }, [applied, version]);

  return (
    <>
      <PageHeader title="Audit log" subtitle="Who changed what, when, and from where. Newest first." />
      <Card>
        <form
          className="inline-form filters"
          aria-label="Filter audit events"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied({ action: action.trim(), targetType: targetType.trim() });
          }}
        >
          <input
            aria-label="Action"
            placeholder="Action, e.g. team.created"
            value={action}
            onChange={(e) => setAction(e.target.value)}
          />
          <input
            aria-label="Target type"
            placeholder="Target type, e.g. user"
            value={targetType}
            onChange={(e) => setTargetType(e.target.value)}
          />
          <button type="submit" className="btn">
            Filter
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => setVersion((v) => v + 1)}>
            Refresh
          </button>
        </form>
        {error ? (
          <LoadError error={error} retry={() => setVersion((v) => v + 1)} />
        ) : !events ? (
          <Loading what="Loading audit events" />
        ) : events.length === 0 ? (
          <Empty>No audit events match.</Empty>
        ) : (
          <>
            <table className="table table-dense" aria-label="Audit events">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Who</th>
                  <th>Action</th>
                  <th>Target</th>
                  <th>From</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap" title={e.at}>
                      {formatTime(e.at, user.timezone)}
                    </td>
                    <td>
                      {e.actorLabel}
                      {e.actorTokenId && <div className="muted small">via API token</div>}
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      {e.targetType}
                      {e.targetId && <div className="muted small mono">{e.targetId}</div>}
                    </td>
                    <td className="muted mono small">{e.ip ?? '—'}</td>
                    <td className="mono small details-cell">
                      {Object.keys(e.details).length ? JSON.stringify(e.details) : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {more && (
              <div className="table-foot">
                <button type="button" className="btn" disabled={loading} onClick={() => void load(events.at(-1)?.id)}>
                  {loading ? 'Loading…' : 'Older events'}
                </button>
              </div>
            )}
          </>
        )}
      </Card>
    </>
  );
}
