import { useState } from 'react';
import { CheckField, ErrorBanner, FormActions, TextField, useApiForm } from '../components/forms.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Badge, Card, OneTimeSecret, PageHeader } from '../components/ui.js';
import { api, query } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useSession } from '../lib/session.js';
import type { SignInLink, User } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';

/** The columns every viewer sees; `meId` marks the viewer's own row. */
function userColumns(meId: string): Column<User>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      className: 'strong',
      sortValue: (u) => (u.name || u.email).toLowerCase(),
      cell: (u) => (
        <>
          {u.name || '—'} {u.id === meId && <Badge>you</Badge>}
        </>
      ),
    },
    { id: 'email', header: 'Email', sortValue: (u) => u.email.toLowerCase(), cell: (u) => u.email },
    { id: 'timezone', header: 'Time zone', hideOnPhone: true, className: 'muted', cell: (u) => u.timezone },
    {
      id: 'status',
      header: 'Status',
      cell: (u) => (
        <div className="badges">
          {u.disabledAt ? <Badge tone="bad">Disabled</Badge> : <Badge tone="good">Active</Badge>}
          {u.isAdmin && <Badge tone="info">Admin</Badge>}
          {!u.hasPassword && !u.disabledAt && <Badge tone="warn">No password</Badge>}
        </div>
      ),
    },
  ];
}

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

  // The actions column closes over this render's handlers and busy row.
  const columns: Column<User>[] = !me.isAdmin
    ? userColumns(me.id)
    : [
        ...userColumns(me.id),
        {
          id: 'actions',
          header: 'Actions',
          align: 'actions',
          cell: (u) => (
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
          ),
        },
      ];

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
        <Loadable resource={users} what="users" isEmpty={(d) => d.users.length === 0} empty="No users.">
          {(d) => (
            <DataTable
              label="Users"
              columns={columns}
              rows={d.users}
              rowKey={(u) => u.id}
              rowClassName={(u) => (u.disabledAt ? 'row-dim' : undefined)}
            />
          )}
        </Loadable>
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
  const form = useApiForm({ email: '', name: '', password: '', isAdmin: false }, async (v) => {
    const res = await api.post<{ user: User; signInLink?: SignInLink }>('/api/users', {
      email: v.email,
      name: v.name,
      isAdmin: v.isAdmin,
      ...(v.password ? { password: v.password } : {}),
    });
    onCreated(res.user, res.signInLink ?? null);
  });
  return (
    <Card title="New user">
      <form onSubmit={form.onSubmit} noValidate aria-label="New user">
        <ErrorBanner error={form.error} fields={['email', 'name', 'password']} />
        <div className="grid-2">
          <TextField form={form} name="email" id="user-email" label="Email" type="email" autoFocus />
          <TextField form={form} name="name" id="user-name" label="Name" />
        </div>
        <TextField
          form={form}
          name="password"
          id="user-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="Leave empty to get a one-time sign-in link to send them instead (recommended)."
        />
        <CheckField form={form} name="isAdmin" id="user-admin" label="Administrator" />
        <FormActions busy={form.busy} submit="Create user" busyText="Creating…" onCancel={onCancel} />
      </form>
    </Card>
  );
}
