/**
 * Load and recovery (docs/people-health.md, "Load and recovery"): each person's share of each month on call against
 * the one-week-in-four line, back-to-back shifts across schedules, and recovery after a page in their sleep hours with
 * a one-click cover override.
 */
import { TimeChart } from '../../components/chart.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import { hours, pct, pctBeside, type LoadReport, type RecoveryEntry } from './common.js';
import { CoverButton } from './cover.js';

const monthName = (iso: string, timeZone: string): string => {
  try {
    return new Date(iso).toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone });
  } catch {
    return iso.slice(0, 7);
  }
};

export function RecoveryTable({
  entries,
  members,
  label = 'Recovery time',
  onCovered,
}: {
  entries: RecoveryEntry[];
  members: { userId: string; name: string }[];
  label?: string;
  onCovered?: () => void;
}) {
  const me = useUser();
  const columns: Column<RecoveryEntry>[] = [
    {
      id: 'name',
      header: 'Person',
      className: 'strong',
      sortValue: (r) => r.name.toLowerCase(),
      cell: (r) => r.name,
    },
    {
      id: 'paged',
      header: 'Woken by',
      sortValue: (r) => r.pagedAt,
      cell: (r) => `${r.pages === 1 ? 'A page' : `${r.pages} pages`} at ${formatTime(r.pagedAt, me.timezone)}`,
    },
    {
      id: 'recovery',
      header: 'Recovery',
      sortValue: (r) => r.recoveryFrom,
      cell: (r) => `${formatTime(r.recoveryFrom, me.timezone)}–${formatTime(r.recoveryTo, me.timezone).slice(-5)}`,
    },
    {
      id: 'cover',
      header: 'Cover',
      cell: (r) => <CoverButton entry={r} members={members} onCovered={onCovered} />,
    },
  ];
  return (
    <DataTable
      label={label}
      testId="recovery-table"
      columns={columns}
      rows={entries}
      rowKey={(r) => `${r.userId} ${r.recoveryFrom}`}
      rowData={(r) => ({ 'data-user-id': r.userId })}
    />
  );
}

function LoadChart({ l }: { l: LoadReport }) {
  const months = l.people[0]?.months.map((m) => m.month) ?? [];
  if (months.length === 0) return null;
  const x = months.map((m) => new Date(m).getTime());
  // The busiest eight people; the table below has everyone.
  const shown = l.people.slice(0, 8);
  return (
    <TimeChart
      title="Share of each month on call, per person"
      x={x}
      unit="ratio"
      timeZone={l.timeZone}
      partialFrom={new Date(l.window.to).getTime()}
      series={[
        ...shown.map((p) => ({ label: p.name, values: p.months.map((m) => m.share) })),
        { label: `One week in four (${pct(l.loadShare)})`, values: months.map(() => l.loadShare) },
      ]}
    />
  );
}

export function LoadView({ team, from }: { team: Team; from: string }) {
  const me = useUser();
  const report = useApi<LoadReport>(`/api/people/load${query({ teamId: team.id, from })}`);
  const full = useApi<Team>(`/api/teams/${encodeURIComponent(team.id)}`);
  const schedules = useApi<{ schedules: { id: string; name: string }[] }>(
    `/api/schedules${query({ teamId: team.id })}`,
  );
  const members = (full.data?.members ?? []).map((m) => ({ userId: m.userId, name: m.name || m.email }));
  const scheduleName = (id: string) => schedules.data?.schedules.find((s) => s.id === id)?.name ?? id;

  return (
    <Loadable resource={report} what="load and recovery">
      {(l) => {
        const monthRows = l.people.flatMap((p) =>
          p.months.map((m) => ({ ...m, userId: p.userId, name: p.name, key: `${p.userId} ${m.month}` })),
        );
        const monthColumns: Column<(typeof monthRows)[number]>[] = [
          {
            id: 'name',
            header: 'Person',
            className: 'strong',
            sortValue: (r) => r.name.toLowerCase(),
            cell: (r) => r.name,
          },
          { id: 'month', header: 'Month', sortValue: (r) => r.month, cell: (r) => monthName(r.month, l.timeZone) },
          {
            id: 'hours',
            header: 'On call',
            align: 'num',
            sortValue: (r) => r.onCallHours,
            cell: (r) => hours(r.onCallHours),
          },
          {
            id: 'share',
            header: 'Of the month',
            align: 'num',
            sortValue: (r) => r.share,
            cell: (r) => (
              <>
                {pctBeside(r.share, l.loadShare)} {r.flagged && <Badge tone="bad">over one week in four</Badge>}
              </>
            ),
          },
        ];
        return (
          <>
            <Card title="On call per month" className="chart-card">
              <p className="muted small">
                The share of each month a person was on call, across all of the team&apos;s schedules (overlaps count
                once). Above {pct(l.loadShare)} — more than one week in four — is flagged: the seed&apos;s figure for a
                rotation people can keep up.
              </p>
              {l.people.length === 0 ? (
                <p className="empty">
                  Nobody was on call for this team in the window. The figure appears once the team has an on-call
                  schedule with people in it. <Link to="/oncall/new">Create a schedule</Link>
                </p>
              ) : (
                <>
                  <LoadChart l={l} />
                  <DataTable
                    label="On call per person and month"
                    testId="load-table"
                    columns={monthColumns}
                    rows={monthRows}
                    rowKey={(r) => r.key}
                    rowClassName={(r) => (r.flagged ? 'row-flagged' : undefined)}
                    dense
                  />
                </>
              )}
            </Card>
            <Card title="Back-to-back shifts" className="card-flush">
              <p className="muted small people-note">
                One person on call in two or more schedules in a row (less than an hour apart), with no break between.
              </p>
              {l.backToBack.length === 0 ? (
                <p className="empty">
                  Nobody went from one schedule&apos;s shift straight into another&apos;s in this window.
                </p>
              ) : (
                <DataTable
                  label="Back-to-back shifts"
                  testId="back-to-back-table"
                  columns={[
                    { id: 'name', header: 'Person', className: 'strong', cell: (b) => b.name },
                    {
                      id: 'schedules',
                      header: 'Schedules',
                      cell: (b) =>
                        b.scheduleIds.map((id, i) => (
                          <span key={id}>
                            {i > 0 && ', '}
                            <Link to={`/oncall/schedules/${encodeURIComponent(id)}`}>{scheduleName(id)}</Link>
                          </span>
                        )),
                    },
                    {
                      id: 'when',
                      header: 'When',
                      sortValue: (b) => b.from,
                      cell: (b) => `${formatTime(b.from, me.timezone)} to ${formatTime(b.to, me.timezone)}`,
                    },
                    {
                      id: 'length',
                      header: 'Length',
                      align: 'num',
                      cell: (b) => hours((new Date(b.to).getTime() - new Date(b.from).getTime()) / 3_600_000),
                    },
                  ]}
                  rows={l.backToBack}
                  rowKey={(b) => `${b.userId} ${b.from}`}
                />
              )}
            </Card>
            <Card title="Recovery after a broken night" className="card-flush">
              <p className="muted small people-note">
                A page in someone&apos;s sleep hours makes their next working morning recovery time. Cover it with one
                click: an override of their shift on the schedule, for the person proposed.
              </p>
              {l.recovery.length === 0 ? (
                <p className="empty">
                  Nobody was paged in their sleep hours in this window. A night page makes the next morning recovery
                  time here.
                </p>
              ) : (
                <RecoveryTable entries={l.recovery} members={members} />
              )}
            </Card>
          </>
        );
      }}
    </Loadable>
  );
}
