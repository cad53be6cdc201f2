/**
 * /people: people health for one team (docs/people-health.md). Tabs Heroes | Knowledge | Load & recovery | Services,
 * with the team, the window and the tab in the URL; the thresholds under Heroes (a form for the team's admins).
 */
import { useState } from 'react';
import { Tabs } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { Empty, PageHeader } from '../../components/ui.js';
import { Link, useLocation } from '../../lib/router.js';
import { usePeopleFilters } from './common.js';
import { HeroesView } from './heroes.js';
import { KnowledgeView } from './knowledge.js';
import { LoadView } from './load.js';
import { ServicesRanking } from './services-ranking.js';
import { ThresholdsCard } from './settings.js';

const TABS = [
  { key: 'heroes', text: 'Heroes' },
  { key: 'knowledge', text: 'Knowledge' },
  { key: 'load', text: 'Load & recovery' },
  { key: 'services', text: 'Services' },
] as const;
type TabKey = (typeof TABS)[number]['key'];

export function PeopleHealthPage() {
  const { search } = useLocation();
  const { teams, team, from, set, bar } = usePeopleFilters();
  // Saving the thresholds figures the heroes again.
  const [version, setVersion] = useState(0);
  const tab: TabKey = TABS.find((t) => t.key === search.get('tab'))?.key ?? 'heroes';
  return (
    <>
      <PageHeader
        title="People health"
        subtitle="Who is carrying too much, which service depends on one person, and who needs a morning off."
        actions={
          <>
            <Link to="/people/comp-time" className="btn btn-ghost">
              Comp time
            </Link>
            <Link to="/people/pulse" className="btn btn-ghost">
              Pulse
            </Link>
          </>
        }
      />
      {bar}
      <Tabs
        label="People health"
        className="insights-tabs"
        options={TABS}
        value={tab}
        onChange={(k) => set({ tab: k })}
      />
      <Loadable
        resource={teams}
        what="teams"
        isEmpty={(d) => d.teams.length === 0}
        empty={
          <>
            No teams yet. People health is figured per team: <Link to="/teams">create a team</Link> and give it services
            and an on-call schedule.
          </>
        }
      >
        {() =>
          !team ? (
            <Empty>Choose a team.</Empty>
          ) : (
            <div key={`${team.id} ${from}`} role="tabpanel" aria-label={TABS.find((t) => t.key === tab)!.text}>
              {tab === 'heroes' && (
                <>
                  <HeroesView key={version} teamId={team.id} from={from} />
                  <ThresholdsCard team={team} onSaved={() => setVersion((v) => v + 1)} />
                </>
              )}
              {tab === 'knowledge' && <KnowledgeView teamId={team.id} from={from} />}
              {tab === 'load' && <LoadView team={team} from={from} />}
              {tab === 'services' && (
                <>
                  <p className="muted small">
                    The team&apos;s services, worst first by their health card&apos;s score: open incidents, pages a
                    week, noisy pages, unfinished post-mortems, overdue action items, missing runbooks and knowledge
                    held by one person. Open a service for its whole card.
                  </p>
                  <ServicesRanking teamId={team.id} from={from} />
                </>
              )}
            </div>
          )
        }
      </Loadable>
    </>
  );
}
