/**
 * /automation: remediation actions, their runs, the approvals inbox, automation rules and agents, as tabs, with a
 * team filter (both in the URL: `?tab=runs&team=<id>`). With one team chosen, its kill switch for automatic runs sits
 * above the tabs; with all teams, each paused team shows a warning.
 */
import './automation.css';
import { FilterBar, SelectFilter, Tabs, useUrlFilters } from '../../components/filters.js';
import { PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { Link, useLocation } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { useTeams } from '../oncall/people.js';
import { AgentsTab } from './agents.js';
import { ActionsTab, ApprovalsTab, RulesTab, RunsTab } from './lists.js';
import { KillSwitchCard, PausedTeamNotice, useTeamRole } from './parts.js';
import { itemsOf, type Run } from './types.js';

const TABS = [
  { key: 'actions', text: 'Actions' },
  { key: 'runs', text: 'Runs' },
  { key: 'approvals', text: 'Approvals' },
  { key: 'rules', text: 'Rules' },
  { key: 'agents', text: 'Agents' },
] as const;
type Tab = (typeof TABS)[number]['key'];
const DEFAULTS = { tab: 'actions' };

export function AutomationPage() {
  const { search } = useLocation();
  const setFilter = useUrlFilters('/automation', DEFAULTS);
  const raw = search.get('tab') ?? 'actions';
  const tab: Tab = TABS.some((t) => t.key === raw) ? (raw as Tab) : 'actions';
  const teamId = search.get('team') ?? '';
  const teams = useTeams();
  const roles = useTeamRole(teams.teams);
  const team = teams.teams.find((t) => t.id === teamId) ?? null;
  const approvals = useApi<unknown>('/api/approvals');
  const waiting = itemsOf<Run>(approvals.data).filter((r) => !teamId || r.teamId === teamId).length;
  const canCreate = teamId ? roles.isAdmin(teamId) : roles.adminTeams.length > 0;
  const teamQuery = query({ team: teamId || undefined });

  const newLink =
    tab === 'actions' ? (
      <Link to={`/automation/actions/new${teamQuery}`} className="btn btn-primary">
        New action
      </Link>
    ) : tab === 'rules' ? (
      <Link to={`/automation/rules/new${teamQuery}`} className="btn btn-primary">
        New rule
      </Link>
    ) : null;

  return (
    <>
      <PageHeader
        title="Automation"
        subtitle="Script the commands you run every incident: one click, a second person's approval, or automatic with a rate limit."
        actions={canCreate ? newLink : null}
      />
      <FilterBar label="Automation filters">
        <SelectFilter
          id="auto-filter-team"
          label="Team"
          all="All teams"
          value={teamId}
          options={teams.teams.map((t) => ({ value: t.id, text: t.name }))}
          onChange={(v) => setFilter({ team: v })}
        />
      </FilterBar>
      {team ? (
        <KillSwitchCard key={team.id} team={team} canChange={roles.isAdmin(team.id)} />
      ) : (
        teams.teams
          .filter((t) => t.myRole !== null)
          .slice(0, 20)
          .map((t) => <PausedTeamNotice key={t.id} team={t} />)
      )}
      <Tabs
        label="Automation"
        className="auto-tabs"
        options={TABS}
        value={tab}
        onChange={(k) => setFilter({ tab: k })}
        count={(k) =>
          k === 'approvals' && waiting > 0 ? (
            <span className="tab-count tab-count-bad" data-testid="approvals-count" aria-label={`${waiting} waiting`}>
              {waiting}
            </span>
          ) : null
        }
      />
      {tab === 'actions' && <ActionsTab teamId={teamId} teams={teams.teams} />}
      {tab === 'runs' && <RunsTab teamId={teamId} teams={teams.teams} />}
      {tab === 'approvals' && <ApprovalsTab teamId={teamId} teams={teams.teams} resource={approvals} />}
      {tab === 'rules' && <RulesTab teamId={teamId} teams={teams.teams} />}
      {tab === 'agents' && <AgentsTab teamId={teamId} teams={teams.teams} />}
    </>
  );
}
