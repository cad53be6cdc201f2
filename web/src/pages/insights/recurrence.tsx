/**
 * Insights: recurrence (docs/insights.md "Recurrence"). The share of incidents that recur an earlier one, per service
 * and per team, and every recurrence with why it matched, the ones that came back after every fix was done called
 * out, each opening its chain (GET /api/insights/recurrence/incidents/:id).
 */
import { useMemo } from 'react';
import { BarChart, TimeChart, formatValue } from '../../components/chart.js';
import { Tabs, useUrlFilters } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { bucketDate, ChartCard, InsightsTabs, useInsightsFilters, useInsightsNames } from './shared.js';

interface Incident {
  id: string;
  title: string;
  severity: string;
  status: string;
  kind: string;
  declaredAt: string;
  serviceIds: string[];
}
interface Reason {
  kind: 'same_rule' | 'same_group' | 'linked';
  detail: string;
}
interface Group {
  id: string;
  total: number;
  recurring: number;
  rate: number | null;
  recurredAfterFix: number;
}
export interface RecurrenceReport {
  from: string;
  to: string;
  windowDays: number;
  rate: number | null;
  recurring: number;
  total: number;
  recurredAfterFix: number;
  byService: Group[];
  byTeam: Group[];
  bucket: 'week' | 'month';
  timeZone: string;
  timeZoneSource: 'request' | 'team' | 'default';
  buckets: { start: string; total: number; recurring: number; rate: number | null; recurredAfterFix: number }[];
  items: { incident: Incident; recursOf: { incident: Incident; reasons: Reason[]; recurredAfterFix: boolean }[] }[];
}
interface Chain {
  incident: Incident;
  windowDays: number;
  links: { incidentId: string; title: string; declaredAt: string; note: string; createdByLabel: string }[];
  chain: { incident: Incident; recursOf: Incident; reasons: Reason[]; recurredAfterFix: boolean }[];
}

const REASON: Record<Reason['kind'], string> = {
  same_rule: 'Same alert rule',
  same_group: 'Same alert group',
  linked: 'Linked by a responder',
};
/** Why it matched, as the API words it ('alert rule "HighLatency"', 'linked by Ana: same push'), capitalised. */
const reasonText = (r: Reason): string =>
  r.detail ? r.detail.charAt(0).toUpperCase() + r.detail.slice(1) : REASON[r.kind];
const BY = [
  { key: 'service', text: 'By service' },
  { key: 'team', text: 'By team' },
] as const;
const WINDOW_DAYS = [30, 90, 180, 365];

export function RecurrenceInsightsPage() {
  const { pathname, search } = useLocation();
  const set = useUrlFilters(pathname, { by: 'service', windowDays: '90' });
  const { qs, query: q, bar } = useInsightsFilters(['team', 'service', 'bucket', 'kinds']);
  const by = search.get('by') === 'team' ? 'team' : 'service';
  const windowDays = WINDOW_DAYS.find((d) => String(d) === search.get('windowDays')) ?? 90;
  const chainOf = search.get('chain') ?? '';
  const names = useInsightsNames();
  const report = useApi<RecurrenceReport>(`/api/insights/recurrence${qs}${qs ? '&' : '?'}windowDays=${windowDays}`);

  return (
    <>
      <PageHeader
        title="Recurrence"
        subtitle="How many incidents are the same problem again: the share that recur an earlier one, and why they matched."
      />
      <InsightsTabs />
      {bar}
      <div className="filter-bar insights-window-days">
        <label htmlFor="recurrence-window-days">Counts as the same problem when within</label>
        <select
          id="recurrence-window-days"
          value={String(windowDays)}
          onChange={(e) => set({ windowDays: e.target.value, chain: '' })}
        >
          {WINDOW_DAYS.map((d) => (
            <option key={d} value={d}>
              {d} days
            </option>
          ))}
        </select>
      </div>
      <Loadable
        resource={report}
        what="recurrence"
        isEmpty={(r) => r.total === 0}
        empty={
          <>
            <strong>No incidents in this window.</strong> Widen the window or clear a filter.
          </>
        }
      >
        {(r) => (
          <>
            <OverTime r={r} />
            <Card title="Recurrence rate" className="insights-rate">
              <div className="insights-rate-figure" data-testid="recurrence-rate">
                {formatValue(r.rate, 'ratio')}
              </div>
              <p className="muted small" data-testid="recurrence-summary">
                {r.recurring} of {r.total} incidents recur an earlier one (within {r.windowDays} days).{' '}
                {r.recurredAfterFix > 0 ? (
                  <strong className="insights-after-fix-text">
                    {r.recurredAfterFix} came back after every action item of the earlier incident was done.
                  </strong>
                ) : (
                  'None came back after every action item of the earlier incident was done.'
                )}
              </p>
            </Card>
            <ByGroup
              r={r}
              by={by}
              name={(id) => (by === 'team' ? names.team(id) : names.service(id))}
              onBy={(b) => set({ by: b })}
            />
            <Recurrences
              r={r}
              service={names.service}
              chainOf={chainOf}
              onChain={(id) => set({ chain: id === chainOf ? '' : id })}
              windowDays={windowDays}
              includeKinds={q.includeKinds}
            />
          </>
        )}
      </Loadable>
    </>
  );
}

/** The rate per week or month: is recurrence falling? Each incident counts in the bucket it was declared in. */
function OverTime({ r }: { r: RecurrenceReport }) {
  const x = useMemo(() => r.buckets.map((b) => Date.parse(b.start)), [r]);
  const series = useMemo(
    () => [
      { label: 'Recurrence rate', values: r.buckets.map((b) => b.rate) },
      {
        label: 'Recurred after fix',
        values: r.buckets.map((b) => (b.total === 0 ? null : b.recurredAfterFix / b.total)),
      },
    ],
    [r],
  );
  const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
  return (
    <ChartCard
      title="Recurrence rate over time"
      description={`The share of the incidents declared in each ${r.bucket} that recur an earlier one, and that came back after every fix was done.`}
      chart={
        <TimeChart
          title="Recurrence rate over time"
          x={x}
          series={series}
          unit="ratio"
          timeZone={r.timeZone}
          partialFrom={Date.parse(r.to)}
        />
      }
      columns={[
        { key: 'start', label: r.bucket === 'month' ? 'Month of' : 'Week of' },
        { key: 'total', label: 'Incidents' },
        { key: 'recurring', label: 'Recurring' },
        { key: 'rate', label: 'Rate (%)' },
        { key: 'afterFix', label: 'Recurred after fix' },
      ]}
      rows={r.buckets.map((b) => ({
        start: bucketDate(b.start, r.timeZone),
        total: b.total,
        recurring: b.recurring,
        rate: pct(b.rate),
        afterFix: b.recurredAfterFix,
      }))}
      csvName="recurrence-over-time"
    />
  );
}

function ByGroup({
  r,
  by,
  name,
  onBy,
}: {
  r: RecurrenceReport;
  by: 'service' | 'team';
  name: (id: string) => string;
  onBy: (b: 'service' | 'team') => void;
}) {
  const groups = useMemo(
    () =>
      [...(by === 'team' ? r.byTeam : r.byService)].sort(
        (a, b) => (b.rate ?? -1) - (a.rate ?? -1) || b.recurring - a.recurring || b.total - a.total,
      ),
    [r, by],
  );
  const labels = groups.map((g) => name(g.id));
  const series = useMemo(() => [{ label: 'Recurrence rate', values: groups.map((g) => g.rate) }], [groups]);
  const what = by === 'team' ? 'Team' : 'Service';
  return (
    <>
      <Tabs label="Recurrence by" options={BY} value={by} onChange={onBy} />
      <ChartCard
        title={`Recurrence rate by ${by}`}
        description={
          by === 'team'
            ? 'An incident counts for each team owning one of its services.'
            : 'An incident counts for each of its affected services.'
        }
        chart={
          groups.length === 0 ? (
            <p className="empty">No incident in this window has a {by === 'team' ? 'team' : 'service'}.</p>
          ) : (
            <BarChart title={`Recurrence rate by ${by}`} categories={labels} series={series} unit="ratio" />
          )
        }
        columns={[
          { key: 'name', label: what },
          { key: 'total', label: 'Incidents' },
          { key: 'recurring', label: 'Recurring' },
          { key: 'rate', label: 'Rate (%)' },
          { key: 'afterFix', label: 'Recurred after fix' },
        ]}
        rows={groups.map((g, i) => ({
          name: labels[i]!,
          total: g.total,
          recurring: g.recurring,
          // A number, like every other page's shares, so a spreadsheet can sort and sum it ('33%' was text).
          rate: g.rate === null ? null : Math.round(g.rate * 1000) / 10,
          afterFix: g.recurredAfterFix,
        }))}
        csvName={`recurrence-by-${by}`}
      />
    </>
  );
}

function Recurrences({
  r,
  service,
  chainOf,
  onChain,
  windowDays,
  includeKinds,
}: {
  r: RecurrenceReport;
  service: (id: string) => string;
  chainOf: string;
  onChain: (id: string) => void;
  windowDays: number;
  includeKinds?: string;
}) {
  const items = r.items.filter((i) => i.recursOf.length > 0);
  return (
    <Card title="Recurrences" className="insights-recurrences">
      {items.length === 0 ? (
        <p className="empty">No incident in this window recurs an earlier one.</p>
      ) : (
        <ul className="plain-list insights-recurrence-list" data-testid="recurrence-list">
          {items.map((item) => {
            const afterFix = item.recursOf.some((m) => m.recurredAfterFix);
            return (
              <li key={item.incident.id} data-incident-id={item.incident.id} className="insights-recurrence">
                <div className="insights-recurrence-head">
                  <Badge tone={item.incident.severity === 'P1' ? 'bad' : 'warn'}>{item.incident.severity}</Badge>{' '}
                  <Link to={`/incidents/${encodeURIComponent(item.incident.id)}`} className="strong">
                    {item.incident.title}
                  </Link>{' '}
                  {afterFix && <Badge tone="bad">Recurred after fix</Badge>}{' '}
                  {item.incident.kind === 'drill' && <Badge tone="info">Drill</Badge>}
                  <div className="muted small">
                    {formatTime(item.incident.declaredAt)}
                    {item.incident.serviceIds.length > 0 && ` · ${item.incident.serviceIds.map(service).join(', ')}`}
                  </div>
                </div>
                <ul className="insights-matches">
                  {item.recursOf.map((m) => (
                    <li key={m.incident.id}>
                      Same as <Link to={`/incidents/${encodeURIComponent(m.incident.id)}`}>{m.incident.title}</Link>{' '}
                      <span className="muted small">({formatTime(m.incident.declaredAt)})</span>
                      {m.recurredAfterFix && (
                        <span className="insights-after-fix-text small">
                          {' '}
                          — every action item of it was done before this one
                        </span>
                      )}
                      <ul className="insights-reasons">
                        {m.reasons.map((x, i) => (
                          <li key={i}>{reasonText(x)}</li>
                        ))}
                      </ul>
                    </li>
                  ))}
                </ul>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  aria-expanded={chainOf === item.incident.id}
                  onClick={() => onChain(item.incident.id)}
                >
                  {chainOf === item.incident.id ? 'Hide the chain' : 'Show the chain'}
                </button>
                {chainOf === item.incident.id && (
                  <ChainView id={item.incident.id} windowDays={windowDays} includeKinds={includeKinds} />
                )}
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

/** Every incident this one recurs (back) and that recurs it (forward), oldest first. */
function ChainView({ id, windowDays, includeKinds }: { id: string; windowDays: number; includeKinds?: string }) {
  const chain = useApi<Chain>(
    `/api/insights/recurrence/incidents/${encodeURIComponent(id)}${query({ windowDays, includeKinds })}`,
  );
  return (
    <div className="insights-chain" data-testid="recurrence-chain">
      <Loadable resource={chain} what="the chain">
        {(c) => {
          const steps = [...c.chain].sort(
            (a, b) =>
              a.incident.declaredAt.localeCompare(b.incident.declaredAt) || a.incident.id.localeCompare(b.incident.id),
          );
          return steps.length === 0 ? (
            <p className="muted small">No other incident is part of this chain.</p>
          ) : (
            <ol className="insights-chain-list">
              {steps.map((s) => (
                <li key={`${s.incident.id}:${s.recursOf.id}`}>
                  <Link to={`/incidents/${encodeURIComponent(s.incident.id)}`}>{s.incident.title}</Link>{' '}
                  <span className="muted small">({formatTime(s.incident.declaredAt)})</span> recurs{' '}
                  <Link to={`/incidents/${encodeURIComponent(s.recursOf.id)}`}>{s.recursOf.title}</Link>{' '}
                  <span className="muted small">({formatTime(s.recursOf.declaredAt)})</span>
                  {s.recurredAfterFix && (
                    <>
                      {' '}
                      <Badge tone="bad">Recurred after fix</Badge>
                    </>
                  )}
                  <div className="muted small">{s.reasons.map(reasonText).join(' · ')}</div>
                </li>
              ))}
            </ol>
          );
        }}
      </Loadable>
    </div>
  );
}
