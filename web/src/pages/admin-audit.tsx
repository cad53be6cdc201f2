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
        {(e.actorTokenId || e.ip) && (
          <div className="muted small">
            {e.actorTokenId ? 'via API token' : ''}
            {e.actorTokenId && e.ip ? ' · ' : ''}
            {e.ip && <span className="mono">from {e.ip}</span>}
          </div>
        )}
      </>
    ),
  },
  {
    id: 'action',
    header: 'Action',
    sortValue: (e) => e.action,
    cell: (e) => <code>{e.action}</code>,
  },
  {
    id: 'target',
    header: 'Target',
    sortValue: (e) => e.targetType,
    cell: (e) => (
      <>
        {e.targetType}
        {e.targetId && (
          <div className="muted small mono audit-id" title={e.targetId}>
            {e.targetId}
          </div>
        )}
      </>
    ),
  },
];

/** One value as a short text: strings bare, lists and objects as compact JSON. */
function shortValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}

/** The details as one line, `key: value` pairs; the full JSON opens under the row. */
export function detailsSummary(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${shortValue(v)}`)
    .join(' · ');
}

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
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

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
                  {
                    id: 'details',
                    header: 'Details',
                    cell: (e) =>
                      Object.keys(e.details).length ? (
                        <div className="audit-details">
                          <span className="audit-summary mono small" title={detailsSummary(e.details)}>
                            {detailsSummary(e.details)}
                          </span>
                          <button
                            type="button"
                            className="btn btn-small btn-ghost"
                            aria-expanded={open.has(e.id)}
                            aria-label={`${open.has(e.id) ? 'Hide' : 'Show'} details of ${e.action}`}
                            onClick={() => toggle(e.id)}
                          >
                            {open.has(e.id) ? 'Less' : 'More'}
                          </button>
                        </div>
                      ) : (
                        '—'
                      ),
                  },
                ]}
                rows={d}
                rowKey={(e) => e.id}
                rowDetailClassName="audit-detail-row"
                rowDetail={(e) =>
                  open.has(e.id) ? (
                    <pre className="audit-json" aria-label={`Details of ${e.action}`}>
                      {JSON.stringify(e.details, null, 2)}
                    </pre>
                  ) : null
                }
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
