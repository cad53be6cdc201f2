/**
 * Post-mortems: mine first, then overdue, in review, drafts, published and all (the tab lives in the URL); the
 * server pages with a keyset cursor and "Load more" appends the next page. The completion rate sits on top.
 */
import { useCallback, useEffect, useState } from 'react';
import { Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { api, errorMessage, query } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { IncidentSeverityBadge } from '../incidents/badges.js';
import { PostmortemStatusBadge } from './badges.js';
import { CompletionSlot } from './slots.js';
import { pmPage, type PostmortemSummary } from './types.js';

type TabKey = 'mine' | 'overdue' | 'in_review' | 'draft' | 'published' | 'all';
const TABS: readonly { key: TabKey; text: string }[] = [
  { key: 'mine', text: 'Mine' },
  { key: 'overdue', text: 'Overdue' },
  { key: 'in_review', text: 'In review' },
  { key: 'draft', text: 'Drafts' },
  { key: 'published', text: 'Published' },
  { key: 'all', text: 'All' },
];
const DEFAULTS = { tab: 'mine' };
const PAGE = 50;

function tabQuery(tab: TabKey): Record<string, string> {
  switch (tab) {
    case 'mine':
      return { owner: 'me' };
    case 'overdue':
      return { overdue: 'true' };
    case 'in_review':
    case 'draft':
    case 'published':
      return { status: tab };
    default:
      return {};
  }
}

const EMPTY_TEXT: Record<TabKey, string> = {
  mine: 'You own no post-mortems. Resolved P1 and P2 incidents get one automatically.',
  overdue: 'Nothing overdue.',
  in_review: 'Nothing waiting for review.',
  draft: 'No drafts.',
  published: 'Nothing published yet.',
  all: 'No post-mortems yet. Resolve an incident, then start one from its room.',
};

interface Page {
  items: PostmortemSummary[];
  nextCursor: string | null;
}

/** The list for one tab, with "Load more" appending the next keyset page. */
function usePostmortemPages(tab: TabKey) {
  const [data, setData] = useState<Page | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    setData(null);
    setError(null);
    api
      .get<Page>(`/api/postmortems${query({ ...tabQuery(tab), limit: PAGE })}`, { signal: ctl.signal })
      .then(setData, (e: unknown) => !ctl.signal.aborted && setError(e));
    return () => ctl.abort();
  }, [tab, version]);

  const loadMore = useCallback(async () => {
    if (!data?.nextCursor) return;
    setMore({ busy: true, error: null });
    try {
      const next = await api.get<Page>(
        `/api/postmortems${query({ ...tabQuery(tab), limit: PAGE, cursor: data.nextCursor })}`,
      );
      setData({ items: [...data.items, ...next.items], nextCursor: next.nextCursor });
      setMore({ busy: false, error: null });
    } catch (e) {
      setMore({ busy: false, error: errorMessage(e) });
    }
  }, [data, tab]);

  return { data, error, reload: () => setVersion((v) => v + 1), loadMore, more };
}

export function DueDate({
  dueAt,
  isOverdue,
  timeZone,
}: {
  dueAt: string | null;
  isOverdue: boolean;
  timeZone: string;
}) {
  if (!dueAt) return <span className="muted">No due date</span>;
  return (
    <span className="pm-due">
      <span title={formatTime(dueAt, timeZone)}>{relativeTime(dueAt)}</span>
      {isOverdue && <Badge tone="bad">overdue</Badge>}
    </span>
  );
}

export function PostmortemsPage() {
  const user = useUser();
  const { search } = useLocation();
  const raw = search.get('tab') ?? 'mine';
  const tab: TabKey = TABS.some((t) => t.key === raw) ? (raw as TabKey) : 'mine';
  const setFilter = useUrlFilters('/postmortems', DEFAULTS);
  const list = usePostmortemPages(tab);

  const columns: Column<PostmortemSummary>[] = [
    {
      id: 'incident',
      header: 'Incident',
      sortValue: (p) => p.incident.title.toLowerCase(),
      cell: (p) => (
        <>
          <Link to={pmPage(p.id)} className="strong">
            {p.title || p.incident.title}
          </Link>
          <div className="muted small">
            <Link to={`/incidents/${encodeURIComponent(p.incident.id)}`}>
              {p.title.includes(p.incident.title) ? 'Incident' : p.incident.title}
            </Link>
            {p.teams.length > 0 && <> · {p.teams.map((t) => t.name).join(', ')}</>}
          </div>
        </>
      ),
    },
    {
      id: 'severity',
      header: 'Severity',
      sortValue: (p) => p.incident.severity,
      cell: (p) => <IncidentSeverityBadge severity={p.incident.severity} />,
    },
    {
      id: 'status',
      header: 'Status',
      sortValue: (p) => p.status,
      cell: (p) => (
        <>
          <PostmortemStatusBadge status={p.status} />
          {p.isRequired && p.status !== 'published' && <span className="muted small"> required</span>}
        </>
      ),
    },
    { id: 'owner', header: 'Owner', sortValue: (p) => p.owner?.name ?? null, cell: (p) => p.owner?.name ?? '—' },
    {
      id: 'due',
      header: 'Due',
      className: 'nowrap',
      sortValue: (p) => p.dueAt,
      cell: (p) =>
        p.status === 'published' ? (
          <span className="muted" title={formatTime(p.publishedAt, user.timezone)}>
            published {relativeTime(p.publishedAt)}
          </span>
        ) : (
          <DueDate dueAt={p.dueAt} isOverdue={p.isOverdue} timeZone={user.timezone} />
        ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Post-mortems"
        subtitle="Blameless reviews of resolved incidents: what happened, why, and what we change."
        actions={
          <button type="button" className="btn" onClick={list.reload}>
            Refresh
          </button>
        }
      />
      <CompletionSlot />
      <Tabs label="Post-mortems" options={TABS} value={tab} onChange={(t) => setFilter({ tab: t })} />
      <Card className="card-flush">
        <Loadable
          resource={{ data: list.data, error: list.error, reload: list.reload }}
          what="post-mortems"
          isEmpty={(d) => d.items.length === 0}
          empty={EMPTY_TEXT[tab]}
        >
          {(d) => (
            <>
              <DataTable
                label="Post-mortems"
                columns={columns}
                rows={d.items}
                rowKey={(p) => p.id}
                rowData={(p) => ({ 'data-postmortem-id': p.id })}
              />
              {d.nextCursor && (
                <div className="table-foot pager">
                  <button type="button" className="btn" disabled={list.more.busy} onClick={() => void list.loadMore()}>
                    {list.more.busy ? 'Loading…' : 'Load more'}
                  </button>
                </div>
              )}
              {list.more.error && <div className="banner banner-error">{list.more.error}</div>}
            </>
          )}
        </Loadable>
      </Card>
    </>
  );
}
