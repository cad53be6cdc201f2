/**
 * Insights: Learning (issue 12 item 4, docs/insights.md "Learning"). The post-mortem completion rate against the 90%
 * target (overall, over time and per team), post-mortems overdue, action items open, overdue and time to close per
 * team, and the contributing factors counted across post-mortems.
 */
import { BarChart, TimeChart, formatValue } from '../../components/chart.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { bucketTimes, Figures, inDays, inPercent } from './paging.js';
import { bucketDate, ChartCard, InsightsTabs, useInsightsFilters } from './shared.js';
import type { Stats } from './shared.js';

interface Learning {
  completion: { eligible: number; completed: number; inProgress: number; rate: number | null; belowTarget: boolean };
  postmortemsOverdue: number;
  actionItems: { open: number; overdue: number; closedInWindow: number; timeToClose: Stats };
}
interface LearningReport {
  /** The window's end (a bucket it cuts is partial on the chart). */
  filter: { to: string };
  bucket: 'week' | 'month';
  timeZone: string;
  target: number;
  overall: Learning;
  byTeam: ({ teamId: string; name: string } & Learning)[];
  buckets: {
    start: string;
    completion: { eligible: number; completed: number; rate: number | null };
    actionItemsClosed: number;
    actionItemsOpened: number;
  }[];
  factors: { id: string; key: string; name: string; count: number; incidentIds: string[] }[];
}

const pct = (v: number | null) => formatValue(v, 'ratio');
const secs = (v: number | null) => formatValue(v, 'seconds');

function isEmpty(r: LearningReport): boolean {
  const o = r.overall;
  return (
    o.completion.eligible === 0 &&
    o.completion.inProgress === 0 &&
    o.postmortemsOverdue === 0 &&
    o.actionItems.open === 0 &&
    o.actionItems.closedInWindow === 0 &&
    r.factors.every((f) => f.count === 0)
  );
}

/** The headline: the rate against the target, said plainly when it is below. */
function CompletionHeadline({ r }: { r: LearningReport }) {
  const c = r.overall.completion;
  const below = r.byTeam.filter((t) => t.completion.belowTarget);
  return (
    <Card title="Post-mortem completion">
      <Figures
        items={[
          {
            label: `Completion (target ${pct(r.target)})`,
            value: (
              <>
                {pct(c.rate)}{' '}
                {c.rate !== null && (
                  <Badge tone={c.belowTarget ? 'warn' : 'good'}>{c.belowTarget ? 'Below target' : 'Met'}</Badge>
                )}
              </>
            ),
            note: c.eligible === 0 ? 'No P1/P2 post-mortem due yet' : `${c.completed} of ${c.eligible} published`,
            testId: 'learning-completion',
          },
          {
            // Overdue and open are today's backlog whatever the window (docs/insights.md): say so, or a lead who
            // narrows the window sees them stay put and distrusts the rest.
            label: 'Post-mortems overdue now',
            value: r.overall.postmortemsOverdue,
            note: c.inProgress
              ? `${c.inProgress} more being written, not due yet`
              : 'unpublished past their due date, whatever the window',
            testId: 'learning-overdue',
          },
          {
            label: 'Action items open now',
            value: r.overall.actionItems.open,
            note: `${r.overall.actionItems.overdue} overdue`,
            testId: 'learning-items-open',
          },
          {
            label: 'Median time to close',
            value: secs(r.overall.actionItems.timeToClose.median),
            note: `${r.overall.actionItems.closedInWindow} closed in the window`,
          },
        ]}
      />
      {below.length > 0 && (
        <p className="ins-callout" data-testid="learning-below-target">
          Below the {pct(r.target)} target:{' '}
          {below.map((t, i) => (
            <span key={t.teamId}>
              {i > 0 && ', '}
              {t.name} ({pct(t.completion.rate)}, {t.completion.completed} of {t.completion.eligible})
            </span>
          ))}
          . The <Link to="/postmortems/insights">post-mortem insights</Link> list what is missing.
        </p>
      )}
    </Card>
  );
}

function LearningView({ r }: { r: LearningReport }) {
  // The factors list names incidents by id only: read the recent incidents' titles once, so each link says which
  // incident it is (an incident older than the newest 500 keeps a numbered link).
  const recent = useApi<{ incidents: { id: string; title: string }[] }>(
    r.factors.length > 0 ? '/api/incidents?status=all&limit=500' : null,
  );
  const titles = new Map((recent.data?.incidents ?? []).map((i) => [i.id, i.title] as const));
  const x = bucketTimes(r.buckets);
  const week = r.bucket === 'week' ? 'Week of' : 'Month of';
  const factors = r.factors.filter((f) => f.count > 0).sort((a, b) => b.count - a.count);
  return (
    <>
      <CompletionHeadline r={r} />
      <ChartCard
        title="Completion over time"
        description={`P1/P2 incidents resolved in each ${r.bucket} with a published post-mortem, against the ${pct(r.target)} target.`}
        chart={
          <TimeChart
            timeZone={r.timeZone}
            partialFrom={Date.parse(r.filter.to)}
            title="Post-mortem completion over time"
            x={x}
            unit="ratio"
            series={[
              { label: 'Completion', values: r.buckets.map((b) => b.completion.rate) },
              { label: 'Target', values: r.buckets.map(() => r.target) },
            ]}
          />
        }
        columns={[
          { key: 'start', label: week },
          { key: 'eligible', label: 'P1/P2 due' },
          { key: 'completed', label: 'Published' },
          { key: 'rate', label: 'Completion (%)' },
        ]}
        rows={r.buckets.map((b) => ({
          start: bucketDate(b.start, r.timeZone),
          eligible: b.completion.eligible,
          completed: b.completion.completed,
          rate: inPercent(b.completion.rate),
        }))}
        csvName="postmortem-completion-over-time.csv"
      />
      <ChartCard
        title="Action items opened and closed"
        chart={
          <TimeChart
            timeZone={r.timeZone}
            partialFrom={Date.parse(r.filter.to)}
            title="Action items opened and closed"
            x={x}
            unit="count"
            series={[
              { label: 'Opened', values: r.buckets.map((b) => b.actionItemsOpened) },
              { label: 'Closed', values: r.buckets.map((b) => b.actionItemsClosed) },
            ]}
          />
        }
        columns={[
          { key: 'start', label: week },
          { key: 'opened', label: 'Opened' },
          { key: 'closed', label: 'Closed' },
        ]}
        rows={r.buckets.map((b) => ({
          start: bucketDate(b.start, r.timeZone),
          opened: b.actionItemsOpened,
          closed: b.actionItemsClosed,
        }))}
        csvName="action-items-over-time.csv"
      />
      {r.byTeam.length > 0 && (
        <ChartCard
          title="By team"
          description="Completion per team, post-mortems overdue and action items. An incident counts for each team that owns one of its services."
          chart={
            <BarChart
              title="Post-mortem completion per team"
              categories={r.byTeam.map((t) => t.name)}
              unit="ratio"
              series={[{ label: 'Completion', values: r.byTeam.map((t) => t.completion.rate) }]}
            />
          }
          columns={[
            { key: 'team', label: 'Team' },
            { key: 'rate', label: 'Completion (%)' },
            { key: 'belowTarget', label: 'Below target' },
            { key: 'published', label: 'Published' },
            { key: 'eligible', label: 'P1/P2 due' },
            { key: 'overdue', label: 'Post-mortems overdue' },
            { key: 'open', label: 'Action items open' },
            { key: 'itemsOverdue', label: 'Action items overdue' },
            { key: 'closed', label: 'Closed in window' },
            { key: 'medianToClose', label: 'Median time to close (days)' },
            { key: 'p90ToClose', label: 'p90 time to close (days)' },
          ]}
          rows={r.byTeam.map((t) => ({
            team: t.name,
            rate: inPercent(t.completion.rate),
            belowTarget: t.completion.belowTarget ? 'yes' : 'no',
            published: t.completion.completed,
            eligible: t.completion.eligible,
            overdue: t.postmortemsOverdue,
            open: t.actionItems.open,
            itemsOverdue: t.actionItems.overdue,
            closed: t.actionItems.closedInWindow,
            medianToClose: inDays(t.actionItems.timeToClose.median),
            p90ToClose: inDays(t.actionItems.timeToClose.p90),
          }))}
          csvName="learning-by-team.csv"
        />
      )}
      {r.byTeam.length > 0 && (
        <ChartCard
          title="Action items per team"
          chart={
            <BarChart
              title="Action items open and overdue per team"
              categories={r.byTeam.map((t) => t.name)}
              unit="count"
              series={[
                { label: 'Open', values: r.byTeam.map((t) => t.actionItems.open) },
                { label: 'Overdue', values: r.byTeam.map((t) => t.actionItems.overdue) },
              ]}
            />
          }
          columns={[
            { key: 'team', label: 'Team' },
            { key: 'open', label: 'Open' },
            { key: 'overdue', label: 'Overdue' },
            { key: 'closed', label: 'Closed in window' },
            { key: 'medianToClose', label: 'Median time to close (days)' },
          ]}
          rows={r.byTeam.map((t) => ({
            team: t.name,
            open: t.actionItems.open,
            overdue: t.actionItems.overdue,
            closed: t.actionItems.closedInWindow,
            medianToClose: inDays(t.actionItems.timeToClose.median),
          }))}
          csvName="action-items-per-team.csv"
        />
      )}
      {factors.length === 0 ? (
        <Card title="Contributing factors">
          <p className="empty">
            No post-mortem in this window names a contributing factor yet. Factors are tagged in each post-mortem&apos;s
            analysis section.
          </p>
        </Card>
      ) : (
        <>
          <ChartCard
            title="Contributing factors"
            description="How many post-mortems name each factor: what keeps causing incidents."
            chart={
              <BarChart
                title="Contributing factors"
                categories={factors.map((f) => f.name)}
                unit="count"
                series={[{ label: 'Post-mortems', values: factors.map((f) => f.count) }]}
              />
            }
            columns={[
              { key: 'name', label: 'Factor' },
              { key: 'count', label: 'Post-mortems' },
            ]}
            rows={factors.map((f) => ({ name: f.name, count: f.count }))}
            csvName="contributing-factors.csv"
          />
          <Card title="Incidents per factor">
            <ul className="plain-list ins-factor-list" data-testid="learning-factors">
              {factors.map((f) => (
                // One flowing line of text (not the list's flex row, which squeezed the factor's name to a column).
                <li key={f.id} style={{ display: 'block' }}>
                  <strong style={{ whiteSpace: 'nowrap' }}>{f.name}</strong>{' '}
                  <span className="muted small">({f.count})</span>{' '}
                  {f.incidentIds.map((id, i) => (
                    <span key={id}>
                      {i > 0 && ' · '}
                      <Link to={`/incidents/${id}`} aria-label={`${f.name}: ${titles.get(id) ?? `incident ${i + 1}`}`}>
                        {titles.get(id) ?? `incident ${i + 1}`}
                      </Link>
                    </span>
                  ))}
                  {f.count > f.incidentIds.length && (
                    <span className="muted small"> and {f.count - f.incidentIds.length} more</span>
                  )}
                </li>
              ))}
            </ul>
          </Card>
        </>
      )}
    </>
  );
}

export function LearningInsightsPage() {
  const { qs, bar } = useInsightsFilters(['team', 'bucket', 'kinds']);
  const report = useApi<LearningReport>(`/api/insights/learning${qs}`);
  return (
    <>
      <PageHeader
        title="Learning"
        subtitle="Whether incidents get a post-mortem and their action items get done: the P1/P2 completion rate against 90%, what is overdue, and the contributing factors that keep coming up."
      />
      <InsightsTabs />
      {bar}
      <Loadable
        resource={report}
        what="the learning figures"
        isEmpty={isEmpty}
        empty="Nothing to show in this window: the figures fill in as P1/P2 incidents are resolved and their post-mortems and action items are written."
      >
        {(r) => <LearningView r={r} />}
      </Loadable>
    </>
  );
}
