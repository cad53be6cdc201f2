/**
 * Insights: Alert quality over time (issue 12 item 6, docs/insights.md "Alert quality"). The noisy share of judged
 * alerts per week or month, overall and for the worst rules or services (the same definition as /alert-quality,
 * which shows the current period in detail).
 */
import type { ReactNode } from 'react';
import { TimeChart, formatValue } from '../../components/chart.js';
import { Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { Card, PageHeader } from '../../components/ui.js';
import { Link, useLocation } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { bucketTimes, Figures, inPercent, withQuery } from './paging.js';
import { bucketDate, ChartCard, InsightsTabs, useInsightsFilters } from './shared.js';

type GroupBy = 'rule' | 'service';
interface Bucket {
  start: string;
  alerts: number;
  classified: number;
  noisy: number;
  noisyShare: number | null;
}
interface QualityReport {
  /** The window's end (a bucket it cuts is partial on the chart). */
  filter: { to: string };
  bucket: 'week' | 'month';
  timeZone: string;
  groupBy: GroupBy;
  overall: { alerts: number; classified: number; noisy: number; noisyShare: number | null; buckets: Bucket[] };
  series: {
    key: string;
    name: string;
    serviceIds: string[];
    alerts: number;
    classified: number;
    noisy: number;
    noisyShare: number | null;
    /** Above the noisy-rules view's threshold (20%) over the window. */
    isNoisy: boolean;
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

function noisyCount(r: QualityReport): string {
  const n = r.series.filter((s) => s.isNoisy).length;
  return n === 0 ? 'None is above 20% over the window.' : `${n} ${n === 1 ? 'is' : 'are'} above 20% over the window.`;
}

function QualityView({ r, toggle }: { r: QualityReport; toggle: ReactNode }) {
  const x = bucketTimes(r.overall.buckets);
  const week = r.bucket === 'week' ? 'Week of' : 'Month of';
  const what = r.groupBy === 'rule' ? 'rules' : 'services';
  return (
    <>
      <Figures
        items={[
          { label: 'Alerts', value: r.overall.alerts },
          { label: 'Judged', value: r.overall.classified, note: 'by responders when they resolved' },
          { label: 'Noisy', value: r.overall.noisy, note: 'not actionable or a false positive' },
          { label: 'Noisy share', value: pct(r.overall.noisyShare), testId: 'quality-noisy-share' },
        ]}
      />
      <ChartCard
        title="Noisy share over time"
        description={`Of the alerts judged in each ${r.bucket}, the share judged not actionable or a false positive. Above 20%, alerting needs work.`}
        chart={
          <TimeChart
            timeZone={r.timeZone}
            partialFrom={Date.parse(r.filter.to)}
            title="Noisy share over time"
            x={x}
            unit="ratio"
            series={[{ label: 'Noisy share', values: r.overall.buckets.map((b) => b.noisyShare) }]}
          />
        }
        columns={[
          { key: 'start', label: week },
          { key: 'alerts', label: 'Alerts' },
          { key: 'classified', label: 'Judged' },
          { key: 'noisy', label: 'Noisy' },
          { key: 'share', label: 'Noisy share (%)' },
        ]}
        rows={r.overall.buckets.map((b) => ({
          start: bucketDate(b.start, r.timeZone),
          alerts: b.alerts,
          classified: b.classified,
          noisy: b.noisy,
          share: inPercent(b.noisyShare),
        }))}
        csvName="noisy-share-over-time.csv"
      />
      {toggle}
      {r.series.length === 0 || r.overall.noisy === 0 ? (
        <Card title={`Noisiest ${what}`}>
          <p className="empty">No alert in this window was judged noisy.</p>
        </Card>
      ) : (
        <ChartCard
          title={`Noisiest ${what}`}
          description={`${r.series.length === 1 ? `The ${r.groupBy}` : `The ${r.series.length} ${what}`} with the most noisy alerts in the window, and the noisy share each ${r.bucket}. ${noisyCount(r)}`}
          chart={
            <TimeChart
              timeZone={r.timeZone}
              partialFrom={Date.parse(r.filter.to)}
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
      <Loadable
        resource={report}
        what="alert quality"
        isEmpty={(d) => d.overall.alerts === 0}
        empty="No alerts in this window. The noisy share fills in as responders judge alerts when they resolve them."
      >
        {(r) => (
          <QualityView
            r={r}
            toggle={
              <Tabs label="Noisiest by" options={GROUPS} value={groupBy} onChange={(k) => setFilters({ groupBy: k })} />
            }
          />
        )}
      </Loadable>
    </>
  );
}
