/**
 * The service health card (docs/people-health.md, "Service health card"): the owning team and one figure each for
 * open incidents, pages per week, the noisy share, MTTA and MTTR, post-mortem completion, overdue action items,
 * runbook coverage and knowledge held by one person, from GET /api/services/:service/health-card. Each figure says in
 * one line what it counts and links to where it comes from. Shown on the service page; the team page reuses it.
 */
import type { ReactNode } from 'react';
import { Loadable } from '../../components/state.js';
import { Badge, Card } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import type { ServiceCard } from './common.js';

/** A service's health card: the ranking's card for one service, with the window it covers. */
export interface HealthCard extends ServiceCard {
  window: { from: string; to: string };
}

interface Remedy {
  kind: 'write_runbook' | 'add_shadow' | 'pair_next';
  href: string;
  text: string;
}

interface KnowledgeReport {
  services: { serviceId: string; flagged: boolean; remedies: Remedy[] }[];
}

const pct = (share: number | null): string => (share === null ? '—' : `${Math.round(share * 100)}%`);

/** Seconds as "4 min", "1 h 20 min", "2 d 3 h"; "—" without data. */
export function formatSeconds(s: number | null): string {
  if (s === null) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  const mins = Math.round(s / 60);
  const d = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

function Figure({
  label,
  definition,
  value,
  tone,
  testId,
  source,
}: {
  label: string;
  definition: string;
  value: ReactNode;
  tone?: 'warn' | 'bad' | undefined;
  testId: string;
  source: ReactNode;
}) {
  return (
    <div className="ins-figure" data-testid={testId}>
      <dt className="muted small" title={definition}>
        {label}
      </dt>
      <dd className="ins-figure-value" data-testid={`${testId}-value`}>
        {tone ? <span className={`q-${tone}`}>{value}</span> : value}
      </dd>
      <dd className="muted small">{definition}</dd>
      <dd className="small">{source}</dd>
    </div>
  );
}

/** The card's figures, for a card already loaded (the team page lists several). */
export function HealthFigures({ card, remedies }: { card: HealthCard; remedies?: Remedy[] | undefined }) {
  const c = card;
  const sid = encodeURIComponent(c.serviceId);
  const tid = encodeURIComponent(c.owningTeam.id);
  const rb = c.runbookCoverage;
  const writeRunbook = `/runbooks/new${query({ serviceId: c.serviceId })}`;
  const holder = c.knowledgeHolder;
  const shown = remedies ?? [];
  return (
    <>
      <dl className="ins-figures">
        <Figure
          label="Open incidents"
          testId="card-open-incidents"
          definition="Incidents of this service not resolved yet."
          value={c.openIncidents}
          tone={c.openIncidents > 0 ? 'warn' : undefined}
          source={<Link to="/incidents?status=open">Open incidents</Link>}
        />
        <Figure
          label="Pages per week"
          testId="card-pages"
          definition="People paged by its alerts, per week of the window."
          value={c.pagesPerWeek}
          source={<Link to={`/insights/paging?serviceId=${sid}`}>Paging insights</Link>}
        />
        <Figure
          label="Noisy share"
          testId="card-noisy"
          definition="Judged alerts that were not actionable or false alarms."
          value={pct(c.noisyShare)}
          tone={c.noisyShare !== null && c.noisyShare >= 0.5 ? 'warn' : undefined}
          source={<Link to={`/insights/alert-quality?serviceId=${sid}`}>Alert quality</Link>}
        />
        <Figure
          label="MTTA"
          testId="card-mtta"
          definition={`Median time to acknowledge, over ${c.mtta.count} incident${c.mtta.count === 1 ? '' : 's'}.`}
          value={formatSeconds(c.mtta.median)}
          source={<Link to={`/insights?serviceId=${sid}`}>Response times</Link>}
        />
        <Figure
          label="MTTR"
          testId="card-mttr"
          definition={`Median time to resolve, over ${c.mttr.count} incident${c.mttr.count === 1 ? '' : 's'}.`}
          value={formatSeconds(c.mttr.median)}
          source={<Link to={`/insights?serviceId=${sid}`}>Response times</Link>}
        />
        <Figure
          label="Post-mortems complete"
          testId="card-postmortems"
          definition="Completed post-mortems of its P1/P2 incidents resolved in the window."
          value={pct(c.postmortemCompletion)}
          tone={c.postmortemCompletion !== null && c.postmortemCompletion < 1 ? 'warn' : undefined}
          source={<Link to={`/insights/learning?teamId=${tid}`}>Learning insights</Link>}
        />
        <Figure
          label="Overdue action items"
          testId="card-overdue"
          definition="Open action items of its incidents past their due date."
          value={c.overdueActionItems}
          tone={c.overdueActionItems > 0 ? 'bad' : undefined}
          source={<Link to={`/action-items?teamId=${tid}&overdue=true`}>Action items</Link>}
        />
        <Figure
          label="Runbooks"
          testId="card-runbooks"
          definition={
            rb.alertRulesCovered === null
              ? 'Runbooks linked to the service or its alert rules.'
              : `Runbooks linked to it; ${pct(rb.alertRulesCovered)} of its alert rules covered.`
          }
          value={rb.hasRunbook ? rb.runbookCount : 'None'}
          tone={rb.hasRunbook ? undefined : 'warn'}
          source={
            rb.hasRunbook ? (
              <Link to={`/runbooks?service=${sid}`}>Its runbooks</Link>
            ) : (
              <Link to={writeRunbook} className="strong" data-testid="card-write-runbook">
                Write the runbook
              </Link>
            )
          }
        />
        <Figure
          label="Knowledge"
          testId="card-knowledge"
          definition={
            holder
              ? `Held by ${holder.name}: the share of its incidents they handled.`
              : 'Flagged when one person handled most of its incidents.'
          }
          value={holder ? pct(holder.share) : 'Shared'}
          tone={c.knowledgeFlag ? 'bad' : undefined}
          source={<Link to={`/people?teamId=${tid}&tab=knowledge`}>People health</Link>}
        />
      </dl>
      {c.knowledgeFlag && shown.length > 0 && (
        <div className="ins-callout" data-testid="card-remedies">
          <p className="small">
            <Badge tone="bad">⚑ One person</Badge>{' '}
            {holder ? `${holder.name} handled ${pct(holder.share)}` : 'One person'} of its incidents. What helps:
          </p>
          <ul className="small">
            {shown.map((r) => (
              <li key={r.kind}>
                <Link to={r.kind === 'write_runbook' ? writeRunbook : r.href}>{r.text}</Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

/** The whole card for one service (id or slug): loads the card, and the knowledge remedies when it is flagged. */
export function ServiceHealthCard({ service, showTeam = true }: { service: string; showTeam?: boolean }) {
  const card = useApi<HealthCard>(`/api/services/${encodeURIComponent(service)}/health-card`);
  const flagged = card.data?.knowledgeFlag ? card.data.serviceId : null;
  const knowledge = useApi<KnowledgeReport>(flagged ? `/api/people/knowledge${query({ serviceId: flagged })}` : null);
  const remedies = knowledge.data?.services.find((s) => s.serviceId === flagged)?.remedies;
  return (
    <Card
      className="service-health-card"
      title={
        <span className="card-title-row">
          <span>Service health</span>
          <span className="muted small">last 90 days</span>
        </span>
      }
    >
      <Loadable resource={card} what="service health">
        {(c) => (
          <div data-testid="service-health-card">
            {showTeam && (
              <p className="small">
                Owned by{' '}
                <Link to={`/teams/${encodeURIComponent(c.owningTeam.slug)}`} data-testid="card-team">
                  {c.owningTeam.name}
                </Link>
                , who answer for its operational health.
              </p>
            )}
            <HealthFigures card={c} remedies={remedies} />
          </div>
        )}
      </Loadable>
    </Card>
  );
}
