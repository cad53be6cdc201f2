import { useEffect, useState } from 'react';
import { FilterBar } from '../components/filters.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Card, PageHeader } from '../components/ui.js';
import { api, query } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import type { AuditEvent } from '../lib/types.js';

const PAGE = 100;

const EVENT_COLUMNS: Column<AuditEvent>[] = [
  {
    id: 'who',
    header: 'Who',
    sortValue: (e) => e.actorLabel.toLowerCase(),
    cell: (e) => (
      <>
        {e.actorLabel}
        {e.actorTokenId && <div className="muted small">via API token</div>}
      </>
    ),
  },
  { id: 'action', header: 'Action', sortValue: (e) => e.action, cell: (e) => <code>{e.action}</code> },
  {
    id: 'target',
    header: 'Target',
    sortValue: (e) => e.targetType,
    cell: (e) => (
      <>
        {e.targetType}
        {e.targetId && <div className="muted small mono">{e.targetId}</div>}
      </>
    ),
  },
  { id: 'ip', header: 'From', hideOnPhone: true, className: 'muted mono small', cell: (e) => e.ip ?? '—' },
  {
    id: 'details',
    header: 'Details',
    hideOnPhone: true,
    className: 'mono small details-cell',
    cell: (e) => (Object.keys(e.details).length ? JSON.stringify(e.details) : '—'),
  },
];

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

  const refresh = () => setVersion((v) => v + 1);

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
        <FilterBar
          label="Filter audit events"
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
          <button type="button" className="btn btn-ghost" onClick={refresh}>
            Refresh
          </button>
        </FilterBar>
        <Loadable
          resource={{ data: events, error, reload: refresh }}
          what="audit events"
          isEmpty={(d) => d.length === 0}
          empty="No audit events match."
        >
          {(d) => (
            <>
              <DataTable
                label="Audit events"
                dense
                columns={[
                  {
                    id: 'at',
                    header: 'When',
                    className: 'nowrap',
                    sortValue: (e) => e.at,
                    cell: (e) => <span title={e.at}>{formatTime(e.at, user.timezone)}</span>,
                  },
                  ...EVENT_COLUMNS,
                ]}
                rows={d}
                rowKey={(e) => e.id}
              />
              {more && (
                <div className="table-foot">
                  <button type="button" className="btn" disabled={loading} onClick={() => void load(d.at(-1)?.id)}>
                    {loading ? 'Loading…' : 'Older events'}
                  </button>
                </div>
              )}
            </>
          )}
        </Loadable>
      </Card>
    </>
  );
}
