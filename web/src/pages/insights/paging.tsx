/**
 * Insights: Paging (issue 12 item 2, docs/insights.md "Paging"). Pages sent to people by escalation over time, how
 * many came outside working hours or during sleep (on-call health's definitions, in each person's own time zone),
 * time to acknowledge per person, rotation and service, and pages per on-call week. Every row drills down to its
 * pages (GET /api/insights/paging/pages).
 */
import { useState, type ReactNode } from 'react';
import { BarChart, TimeChart, formatValue } from '../../components/chart.js';
import { Tabs } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { bucketDate, ChartCard, InsightsTabs, useInsightsFilters, type InsightsQuery } from './shared.js';
import type { Stats } from './shared.js';

/** A statistic as every insights route returns it; null figures when count is 0. */

/** `qs` from useInsightsFilters ('?from=…' or '') with more parameters appended. */
export function withQuery(qs: string, extra: Record<string, string | undefined>): string {
  const more = query(extra).slice(1);
  if (!more) return qs;
  return qs ? `${qs}&${more}` : `?${more}`;
}

/** Epoch ms of each bucket start, for TimeChart's x. */
export const bucketTimes = (buckets: { start: string }[]): number[] => buckets.map((b) => Date.parse(b.start));

/** Table and CSV figures are numbers (so they sort and add up in a spreadsheet), in the unit their column names. */
const round1 = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
export const inMinutes = (seconds: number | null): number | null => round1(seconds === null ? null : seconds / 60);
export const inDays = (seconds: number | null): number | null => round1(seconds === null ? null : seconds / 86_400);
export const inPercent = (ratio: number | null): number | null => round1(ratio === null ? null : ratio * 100);

/** The headline numbers above a page's charts. */
export function Figures({
  items,
}: {
  items: { label: string; value: ReactNode; note?: ReactNode; testId?: string }[];
}) {
  return (
    <dl className="ins-figures">
      {items.map((f) => (
        <div key={f.label} className="ins-figure">
          <dt className="muted small">{f.label}</dt>
          <dd className="ins-figure-value" data-testid={f.testId}>
            {f.value}
          </dd>
          {f.note ? <dd className="muted small">{f.note}</dd> : null}
        </div>
      ))}
    </dl>
  );
}

interface Counts {
  pages: number;
  acknowledged: number;
  timeToAck: Stats;
}
interface PersonRow extends Counts {
  userId: string;
  name: string;
  outsideWorkingHours: number;
  duringSleep: number;
  onCallWeeks: number;
  pagesPerOnCallWeek: number | null;
}
interface RotationRow extends Counts {
  scheduleId: string;
  name: string;
  onCallWeeks: number;
  pagesPerOnCallWeek: number | null;
}
interface ServiceRow extends Counts {
  serviceId: string;
  name: string;
}
interface PagingReport {
  /** The window's end (a bucket it cuts is partial on the chart). */
  filter: { to: string };
  bucket: 'week' | 'month';
  timeZone: string;
  overall: Counts & { outsideWorkingHours: number; duringSleep: number };
  byPerson: PersonRow[];
  byRotation: RotationRow[];
  byService: ServiceRow[];
  buckets: { start: string; pages: number; outsideWorkingHours: number; duringSleep: number; timeToAck: Stats }[];
}
interface Page {
  at: string;
  userId: string;
  userName: string;
  serviceId: string | null;
  serviceName: string | null;
  alertId: string;
  alertTitle: string;
  incidentId: string | null;
  acknowledgedAt: string | null;
  timeToAckSeconds: number | null;
  outsideWorkingHours: boolean;
  duringSleep: boolean;
}

/** What a drill-down shows: the pages of one person, rotation or service. */
interface Drill {
  what: string;
  params: { userId?: string; scheduleId?: string; serviceId?: string };
}

type Group = 'person' | 'rotation' | 'service';
const GROUPS = [
  { key: 'person', text: 'Person' },
  { key: 'rotation', text: 'Rotation' },
  { key: 'service', text: 'Service' },
] as const;

const secs = (v: number | null) => formatValue(v, 'seconds');
const perWeek = (v: number | null) => (v === null ? '—' : v.toFixed(1));

/** Columns every group shares: pages, time to acknowledge (median and p90), and the drill-down. */
function countColumns<T extends Counts>(
  name: (r: T) => string,
  drill: (r: T) => void,
  extra: Column<T>[] = [],
): Column<T>[] {
  return [
    { id: 'name', header: 'Name', className: 'strong', sortValue: (r) => name(r).toLowerCase(), cell: name },
    { id: 'pages', header: 'Pages', align: 'num', sortValue: (r) => r.pages, cell: (r) => r.pages },
    {
      id: 'median',
      header: 'Median to ack',
      align: 'num',
      sortValue: (r) => r.timeToAck.median,
      cell: (r) => secs(r.timeToAck.median),
    },
    {
      id: 'p90',
      header: 'p90 to ack',
      align: 'num',
      sortValue: (r) => r.timeToAck.p90,
      cell: (r) => secs(r.timeToAck.p90),
    },
    ...extra,
    {
      id: 'drill',
      header: 'Pages',
      headerHidden: true,
      align: 'actions',
      cell: (r) =>
        r.pages > 0 ? (
          <button type="button" className="btn btn-small" onClick={() => drill(r)} aria-label={`Pages of ${name(r)}`}>
            Show pages
          </button>
        ) : null,
    },
  ];
}

/** Pages per on-call week (the on-call weeks and the rest are in the chart cards' tables and CSVs). */
function weekColumns<T extends { pagesPerOnCallWeek: number | null }>(): Column<T>[] {
  return [
    {
      id: 'perWeek',
      header: 'Per on-call week',
      align: 'num',
      sortValue: (r) => r.pagesPerOnCallWeek,
      cell: (r) => perWeek(r.pagesPerOnCallWeek),
    },
  ];
}

function TimeToAck({ r, onDrill }: { r: PagingReport; onDrill: (d: Drill) => void }) {
  const [group, setGroup] = useState<Group>('person');
  const person = countColumns<PersonRow>(
    (p) => p.name,
    (p) => onDrill({ what: p.name, params: { userId: p.userId } }),
    [
      {
        id: 'sleep',
        header: 'During sleep',
        align: 'num',
        sortValue: (p) => p.duringSleep,
        cell: (p) => (p.duringSleep > 0 ? <Badge tone="warn">{p.duringSleep}</Badge> : 0),
      },
      ...weekColumns<PersonRow>(),
    ],
  );
  const rotation = countColumns<RotationRow>(
    (s) => s.name,
    (s) => onDrill({ what: s.name, params: { scheduleId: s.scheduleId } }),
    weekColumns<RotationRow>(),
  );
  const service = countColumns<ServiceRow>(
    (s) => s.name,
    (s) => onDrill({ what: s.name, params: { serviceId: s.serviceId } }),
  );
  return (
    <Card title="Time to acknowledge" className="card-flush">
      <p className="muted small ins-card-note">
        From each page being sent to its alert being acknowledged, by anyone. Pages never acknowledged count as pages
        but not in the times.
      </p>
      <Tabs label="Group by" options={GROUPS} value={group} onChange={setGroup} />
      {group === 'person' &&
        (r.byPerson.length ? (
          <DataTable
            label="Time to acknowledge per person"
            columns={person}
            rows={r.byPerson}
            rowKey={(p) => p.userId}
            initialSort={{ id: 'pages', desc: true }}
            testId="paging-person"
          />
        ) : (
          <p className="empty">Nobody was paged in this window.</p>
        ))}
      {group === 'rotation' &&
        (r.byRotation.length ? (
          <DataTable
            label="Time to acknowledge per rotation"
            columns={rotation}
            rows={r.byRotation}
            rowKey={(s) => s.scheduleId}
            initialSort={{ id: 'pages', desc: true }}
            testId="paging-rotation"
          />
        ) : (
          <p className="empty">No page in this window came through an on-call rotation.</p>
        ))}
      {group === 'service' &&
        (r.byService.length ? (
          <DataTable
            label="Time to acknowledge per service"
            columns={service}
            rows={r.byService}
            rowKey={(s) => s.serviceId}
            initialSort={{ id: 'pages', desc: true }}
            testId="paging-service"
          />
        ) : (
          <p className="empty">No page in this window was for an alert on a service.</p>
        ))}
    </Card>
  );
}

const PAGE_COLUMNS: Column<Page>[] = [
  { id: 'at', header: 'Sent', className: 'nowrap', sortValue: (p) => p.at, cell: (p) => formatTime(p.at) },
  { id: 'person', header: 'Person', sortValue: (p) => p.userName.toLowerCase(), cell: (p) => p.userName },
  {
    id: 'alert',
    header: 'Alert',
    cell: (p) => (
      <>
        <Link to={`/alerts/${p.alertId}`}>{p.alertTitle}</Link>
        {p.incidentId && (
          <>
            {' · '}
            <Link to={`/incidents/${p.incidentId}`}>incident</Link>
          </>
        )}
      </>
    ),
  },
  { id: 'service', header: 'Service', hideOnPhone: true, cell: (p) => p.serviceName ?? '—' },
  {
    id: 'tta',
    header: 'Time to ack',
    align: 'num',
    sortValue: (p) => p.timeToAckSeconds,
    cell: (p) => (p.acknowledgedAt ? secs(p.timeToAckSeconds) : <Badge tone="warn">not acknowledged</Badge>),
  },
  {
    id: 'when',
    header: 'When',
    cell: (p) =>
      p.duringSleep ? (
        <Badge tone="warn">during sleep</Badge>
      ) : p.outsideWorkingHours ? (
        <Badge>outside working hours</Badge>
      ) : (
        ''
      ),
  },
];

function PagesList({ filters, drill, onClose }: { filters: InsightsQuery; drill: Drill; onClose: () => void }) {
  // The drill-down's `bucket` is a bucket's start, not the unit: pass the filters without it.
  const { from, to, teamId, serviceId } = filters;
  const pages = useApi<{ pages: Page[]; truncated: boolean }>(
    `/api/insights/paging/pages${query({ from, to, teamId, serviceId, ...drill.params })}`,
  );
  return (
    <Card
      title={
        <span className="card-title-row">
          <span>Pages: {drill.what}</span>
          <button type="button" className="btn btn-small btn-ghost" onClick={onClose}>
            Close
          </button>
        </span>
      }
      className="card-flush ins-drill"
    >
      <Loadable resource={pages} what="pages" isEmpty={(d) => d.pages.length === 0} empty="No pages in this window.">
        {(d) => (
          <>
            {d.truncated && (
              <p className="muted small ins-card-note">The newest 500 pages; narrow the window to see older ones.</p>
            )}
            <DataTable
              label={`Pages: ${drill.what}`}
              columns={PAGE_COLUMNS}
              rows={d.pages}
              rowKey={(p) => `${p.at}-${p.userId}-${p.alertId}`}
              dense
              testId="paging-pages"
            />
          </>
        )}
      </Loadable>
    </Card>
  );
}

function PagingReportView({ r, filters }: { r: PagingReport; filters: InsightsQuery }) {
  const [drill, setDrill] = useState<Drill | null>(null);
  const o = r.overall;
  const share = (n: number) => (o.pages ? formatValue(n / o.pages, 'ratio') : '—');
  const bucketRows = r.buckets.map((b) => ({
    start: bucketDate(b.start, r.timeZone),
    pages: b.pages,
    outsideWorkingHours: b.outsideWorkingHours,
    duringSleep: b.duringSleep,
    medianToAck: inMinutes(b.timeToAck.median),
    p90ToAck: inMinutes(b.timeToAck.p90),
  }));
  const people = [...r.byPerson].sort((a, b) => b.pages - a.pages);
  const rotations = r.byRotation.filter((s) => s.pagesPerOnCallWeek !== null);
  return (
    <>
      <Figures
        items={[
          { label: 'Pages', value: o.pages, note: `${o.acknowledged} acknowledged`, testId: 'paging-pages-total' },
          { label: 'Outside working hours', value: o.outsideWorkingHours, note: share(o.outsideWorkingHours) },
          { label: 'During sleep', value: o.duringSleep, note: share(o.duringSleep) },
          {
            label: 'Median time to acknowledge',
            value: secs(o.timeToAck.median),
            note: `p90 ${secs(o.timeToAck.p90)}`,
            testId: 'paging-tta-median',
          },
        ]}
      />
      <ChartCard
        title={`Pages per ${r.bucket}`}
        description={`Weeks and months start in ${r.timeZone}. Outside working hours and during sleep are in each person's own time zone (Mon–Fri 09:00–17:00 working, 23:00–07:00 sleep).`}
        chart={
          <TimeChart
            timeZone={r.timeZone}
            partialFrom={Date.parse(r.filter.to)}
            title={`Pages per ${r.bucket}`}
            x={bucketTimes(r.buckets)}
            unit="count"
            series={[
              { label: 'Pages', values: r.buckets.map((b) => b.pages) },
              { label: 'Outside working hours', values: r.buckets.map((b) => b.outsideWorkingHours) },
              { label: 'During sleep', values: r.buckets.map((b) => b.duringSleep) },
            ]}
          />
        }
        columns={[
          { key: 'start', label: r.bucket === 'week' ? 'Week of' : 'Month of' },
          { key: 'pages', label: 'Pages' },
          { key: 'outsideWorkingHours', label: 'Outside working hours' },
          { key: 'duringSleep', label: 'During sleep' },
          { key: 'medianToAck', label: 'Median to ack (min)' },
          { key: 'p90ToAck', label: 'p90 to ack (min)' },
        ]}
        rows={bucketRows}
        csvName="paging-over-time.csv"
      />
      <ChartCard
        title="Pages per person"
        chart={
          <BarChart
            title="Pages per person"
            categories={people.map((p) => p.name)}
            unit="count"
            series={[
              { label: 'Pages', values: people.map((p) => p.pages) },
              { label: 'During sleep', values: people.map((p) => p.duringSleep) },
            ]}
          />
        }
        columns={[
          { key: 'name', label: 'Person' },
          { key: 'pages', label: 'Pages' },
          { key: 'acknowledged', label: 'Acknowledged' },
          { key: 'outsideWorkingHours', label: 'Outside working hours' },
          { key: 'duringSleep', label: 'During sleep' },
          { key: 'medianToAck', label: 'Median to ack (min)' },
          { key: 'p90ToAck', label: 'p90 to ack (min)' },
          { key: 'onCallWeeks', label: 'On-call weeks' },
          { key: 'pagesPerOnCallWeek', label: 'Pages per on-call week' },
        ]}
        rows={people.map((p) => ({
          name: p.name,
          pages: p.pages,
          acknowledged: p.acknowledged,
          outsideWorkingHours: p.outsideWorkingHours,
          duringSleep: p.duringSleep,
          medianToAck: inMinutes(p.timeToAck.median),
          p90ToAck: inMinutes(p.timeToAck.p90),
          onCallWeeks: p.onCallWeeks,
          pagesPerOnCallWeek: round1(p.pagesPerOnCallWeek),
        }))}
        csvName="paging-per-person.csv"
      />
      <ChartCard
        title="Pages per on-call week, per rotation"
        description="Pages through the rotation divided by the weeks someone was on call in it."
        chart={
          <BarChart
            title="Pages per on-call week, per rotation"
            categories={rotations.map((s) => s.name)}
            unit="count"
            series={[{ label: 'Pages per on-call week', values: rotations.map((s) => s.pagesPerOnCallWeek) }]}
          />
        }
        columns={[
          { key: 'name', label: 'Rotation' },
          { key: 'pages', label: 'Pages' },
          { key: 'onCallWeeks', label: 'On-call weeks' },
          { key: 'pagesPerOnCallWeek', label: 'Pages per on-call week' },
          { key: 'medianToAck', label: 'Median to ack (min)' },
          { key: 'p90ToAck', label: 'p90 to ack (min)' },
        ]}
        rows={r.byRotation.map((s) => ({
          name: s.name,
          pages: s.pages,
          onCallWeeks: s.onCallWeeks,
          pagesPerOnCallWeek: round1(s.pagesPerOnCallWeek),
          medianToAck: inMinutes(s.timeToAck.median),
          p90ToAck: inMinutes(s.timeToAck.p90),
        }))}
        csvName="paging-per-rotation.csv"
      />
      <TimeToAck r={r} onDrill={setDrill} />
      {drill && (
        <PagesList key={JSON.stringify(drill.params)} filters={filters} drill={drill} onClose={() => setDrill(null)} />
      )}
    </>
  );
}

export function PagingInsightsPage() {
  const { query: filters, qs, bar } = useInsightsFilters(['team', 'service', 'bucket']);
  const report = useApi<PagingReport>(`/api/insights/paging${qs}`);
  return (
    <>
      <PageHeader
        title="Paging"
        subtitle={
          <>
            Pages sent to people by escalation: how many, when, and how fast they were acknowledged. For hours on call
            and compensation see <Link to="/oncall/health">On-call health</Link>.
          </>
        }
      />
      <InsightsTabs />
      {bar}
      <Loadable
        resource={report}
        what="paging"
        isEmpty={(d) => d.overall.pages === 0}
        empty="No pages were sent in this window. Pages appear here once an escalation policy notifies someone of an alert."
      >
        {(r) => <PagingReportView r={r} filters={filters} />}
      </Loadable>
    </>
  );
}
