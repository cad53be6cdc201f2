/**
 * Noisy rules: which alert rules page people for nothing. Worst first, from the responders' own judgements
 * (actionable / not actionable / false positive) given when resolving.
 */
import { useState } from 'react';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { ApiError, query } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { formatTime } from '../../lib/format.js';
import { useApi } from '../../lib/use-api.js';
import { useServiceNames } from './list.js';
import type { QualityStats, RuleQuality, ServiceQuality } from './types.js';

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
            {rules.error ? (
              <LoadError error={rules.error} retry={rules.reload} />
            ) : !rules.data ? (
              <Loading what="Loading alert quality" />
            ) : rules.data.rules.length === 0 ? (
              <Empty>No alerts in this period.</Empty>
            ) : (
              <>
                <p className={noisy ? 'strong' : 'muted'}>
                  {noisy === 0
                    ? 'No rule is above the noise threshold.'
                    : `${noisy} ${noisy === 1 ? 'rule is' : 'rules are'} above the noise threshold: tune, fix or delete ${noisy === 1 ? 'it' : 'them'}.`}
                </p>
                <table className="table table-dense" aria-label="Alert rules">
                  <thead>
                    <tr>
                      <th>Rule</th>
                      <th>Services</th>
                      <th className="num">Alerts</th>
                      <th className="num">Pages</th>
                      <th className="num">Judged</th>
                      <th title="actionable / not actionable / false positive">A / NA / FP</th>
                      <th>Noise share</th>
                      <th className="num" title="Median time to acknowledge (90th percentile)">
                        Time to ack
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rules.data.rules.map((r) => (
                      <tr key={r.ruleKey + r.serviceIds.join()} className={r.isNoisy ? 'row-noisy' : ''}>
                        <td>
                          <Link to={`/alerts${query({ status: 'all', q: r.ruleKey })}`} className="mono strong">
                            {r.ruleKey}
                          </Link>{' '}
                          {r.isNoisy && <Badge tone="bad">noisy</Badge>}
                        </td>
                        <td className="small">
                          {r.serviceIds.map((id, i) => {
                            const s = services.get(id);
                            return (
                              <span key={id}>
                                {i > 0 && ', '}
                                {s ? <Link to={`/services/${encodeURIComponent(s.slug)}`}>{s.name}</Link> : id}
                              </span>
                            );
                          })}
                        </td>
                        <td className="num">{r.alerts}</td>
                        <td className="num">{r.pages}</td>
                        <td className="num">{r.classified}</td>
                        <td>
                          <Judged stats={r} />
                        </td>
                        <td>
                          <NoiseBar stats={r} />
                        </td>
                        <td className="num nowrap">
                          {seconds(r.ttaMedianSeconds)}
                          {r.ttaP90Seconds !== null && (
                            <span className="muted small"> ({seconds(r.ttaP90Seconds)})</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </Card>
          <Card title="Services">
            {perService.error ? (
              <LoadError error={perService.error} retry={perService.reload} />
            ) : !perService.data ? (
              <Loading what="Loading services" />
            ) : perService.data.services.length === 0 ? (
              <Empty>No alerts in this period.</Empty>
            ) : (
              <table className="table table-dense" aria-label="Services by noise">
                <thead>
                  <tr>
                    <th>Service</th>
                    <th className="num">Pages</th>
                    <th className="num">Judged</th>
                    <th>Noise share</th>
                    <th className="num">Time to ack</th>
                    <th>Noisy rules</th>
                  </tr>
                </thead>
                <tbody>
                  {perService.data.services.map((s) => (
                    <tr key={s.serviceId}>
                      <td>
                        <Link to={`/services/${encodeURIComponent(s.serviceSlug)}`} className="strong">
                          {s.serviceName}
                        </Link>{' '}
                        {s.isNoisy && <Badge tone="bad">noisy</Badge>}
                      </td>
                      <td className="num">{s.pages}</td>
                      <td className="num">{s.classified}</td>
                      <td>
                        <NoiseBar stats={s} />
                      </td>
                      <td className="num">{seconds(s.ttaMedianSeconds)}</td>
                      <td className="small mono">{s.noisyRules.join(', ') || <span className="muted">none</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </>
      )}
    </>
  );
}
