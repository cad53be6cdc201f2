import { useState } from 'react';
import { ConfirmButton, ErrorBanner, useApiForm } from '../components/forms.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Badge, Card, Empty, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useUser } from '../lib/session.js';
import { TEAM_ROLES, type Team, type TeamMember, type TeamRole, type User } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import { TeamPeoplePanel } from './people/team-panel.js';
import { ChangeHooksCard } from './team-change-hooks.js';
import { TrackersCard } from './team-trackers.js';
import { BridgeCard } from './team-bridge.js';
import type { PageProps } from './types.js';

const ROLE_TEXT: Record<TeamRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  responder: 'Responder',
  viewer: 'Viewer',
};

function RoleOptions() {
  return TEAM_ROLES.map((r) => (
    <option key={r} value={r}>
      {ROLE_TEXT[r]}
    </option>
  ));
}

export function RoleBadge({ role }: { role: TeamRole }) {
  const tone = role === 'owner' ? 'info' : role === 'admin' ? 'good' : 'neutral';
  return <Badge tone={tone}>{ROLE_TEXT[role]}</Badge>;
}

export function TeamPage({ params }: PageProps) {
  const team = useApi<Team>(`/api/teams/${encodeURIComponent(params.team ?? '')}`);
  return (
    <Loadable
      resource={team}
      what="team"
      errorHeader={<PageHeader title="Team" subtitle={<Link to="/teams">← All teams</Link>} />}
    >
      {(t) => <TeamView team={t} reload={team.reload} />}
    </Loadable>
  );
}

function TeamView({ team: t, reload }: { team: Team; reload: () => void }) {
  const me = useUser();
  const [actionError, setActionError] = useState<unknown>(null);
  const [busyUser, setBusyUser] = useState<string | null>(null);
  const canManage = me.isAdmin || t.myRole === 'owner' || t.myRole === 'admin';

  const change = async (userId: string, role: TeamRole | null) => {
    setActionError(null);
    setBusyUser(userId);
    try {
      const path = `/api/teams/${encodeURIComponent(t.id)}/members/${encodeURIComponent(userId)}`;
      if (role) await api.put<Team>(path, { role });
      else await api.del<Team>(path);
      reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusyUser(null);
    }
  };

  const members = t.members ?? [];
  const columns: Column<TeamMember>[] = [
    {
      id: 'name',
      header: 'Name',
      className: 'strong',
      sortValue: (m) => (m.name || m.email).toLowerCase(),
      cell: (m) => (
        <>
          {m.name || '—'} {m.userId === me.id && <Badge>you</Badge>}
        </>
      ),
    },
    { id: 'email', header: 'Email', sortValue: (m) => m.email.toLowerCase(), cell: (m) => m.email },
    {
      id: 'role',
      header: 'Role',
      sortValue: (m) => TEAM_ROLES.indexOf(m.role),
      cell: (m) =>
        canManage ? (
          <select
            aria-label={`Role of ${m.email}`}
            value={m.role}
            disabled={busyUser === m.userId}
            onChange={(e) => void change(m.userId, e.target.value as TeamRole)}
          >
            <RoleOptions />
          </select>
        ) : (
          <RoleBadge role={m.role} />
        ),
    },
    {
      id: 'since',
      header: 'Member since',
      hideOnPhone: true,
      className: 'muted',
      sortValue: (m) => m.createdAt,
      cell: (m) => formatTime(m.createdAt, me.timezone),
    },
  ];
  if (canManage)
    columns.push({
      id: 'actions',
      header: 'Actions',
      align: 'actions',
      cell: (m) => {
        const isMe = m.userId === me.id;
        return (
          <ConfirmButton
            label={isMe ? 'Leave' : 'Remove'}
            confirmLabel={isMe ? 'Leave team' : `Remove ${m.name || m.email}`}
            disabled={busyUser === m.userId}
            onConfirm={() => void change(m.userId, null)}
          />
        );
      },
    });

  return (
    <>
      <div className="crumbs">
        <Link to="/teams">Teams</Link> <span aria-hidden="true">/</span> <span>{t.name}</span>
      </div>
      <PageHeader
        title={t.name}
        subtitle={
          <>
            <code>{t.slug}</code> · {members.length} {members.length === 1 ? 'member' : 'members'}
            {t.myRole && (
              <>
                {' '}
                · you are <RoleBadge role={t.myRole} />
              </>
            )}
          </>
        }
      />
      {t.description && <p className="lead">{t.description}</p>}
      {actionError ? <ErrorBanner error={actionError} /> : null}
      <Card title="Members">
        {members.length === 0 ? (
          <Empty>No members.</Empty>
        ) : (
          <DataTable label="Members" columns={columns} rows={members} rowKey={(m) => m.userId} />
        )}
      </Card>
      <TeamPeoplePanel team={t} />
      {canManage && <AddMember team={t} onAdded={reload} />}
      <BridgeCard team={t} canManage={canManage} />
      {canManage && <TrackersCard team={t} />}
      <ChangeHooksCard team={t} canManage={canManage} />
    </>
  );
}

function AddMember({ team, onAdded }: { team: Team; onAdded: () => void }) {
  const users = useApi<{ users: User[] }>('/api/users');
  const memberIds = new Set((team.members ?? []).map((m) => m.userId));
  const form = useApiForm<{ userId: string; role: TeamRole }>({ userId: '', role: 'responder' }, async (v) => {
    if (!v.userId) throw new Error('Pick a person to add.');
    const path = `/api/teams/${encodeURIComponent(team.id)}/members/${encodeURIComponent(v.userId)}`;
    await api.put<Team>(path, { role: v.role });
    form.reset({ userId: '', role: v.role });
    onAdded();
  });
  const userId = form.watch('userId');

  return (
    <Card title="Add a member">
      <Loadable
        resource={users}
        what="people"
        isEmpty={(d) => !d.users.some((u) => !memberIds.has(u.id) && !u.disabledAt)}
        empty="Everyone is already in this team. Add people on the Users page first."
      >
        {(d) => (
          <form className="inline-form" onSubmit={form.onSubmit} aria-label="Add a member">
            <label className="sr-only" htmlFor="add-member-user">
              Person
            </label>
            <select id="add-member-user" {...form.register('userId')}>
              <option value="">Choose a person…</option>
              {d.users
                .filter((u) => !memberIds.has(u.id) && !u.disabledAt)
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name ? `${u.name} <${u.email}>` : u.email}
                  </option>
                ))}
            </select>
            <label className="sr-only" htmlFor="add-member-role">
              Role
            </label>
            <select id="add-member-role" {...form.register('role')}>
              <RoleOptions />
            </select>
            <button type="submit" className="btn btn-primary" disabled={form.busy || !userId}>
              {form.busy ? 'Adding…' : 'Add member'}
            </button>
          </form>
        )}
      </Loadable>
      <ErrorBanner error={form.error} />
    </Card>
  );
}
