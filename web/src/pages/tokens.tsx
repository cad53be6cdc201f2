import { useState } from 'react';
import { ConfirmButton, ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../components/forms.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Badge, Card, OneTimeSecret, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { formatTime, relativeTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import type { ApiToken } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';

const EXPIRY_CHOICES = [
  { value: '30', text: '30 days' },
  { value: '90', text: '90 days' },
  { value: '365', text: '1 year' },
  { value: 'never', text: 'Never' },
];

function tokenState(t: ApiToken, now: number): { label: string; tone: 'good' | 'bad' | 'warn' } {
  if (t.revokedAt) return { label: 'Revoked', tone: 'bad' };
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return { label: 'Expired', tone: 'warn' };
  return { label: 'Active', tone: 'good' };
}

export function TokensPage() {
  const user = useUser();
  const tokens = useApi<{ tokens: ApiToken[] }>('/api/tokens');
  // The new token's secret exists only here, in memory, until dismissed or the page is left.
  const [created, setCreated] = useState<{ token: string; apiToken: ApiToken } | null>(null);
  const [revokeError, setRevokeError] = useState<unknown>(null);

  const revoke = async (id: string) => {
    setRevokeError(null);
    try {
      await api.del(`/api/tokens/${encodeURIComponent(id)}`);
      tokens.reload();
    } catch (e) {
      setRevokeError(e);
    }
  };

  const now = Date.now();
  const tz = user.timezone;
  // The cells format times in the viewer's zone and the actions revoke: built per render.
  const columns: Column<ApiToken>[] = [
    { id: 'name', header: 'Name', className: 'strong', sortValue: (t) => t.name.toLowerCase(), cell: (t) => t.name },
    { id: 'prefix', header: 'Starts with', hideOnPhone: true, cell: (t) => <code>{t.prefix}…</code> },
    {
      id: 'created',
      header: 'Created',
      hideOnPhone: true,
      sortValue: (t) => t.createdAt,
      cell: (t) => <span title={t.createdAt}>{formatTime(t.createdAt, tz)}</span>,
    },
    {
      id: 'lastUsed',
      header: 'Last used',
      sortValue: (t) => t.lastUsedAt,
      cell: (t) => <span title={t.lastUsedAt ?? ''}>{relativeTime(t.lastUsedAt, now)}</span>,
    },
    {
      id: 'expires',
      header: 'Expires',
      sortValue: (t) => t.expiresAt,
      cell: (t) => <span title={t.expiresAt ?? ''}>{t.expiresAt ? formatTime(t.expiresAt, tz) : 'Never'}</span>,
    },
    {
      id: 'status',
      header: 'Status',
      cell: (t) => {
        const state = tokenState(t, now);
        return <Badge tone={state.tone}>{state.label}</Badge>;
      },
    },
    {
      id: 'actions',
      header: 'Actions',
      align: 'actions',
      cell: (t) =>
        !t.revokedAt && <ConfirmButton label="Revoke" confirmLabel="Revoke now" onConfirm={() => void revoke(t.id)} />,
    },
  ];
  return (
    <>
      <PageHeader
        title="API tokens"
        subtitle={
          <>
            Tokens act as you for scripts and the <code>muster</code> command line. Send one as{' '}
            <code>Authorization: Bearer &lt;token&gt;</code>.
          </>
        }
      />
      {created && (
        <OneTimeSecret
          title={`Your new token “${created.apiToken.name}”`}
          value={created.token}
          note={
            <>
              <strong>Store it now, it will not be shown again.</strong> Muster keeps only a hash of it. If you lose it,
              revoke it and create another.
            </>
          }
          onDismiss={() => setCreated(null)}
        />
      )}
      <CreateToken
        onCreated={(c) => {
          setCreated(c);
          tokens.reload();
        }}
      />
      <Card title="Your tokens">
        {revokeError ? <ErrorBanner error={revokeError} /> : null}
        <Loadable
          resource={tokens}
          what="tokens"
          isEmpty={(d) => d.tokens.length === 0}
          empty="You have no API tokens."
        >
          {(d) => (
            <DataTable
              label="API tokens"
              columns={columns}
              rows={d.tokens}
              rowKey={(t) => t.id}
              rowClassName={(t) => (tokenState(t, now).label === 'Active' ? undefined : 'row-dim')}
            />
          )}
        </Loadable>
      </Card>
    </>
  );
}

function CreateToken({ onCreated }: { onCreated: (c: { token: string; apiToken: ApiToken }) => void }) {
  const form = useApiForm({ name: '', expiry: '90' }, async (v) => {
    const expiresAt =
      v.expiry === 'never' ? null : new Date(Date.now() + Number(v.expiry) * 24 * 3600 * 1000).toISOString();
    const res = await api.post<{ token: string; apiToken: ApiToken }>('/api/tokens', { name: v.name, expiresAt });
    form.reset({ name: '', expiry: v.expiry });
    onCreated(res);
  });
  return (
    <Card title="Create a token">
      <form onSubmit={form.onSubmit} noValidate aria-label="Create a token">
        <ErrorBanner error={form.error} fields={['name']} />
        <div className="grid-2">
          <TextField
            form={form}
            name="name"
            id="token-name"
            label="Name"
            hint="What it is for, e.g. “deploy script”."
          />
          <SelectField form={form} name="expiry" id="token-expiry" label="Expires after" options={EXPIRY_CHOICES} />
        </div>
        <FormActions busy={form.busy} submit="Create token" busyText="Creating…" />
      </form>
    </Card>
  );
}
