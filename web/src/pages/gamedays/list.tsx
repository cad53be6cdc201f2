/**
 * /gamedays: every game day as a list (filtered by status and team) or a month calendar. The view, status, team and
 * month live in the URL. On a phone the calendar reads as an agenda: only the days that have a game day.
 */
import { FilterBar, SelectFilter, Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Card, PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { IncidentSeverityBadge } from '../incidents/badges.js';
import type { Severity } from '../incidents/types.js';
import { useTeams } from '../oncall/people.js';
import { GamedayStatusBadge, GamedayTabs, ModeBadge } from './parts.js';
import { clockTime, gamedayPage, listOf, RECURRENCE_TEXT, whenOf, type GamedaySummary } from './types.js';

type StatusKey = 'all' | 'scheduled' | 'running' | 'halted' | 'ended' | 'cancelled';
const STATUS_TABS: readonly { key: StatusKey; text: string }[] = [
  { key: 'all', text: 'All' },
  { key: 'scheduled', text: 'Scheduled' },
  { key: 'running', text: 'Running' },
  { key: 'halted', text: 'Halted' },
  { key: 'ended', text: 'Ended' },
  { key: 'cancelled', text: 'Cancelled' },
];
const VIEWS = [
  { key: 'list', text: 'List' },
  { key: 'calendar', text: 'Calendar' },
] as const;
type View = (typeof VIEWS)[number]['key'];
const DEFAULTS = { view: 'list', status: 'all' };

/** "2026-12" for a date's month in a zone. */
function monthKeyOf(ms: number, timeZone: string): string {
  return dayKeyOf(ms, timeZone).slice(0, 7);
}

/** "2026-12-08" for an instant's day in a zone. */
function dayKeyOf(ms: number, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      new Date(ms),
    );
  } catch {
    return new Date(ms).toISOString().slice(0, 10);
  }
}

function shiftMonth(key: string, by: number): string {
  const [y, m] = key.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function GamedaysPage() {
  const user = useUser();
  const { search } = useLocation();
  const setFilter = useUrlFilters('/gamedays', DEFAULTS);
  const view: View = search.get('view') === 'calendar' ? 'calendar' : 'list';
  const rawStatus = search.get('status') ?? 'all';
  const status: StatusKey = STATUS_TABS.some((t) => t.key === rawStatus) ? (rawStatus as StatusKey) : 'all';
  const teamId = search.get('team') ?? '';
  const rawMonth = search.get('month') ?? '';
  const month = /^\d{4}-\d{2}$/.test(rawMonth) ? rawMonth : monthKeyOf(Date.now(), user.timezone);
  const teams = useTeams();

  // The calendar asks for its month with a day's margin each side (the viewer's zone decides the day).
  const [y, m] = month.split('-').map(Number) as [number, number];
  const range =
    view === 'calendar'
      ? {
          from: new Date(Date.UTC(y, m - 1, 1) - 86_400_000).toISOString(),
          to: new Date(Date.UTC(y, m, 1) + 86_400_000).toISOString(),
        }
      : {};
  const list = useApi<unknown>(
    `/api/gamedays${query({ status: status === 'all' ? undefined : status, teamId: teamId || undefined, ...range })}`,
  );

  return (
    <>
      <PageHeader
        title="Game days"
        subtitle="Practise incident response before the real thing: tabletop drills, live drills, then failure injection."
        actions={
          <Link to="/gamedays/new" className="btn btn-primary">
            Plan a game day
          </Link>
        }
      />
      <GamedayTabs />
      <FilterBar label="Game day filters">
        <SelectFilter
          id="gd-filter-team"
          label="Team"
          all="All teams"
          value={teamId}
          options={teams.teams.map((t) => ({ value: t.id, text: t.name }))}
          onChange={(v) => setFilter({ team: v })}
        />
        <span className="segmented gd-view-switch" role="group" aria-label="View">
          {VIEWS.map((v) => (
            <button
              key={v.key}
              type="button"
              className={view === v.key ? 'on' : undefined}
              aria-pressed={view === v.key}
              onClick={() => setFilter({ view: v.key })}
            >
              {v.text}
            </button>
          ))}
        </span>
      </FilterBar>
      <Tabs
        label="Status"
        className="gd-status-tabs"
        options={STATUS_TABS}
        value={status}
        onChange={(s) => setFilter({ status: s })}
      />
      <Loadable
        resource={list}
        what="game days"
        isEmpty={(d) => view === 'list' && listOf<GamedaySummary>(d, 'gamedays').length === 0}
        empty={
          <>
            No game days yet. <Link to="/gamedays/new">Plan one from the scenario library</Link> — start with a
            tabletop.
          </>
        }
      >
        {(d) =>
          view === 'calendar' ? (
            <MonthCalendar
              month={month}
              rows={listOf<GamedaySummary>(d, 'gamedays')}
              timeZone={user.timezone}
              onMonth={(mk) => setFilter({ month: mk })}
            />
          ) : (
            <GamedayTable rows={listOf<GamedaySummary>(d, 'gamedays')} timeZone={user.timezone} />
          )
        }
      </Loadable>
    </>
  );
}

function GamedayTable({ rows, timeZone }: { rows: GamedaySummary[]; timeZone: string }) {
  const columns: Column<GamedaySummary>[] = [
    {
      id: 'title',
      header: 'Game day',
      sortValue: (g) => g.title.toLowerCase(),
      cell: (g) => (
        <>
          <Link to={gamedayPage(g.id)} className="strong">
            {g.title}
          </Link>
          <div className="muted small">
            {g.teamName ?? ''}
            {g.facilitator && <> · facilitator {g.facilitator.name}</>}
          </div>
        </>
      ),
    },
    { id: 'mode', header: 'Kind', sortValue: (g) => g.mode, cell: (g) => <ModeBadge mode={g.mode} /> },
    {
      id: 'severity',
      header: 'Severity',
      hideOnPhone: true,
      sortValue: (g) => g.severity,
      cell: (g) => <IncidentSeverityBadge severity={g.severity as Severity} />,
    },
    {
      id: 'status',
      header: 'Status',
      sortValue: (g) => g.status,
      cell: (g) => <GamedayStatusBadge status={g.status} />,
    },
    {
      id: 'when',
      header: 'When',
      className: 'nowrap',
      sortValue: (g) => whenOf(g),
      cell: (g) => {
        const at = whenOf(g);
        if (!at) return <span className="muted">Not scheduled</span>;
        return (
          <>
            <span title={relativeTime(at)}>{formatTime(at, timeZone)}</span>
            {g.recurrence !== 'none' && <div className="muted small">{RECURRENCE_TEXT[g.recurrence]}</div>}
          </>
        );
      },
    },
  ];
  return (
    <Card className="card-flush">
      <DataTable
        label="Game days"
        columns={columns}
        rows={rows}
        rowKey={(g) => g.id}
        rowData={(g) => ({ 'data-gameday-id': g.id })}
      />
    </Card>
  );
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** A month grid from Monday; each day lists its game days with their time. */
function MonthCalendar({
  month,
  rows,
  timeZone,
  onMonth,
}: {
  month: string;
  rows: GamedaySummary[];
  timeZone: string;
  onMonth: (month: string) => void;
}) {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const first = new Date(Date.UTC(y, m - 1, 1));
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7; // Monday first
  const byDay = new Map<string, GamedaySummary[]>();
  for (const g of rows) {
    const at = whenOf(g);
    if (!at) continue;
    const key = dayKeyOf(Date.parse(at), timeZone);
    byDay.set(key, [...(byDay.get(key) ?? []), g]);
  }
  for (const list of byDay.values()) list.sort((a, b) => (whenOf(a) ?? '').localeCompare(whenOf(b) ?? ''));
  const today = dayKeyOf(Date.now(), timeZone);
  const title = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(first);
  const cells: ({ key: string; day: number } | null)[] = [
    ...Array.from({ length: lead }, () => null),
    ...Array.from({ length: daysInMonth }, (_, i) => ({
      key: `${month}-${String(i + 1).padStart(2, '0')}`,
      day: i + 1,
    })),
  ];
  while (cells.length % 7) cells.push(null);
  const inMonth = [...byDay.keys()].filter((k) => k.startsWith(month)).length;

  return (
    <Card className="gd-cal-card">
      <div className="gd-cal-head">
        <button
          type="button"
          className="btn btn-small"
          aria-label="Previous month"
          onClick={() => onMonth(shiftMonth(month, -1))}
        >
          <span aria-hidden="true">‹</span>
          <span className="gd-cal-navtext"> Previous</span>
        </button>
        <h2 className="gd-cal-title" aria-live="polite">
          {title}
        </h2>
        <button
          type="button"
          className="btn btn-small"
          aria-label="Next month"
          onClick={() => onMonth(shiftMonth(month, 1))}
        >
          <span className="gd-cal-navtext">Next </span>
          <span aria-hidden="true">›</span>
        </button>
      </div>
      <div className="gd-cal" role="grid" aria-label={`Game days in ${title}`}>
        {WEEKDAYS.map((w) => (
          <div key={w} className="gd-cal-weekday" role="columnheader">
            {w}
          </div>
        ))}
        {cells.map((c, i) =>
          c ? (
            <div
              key={c.key}
              role="gridcell"
              className={['gd-cal-day', byDay.has(c.key) ? '' : 'gd-cal-empty', c.key === today ? 'gd-cal-today' : '']
                .filter(Boolean)
                .join(' ')}
              data-day={c.key}
            >
              <div className="gd-cal-date">
                <span className="gd-cal-num">{c.day}</span>
                <span className="gd-cal-long">
                  {new Intl.DateTimeFormat('en-GB', {
                    weekday: 'long',
                    day: 'numeric',
                    month: 'long',
                    timeZone: 'UTC',
                  }).format(new Date(Date.UTC(y, m - 1, c.day)))}
                </span>
              </div>
              {(byDay.get(c.key) ?? []).map((g) => (
                <Link key={g.id} to={gamedayPage(g.id)} className={`gd-cal-item gd-cal-${g.status}`}>
                  <span className="gd-cal-time">{clockTime(whenOf(g), timeZone)}</span> {g.title}
                </Link>
              ))}
            </div>
          ) : (
            <div key={`pad-${i}`} className="gd-cal-pad" aria-hidden="true" />
          ),
        )}
      </div>
      {inMonth === 0 && <p className="muted gd-cal-none">No game days in {title}.</p>}
    </Card>
  );
}
