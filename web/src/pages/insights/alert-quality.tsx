/**
 * Insights: Alert quality over time (issue 12 item 6, docs/insights.md "Alert quality"). The noisy share of judged
 * alerts per week or month, overall and for the worst rules or services (the same definition as /alert-quality,
 * which shows the current period in detail).
 */
import { TimeChart, formatValue } from '../../components/chart.js';
import { Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { Card, PageHeader } from '../../components/ui.js';
import { Link, useLocation } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { bucketLabel, bucketTimes, Figures, inPercent, withQuery } from './paging.js';
import { ChartCard, InsightsTabs, useInsightsFilters } from './shared.js';

type GroupBy = 'rule' | 'service';
interface Bucket {
  start: string;
  alerts: number;
  noisy: number;
  noisyShare: number | null;
}
interface QualityReport {
  bucket: 'week' | 'month';
  timeZone: string;
  groupBy: GroupBy;
  overall: { alerts: number; noisy: number; noisyShare: number | null; buckets: Bucket[] };
  series: {
    key: string;
    name: string;
    serviceIds: string[];
    alerts: number;
    noisy: number;
    noisyShare: number | null;
    buckets: Bucket[];
  }[];
}

const GROUPS = [
  { key: 'rule', text: 'Rules' },
  { key: 'service', text: 'Services' },
] as const;
const LIMIT = 10;
const DEFAULTS = { groupBy: 'rule' };
const pct = (v: number | null) => formatValue(v, 'ratio');

function QualityView({ r }: { r: QualityReport }) {
  const x = bucketTimes(r.overall.buckets);
  const week = r.bucket === 'week' ? 'Week of' : 'Month of';
  const what = r.groupBy === 'rule' ? 'rules' : 'services';
  return (
    <>
      <Figures
        items={[
          { label: 'Alerts', value: r.overall.alerts },
          { label: 'Noisy', value: r.overall.noisy },
          { label: 'Noisy share', value: pct(r.overall.noisyShare), testId: 'quality-noisy-share' },
        ]}
      />
      <ChartCard
        title="Noisy share over time"
        description={`The share of alerts judged not actionable or a false positive, per ${r.bucket}. Above 20% your alerting needs work.`}
        chart={
          <TimeChart
            title="Noisy share over time"
            x={x}
            unit="ratio"
            series={[{ label: 'Noisy share', values: r.overall.buckets.map((b) => b.noisyShare) }]}
          />
        }
        columns={[
          { key: 'start', label: week },
          { key: 'alerts', label: 'Alerts' },
          { key: 'noisy', label: 'Noisy' },
          { key: 'share', label: 'Noisy share (%)' },
        ]}
        rows={r.overall.buckets.map((b) => ({
          start: bucketLabel(b.start, r.timeZone),
          alerts: b.alerts,
          noisy: b.noisy,
          share: inPercent(b.noisyShare),
        }))}
        csvName="noisy-share-over-time.csv"
      />
      {r.series.length === 0 ? (
        <Card title={`Noisiest ${what}`}>
          <p className="empty">No alert in this window was judged noisy.</p>
        </Card>
      ) : (
        <ChartCard
          title={`Noisiest ${what}`}
          description={`The ${r.series.length} ${what} with the most noisy alerts in the window, their noisy share per ${r.bucket}.`}
          chart={
            <TimeChart
              title={`Noisy share of the noisiest ${what}`}
              x={x}
              unit="ratio"
              series={r.series.map((s) => ({ label: s.name, values: s.buckets.map((b) => b.noisyShare) }))}
            />
          }
          columns={[
            { key: 'name', label: r.groupBy === 'rule' ? 'Rule' : 'Service' },
            { key: 'alerts', label: 'Alerts' },
            { key: 'noisy', label: 'Noisy' },
            { key: 'share', label: 'Noisy share (%)' },
          ]}
          rows={r.series.map((s) => ({
            name: s.name,
            alerts: s.alerts,
            noisy: s.noisy,
            share: inPercent(s.noisyShare),
          }))}
          csvName={`noisiest-${what}.csv`}
        />
      )}
    </>
  );
}

export function AlertQualityInsightsPage() {
  const { qs, bar } = useInsightsFilters(['team', 'service', 'bucket']);
  const { search } = useLocation();
  const groupBy: GroupBy = search.get('groupBy') === 'service' ? 'service' : 'rule';
  const setFilters = useUrlFilters('/insights/alert-quality', DEFAULTS);
  const report = useApi<QualityReport>(
    `/api/insights/alert-quality${withQuery(qs, { groupBy, limit: String(LIMIT) })}`,
  );
  return (
    <>
      <PageHeader
        title="Alert quality"
        subtitle={
          <>
            Whether alerts are getting less noisy, week by week. For the current period rule by rule, see{' '}
            <Link to="/alert-quality">Noisy rules</Link>.
          </>
        }
      />
      <InsightsTabs />
      {bar}
      <Tabs label="Worst by" options={GROUPS} value={groupBy} onChange={(k) => setFilters({ groupBy: k })} />
      <Loadable
        resource={report}
        what="alert quality"
        isEmpty={(d) => d.overall.alerts === 0}
        empty="No alerts in this window. The noisy share fills in as responders judge alerts when they resolve them."
      >
        {(r) => <QualityView r={r} />}
      </Loadable>
    </>
  );
}
