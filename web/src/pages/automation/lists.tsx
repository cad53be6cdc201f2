/** The Actions, Runs, Approvals and Rules tabs of /automation. */
import { useEffect, useState } from 'react';
import { FilterBar, SelectFilter, useUrlFilters } from '../../components/filters.js';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Empty } from '../../components/ui.js';
import { api, query } from '../../lib/api.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import type { Team } from '../../lib/types.js';
import { useApi, type Resource } from '../../lib/use-api.js';
import { KindBadge, ModeBadge, RunStatusBadge, useTeamRole, When } from './parts.js';
import {
  actionPage,
  FINAL_STATUSES,
  formatDuration,
  itemsOf,
  RULE_ACTION_TEXT,
  rulePage,
  runPage,
  STATUS_TEXT,
  TRIGGER_TEXT,
  type ActionSummary,
  type Rule,
  type Run,
  type RunStatus,
} from './types.js';

interface TabProps {
  teamId: string;
  teams: Team[];
}

const teamName = (teams: Team[], id: string) => teams.find((t) => t.id === id)?.name ?? '';

export function ActionsTab({ teamId, teams }: TabProps) {
  const me = useUser();
  const roles = useTeamRole(teams);
  const res = useApi<unknown>(`/api/actions${query({ teamId: teamId || undefined })}`);
  const columns: Column<ActionSummary>[] = [
    {
      id: 'name',
      header: 'Action',
      sortValue: (a) => a.name.toLowerCase(),
      cell: (a) => (
        <>
          <Link to={actionPage(a.id)} className="strong">
            {a.name}
          </Link>
          {!a.enabled && (
            <>
              {' '}
              <Badge>Off</Badge>
            </>
          )}
          <div className="muted small">
            {teamId ? '' : `${teamName(teams, a.teamId)} · `}
            {a.description || a.slug}
          </div>
        </>
      ),
    },
    { id: 'kind', header: 'Kind', sortValue: (a) => a.kind, cell: (a) => <KindBadge kind={a.kind} /> },
    { id: 'mode', header: 'Mode', sortValue: (a) => a.mode, cell: (a) => <ModeBadge mode={a.mode} /> },
    {
      id: 'limit',
      header: 'Rate limit',
      hideOnPhone: true,
      cell: (a) => (a.mode === 'automatic' ? `${a.rateLimitPerHour} an hour per service` : ''),
    },
    {
      id: 'updated',
      header: 'Updated',
      hideOnPhone: true,
      sortValue: (a) => a.updatedAt,
      cell: (a) => <When iso={a.updatedAt} timeZone={me.timezone} />,
    },
    {
      id: 'run',
      header: 'Run',
      headerHidden: true,
      align: 'actions',
      cell: (a) =>
        roles.isResponder(a.teamId) && a.enabled ? (
          <Link to={`${actionPage(a.id)}#run`} className="btn btn-small">
            Run…
          </Link>
        ) : null,
    },
  ];
  return (
    <Loadable
      resource={res}
      what="actions"
      isEmpty={(d) => itemsOf(d).length === 0}
      empty={
        <>
          No actions yet. An action is a step of a runbook that a responder runs with one click: a signed request to
          your own automation, or a command run by a Muster agent on your hosts.{' '}
          {roles.adminTeams.length > 0 && (
            <Link to={`/automation/actions/new${query({ team: teamId || undefined })}`}>Create the first one.</Link>
          )}
        </>
      }
    >
      {(d) => (
        <DataTable
          label="Actions"
          columns={columns}
          rows={itemsOf<ActionSummary>(d)}
          rowKey={(a) => a.id}
          rowClassName={(a) => (a.enabled ? undefined : 'row-dim')}
          rowData={(a) => ({ 'data-action-id': a.id })}
          initialSort={{ id: 'name', desc: false }}
        />
      )}
    </Loadable>
  );
}

/** Reload a list every few seconds while something in it is still moving. */
function usePollWhile(active: boolean, reload: () => void, ms = 4000) {
  useEffect(() => {
    if (!active) return;
    const t = setInterval(reload, ms);
    return () => clearInterval(t);
  }, [active, reload, ms]);
}

export function runColumns(timeZone: string, teams: Team[] | null): Column<Run>[] {
  return [
    {
      id: 'action',
      header: 'Run',
      sortValue: (r) => r.actionName.toLowerCase(),
      cell: (r) => (
        <>
          <Link to={runPage(r.id)} className="strong">
            {r.actionName}
          </Link>
          {r.dryRun && (
            <>
              {' '}
              <Badge tone="info">Dry run</Badge>
            </>
          )}
          <div className="muted small">
            {teams ? `${teamName(teams, r.teamId)} · ` : ''}
            {r.trigger === 'manual'
              ? `by ${r.requestedBy?.label ?? 'someone'}`
              : r.trigger === 'rule'
                ? 'by a rule'
                : 'automatic'}
          </div>
        </>
      ),
    },
    { id: 'status', header: 'Status', sortValue: (r) => r.status, cell: (r) => <RunStatusBadge status={r.status} /> },
    {
      id: 'result',
      header: 'Result',
      hideOnPhone: true,
      cell: (r) =>
        r.httpStatus != null ? `HTTP ${r.httpStatus}` : r.exitCode != null ? `exit ${r.exitCode}` : (r.error ?? ''),
    },
    {
      id: 'duration',
      header: 'Duration',
      align: 'num',
      hideOnPhone: true,
      sortValue: (r) => r.durationMs,
      cell: (r) => (r.durationMs != null ? formatDuration(r.durationMs) : ''),
    },
    {
      id: 'created',
      header: 'Asked',
      sortValue: (r) => r.createdAt,
      cell: (r) => <When iso={r.createdAt} timeZone={timeZone} />,
    },
  ];
}

const RUN_STATUSES = Object.keys(STATUS_TEXT) as RunStatus[];

export function RunsTab({ teamId, teams }: TabProps) {
  const me = useUser();
  const { search } = useLocation();
  const setFilter = useUrlFilters('/automation', { tab: 'actions' });
  const status = search.get('status') ?? '';
  const res = useApi<unknown>(`/api/runs${query({ teamId: teamId || undefined, status: status || undefined })}`);
  const runs = itemsOf<Run>(res.data);
  usePollWhile(
    runs.some((r) => !FINAL_STATUSES.includes(r.status)),
    res.reload,
  );
  return (
    <>
      <FilterBar label="Run filters">
        <SelectFilter
          id="auto-filter-status"
          label="Status"
          all="Any status"
          value={status}
          options={RUN_STATUSES.map((s) => ({ value: s, text: STATUS_TEXT[s] }))}
          onChange={(v) => setFilter({ status: v })}
        />
      </FilterBar>
      <Loadable resource={res} what="runs" isEmpty={(d) => itemsOf(d).length === 0} empty="No runs yet.">
        {(d) => (
          <DataTable
            label="Runs"
            columns={runColumns(me.timezone, teamId ? null : teams)}
            rows={itemsOf<Run>(d)}
            rowKey={(r) => r.id}
            rowData={(r) => ({ 'data-run-id': r.id })}
          />
        )}
      </Loadable>
    </>
  );
}

/** Approve, or reject with a reason. Refused for the person who asked: a second person approves. */
export function DecisionButtons({ run, onDone }: { run: Run; onDone: () => void }) {
  const me = useUser();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const mine = run.requestedBy?.userId === me.id;
  const approve = useSubmit(async () => {
    await api.post(`/api/runs/${encodeURIComponent(run.id)}/approve`, {});
    onDone();
  });
  const reject = useSubmit(async () => {
    await api.post(`/api/runs/${encodeURIComponent(run.id)}/reject`, { reason: reason.trim() });
    setRejecting(false);
    onDone();
  });
  return (
    <div className="auto-decision">
      {mine ? (
        <span className="muted small">You asked for this run: someone else approves it.</span>
      ) : (
        <button type="button" className="btn btn-primary" disabled={approve.busy} onClick={() => void approve.run()}>
          {approve.busy ? 'Approving…' : 'Approve and run'}
        </button>
      )}
      {!rejecting ? (
        <button type="button" className="btn btn-ghost-danger" onClick={() => setRejecting(true)}>
          Reject…
        </button>
      ) : (
        <form className="auto-reject" onSubmit={reject.onSubmit} aria-label="Reject the run">
          <label htmlFor={`reject-${run.id}`}>Why not?</label>
          <input
            id={`reject-${run.id}`}
            value={reason}
            maxLength={1000}
            autoFocus
            required
            onChange={(e) => setReason(e.target.value)}
          />
          <span className="auto-reject-buttons">
            <button type="submit" className="btn btn-danger btn-small" disabled={reject.busy || !reason.trim()}>
              Reject
            </button>
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setRejecting(false)}>
              Cancel
            </button>
          </span>
        </form>
      )}
      <ErrorBanner error={approve.error ?? reject.error} />
    </div>
  );
}

export function ApprovalsTab({ teamId, teams, resource }: TabProps & { resource: Resource<unknown> }) {
  const me = useUser();
  const rows = itemsOf<Run>(resource.data).filter((r) => !teamId || r.teamId === teamId);
  usePollWhile(true, resource.reload, 10_000);
  return (
    <Loadable resource={resource} what="approvals">
      {() =>
        rows.length === 0 ? (
          <Empty>Nothing is waiting for your approval.</Empty>
        ) : (
          <ul className="auto-approvals" aria-label="Runs awaiting approval">
            {rows.map((r) => (
              <li key={r.id} className="card auto-approval" data-run-id={r.id}>
                <div className="auto-approval-head">
                  <Link to={runPage(r.id)} className="strong">
                    {r.actionName}
                  </Link>
                  {r.dryRun && <Badge tone="info">Dry run</Badge>}
                  {r.icFlagged && <Badge tone="warn">Asked by the IC</Badge>}
                </div>
                <div className="muted small">
                  {teamName(teams, r.teamId)} · asked by {r.requestedBy?.label ?? 'automation'}{' '}
                  <When iso={r.createdAt} timeZone={me.timezone} />
                  {r.incidentId && (
                    <>
                      {' '}
                      · <Link to={`/incidents/${encodeURIComponent(r.incidentId)}`}>incident</Link>
                    </>
                  )}
                </div>
                {Object.keys(r.params ?? {}).length > 0 && (
                  <dl className="auto-params">
                    {Object.entries(r.params).map(([k, v]) => (
                      <div key={k}>
                        <dt>{k}</dt>
                        <dd>{v}</dd>
                      </div>
                    ))}
                  </dl>
                )}
                <DecisionButtons run={r} onDone={resource.reload} />
              </li>
            ))}
          </ul>
        )
      }
    </Loadable>
  );
}

export function RulesTab({ teamId, teams }: TabProps) {
  const me = useUser();
  const roles = useTeamRole(teams);
  const res = useApi<unknown>(`/api/automation-rules${query({ teamId: teamId || undefined })}`);
  const columns: Column<Rule>[] = [
    {
      id: 'name',
      header: 'Rule',
      sortValue: (r) => r.name.toLowerCase(),
      cell: (r) => (
        <>
          <Link to={rulePage(r.id)} className="strong">
            {r.name}
          </Link>
          {!r.enabled && (
            <>
              {' '}
              <Badge>Off</Badge>
            </>
          )}
          {!teamId && <div className="muted small">{teamName(teams, r.teamId)}</div>}
        </>
      ),
    },
    { id: 'when', header: 'When', sortValue: (r) => r.trigger, cell: (r) => TRIGGER_TEXT[r.trigger] ?? r.trigger },
    { id: 'then', header: 'Then', sortValue: (r) => r.action, cell: (r) => RULE_ACTION_TEXT[r.action] ?? r.action },
    {
      id: 'fired',
      header: 'Last fired',
      sortValue: (r) => r.lastFiredAt,
      cell: (r) =>
        r.lastFiredAt ? (
          <>
            <When iso={r.lastFiredAt} timeZone={me.timezone} />
            <span className="muted small"> · {r.firingCount} in all</span>
          </>
        ) : (
          <span className="muted">Never</span>
        ),
    },
  ];
  return (
    <Loadable
      resource={res}
      what="rules"
      isEmpty={(d) => itemsOf(d).length === 0}
      empty={
        <>
          No automation rules yet. A rule does one thing when an alert triggers, an incident is declared or a milestone
          is reached: suggest a runbook, run an action, page someone or post an update.{' '}
          {roles.adminTeams.length > 0 && (
            <Link to={`/automation/rules/new${query({ team: teamId || undefined })}`}>Create the first one.</Link>
          )}
        </>
      }
    >
      {(d) => (
        <DataTable
          label="Automation rules"
          columns={columns}
          rows={itemsOf<Rule>(d)}
          rowKey={(r) => r.id}
          rowClassName={(r) => (r.enabled ? undefined : 'row-dim')}
          rowData={(r) => ({ 'data-rule-id': r.id })}
          initialSort={{ id: 'name', desc: false }}
        />
      )}
    </Loadable>
  );
}
