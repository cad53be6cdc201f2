/**
 * The team page's people-health panel: flagged heroes with their reasons, recovery time today and tomorrow with its
 * cover button, and the team's five worst services by their health card; each links to /people for the rest.
 */
import { Loadable } from '../../components/state.js';
import { Card } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import { fromDays, type HeroReport, type LoadReport } from './common.js';
import { RecoveryTable } from './load.js';
import { ServicesRanking } from './services-ranking.js';

const DAY = 86_400_000;

/** Recovery that has not ended yet and starts before the end of tomorrow (local). */
function soon(l: LoadReport): LoadReport['recovery'] {
  const now = Date.now();
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const endOfTomorrow = midnight.getTime() + 2 * DAY;
  return l.recovery.filter(
    (r) => new Date(r.recoveryTo).getTime() > now && new Date(r.recoveryFrom).getTime() < endOfTomorrow,
  );
}

export function TeamPeoplePanel({ team }: { team: Team }) {
  // Recovery looks at the last two days' pages; heroes at the default 90 days.
  const heroes = useApi<HeroReport>(`/api/people/heroes${query({ teamId: team.id })}`);
  const load = useApi<LoadReport>(`/api/people/load${query({ teamId: team.id, from: fromDays(2) })}`);
  const members = (team.members ?? []).map((m) => ({ userId: m.userId, name: m.name || m.email }));
  const link = (tab: string) => `/people?${new URLSearchParams({ teamId: team.id, tab }).toString()}`;
  return (
    <>
      <Card title="People health" className="people-team-panel">
        <div data-testid="team-people-panel">
          <h3 className="small">Carrying too much (last 90 days)</h3>
          <Loadable resource={heroes} what="the hero signal">
            {(h) => {
              const flagged = h.people.filter((p) => p.flagged);
              return flagged.length === 0 ? (
                <p className="muted small">Nobody: the team shares its pages, incidents and roles.</p>
              ) : (
                <ul className="people-reasons" data-testid="team-heroes">
                  {flagged.map((p) => (
                    <li key={p.userId}>
                      <strong>{p.name}</strong>: {p.reasons.join(' ')}
                    </li>
                  ))}
                </ul>
              );
            }}
          </Loadable>
          <h3 className="small">Recovery today and tomorrow</h3>
          <Loadable resource={load} what="recovery time">
            {(l) => {
              const entries = soon(l);
              return entries.length === 0 ? (
                <p className="muted small">Nobody was paged in their sleep hours: no morning to cover.</p>
              ) : (
                <RecoveryTable entries={entries} members={members} label="Recovery today and tomorrow" />
              );
            }}
          </Loadable>
          <p className="small">
            <Link to={link('heroes')}>People health of {team.name}</Link>
          </p>
        </div>
      </Card>
      <Card title="Services by health, worst first" className="card-flush">
        <ServicesRanking teamId={team.id} limit={5} />
      </Card>
    </>
  );
}
