/**
 * Noisy rules: which alert rules page people for nothing. Worst first, from the responders' own judgements
 * (actionable / not actionable / false positive) given when resolving.
 */
import { useState } from 'react';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { ApiError, query } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { formatTime } from '../../lib/format.js';
import { useApi } from '../../lib/use-api.js';
import { useServiceNames } from './list.js';
import type { QualityStats, RuleQuality, Service, ServiceQuality } from './types.js';

const WINDOWS = [
  { value: '7d', label: 'Last 7 days' },
  { value: '28d', label: 'Last 28 days' },
  { value: '90d', label: 'Last 90 days' },
];

export const NOISE_THRESHOLD = 0.2;

export function percent(x: number | null): string {
  return x === null ? '—' : `${Math.round(x * 100)}%`;
}

export function seconds(s: number | null): string {
  if (s === null) return '—';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round((s / 3600) * 10) / 10} h`;
}

function NoiseBar({ stats }: { stats: QualityStats }) {
  const share = stats.noiseShare;
  return (
    <span className="nowrap">
      <span className={stats.isNoisy ? 'bar bar-bad' : 'bar'} aria-hidden="true">
        <span style={{ width: `${Math.round((share ?? 0) * 100)}%` }} />
      </span>
      <strong>{percent(share)}</strong>
    </span>
  );
}

function Judged({ stats }: { stats: QualityStats }) {
  return (
    <span className="small nowrap" title="actionable / not actionable / false positive">
      <span className="q-good">{stats.actionable}</span> / <span className="q-warn">{stats.notActionable}</span> /{' '}
      <span className="q-bad">{stats.falsePositive}</span>
    </span>
  );
}

const noiseColumn = <T extends QualityStats>(): Column<T> => ({
  id: 'noise',
  header: 'Noise share',
  sortValue: (r) => r.noiseShare,
  cell: (r) => <NoiseBar stats={r} />,
});

const SERVICE_COLUMNS: Column<ServiceQuality>[] = [
  {
    id: 'service',
    header: 'Service',
    sortValue: (s) => s.serviceName.toLowerCase(),
    cell: (s) => (
      <>
        <Link to={`/services/${encodeURIComponent(s.serviceSlug)}`} className="strong">
          {s.serviceName}
        </Link>{' '}
        {s.isNoisy && <Badge tone="bad">noisy</Badge>}
      </>
    ),
  },
  { id: 'pages', header: 'Pages', align: 'num', sortValue: (s) => s.pages, cell: (s) => s.pages },
  {
    id: 'judged',
    header: 'Judged',
    align: 'num',
    hideOnPhone: true,
    sortValue: (s) => s.classified,
    cell: (s) => s.classified,
  },
  noiseColumn(),
  {
    id: 'tta',
    header: 'Time to ack',
    align: 'num',
    sortValue: (s) => s.ttaMedianSeconds,
    cell: (s) => seconds(s.ttaMedianSeconds),
  },
  {
    id: 'noisyRules',
    header: 'Noisy rules',
    className: 'small mono',
    cell: (s) => s.noisyRules.join(', ') || <span className="muted">none</span>,
  },
];

function ruleColumns(services: Map<string, Service>): Column<RuleQuality>[] {
  return [
    {
      id: 'rule',
      header: 'Rule',
      sortValue: (r) => r.ruleKey,
      cell: (r) => (
        <>
          <Link to={`/alerts${query({ status: 'all', q: r.ruleKey })}`} className="mono strong">
            {r.ruleKey}
          </Link>{' '}
          {r.isNoisy && <Badge tone="bad">noisy</Badge>}
        </>
      ),
    },
    {
      id: 'services',
      header: 'Services',
      className: 'small',
      cell: (r) =>
        r.serviceIds.map((id, i) => {
          const s = services.get(id);
          return (
            <span key={id}>
              {i > 0 && ', '}
              {s ? <Link to={`/services/${encodeURIComponent(s.slug)}`}>{s.name}</Link> : id}
            </span>
          );
        }),
    },
    { id: 'alerts', header: 'Alerts', align: 'num', sortValue: (r) => r.alerts, cell: (r) => r.alerts },
    { id: 'pages', header: 'Pages', align: 'num', sortValue: (r) => r.pages, cell: (r) => r.pages },
    {
      id: 'judged',
      header: 'Judged',
      align: 'num',
      hideOnPhone: true,
      sortValue: (r) => r.classified,
      cell: (r) => r.classified,
    },
    { id: 'split', header: 'A / NA / FP', hideOnPhone: true, cell: (r) => <Judged stats={r} /> },
    noiseColumn(),
    {
      id: 'tta',
      header: 'Time to ack',
      align: 'num',
      className: 'nowrap',
      sortValue: (r) => r.ttaMedianSeconds,
      cell: (r) => (
        <>
          {seconds(r.ttaMedianSeconds)}
          {r.ttaP90Seconds !== null && <span className="muted small"> ({seconds(r.ttaP90Seconds)})</span>}
        </>
      ),
    },
  ];
}

export function AlertQualityPage() {
  const user = useUser();
  const [period, setPeriod] = useState('28d');
  const rules = useApi<{ since: string; until: string; rules: RuleQuality[] }>(
    `/api/alert-quality/rules${query({ window: period })}`,
  );
  const perService = useApi<{ services: ServiceQuality[] }>(`/api/alert-quality/services${query({ window: period })}`);
  const services = useServiceNames();
  const missing = rules.error instanceof ApiError && rules.error.status === 404;

  const noisy = rules.data?.rules.filter((r) => r.isNoisy).length ?? 0;
  return (
    <>
      <PageHeader
        title="Noisy rules"
        subtitle="Which alert rules wake people for nothing, from the judgements responders give when they resolve."
        actions={
          <select aria-label="Period" value={period} onChange={(e) => setPeriod(e.target.value)}>
            {WINDOWS.map((w) => (
              <option key={w.value} value={w.value}>
                {w.label}
              </option>
            ))}
          </select>
        }
      />
      <div className="banner banner-info standard" role="note">
        <span>
          A rule is flagged <Badge tone="bad">noisy</Badge> when more than {NOISE_THRESHOLD * 100}% of its judged pages
          were false positives or not actionable — the standard Muster was built on: “If more than 20% of pages are
          false positives or non-actionable, your alerting needs work.”
        </span>
      </div>
      {missing ? (
        <div className="banner banner-info">This server does not report alert quality yet.</div>
      ) : (
        <>
          <Card
            title={
              rules.data
                ? `Rules, worst first · ${formatTime(rules.data.since, user.timezone)} to ${formatTime(rules.data.until, user.timezone)}`
                : 'Rules, worst first'
            }
          >
            <Loadable
              resource={rules}
              what="alert quality"
              isEmpty={(d) => d.rules.length === 0}
              empty="No alerts in this period."
            >
              {(d) => (
                <>
                  <p className={noisy ? 'strong' : 'muted'}>
                    {noisy === 0
                      ? 'No rule is above the noise threshold.'
                      : `${noisy} ${noisy === 1 ? 'rule is' : 'rules are'} above the noise threshold: tune, fix or delete ${noisy === 1 ? 'it' : 'them'}.`}
                  </p>
                  <DataTable
                    label="Alert rules"
                    dense
                    columns={ruleColumns(services)}
                    rows={d.rules}
                    rowKey={(r) => r.ruleKey + r.serviceIds.join()}
                    rowClassName={(r) => (r.isNoisy ? 'row-noisy' : undefined)}
                  />
                </>
              )}
            </Loadable>
          </Card>
          <Card title="Services">
            <Loadable
              resource={perService}
              what="services"
              isEmpty={(d) => d.services.length === 0}
              empty="No alerts in this period."
            >
              {(d) => (
                <DataTable
                  label="Services by noise"
                  dense
                  columns={SERVICE_COLUMNS}
                  rows={d.services}
                  rowKey={(s) => s.serviceId}
                />
              )}
            </Loadable>
          </Card>
        </>
      )}
    </>
  );
}
