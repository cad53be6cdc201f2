/**
 * Insights: People (issue 21; docs/people-health.md). For a team: who carries the load (the hero signal), how
 * responders felt per quarter (the pulse: only from 5 answers a quarter, never per person), and role-separation
 * overrides per team (one person in two roles against the severity policy, with the reason given).
 */
import { TimeChart } from '../../components/chart.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, Empty, PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { hours, pct, type HeroPerson, type HeroReport } from '../people/common.js';
import { InsightsTabs, useInsightsFilters, type InsightsQuery } from './shared.js';

interface Dist {
  mean: number;
  counts: number[];
}
interface Quarter {
  quarter: string;
  from: string;
  to: string;
  suppressed: boolean;
  answers?: number;
  safe?: Dist;
  calm?: Dist;
  roleClear?: Dist;
}
interface PulseSummary {
  teamId: string;
  minimumAnswers: number;
  quarters: Quarter[];
}
interface RoleOverrides {
  teams: { teamId: string; name: string; overrides: number; incidents: number }[];
  events: { teamId: string; incidentId: string; title: string; severity: string; at: string; reason: string }[];
}

const HERO_COLUMNS: Column<HeroPerson>[] = [
  {
    id: 'name',
    header: 'Person',
    className: 'strong',
    sortValue: (p) => p.name.toLowerCase(),
    cell: (p) => (
      <>
        {p.name} {p.flagged && <Badge tone="bad">carrying too much</Badge>}
      </>
    ),
  },
  {
    id: 'pages',
    header: 'Pages',
    align: 'num',
    sortValue: (p) => p.pagesAcknowledged,
    cell: (p) => `${p.pagesAcknowledged} (${pct(p.share.pages)})`,
  },
  {
    id: 'incidents',
    header: 'Incidents',
    align: 'num',
    sortValue: (p) => p.incidentsResponded,
    cell: (p) => `${p.incidentsResponded} (${pct(p.share.incidents)})`,
  },
  {
    id: 'roles',
    header: 'Roles',
    align: 'num',
    sortValue: (p) => p.rolesHeld,
    cell: (p) => `${p.rolesHeld} (${pct(p.share.roles)})`,
  },
  {
    id: 'offHours',
    header: 'Off-hours',
    align: 'num',
    hideOnPhone: true,
    sortValue: (p) => p.offHoursPageHours,
    cell: (p) => `${hours(p.offHoursPageHours)} (${pct(p.share.offHours)})`,
  },
];

function Heroes({ teamId, q }: { teamId: string; q: InsightsQuery }) {
  const report = useApi<HeroReport>(
    `/api/people/heroes${query({ teamId, from: q.from, to: q.to, includeKinds: q.includeKinds })}`,
  );
  return (
    <Card title="Who carries the load" className="card-flush">
      <Loadable
        resource={report}
        what="the hero signal"
        isEmpty={(d) => d.people.every((p) => !p.pagesAcknowledged && !p.incidentsResponded && !p.rolesHeld)}
        empty="Nobody in this team acknowledged a page, held a role or responded to an incident in this window."
      >
        {(h) => {
          const flagged = h.people.filter((p) => p.flagged);
          return (
            <>
              <div className="people-note">
                {flagged.length === 0 ? (
                  <p className="small">Nobody carries more than their share: the load is spread.</p>
                ) : (
                  <ul className="people-reasons" data-testid="insights-hero-reasons">
                    {flagged.map((p) => (
                      <li key={p.userId}>
                        <strong>{p.name}</strong>: {p.reasons.join(' ')}
                      </li>
                    ))}
                  </ul>
                )}
                <p className="muted small">
                  <Link to={`/people?${new URLSearchParams({ teamId, tab: 'heroes' }).toString()}`}>
                    The incidents behind each figure, and the team&apos;s thresholds
                  </Link>
                </p>
              </div>
              <DataTable
                label="Hero signal per person"
                testId="insights-heroes"
                columns={HERO_COLUMNS}
                rows={h.people}
                rowKey={(p) => p.userId}
              />
            </>
          );
        }}
      </Loadable>
    </Card>
  );
}

const mean = (d?: Dist) => (d ? d.mean.toFixed(1) : null);

/** The pulse per quarter over the last year: a trend of the three means, and a table; suppressed quarters say so. */
function Pulse({ teamId }: { teamId: string }) {
  const year = new Date(Date.now() - 365 * 86_400_000).toISOString();
  const pulse = useApi<PulseSummary>(`/api/teams/${encodeURIComponent(teamId)}/pulse${query({ from: year })}`);
  return (
    <Card title="How responders felt, per quarter" className="chart-card">
      <p className="muted small">
        After each resolved incident its responders may answer three questions from 1 (disagree) to 5 (agree),
        anonymously. A quarter shows only from 5 answers, and never per person or incident.
      </p>
      <Loadable resource={pulse} what="the pulse">
        {(p) => {
          const shown = p.quarters.filter((q) => !q.suppressed);
          return (
            <>
              {shown.length > 1 && (
                <TimeChart
                  title="Pulse means per quarter"
                  x={p.quarters.map((q) => new Date(q.from).getTime())}
                  unit="count"
                  timeZone="UTC"
                  series={[
                    { label: "Could say 'I do not know'", values: p.quarters.map((q) => q.safe?.mean ?? null) },
                    { label: 'Calm and coordinated', values: p.quarters.map((q) => q.calm?.mean ?? null) },
                    { label: 'Knew my role', values: p.quarters.map((q) => q.roleClear?.mean ?? null) },
                  ]}
                />
              )}
              <DataTable
                label="Pulse per quarter"
                testId="insights-pulse"
                rows={[...p.quarters].reverse()}
                rowKey={(q) => q.quarter}
                rowData={(q) => ({ 'data-quarter': q.quarter })}
                columns={[
                  { id: 'quarter', header: 'Quarter', className: 'strong nowrap', cell: (q) => q.quarter },
                  {
                    id: 'answers',
                    header: 'Answers',
                    cell: (q) =>
                      q.suppressed
                        ? q.answers !== undefined
                          ? `Not enough answers yet (${q.answers} of ${p.minimumAnswers})`
                          : `Not enough answers yet (fewer than ${p.minimumAnswers})`
                        : q.answers,
                  },
                  {
                    id: 'safe',
                    header: "Could say 'I do not know'",
                    align: 'num',
                    cell: (q) => mean(q.safe) ?? '—',
                  },
                  { id: 'calm', header: 'Calm and coordinated', align: 'num', cell: (q) => mean(q.calm) ?? '—' },
                  { id: 'role', header: 'Knew my role', align: 'num', cell: (q) => mean(q.roleClear) ?? '—' },
                ]}
              />
              <p className="muted small people-note">
                <Link to="/people/pulse">The pulse page</Link> has what responders added in words.
              </p>
            </>
          );
        }}
      </Loadable>
    </Card>
  );
}

function RoleOverridesCard({ q }: { q: InsightsQuery }) {
  const me = useUser();
  const data = useApi<RoleOverrides>(
    `/api/insights/role-overrides${query({ teamId: q.teamId, from: q.from, to: q.to })}`,
  );
  return (
    <Card title="Role-separation overrides" className="card-flush">
      <p className="muted small people-note">
        Where the severity policy asks for different people as Incident Commander and other roles, someone took two
        anyway and gave a reason. Many overrides in a team mean it is too small for its incidents at some hours.
      </p>
      <Loadable
        resource={data}
        what="role-separation overrides"
        isEmpty={(d) => d.teams.length === 0}
        empty="No one held two roles against the policy in this window."
      >
        {(d) => (
          <>
            <DataTable
              label="Role-separation overrides per team"
              testId="role-overrides"
              rows={d.teams}
              rowKey={(t) => t.teamId}
              columns={[
                { id: 'team', header: 'Team', className: 'strong', sortValue: (t) => t.name, cell: (t) => t.name },
                {
                  id: 'overrides',
                  header: 'Overrides',
                  align: 'num',
                  sortValue: (t) => t.overrides,
                  cell: (t) => t.overrides,
                },
                {
                  id: 'incidents',
                  header: 'Incidents',
                  align: 'num',
                  sortValue: (t) => t.incidents,
                  cell: (t) => t.incidents,
                },
              ]}
            />
            <h3 className="small people-note">The overrides, with their reasons</h3>
            <DataTable
              label="Role-separation overrides with their reasons"
              rows={[...d.events].reverse()}
              rowKey={(e) => `${e.teamId} ${e.incidentId} ${e.at}`}
              dense
              columns={[
                { id: 'at', header: 'When', className: 'nowrap', cell: (e) => formatTime(e.at, me.timezone) },
                {
                  id: 'incident',
                  header: 'Incident',
                  cell: (e) => (
                    <Link to={`/incidents/${encodeURIComponent(e.incidentId)}`}>
                      {e.severity} {e.title}
                    </Link>
                  ),
                },
                { id: 'reason', header: 'Reason', cell: (e) => e.reason || '—' },
              ]}
            />
          </>
        )}
      </Loadable>
    </Card>
  );
}

export function PeopleInsightsPage() {
  const { query: q, bar } = useInsightsFilters(['team', 'kinds']);
  return (
    <>
      <PageHeader
        title="People"
        subtitle="Who carries the load, how responders felt, and how often one person took two roles against the policy."
      />
      <InsightsTabs />
      {bar}
      {q.teamId ? (
        <>
          <Heroes teamId={q.teamId} q={q} />
          <Pulse teamId={q.teamId} />
        </>
      ) : (
        <Empty>Choose a team above to see who carries its load and how its responders felt.</Empty>
      )}
      <RoleOverridesCard q={q} />
    </>
  );
}
