/**
 * Knowledge held by one person (docs/people-health.md, "Knowledge"): per service of the team, who acknowledged, led or
 * resolved its incidents; a service one person handled alone is flagged with the seed's remedies as links.
 */
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { pct, type KnowledgeReport, type KnowledgeService } from './common.js';

const REMEDY_ICON: Record<string, string> = {
  write_runbook: 'Write the runbook',
  add_shadow: 'Add a shadow',
  pair_next: 'Pair next time',
};

function FlaggedService({ s }: { s: KnowledgeService }) {
  return (
    <Card
      title={
        <>
          {s.name} <Badge tone="bad">one person</Badge>
        </>
      }
      className="people-knowledge-flag"
    >
      <div data-testid="knowledge-flag" data-service-id={s.serviceId}>
        <p>{s.reason}</p>
        <p className="muted small">
          Who handled its {s.incidents} incidents:{' '}
          {s.people.map((p, i) => (
            <span key={p.userId}>
              {i > 0 && ', '}
              {p.name} {p.handled} ({pct(p.share)})
            </span>
          ))}
        </p>
        <ul className="people-remedies" aria-label={`Remedies for ${s.name}`}>
          {s.remedies.map((r) => (
            <li key={r.kind}>
              <Link to={r.href} data-remedy={r.kind}>
                {REMEDY_ICON[r.kind] ?? r.kind}
              </Link>
              <span className="muted small"> — {r.text}</span>
            </li>
          ))}
        </ul>
      </div>
    </Card>
  );
}

const COLUMNS: Column<KnowledgeService>[] = [
  {
    id: 'name',
    header: 'Service',
    className: 'strong',
    sortValue: (s) => s.name.toLowerCase(),
    cell: (s) => (
      <>
        {s.name} {s.flagged && <Badge tone="bad">one person</Badge>}
      </>
    ),
  },
  { id: 'incidents', header: 'Incidents', align: 'num', sortValue: (s) => s.incidents, cell: (s) => s.incidents },
  {
    id: 'holder',
    header: 'Handled most',
    sortValue: (s) => s.holder?.share ?? null,
    cell: (s) => (s.holder ? `${s.holder.name}, ${s.holder.handled} (${pct(s.holder.share)})` : '—'),
  },
  {
    id: 'people',
    header: 'People who handled one',
    align: 'num',
    hideOnPhone: true,
    sortValue: (s) => s.people.length,
    cell: (s) => s.people.length,
  },
];

export function KnowledgeView({ teamId, from }: { teamId: string; from: string }) {
  const report = useApi<KnowledgeReport>(`/api/people/knowledge${query({ teamId, from })}`);
  return (
    <Loadable
      resource={report}
      what="knowledge per service"
      isEmpty={(d) => d.services.length === 0}
      empty="This team owns no services yet. Give a service to the team on the Services page; who handles its incidents shows here."
    >
      {(k) => {
        const flagged = k.services.filter((s) => s.flagged);
        const withIncidents = k.services.filter((s) => s.incidents > 0);
        return (
          <>
            {flagged.map((s) => (
              <FlaggedService key={s.serviceId} s={s} />
            ))}
            <Card title="Who handles each service" className="card-flush">
              <p className="muted small people-note">
                &quot;Handled&quot; is acknowledging an alert of the incident, leading it as Incident Commander or
                Technical Lead, or resolving it. A service is flagged when one person handled {pct(k.thresholds.share)}{' '}
                or more of at least {k.thresholds.minIncidents} incidents.
                {flagged.length === 0 && withIncidents.length > 0 && ' No service depends on one person.'}
              </p>
              {withIncidents.length === 0 ? (
                <p className="empty">
                  None of the team&apos;s services had an incident in this window. The figure appears once incidents of
                  them are acknowledged, led or resolved.
                </p>
              ) : (
                <DataTable
                  label="Knowledge per service"
                  testId="knowledge-table"
                  columns={COLUMNS}
                  rows={k.services}
                  rowKey={(s) => s.serviceId}
                  rowData={(s) => ({ 'data-service-id': s.serviceId })}
                />
              )}
            </Card>
          </>
        );
      }}
    </Loadable>
  );
}
