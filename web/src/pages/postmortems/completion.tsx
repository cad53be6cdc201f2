/**
 * The post-mortem completion rate (docs/postmortems.md, "Completion rate"): of the P1/P2 incidents resolved in a
 * window, the share with a published post-mortem (every required section filled and the review done), against the
 * seed's 90%, with "on time" (published by its due date) beside it. `CompletionCard` is the figure for one team or
 * everyone; /postmortems/insights has it per team, what is missing, and how often each contributing factor comes up.
 */
import { DataTable, type Column } from '../../components/table.js';
import { Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';

export interface Missing {
  incidentId: string;
  title: string;
  severity: string;
  resolvedAt: string;
  postmortemId: string | null;
  status: 'none' | 'draft' | 'in_review';
  dueAt: string | null;
}

export interface Completion {
  eligible: number;
  inProgress: number;
  thorough: number;
  onTime: number;
  rate: number | null;
  onTimeRate: number | null;
  missing: Missing[];
}

export interface CompletionReport {
  target: number;
  from: string;
  to: string;
  overall: Completion;
  teams: ({ team: { id: string; name: string } } & Completion)[];
}

interface FactorCount {
  factorId: string;
  key: string;
  label: string;
  archived: boolean;
  count: number;
}

const MISSING_TEXT: Record<Missing['status'], string> = {
  none: 'Not started',
  draft: 'Draft',
  in_review: 'In review',
};

const pct = (v: number | null): string => (v === null ? '–' : `${Math.round(v * 100)}%`);

const WINDOWS = [
  { key: '30', text: '30 days' },
  { key: '90', text: '90 days' },
  { key: '365', text: '12 months' },
] as const;

/** `from` for the last `days` days, rounded to the hour so the query (and the page's cache) stays stable. */
function fromDays(days: number): string {
  const hour = 3_600_000;
  return new Date(Math.floor((Date.now() - days * 86_400_000) / hour) * hour).toISOString();
}

/** A plain bar: the rate, with a mark at the target. */
function RateBar({ rate, target, label }: { rate: number | null; target: number; label: string }) {
  const width = rate === null ? 0 : Math.round(Math.min(1, rate) * 100);
  const tone = rate === null ? '' : rate >= target ? ' pm-rate-met' : ' pm-rate-short';
  return (
    <div
      className={`pm-rate-bar${tone}`}
      role="img"
      aria-label={`${label}: ${pct(rate)} against a target of ${pct(target)}`}
    >
      <span className="pm-rate-fill" style={{ width: `${width}%` }} />
      <span className="pm-rate-target" style={{ left: `${Math.round(target * 100)}%` }} aria-hidden="true" />
    </div>
  );
}

function CompletionFigures({ c, target }: { c: Completion; target: number }) {
  const met = c.rate !== null && c.rate >= target;
  return (
    <div className="pm-completion">
      <div className="pm-completion-figures">
        <div>
          <div className="pm-completion-rate" data-testid="completion-rate">
            {pct(c.rate)}
          </div>
          <div className="muted small">
            published · target {pct(target)}{' '}
            {c.rate !== null && <Badge tone={met ? 'good' : 'warn'}>{met ? 'Met' : 'Below target'}</Badge>}
          </div>
        </div>
        <div>
          <div className="pm-completion-ontime" data-testid="completion-on-time">
            {pct(c.onTimeRate)}
          </div>
          <div className="muted small">on time</div>
        </div>
      </div>
      <RateBar rate={c.rate} target={target} label="Completion rate" />
      <p className="muted small">
        {c.eligible === 0
          ? 'No P1 or P2 incident in this window has a post-mortem due yet.'
          : `${c.thorough} of ${c.eligible} P1/P2 incidents have a published post-mortem; ${c.onTime} were published by their due date.`}
        {c.inProgress > 0 &&
          ` ${c.inProgress} more ${c.inProgress === 1 ? 'is' : 'are'} still being written and not due yet: not counted.`}
      </p>
    </div>
  );
}

/** The completion rate of the last 90 days, for a team or everyone, with what is missing. */
export function CompletionCard({ teamId }: { teamId?: string }) {
  const report = useApi<CompletionReport>(`/api/postmortems/completion${query({ teamId, from: fromDays(90) })}`);
  return (
    <Card title="Post-mortem completion (90 days)" className="pm-completion-card">
      <Loadable resource={report} what="the completion rate">
        {(r) => (
          <>
            <CompletionFigures c={r.overall} target={r.target} />
            {r.overall.missing.length > 0 && (
              <>
                <h3 className="pm-completion-sub">Missing</h3>
                <ul className="plain-list">
                  {r.overall.missing.slice(0, 5).map((m) => (
                    <li key={m.incidentId}>
                      <MissingLink m={m} />
                    </li>
                  ))}
                </ul>
                {r.overall.missing.length > 5 && (
                  <p className="small">{r.overall.missing.length - 5} more on the insights page.</p>
                )}
              </>
            )}
            <p className="small">
              <Link to={`/postmortems/insights${query({ teamId })}`}>Completion per team and contributing factors</Link>
            </p>
          </>
        )}
      </Loadable>
    </Card>
  );
}

function MissingLink({ m }: { m: Missing }) {
  return (
    <span>
      <Badge tone={m.severity === 'P1' ? 'bad' : 'warn'}>{m.severity}</Badge>{' '}
      <Link to={m.postmortemId ? `/postmortems/${m.postmortemId}` : `/incidents/${m.incidentId}`}>{m.title}</Link>{' '}
      <span className="muted small">
        {MISSING_TEXT[m.status]}
        {m.dueAt ? ` · due ${formatTime(m.dueAt)}` : ''}
      </span>
    </span>
  );
}

type TeamRow = CompletionReport['teams'][number];

const teamColumns = (target: number): Column<TeamRow>[] => [
  {
    id: 'team',
    header: 'Team',
    cell: (t) => <Link to={`/postmortems/insights${query({ teamId: t.team.id })}`}>{t.team.name}</Link>,
    sortValue: (t) => t.team.name,
  },
  { id: 'eligible', header: 'P1/P2 resolved', cell: (t) => t.eligible, sortValue: (t) => t.eligible, align: 'num' },
  { id: 'published', header: 'Published', cell: (t) => t.thorough, sortValue: (t) => t.thorough, align: 'num' },
  {
    id: 'rate',
    header: 'Rate',
    cell: (t) => (
      <span className="pm-rate-cell">
        <RateBar rate={t.rate} target={target} label={`${t.team.name} completion`} /> {pct(t.rate)}
      </span>
    ),
    sortValue: (t) => t.rate,
  },
  { id: 'onTime', header: 'On time', cell: (t) => pct(t.onTimeRate), sortValue: (t) => t.onTimeRate, align: 'num' },
];

const missingColumns: Column<Missing>[] = [
  { id: 'severity', header: 'Severity', cell: (m) => m.severity, sortValue: (m) => m.severity },
  {
    id: 'title',
    header: 'Incident',
    cell: (m) => (
      <Link to={m.postmortemId ? `/postmortems/${m.postmortemId}` : `/incidents/${m.incidentId}`}>{m.title}</Link>
    ),
    sortValue: (m) => m.title,
  },
  { id: 'status', header: 'Post-mortem', cell: (m) => MISSING_TEXT[m.status], sortValue: (m) => m.status },
  { id: 'due', header: 'Due', cell: (m) => formatTime(m.dueAt), sortValue: (m) => m.dueAt },
  {
    id: 'resolved',
    header: 'Resolved',
    cell: (m) => formatTime(m.resolvedAt),
    sortValue: (m) => m.resolvedAt,
    hideOnPhone: true,
  },
];

export function PostmortemInsightsPage() {
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const windowKey = WINDOWS.find((w) => w.key === params.get('window'))?.key ?? '90';
  const teamId = params.get('teamId') ?? undefined;
  const setFilters = useUrlFilters('/postmortems/insights', { window: '90' });
  const from = fromDays(Number(windowKey));
  const report = useApi<CompletionReport>(`/api/postmortems/completion${query({ from, teamId })}`);
  const factors = useApi<FactorCount[]>(`/api/postmortems/insights/factors${query({ from, teamId })}`);
  const teamName = report.data?.teams.find((t) => t.team.id === teamId)?.team.name;

  return (
    <>
      <PageHeader
        title={teamName ? `Post-mortem insights: ${teamName}` : 'Post-mortem insights'}
        subtitle="How many P1/P2 incidents got a published post-mortem, against the 90% target, and what keeps contributing."
        actions={
          teamId ? (
            <button type="button" className="btn btn-ghost" onClick={() => setFilters({ teamId: '' })}>
              All teams
            </button>
          ) : undefined
        }
      />
      <Tabs label="Window" options={WINDOWS} value={windowKey} onChange={(key) => setFilters({ window: key })} />
      <Loadable resource={report} what="the completion rate">
        {(r) => (
          <>
            <Card title={teamName ? 'Completion' : 'Completion, all teams'}>
              <CompletionFigures c={r.overall} target={r.target} />
              <p className="muted small">
                Every P1/P2 incident counts; there is no drill flag yet to leave exercises out. An incident counts for
                each team that owns one of its services.
              </p>
            </Card>
            {!teamId && (
              <Card title="Per team" className="card-flush">
                {r.teams.length === 0 ? (
                  <p className="empty">No team owns a service of a P1/P2 incident resolved in this window.</p>
                ) : (
                  <DataTable
                    label="Completion per team"
                    columns={teamColumns(r.target)}
                    rows={r.teams}
                    rowKey={(t) => t.team.id}
                    initialSort={{ id: 'rate', desc: false }}
                    testId="completion-teams"
                  />
                )}
              </Card>
            )}
            <Card title="Missing post-mortems" className="card-flush">
              {r.overall.missing.length === 0 ? (
                <p className="empty">None: every eligible incident has a published post-mortem.</p>
              ) : (
                <DataTable
                  label="Incidents without a published post-mortem"
                  columns={missingColumns}
                  rows={r.overall.missing}
                  rowKey={(m) => m.incidentId}
                  testId="completion-missing"
                />
              )}
            </Card>
          </>
        )}
      </Loadable>
      <Card title="Contributing factors">
        <Loadable
          resource={factors}
          what="factor counts"
          isEmpty={(d) => d.every((f) => f.count === 0)}
          empty="No post-mortem in this window names a contributing factor yet."
        >
          {(rows) => {
            const max = Math.max(1, ...rows.map((f) => f.count));
            return (
              <ul className="plain-list pm-factor-counts" data-testid="factor-counts">
                {rows
                  .filter((f) => f.count > 0)
                  .map((f) => (
                    <li key={f.factorId}>
                      <span className="pm-factor-count-label">
                        {f.label} {f.archived && <Badge>Archived</Badge>}
                      </span>
                      <span className="pm-factor-count-bar" aria-hidden="true">
                        <span style={{ width: `${Math.round((f.count / max) * 100)}%` }} />
                      </span>
                      <span className="pm-factor-count-n">{f.count}</span>
                    </li>
                  ))}
              </ul>
            );
          }}
        </Loadable>
      </Card>
    </>
  );
}
