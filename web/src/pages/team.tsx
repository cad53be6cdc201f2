import { useCallback, useState } from 'react';
import { ConfirmButton, ErrorBanner, useSubmit } from '../components/forms.js';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../components/ui.js';
import { api, errorMessage } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useUser } from '../lib/session.js';
import { TEAM_ROLES, type Team, type TeamMember, type TeamRole, type User } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import type { PageProps } from './types.js';

const ROLE_TEXT: Record<TeamRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  responder: 'Responder',
  viewer: 'Viewer',
};

export function RoleBadge({ role }: { role: TeamRole }) {
  const tone = role === 'owner' ? 'info' : role === 'admin' ? 'good' : 'neutral';
  return <Badge tone={tone}>{ROLE_TEXT[role]}</Badge>;
}

export function TeamPage({ params }: PageProps) {
  const key = params.team ?? '';
  const me = useUser();
  const team = useApi<Team>(`/api/teams/${encodeURIComponent(key)}`);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busyUser, setBusyUser] = useState<string | null>(null);

  const t = team.data;
  const canManage = !!t && (me.isAdmin || t.myRole === 'owner' || t.myRole === 'admin');

  const change = async (userId: string, role: TeamRole | null) => {
    if (!t) return;
    setActionError(null);
    setBusyUser(userId);
    try {
      const path = `/api/teams/${encodeURIComponent(t.id)}/members/${encodeURIComponent(userId)}`;
      if (role) await api.put<Team>(path, { role });
      else await api.del<Team>(path);
      team.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusyUser(null);
    }
  };

  if (team.error)
    return (
      <>
        <PageHeader title="Team" subtitle={<Link to="/teams">← All teams</Link>} />
        <LoadError error={team.error} retry={team.reload} />
      </>
    );
  if (!t) return <Loading what="Loading team" />;
  const members = t.members ?? [];

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
          <table className="table" aria-label="Members">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Role</th>
                <th>Member since</th>
                {canManage && <th className="actions-col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <MemberRow
                  key={m.userId}
                  member={m}
                  isMe={m.userId === me.id}
                  canManage={canManage}
                  busy={busyUser === m.userId}
                  timeZone={me.timezone}
                  onRole={(role) => void change(m.userId, role)}
                  onRemove={() => void change(m.userId, null)}
                />
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {canManage && <AddMember team={t} onAdded={team.reload} />}
    </>
  );
}

function MemberRow(props: {
  member: TeamMember;
  isMe: boolean;
  canManage: boolean;
  busy: boolean;
  timeZone: string;
  onRole: (role: TeamRole) => void;
  onRemove: () => void;
}) {
  const { member: m } = props;
  return (
    <tr>
      <td className="strong">
        {m.name || '—'} {props.isMe && <Badge>you</Badge>}
      </td>
      <td>{m.email}</td>
      <td>
        {props.canManage ? (
          <select
            aria-label={`Role of ${m.email}`}
            value={m.role}
            disabled={props.busy}
            onChange={(e) => props.onRole(e.target.value as TeamRole)}
          >
            {TEAM_ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_TEXT[r]}
              </option>
            ))}
          </select>
        ) : (
          <RoleBadge role={m.role} />
        )}
      </td>
      <td className="muted">{formatTime(m.createdAt, props.timeZone)}</td>
      {props.canManage && (
        <td className="actions-col">
          <ConfirmButton
            label={props.isMe ? 'Leave' : 'Remove'}
            confirmLabel={props.isMe ? 'Leave team' : `Remove ${m.name || m.email}`}
            disabled={props.busy}
            onConfirm={props.onRemove}
          />
        </td>
      )}
    </tr>
  );
}

function AddMember({ team, onAdded }: { team: Team; onAdded: () => void }) {
  const users = useApi<{ users: User[] }>('/api/users');
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<TeamRole>('responder');
  const memberIds = new Set((team.members ?? []).map((m) => m.userId));
  const candidates = (users.data?.users ?? []).filter((u) => !memberIds.has(u.id) && !u.disabledAt);

  const form = useSubmit(
    useCallback(async () => {
      if (!userId) throw new Error('Pick a person to add.');
      await api.put<Team>(`/api/teams/${encodeURIComponent(team.id)}/members/${encodeURIComponent(userId)}`, { role });
      setUserId('');
      onAdded();
    }, [team.id, userId, role, onAdded]),
  );

  return (
    <Card title="Add a member">
      {users.error ? (
        <LoadError error={users.error} retry={users.reload} />
      ) : !users.data ? (
        <Loading what="Loading people" />
      ) : candidates.length === 0 ? (
        <Empty>Everyone is already in this team. Add people on the Users page first.</Empty>
      ) : (
        <form className="inline-form" onSubmit={form.onSubmit} aria-label="Add a member">
          <label className="sr-only" htmlFor="add-member-user">
            Person
          </label>
          <select id="add-member-user" value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">Choose a person…</option>
            {candidates.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name ? `${u.name} <${u.email}>` : u.email}
              </option>
            ))}
          </select>
          <label className="sr-only" htmlFor="add-member-role">
            Role
          </label>
          <select id="add-member-role" value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
            {TEAM_ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_TEXT[r]}
              </option>
            ))}
          </select>
          <button type="submit" className="btn btn-primary" disabled={form.busy || !userId}>
            {form.busy ? 'Adding…' : 'Add member'}
          </button>
        </form>
      )}
      {form.error ? <div className="field-error">{errorMessage(form.error)}</div> : null}
    </Card>
  );
}
