/**
 * The team's services ranked by their health card, worst first (docs/people-health.md, "Service health card": the
 * score), each linking to its service page where the whole card is.
 */
import { formatValue } from '../../components/chart.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { pct, type ServiceCard, type ServiceHealth } from './common.js';

const secs = (v: number | null) => formatValue(v, 'seconds');

/** What makes a service rank where it does, in a few words. */
function why(c: ServiceCard): string {
  const out: string[] = [];
  if (c.openIncidents) out.push(`${c.openIncidents} open ${c.openIncidents === 1 ? 'incident' : 'incidents'}`);
  if (c.knowledgeFlag) out.push(c.knowledgeHolder ? `only ${c.knowledgeHolder.name} knows it` : 'one person knows it');
  if (!c.runbookCoverage.hasRunbook) out.push('no runbook');
  if (c.overdueActionItems)
    out.push(`${c.overdueActionItems} overdue action ${c.overdueActionItems === 1 ? 'item' : 'items'}`);
  if (c.noisyShare !== null && c.noisyShare >= 0.3) out.push(`${pct(c.noisyShare)} noisy pages`);
  if (c.pagesPerWeek >= 5) out.push(`${Math.round(c.pagesPerWeek * 10) / 10} pages a week`);
  if (c.postmortemCompletion !== null && c.postmortemCompletion < 1)
    out.push(`${pct(c.postmortemCompletion)} post-mortems done`);
  return out.length ? out.join(', ') : 'Nothing stands out';
}

const COLUMNS: Column<ServiceCard & { rank: number }>[] = [
  { id: 'rank', header: '#', align: 'num', sortValue: (c) => c.rank, cell: (c) => c.rank },
  {
    id: 'name',
    header: 'Service',
    className: 'strong',
    sortValue: (c) => c.name.toLowerCase(),
    cell: (c) => <Link to={`/services/${encodeURIComponent(c.slug)}`}>{c.name}</Link>,
  },
  { id: 'score', header: 'Score', align: 'num', sortValue: (c) => c.score, cell: (c) => c.score },
  { id: 'why', header: 'Why', cell: (c) => why(c) },
  {
    id: 'open',
    header: 'Open',
    align: 'num',
    hideOnPhone: true,
    sortValue: (c) => c.openIncidents,
    cell: (c) => c.openIncidents,
  },
  {
    id: 'pages',
    header: 'Pages a week',
    align: 'num',
    hideOnPhone: true,
    sortValue: (c) => c.pagesPerWeek,
    cell: (c) => Math.round(c.pagesPerWeek * 10) / 10,
  },
  {
    id: 'noisy',
    header: 'Noisy',
    align: 'num',
    hideOnPhone: true,
    sortValue: (c) => c.noisyShare,
    cell: (c) => pct(c.noisyShare),
  },
  {
    id: 'mtta',
    header: 'MTTA',
    align: 'num',
    hideOnPhone: true,
    sortValue: (c) => c.mtta.median,
    cell: (c) => secs(c.mtta.median),
  },
  {
    id: 'mttr',
    header: 'MTTR',
    align: 'num',
    hideOnPhone: true,
    sortValue: (c) => c.mttr.median,
    cell: (c) => secs(c.mttr.median),
  },
  {
    id: 'runbook',
    header: 'Runbook',
    hideOnPhone: true,
    sortValue: (c) => (c.runbookCoverage.hasRunbook ? (c.runbookCoverage.alertRulesCovered ?? 1) : -1),
    cell: (c) =>
      c.runbookCoverage.hasRunbook ? (
        `${c.runbookCoverage.runbookCount} · ${pct(c.runbookCoverage.alertRulesCovered)} of rules`
      ) : (
        <Badge tone="warn">none</Badge>
      ),
  },
];

/** The ranking; `limit` shows only the worst few (the team page), with a link to the rest. */
export function ServicesRanking({ teamId, from, limit }: { teamId: string; from?: string; limit?: number }) {
  const health = useApi<ServiceHealth>(`/api/teams/${encodeURIComponent(teamId)}/service-health${query({ from })}`);
  return (
    <Loadable
      resource={health}
      what="the services' health"
      isEmpty={(d) => d.services.length === 0}
      empty="This team owns no services yet. Give it a service on the Services page and its health card ranks here."
    >
      {(h) => {
        const rows = h.services.map((c, i) => ({ ...c, rank: i + 1 }));
        const shown = limit ? rows.slice(0, limit) : rows;
        return (
          <>
            <DataTable
              label="Services ranked by health, worst first"
              testId="services-ranking"
              columns={limit ? COLUMNS.filter((c) => ['rank', 'name', 'score', 'why'].includes(c.id)) : COLUMNS}
              rows={shown}
              rowKey={(c) => c.serviceId}
              rowData={(c) => ({ 'data-service-id': c.serviceId })}
            />
            {limit && (
              <p className="small people-note">
                <Link to={`/people?${new URLSearchParams({ teamId, tab: 'services' }).toString()}`}>
                  {rows.length > limit
                    ? `All ${rows.length} services, with every figure`
                    : 'Every figure of the ranking'}
                </Link>
              </p>
            )}
          </>
        );
      }}
    </Loadable>
  );
}
