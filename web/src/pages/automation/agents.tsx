/**
 * The Agents tab: each `muster agent` of the team with whether it is connected, when it was last seen and the
 * commands its own allow-list reports; team admins create one (its token is shown once) and revoke one.
 */
import { useEffect, useState } from 'react';
import { ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { ConfirmButton } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, OneTimeSecret } from '../../components/ui.js';
import { api, query } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import { useTeamRole, When } from './parts.js';
import { commandName, itemsOf, runPage, type Agent } from './types.js';

interface Values {
  teamId: string;
  name: string;
}

export function AgentsTab({ teamId, teams }: { teamId: string; teams: Team[] }) {
  const me = useUser();
  const roles = useTeamRole(teams);
  const res = useApi<unknown>(`/api/agents${query({ teamId: teamId || undefined })}`);
  const [token, setToken] = useState<{ name: string; token: string } | null>(null);
  const [adding, setAdding] = useState(false);
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const adminTeams = teamId ? roles.adminTeams.filter((t) => t.id === teamId) : roles.adminTeams;

  const form = useApiForm<Values>({ teamId: teamId || (adminTeams[0]?.id ?? ''), name: '' }, async (v) => {
    const r = await api.post<{ agent: Agent; token: string }>('/api/agents', { teamId: v.teamId, name: v.name.trim() });
    setToken({ name: r.agent.name, token: r.token });
    setAdding(false);
    form.reset({ teamId: v.teamId, name: '' });
    res.reload();
  });

  // The teams load after the form is made: take the first team the caller administers once they are there.
  const firstTeam = adminTeams[0]?.id ?? '';
  useEffect(() => {
    if (!form.getValues('teamId') && firstTeam) form.setValue('teamId', firstTeam);
  }, [firstTeam, form]);

  const revoke = async (a: Agent) => {
    setRevokeError(null);
    try {
      await api.del(`/api/agents/${encodeURIComponent(a.id)}`);
      res.reload();
    } catch (e) {
      setRevokeError(e);
    }
  };

  const columns: Column<Agent>[] = [
    {
      id: 'name',
      header: 'Agent',
      sortValue: (a) => a.name.toLowerCase(),
      cell: (a) => (
        <>
          <span className="strong">{a.name}</span>
          <div className="muted small">
            {teamId ? '' : `${teams.find((t) => t.id === a.teamId)?.name ?? ''} · `}
            <code>{a.tokenPrefix}…</code>
            {a.host && <> · {a.host}</>}
            {a.version && <> · v{a.version}</>}
          </div>
        </>
      ),
    },
    {
      id: 'state',
      header: 'Connection',
      sortValue: (a) => (a.revokedAt ? 2 : a.connected ? 0 : 1),
      cell: (a) =>
        a.revokedAt ? (
          <Badge>Revoked</Badge>
        ) : (
          <span className="auto-conn" data-connected={a.connected ? 'yes' : 'no'}>
            <span className={a.connected ? 'auto-dot auto-dot-on' : 'auto-dot'} aria-hidden="true" />
            {a.connected ? 'Connected' : 'Not connected'}
            <span className="muted small">
              {' '}
              ·{' '}
              {a.lastSeenAt ? (
                <>
                  seen <When iso={a.lastSeenAt} timeZone={me.timezone} />
                </>
              ) : (
                'never seen'
              )}
            </span>
            {a.runningRunId && (
              <div className="small">
                <Link to={runPage(a.runningRunId)}>Running a command</Link>
              </div>
            )}
          </span>
        ),
    },
    {
      id: 'commands',
      header: 'Commands',
      cell: (a) =>
        a.commands.length ? (
          <span className="auto-commands">
            {a.commands.map((c) => (
              <code key={commandName(c)}>{commandName(c)}</code>
            ))}
          </span>
        ) : (
          <span className="muted small">None reported yet</span>
        ),
    },
    {
      id: 'revoke',
      header: 'Revoke',
      headerHidden: true,
      align: 'actions',
      cell: (a) =>
        !a.revokedAt && roles.isAdmin(a.teamId) ? (
          <ConfirmButton label="Revoke" confirmLabel="Revoke the token" onConfirm={() => void revoke(a)} />
        ) : null,
    },
  ];

  return (
    <>
      {token && (
        <OneTimeSecret
          title={`Token for ${token.name}`}
          value={token.token}
          note={
            <>
              Copy it now: Muster shows it only once. Put it in the agent&apos;s token file and start{' '}
              <code>muster agent --url {window.location.origin} --token-file FILE --config agent.yaml</code>.
            </>
          }
          onDismiss={() => setToken(null)}
        />
      )}
      {adminTeams.length > 0 &&
        (adding ? (
          <Card title="New agent">
            <form onSubmit={form.onSubmit} aria-label="New agent" className="auto-agent-form">
              {!teamId && (
                <SelectField
                  form={form}
                  name="teamId"
                  id="agent-team"
                  label="Team"
                  options={adminTeams.map((t) => ({ value: t.id, text: t.name }))}
                />
              )}
              <TextField
                form={form}
                name="name"
                id="agent-name"
                label="Name"
                hint="Where it runs, e.g. prod-eu-bastion."
                maxLength={100}
                rules={{ required: 'is required.' }}
              />
              <ErrorBanner error={form.error} fields={['teamId', 'name']} />
              <FormActions busy={form.busy} submit="Create the agent" onCancel={() => setAdding(false)} />
            </form>
          </Card>
        ) : (
          <div className="auto-toolbar">
            <button type="button" className="btn" onClick={() => setAdding(true)}>
              New agent
            </button>
          </div>
        ))}
      <ErrorBanner error={revokeError} />
      <Loadable
        resource={res}
        what="agents"
        isEmpty={(d) => itemsOf(d).length === 0}
        empty={
          <>
            No agents yet. An agent runs on your own hosts, connects out to Muster (no inbound port) and runs only the
            commands its own configuration allows.
          </>
        }
      >
        {(d) => (
          <DataTable
            label="Agents"
            columns={columns}
            rows={itemsOf<Agent>(d)}
            rowKey={(a) => a.id}
            rowClassName={(a) => (a.revokedAt ? 'row-dim' : undefined)}
            rowData={(a) => ({ 'data-agent-id': a.id })}
            initialSort={{ id: 'state', desc: false }}
          />
        )}
      </Loadable>
    </>
  );
}
