/**
 * Insights: Responders (issue 12 item 5, docs/insights.md "Responders"). Time to mitigate against the number of people
 * who responded, per severity, and the incidents that had uncoordinated time: on a P1/P2, three or more people acting
 * within 15 minutes while no Incident Commander was assigned.
 */
import { BarChart, formatValue } from '../../components/chart.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { Figures, inMinutes } from './paging.js';
import { ChartCard, InsightsTabs, useInsightsFilters } from './shared.js';
import type { Stats } from './shared.js';

type ResponderBucket = '1' | '2' | '3-4' | '5-7' | '8+';
interface IncidentRow {
  id: string;
  title: string;
  severity: string;
  declaredAt: string;
  responders: number;
  roleHolders: number;
  uncoordinatedSeconds: number;
  mttmSeconds: number | null;
}
interface RespondersReport {
  incidents: IncidentRow[];
  bySeverity: {
    severity: string;
    buckets: { responders: ResponderBucket; incidents: number; timeToMitigate: Stats }[];
  }[];
  uncoordinatedIncidents: number;
  totalIncidents: number;
  /** More than 1,000 incidents matched: `incidents` holds the newest 1,000 (the counts cover all). */
  truncated: boolean;
}

const BUCKETS: ResponderBucket[] = ['1', '2', '3-4', '5-7', '8+'];
const bucketText = (b: ResponderBucket) => `${b} ${b === '1' ? 'responder' : 'responders'}`;
const secs = (v: number | null) => formatValue(v, 'seconds');

const INCIDENT_COLUMNS: Column<IncidentRow>[] = [
  {
    id: 'severity',
    header: 'Severity',
    sortValue: (i) => i.severity,
    cell: (i) => <Badge tone={i.severity === 'P1' ? 'bad' : 'warn'}>{i.severity}</Badge>,
  },
  {
    id: 'title',
    header: 'Incident',
    className: 'strong',
    sortValue: (i) => i.title.toLowerCase(),
    cell: (i) => <Link to={`/incidents/${i.id}`}>{i.title}</Link>,
  },
  {
    id: 'declared',
    header: 'Declared',
    hideOnPhone: true,
    className: 'nowrap',
    sortValue: (i) => i.declaredAt,
    cell: (i) => formatTime(i.declaredAt),
  },
  {
    id: 'uncoordinated',
    header: 'Uncoordinated',
    align: 'num',
    sortValue: (i) => i.uncoordinatedSeconds,
    cell: (i) => secs(i.uncoordinatedSeconds),
  },
  { id: 'responders', header: 'Responders', align: 'num', sortValue: (i) => i.responders, cell: (i) => i.responders },
  {
    id: 'roles',
    header: 'Role holders',
    align: 'num',
    hideOnPhone: true,
    sortValue: (i) => i.roleHolders,
    cell: (i) => i.roleHolders,
  },
  {
    id: 'mttm',
    header: 'Time to mitigate',
    align: 'num',
    sortValue: (i) => i.mttmSeconds,
    cell: (i) => secs(i.mttmSeconds),
  },
];

/** The bar chart of uncoordinated time shows the longest ones; the list below has them all. */
const CHART_MAX = 15;

function RespondersView({ r }: { r: RespondersReport }) {
  const severities = r.bySeverity.filter((s) => s.buckets.some((b) => b.incidents > 0));
  // The chart shows only the responder counts some incident had (five rows of empty bars said nothing); the table
  // and CSV keep every count.
  const shown = BUCKETS.filter((k) =>
    severities.some((s) => (s.buckets.find((b) => b.responders === k)?.incidents ?? 0) > 0),
  );
  const uncoordinated = r.incidents
    .filter((i) => i.uncoordinatedSeconds > 0)
    .sort((a, b) => b.uncoordinatedSeconds - a.uncoordinatedSeconds);
  const rows = severities.flatMap((s) =>
    s.buckets.map((b) => ({
      severity: s.severity,
      responders: b.responders,
      incidents: b.incidents,
      median: inMinutes(b.timeToMitigate.median),
      p90: inMinutes(b.timeToMitigate.p90),
      mean: inMinutes(b.timeToMitigate.mean),
    })),
  );
  return (
    <>
      <Figures
        items={[
          { label: 'Incidents', value: r.totalIncidents, testId: 'responders-total' },
          {
            label: 'With uncoordinated time',
            value: r.uncoordinatedIncidents,
            note: r.totalIncidents
              ? `${formatValue(r.uncoordinatedIncidents / r.totalIncidents, 'ratio')} of incidents`
              : undefined,
            testId: 'responders-uncoordinated',
          },
        ]}
      />
      <ChartCard
        title="Time to mitigate by number of responders"
        description={`Median time from detection to mitigation, per severity, for incidents grouped by how many people joined the room, acted in it or held a role.${severities.length === 1 ? ` All are ${severities[0]!.severity}.` : ''}`}
        chart={
          <BarChart
            title="Median time to mitigate by number of responders"
            categories={shown.map(bucketText)}
            unit="seconds"
            series={severities.map((s) => ({
              label: s.severity,
              values: shown.map((k) => s.buckets.find((b) => b.responders === k)?.timeToMitigate.median ?? null),
            }))}
          />
        }
        columns={[
          { key: 'severity', label: 'Severity' },
          { key: 'responders', label: 'Responders' },
          { key: 'incidents', label: 'Incidents' },
          { key: 'median', label: 'Median to mitigate (min)' },
          { key: 'p90', label: 'p90 to mitigate (min)' },
          { key: 'mean', label: 'Mean to mitigate (min)' },
        ]}
        rows={rows}
        csvName="time-to-mitigate-by-responders.csv"
      />
      {uncoordinated.length > 0 && (
        <ChartCard
          title="Uncoordinated time per incident"
          description={
            uncoordinated.length > CHART_MAX
              ? `The ${CHART_MAX} longest; the table and the CSV have all ${uncoordinated.length}.`
              : undefined
          }
          chart={
            <BarChart
              title="Uncoordinated time per incident"
              categories={uncoordinated.slice(0, CHART_MAX).map((i) => `${i.severity} ${i.title}`)}
              unit="seconds"
              series={[
                {
                  label: 'Uncoordinated',
                  values: uncoordinated.slice(0, CHART_MAX).map((i) => i.uncoordinatedSeconds),
                },
                { label: 'Time to mitigate', values: uncoordinated.slice(0, CHART_MAX).map((i) => i.mttmSeconds) },
              ]}
            />
          }
          columns={[
            { key: 'title', label: 'Incident' },
            { key: 'severity', label: 'Severity' },
            { key: 'declaredAt', label: 'Declared' },
            { key: 'uncoordinated', label: 'Uncoordinated (min)' },
            { key: 'responders', label: 'Responders' },
            { key: 'roleHolders', label: 'Role holders' },
            { key: 'mttm', label: 'Time to mitigate (min)' },
            { key: 'id', label: 'Incident id' },
          ]}
          rows={uncoordinated.map((i) => ({
            title: i.title,
            severity: i.severity,
            declaredAt: i.declaredAt,
            uncoordinated: inMinutes(i.uncoordinatedSeconds),
            responders: i.responders,
            roleHolders: i.roleHolders,
            mttm: inMinutes(i.mttmSeconds),
            id: i.id,
          }))}
          csvName="uncoordinated-incidents.csv"
        />
      )}
      <Card title="Incidents with uncoordinated time" className="card-flush">
        <p className="muted small ins-card-note">
          On a P1 or P2: from the moment three or more people acted within 15 minutes with no Incident Commander
          assigned, until one was (or the incident resolved). Open an incident to see the stretch flagged on its
          timeline.
        </p>
        {r.truncated && (
          <p className="muted small ins-card-note">
            From the newest 1,000 incidents in the window; narrow the window to see older ones.
          </p>
        )}
        {uncoordinated.length === 0 ? (
          <p className="empty">No incident in this window had uncoordinated time.</p>
        ) : (
          <DataTable
            label="Incidents with uncoordinated time"
            columns={INCIDENT_COLUMNS}
            rows={uncoordinated}
            rowKey={(i) => i.id}
            testId="responders-uncoordinated-list"
          />
        )}
      </Card>
    </>
  );
}

export function RespondersInsightsPage() {
  const { qs, bar } = useInsightsFilters(['team', 'service', 'severity', 'kinds']);
  const report = useApi<RespondersReport>(`/api/insights/responders${qs}`);
  return (
    <>
      <PageHeader
        title="Responders"
        subtitle="Whether more people make incidents faster or slower to mitigate, and which incidents had several people acting with nobody in command."
      />
      <InsightsTabs />
      {bar}
      <Loadable
        resource={report}
        what="responders"
        isEmpty={(d) => d.totalIncidents === 0}
        empty="No incident was declared in this window. The figures fill in as incidents are declared, joined and mitigated."
      >
        {(r) => <RespondersView r={r} />}
      </Loadable>
    </>
  );
}
