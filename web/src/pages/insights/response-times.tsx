/**
 * Insights: response times (docs/insights.md "Response times"). MTTD, MTTA, MTTR and time to mitigate: the median
 * and p90 per week or month, the headline figures with how many incidents each covers, a table per severity,
 * service or team, and the incidents behind each figure (GET /api/insights/response-times/incidents).
 */
import { useMemo } from 'react';
import { TimeChart, formatValue } from '../../components/chart.js';
import { SelectFilter, Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { formatTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import {
  ChartCard,
  InsightsTabs,
  bucketDate,
  useInsightsFilters,
  useInsightsNames,
  type InsightsQuery,
} from './shared.js';
import type { Stats } from './shared.js';

type MetricKey = 'mttd' | 'mtta' | 'mttr' | 'mttm';
type Metrics = Record<MetricKey, Stats>;
type GroupBy = 'severity' | 'service' | 'team';

export interface ResponseTimes {
  filter: { from: string; to: string; kinds: string[] };
  groupBy: string;
  bucket: 'week' | 'month';
  timeZone: string;
  timeZoneSource: string;
  overall: Metrics;
  groups: { key: string; metrics: Metrics }[];
  buckets: { start: string; metrics: Metrics }[];
}

interface DrillIncident {
  id: string;
  title: string;
  severity: string;
  kind: string;
  declaredAt: string;
  from: string | null;
  until: string | null;
  durationSeconds: number;
}

const METRICS: { key: MetricKey; text: string; name: string; what: string }[] = [
  { key: 'mttd', text: 'MTTD', name: 'Time to detect', what: 'from impact started to detection' },
  {
    key: 'mtta',
    text: 'MTTA',
    name: 'Time to acknowledge',
    what: 'from the first alert firing to the first acknowledgement',
  },
  { key: 'mttr', text: 'MTTR', name: 'Time to resolve', what: 'from detection to resolution' },
  { key: 'mttm', text: 'Time to mitigate', name: 'Time to mitigate', what: 'from detection to mitigation' },
];
const GROUP_BYS = [
  { key: 'severity', text: 'Severity' },
  { key: 'service', text: 'Service' },
  { key: 'team', text: 'Team' },
] as const;
const DEFAULTS = { metric: 'mttr', groupBy: 'severity' };

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function ResponseTimesInsightsPage() {
  const { pathname, search } = useLocation();
  const set = useUrlFilters(pathname, DEFAULTS);
  const { qs, query: q, bar } = useInsightsFilters();
  const metric = METRICS.find((m) => m.key === search.get('metric')) ?? METRICS[2]!;
  const groupBy: GroupBy = GROUP_BYS.find((g) => g.key === search.get('groupBy'))?.key ?? 'severity';
  const group = search.get('group') ?? '';
  const week = search.get('week') ?? '';
  const names = useInsightsNames();
  const sep = qs ? '&' : '?';
  const report = useApi<ResponseTimes>(`/api/insights/response-times${qs}${sep}groupBy=${groupBy}`);

  return (
    <>
      <PageHeader
        title="Response times"
        subtitle="How long incidents take to detect, acknowledge, mitigate and resolve: the median and the slowest 10% (p90)."
      />
      <InsightsTabs />
      {bar}
      <Loadable
        resource={report}
        what="response times"
        isEmpty={(r) => METRICS.every((m) => r.overall[m.key].count === 0)}
        empty={
          <>
            <strong>No incidents in this window.</strong> Widen the window or clear a filter. MTTD needs “Impact
            started”: set it when you declare an incident or in its room.
          </>
        }
      >
        {(r) => (
          <>
            <Headline r={r} selected={metric.key} onSelect={(k) => set({ metric: k, group: '', week: '' })} />
            <OverTime r={r} metric={metric} />
            <GroupTable
              r={r}
              metric={metric}
              groupBy={groupBy}
              label={(k) => (groupBy === 'service' ? names.service(k) : groupBy === 'team' ? names.team(k) : k)}
              onGroupBy={(g) => set({ groupBy: g, group: '' })}
              onDrill={(k) => set({ group: k })}
              selected={group}
            />
            <Drill
              r={r}
              filters={q}
              metric={metric}
              groupBy={groupBy}
              group={group}
              groupLabel={groupBy === 'service' ? names.service(group) : groupBy === 'team' ? names.team(group) : group}
              week={week}
              onWeek={(w) => set({ week: w })}
              onClearGroup={() => set({ group: '' })}
            />
          </>
        )}
      </Loadable>
    </>
  );
}

function Headline({
  r,
  selected,
  onSelect,
}: {
  r: ResponseTimes;
  selected: MetricKey;
  onSelect: (k: MetricKey) => void;
}) {
  return (
    <div className="insights-figures" role="group" aria-label="Figures">
      {METRICS.map((m) => {
        const s = r.overall[m.key];
        return (
          <button
            key={m.key}
            type="button"
            className={m.key === selected ? 'insights-figure active' : 'insights-figure'}
            aria-pressed={m.key === selected}
            data-metric={m.key}
            onClick={() => onSelect(m.key)}
          >
            <span className="insights-figure-name">{m.text}</span>
            <span className="insights-figure-value" data-testid={`${m.key}-median`}>
              {formatValue(s.median, 'seconds')}
            </span>
            <span className="insights-figure-sub">
              median · p90{' '}
              <span className="nowrap" data-testid={`${m.key}-p90`}>
                {formatValue(s.p90, 'seconds')}
              </span>
            </span>
            <span className="insights-figure-sub" data-testid={`${m.key}-count`}>
              {s.count === 0 && m.key === 'mttd' ? 'No incident has Impact started' : plural(s.count, 'incident')}
            </span>
          </button>
        );
      })}
    </div>
  );
}

function OverTime({ r, metric }: { r: ResponseTimes; metric: (typeof METRICS)[number] }) {
  const unit = r.bucket === 'month' ? 'Month' : 'Week';
  const x = useMemo(() => r.buckets.map((b) => Date.parse(b.start)), [r]);
  const series = useMemo(
    () => [
      { label: 'Median', values: r.buckets.map((b) => b.metrics[metric.key].median) },
      { label: 'p90', values: r.buckets.map((b) => b.metrics[metric.key].p90) },
    ],
    [r, metric.key],
  );
  const rows = r.buckets.map((b) => {
    const s = b.metrics[metric.key];
    return {
      start: bucketDate(b.start, r.timeZone),
      count: s.count,
      median: formatValue(s.median, 'seconds'),
      p90: formatValue(s.p90, 'seconds'),
      medianSeconds: s.median,
      p90Seconds: s.p90,
    };
  });
  const zone = r.timeZoneSource === 'team' ? `${r.timeZone}, the team's zone` : r.timeZone;
  return (
    <ChartCard
      title={`${metric.name}${metric.text === metric.name ? '' : ` (${metric.text})`} by ${unit.toLowerCase()}`}
      description={`${metric.name}: ${metric.what}. ${unit}s start ${unit === 'Week' ? 'on Monday' : 'on the 1st'} in ${zone}. A gap is a ${unit.toLowerCase()} without incidents.`}
      chart={
        <TimeChart
          timeZone={r.timeZone}
          partialFrom={Date.parse(r.filter.to)}
          title={`${metric.name} by ${unit.toLowerCase()}: median and p90`}
          x={x}
          series={series}
          unit="seconds"
        />
      }
      columns={[
        { key: 'start', label: `${unit} of` },
        { key: 'count', label: 'Incidents' },
        { key: 'median', label: 'Median' },
        { key: 'p90', label: 'p90' },
        { key: 'medianSeconds', label: 'Median (seconds)', hideOnPhone: true },
        { key: 'p90Seconds', label: 'p90 (seconds)', hideOnPhone: true },
      ]}
      rows={rows}
      csvName={`${metric.key}-by-${unit.toLowerCase()}`}
    />
  );
}

interface GroupRow {
  key: string;
  name: string;
  s: Stats;
}

function GroupTable({
  r,
  metric,
  groupBy,
  label,
  onGroupBy,
  onDrill,
  selected,
}: {
  r: ResponseTimes;
  metric: (typeof METRICS)[number];
  groupBy: GroupBy;
  label: (key: string) => string;
  onGroupBy: (g: GroupBy) => void;
  onDrill: (key: string) => void;
  selected: string;
}) {
  const rows: GroupRow[] = r.groups.map((g) => ({ key: g.key, name: label(g.key), s: g.metrics[metric.key] }));
  const columns: Column<GroupRow>[] = [
    {
      id: 'name',
      header: GROUP_BYS.find((g) => g.key === groupBy)!.text,
      cell: (g) => g.name,
      sortValue: (g) => (groupBy === 'severity' ? g.key : g.name),
    },
    { id: 'count', header: 'Incidents', cell: (g) => g.s.count, sortValue: (g) => g.s.count, align: 'num' },
    {
      id: 'median',
      header: 'Median',
      cell: (g) => formatValue(g.s.median, 'seconds'),
      sortValue: (g) => g.s.median,
      align: 'num',
    },
    { id: 'p90', header: 'p90', cell: (g) => formatValue(g.s.p90, 'seconds'), sortValue: (g) => g.s.p90, align: 'num' },
    {
      id: 'mean',
      header: 'Mean',
      cell: (g) => formatValue(g.s.mean, 'seconds'),
      sortValue: (g) => g.s.mean,
      align: 'num',
      hideOnPhone: true,
    },
    {
      id: 'drill',
      header: 'Incidents behind it',
      headerHidden: true,
      align: 'actions',
      cell: (g) =>
        g.s.count > 0 ? (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            aria-pressed={selected === g.key}
            onClick={() => onDrill(g.key)}
          >
            Show incidents
          </button>
        ) : null,
    },
  ];
  return (
    <Card title={`${metric.name} by group`} className="card-flush insights-groups">
      <Tabs
        label="Group by"
        options={GROUP_BYS}
        value={groupBy}
        onChange={(g) => onGroupBy(g)}
        className="insights-groupby"
      />
      {rows.length === 0 ? (
        <p className="empty">No incidents in this window.</p>
      ) : (
        <DataTable
          label={`${metric.name} by ${groupBy}`}
          columns={columns}
          rows={rows}
          rowKey={(g) => g.key}
          initialSort={groupBy === 'severity' ? { id: 'name', desc: false } : { id: 'count', desc: true }}
          testId="response-groups"
        />
      )}
      {groupBy !== 'severity' && (
        <p className="muted small insights-note">
          An incident counts under each of its {groupBy === 'service' ? 'affected services' : 'services’ teams'}, so the
          groups can add up to more than the total.
        </p>
      )}
    </Card>
  );
}

function Drill({
  r,
  filters,
  metric,
  groupBy,
  group,
  groupLabel,
  week,
  onWeek,
  onClearGroup,
}: {
  r: ResponseTimes;
  filters: InsightsQuery;
  metric: (typeof METRICS)[number];
  groupBy: GroupBy;
  group: string;
  groupLabel: string;
  week: string;
  onWeek: (w: string) => void;
  onClearGroup: () => void;
}) {
  const unit = r.bucket === 'month' ? 'month' : 'week';
  // The figures' filters without `bucket`: here `bucket` is one bucket's start and `bucketUnit` the week or month.
  const params = new URLSearchParams({ metric: metric.key, groupBy, bucketUnit: r.bucket });
  for (const k of ['from', 'to', 'teamId', 'serviceId', 'severity', 'includeKinds'] as const) {
    const v = filters[k];
    if (v) params.set(k, v);
  }
  if (group) params.set('group', group);
  if (week) params.set('bucket', week);
  if (r.timeZoneSource === 'request') params.set('timeZone', r.timeZone);
  const list = useApi<{ incidents: DrillIncident[]; total: number; truncated: boolean }>(
    `/api/insights/response-times/incidents?${params}`,
  );
  const weeks = r.buckets
    .filter((b) => b.metrics[metric.key].count > 0)
    .map((b) => ({
      value: b.start,
      text: `${unit === 'week' ? 'Week of' : 'Month of'} ${bucketDate(b.start, r.timeZone)}`,
    }));
  const columns: Column<DrillIncident>[] = [
    {
      id: 'title',
      header: 'Incident',
      cell: (i) => (
        <>
          <Link to={`/incidents/${encodeURIComponent(i.id)}`}>{i.title}</Link>{' '}
          {i.kind !== 'real' && <Badge tone="info">{i.kind === 'drill' ? 'Drill' : 'Imported'}</Badge>}
        </>
      ),
      sortValue: (i) => i.title,
    },
    { id: 'severity', header: 'Severity', cell: (i) => i.severity, sortValue: (i) => i.severity },
    {
      id: 'declared',
      header: 'Declared',
      cell: (i) => formatTime(i.declaredAt),
      sortValue: (i) => i.declaredAt,
      hideOnPhone: true,
    },
    {
      id: 'duration',
      header: metric.text,
      cell: (i) => formatValue(i.durationSeconds, 'seconds'),
      sortValue: (i) => i.durationSeconds,
      align: 'num',
    },
  ];
  return (
    <Card title={`Incidents behind ${metric.text}`} className="card-flush insights-drill">
      <div className="insights-drill-head">
        <SelectFilter
          id="insights-drill-week"
          label={unit === 'week' ? 'Week' : 'Month'}
          all={`Every ${unit}`}
          value={weeks.some((w) => w.value === week) ? week : ''}
          options={weeks}
          onChange={onWeek}
        />
        {group && (
          <span className="insights-drill-group">
            {GROUP_BYS.find((g) => g.key === groupBy)!.text}: <strong>{groupLabel}</strong>{' '}
            <button type="button" className="btn btn-small btn-ghost" onClick={onClearGroup}>
              Show all
            </button>
          </span>
        )}
      </div>
      <Loadable
        resource={list}
        what="incidents"
        isEmpty={(d) => d.incidents.length === 0}
        empty={
          metric.key === 'mttd'
            ? 'No incident here has “Impact started”: set it when you declare an incident or in its room.'
            : `No incident here has ${metric.name.toLowerCase()} yet.`
        }
      >
        {(d) => (
          <>
            {d.truncated && (
              <p className="muted" data-testid="response-drill-truncated">
                The {d.incidents.length} longest of {d.total}.
              </p>
            )}
            <DataTable
              label={`Incidents behind ${metric.text}`}
              columns={columns}
              rows={d.incidents}
              rowKey={(i) => i.id}
              rowData={(i) => ({ 'data-incident-id': i.id })}
              testId="response-drill"
            />
          </>
        )}
      </Loadable>
    </Card>
  );
}
