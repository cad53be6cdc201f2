/**
 * The action-items board (/action-items): every item by due date, filtered by owner (anyone, me, a person), team,
 * status and overdue — the filters live in the URL, so "My action items" is /action-items?owner=me. The server pages
 * with a keyset cursor on (due date, id) and "Load more" appends the next page; the status changes inline.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { FilterBar, SelectFilter, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { DataTable } from '../../components/table.js';
import { Card, PageHeader } from '../../components/ui.js';
import { api, errorMessage, query } from '../../lib/api.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import type { Team, User } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import { itemColumns } from './parts.js';
import { STATUS_OPTIONS, type ActionItem, type ActionItemPage } from './types.js';

const PATH = '/action-items';
const PAGE = 50;
const DEFAULTS = { owner: '', teamId: '', status: '', overdue: '' };
const STATUS_FILTER = [{ value: 'open,in_progress', text: 'Not finished' }, ...STATUS_OPTIONS];

/** The board's pages for one set of filters, with "Load more" appending the next keyset page. */
function useBoard(filters: Record<string, string>) {
  const [data, setData] = useState<ActionItemPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const [version, setVersion] = useState(0);
  const q = query({ ...filters, limit: PAGE });

  useEffect(() => {
    const ctl = new AbortController();
    setData(null);
    setError(null);
    api
      .get<ActionItemPage>(`/api/action-items${q}`, { signal: ctl.signal })
      .then(setData, (e: unknown) => !ctl.signal.aborted && setError(e));
    return () => ctl.abort();
  }, [q, version]);

  const loadMore = useCallback(async () => {
    if (!data?.nextCursor) return;
    setMore({ busy: true, error: null });
    try {
      const next = await api.get<ActionItemPage>(
        `/api/action-items${query({ ...filters, limit: PAGE, cursor: data.nextCursor })}`,
      );
      setData({ items: [...data.items, ...next.items], nextCursor: next.nextCursor });
      setMore({ busy: false, error: null });
    } catch (e) {
      setMore({ busy: false, error: errorMessage(e) });
    }
  }, [data, filters]);

  /** One item changed (inline): replace it in place. */
  const replace = useCallback((item: ActionItem) => {
    setData((d) => (d ? { ...d, items: d.items.map((i) => (i.id === item.id ? item : i)) } : d));
  }, []);

  return { data, error, reload: () => setVersion((v) => v + 1), loadMore, more, replace };
}

export function ActionItemsPage() {
  const user = useUser();
  const { search } = useLocation();
  const setFilter = useUrlFilters(PATH, DEFAULTS);
  const owner = search.get('owner') ?? '';
  const teamId = search.get('teamId') ?? '';
  const status = search.get('status') ?? '';
  const overdue = search.get('overdue') === 'true' ? 'true' : '';
  const filters = useMemo(() => ({ owner, teamId, status, overdue }), [owner, teamId, status, overdue]);
  const board = useBoard(filters);
  const users = useApi<{ users: User[] }>('/api/users');
  const teams = useApi<{ teams: Team[] }>('/api/teams');
  const isMine = owner === 'me';
  const columns = useMemo(
    () => itemColumns({ timeZone: user.timezone, withIncident: true, onChanged: board.replace }),
    [user.timezone, board.replace],
  );

  const ownerOptions = [
    { value: 'me', text: 'Me' },
    ...(users.data?.users ?? [])
      .filter((u) => !u.disabledAt && u.id !== user.id)
      .map((u) => ({ value: u.id, text: u.name || u.email })),
  ];
  const teamOptions = (teams.data?.teams ?? []).map((t) => ({ value: t.id, text: t.name }));

  return (
    <>
      <PageHeader
        title={isMine ? 'My action items' : 'Action items'}
        subtitle="What post-mortems and incidents left to do: each with an owner and a due date."
        actions={
          <>
            {isMine ? (
              <Link to={PATH} className="btn">
                Everyone's
              </Link>
            ) : (
              <Link to={`${PATH}?owner=me`} className="btn">
                Mine
              </Link>
            )}
            <button type="button" className="btn" onClick={board.reload}>
              Refresh
            </button>
          </>
        }
      />
      <FilterBar label="Filter action items">
        <SelectFilter
          id="filter-owner"
          label="Owner"
          all="Any owner"
          value={owner}
          options={ownerOptions}
          onChange={(v) => setFilter({ owner: v })}
        />
        <SelectFilter
          id="filter-team"
          label="Team"
          all="All teams"
          value={teamId}
          options={teamOptions}
          onChange={(v) => setFilter({ teamId: v })}
        />
        <SelectFilter
          id="filter-status"
          label="Status"
          all="Any status"
          value={status}
          options={STATUS_FILTER}
          onChange={(v) => setFilter({ status: v })}
        />
        <label className="check" htmlFor="filter-overdue">
          <input
            id="filter-overdue"
            type="checkbox"
            checked={overdue === 'true'}
            onChange={(e) => setFilter({ overdue: e.target.checked ? 'true' : '' })}
          />{' '}
          Overdue only
        </label>
      </FilterBar>
      <Card className="card-flush">
        <Loadable
          resource={{ data: board.data, error: board.error, reload: board.reload }}
          what="action items"
          isEmpty={(d) => d.items.length === 0}
          empty={
            overdue
              ? 'Nothing overdue.'
              : isMine
                ? 'You own no action items. Add them from a post-mortem.'
                : 'No action items match. Add them from a post-mortem.'
          }
        >
          {(d) => (
            <>
              <DataTable
                label="Action items"
                columns={columns}
                rows={d.items}
                rowKey={(i) => i.id}
                rowData={(i) => ({ 'data-action-item-id': i.id })}
              />
              {d.nextCursor && (
                <div className="table-foot pager">
                  <button
                    type="button"
                    className="btn"
                    disabled={board.more.busy}
                    onClick={() => void board.loadMore()}
                  >
                    {board.more.busy ? 'Loading…' : 'Load more'}
                  </button>
                </div>
              )}
              {board.more.error && <div className="banner banner-error">{board.more.error}</div>}
            </>
          )}
        </Loadable>
      </Card>
    </>
  );
}
