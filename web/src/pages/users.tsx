import { useCallback, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../components/forms.js';
import { Badge, Card, Empty, LoadError, Loading, OneTimeSecret, PageHeader } from '../components/ui.js';
import { api, query } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useSession } from '../lib/session.js';
import type { SignInLink, User } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';

interface ShownLink {
  who: string;
  link: SignInLink;
}

export function UsersPage() {
  const { session, refresh } = useSession();
  const me = session.user;
  const users = useApi<{ users: User[] }>(`/api/users${query({ includeDisabled: me.isAdmin || undefined })}`);
  const [showForm, setShowForm] = useState(false);
  const [link, setLink] = useState<ShownLink | null>(null);
  const [rowError, setRowError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const act = async (u: User, fn: () => Promise<unknown>) => {
    setRowError(null);
    setBusy(u.id);
    try {
      await fn();
      users.reload();
      if (u.id === me.id) await refresh();
    } catch (e) {
      setRowError(e);
    } finally {
      setBusy(null);
    }
  };
  const patch = (u: User, body: { isAdmin?: boolean; disabled?: boolean }) =>
    act(u, () => api.patch(`/api/users/${encodeURIComponent(u.id)}`, body));
  const newLink = (u: User) =>
    act(u, async () => {
      const l = await api.post<SignInLink>(`/api/users/${encodeURIComponent(u.id)}/sign-in-links`);
      setLink({ who: u.email, link: l });
    });

  return (
    <>
      <PageHeader
        title="Users"
        subtitle="Everyone who can sign in to Muster."
        actions={
          me.isAdmin &&
          !showForm && (
            <button type="button" className="btn btn-primary" onClick={() => setShowForm(true)}>
              New user
            </button>
          )
        }
      />
      {link && (
        <OneTimeSecret
          title={`One-time sign-in link for ${link.who}`}
          value={link.link.url}
          note={
            <>
              <strong>Send this link to {link.who} now; it will not be shown again.</strong> It signs them in once,
              until {formatTime(link.link.expiresAt, me.timezone)}, and then asks them to choose a password.
            </>
          }
          onDismiss={() => setLink(null)}
        />
      )}
      {showForm && (
        <CreateUser
          onCreated={(u, l) => {
            setShowForm(false);
            if (l) setLink({ who: u.email, link: l });
            users.reload();
          }}
          onCancel={() => setShowForm(false)}
        />
      )}
      {rowError ? <ErrorBanner error={rowError} /> : null}
      <Card>
        {users.error ? (
          <LoadError error={users.error} retry={users.reload} />
        ) : !users.data ? (
          <Loading what="Loading users" />
        ) : users.data.users.length === 0 ? (
          <Empty>No users.</Empty>
        ) : (
          <table className="table" aria-label="Users">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Time zone</th>
                <th>Status</th>
                {me.isAdmin && <th className="actions-col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.id} className={u.disabledAt ? 'row-dim' : ''}>
                  <td className="strong">
                    {u.name || '—'} {u.id === me.id && <Badge>you</Badge>}
                  </td>
                  <td>{u.email}</td>
                  <td className="muted">{u.timezone}</td>
                  <td>
                    <div className="badges">
                      {u.disabledAt ? <Badge tone="bad">Disabled</Badge> : <Badge tone="good">Active</Badge>}
                      {u.isAdmin && <Badge tone="info">Admin</Badge>}
                      {!u.hasPassword && !u.disabledAt && <Badge tone="warn">No password</Badge>}
                    </div>
                  </td>
                  {me.isAdmin && (
                    <td className="actions-col">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="btn btn-small btn-ghost"
                          disabled={busy === u.id}
                          onClick={() => void patch(u, { isAdmin: !u.isAdmin })}
                        >
                          {u.isAdmin ? 'Remove admin' : 'Make admin'}
                        </button>
                        <button
                          type="button"
                          className={u.disabledAt ? 'btn btn-small btn-ghost' : 'btn btn-small btn-ghost-danger'}
                          disabled={busy === u.id || u.id === me.id}
                          title={u.id === me.id ? 'You cannot disable yourself' : undefined}
                          onClick={() => void patch(u, { disabled: !u.disabledAt })}
                        >
                          {u.disabledAt ? 'Enable' : 'Disable'}
                        </button>
                        {!u.disabledAt && (
                          <button
                            type="button"
                            className="btn btn-small btn-ghost"
                            disabled={busy === u.id}
                            onClick={() => void newLink(u)}
                          >
                            Sign-in link
                          </button>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function CreateUser({
  onCreated,
  onCancel,
}: {
  onCreated: (u: User, link: SignInLink | null) => void;
  onCancel: () => void;
}) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const form = useSubmit(
    useCallback(async () => {
      const res = await api.post<{ user: User; signInLink?: SignInLink }>('/api/users', {
        email,
        name,
        isAdmin,
        ...(password ? { password } : {}),
      });
      onCreated(res.user, res.signInLink ?? null);
    }, [email, name, password, isAdmin, onCreated]),
  );
  return (
    <Card title="New user">
      <form onSubmit={form.onSubmit} noValidate aria-label="New user">
        <ErrorBanner error={form.error} fields={['email', 'name', 'password']} />
        <div className="grid-2">
          <Field label="Email" htmlFor="user-email" error={form.fieldError('email')}>
            <input id="user-email" type="email" autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Field label="Name" htmlFor="user-name" error={form.fieldError('name')}>
            <input id="user-name" value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
        </div>
        <Field
          label="Password"
          htmlFor="user-password"
          error={form.fieldError('password')}
          hint="Leave empty to get a one-time sign-in link to send them instead (recommended)."
        >
          <input
            id="user-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <label className="check">
          <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} /> Administrator
        </label>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy}>
            {form.busy ? 'Creating…' : 'Create user'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
