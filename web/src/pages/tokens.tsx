import { useCallback, useState } from 'react';
import { ConfirmButton, ErrorBanner, Field, useSubmit } from '../components/forms.js';
import { Badge, Card, Empty, LoadError, Loading, OneTimeSecret, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { formatTime, relativeTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import type { ApiToken } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';

const EXPIRY_CHOICES = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
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
        {tokens.error ? (
          <LoadError error={tokens.error} retry={tokens.reload} />
        ) : !tokens.data ? (
          <Loading what="Loading tokens" />
        ) : tokens.data.tokens.length === 0 ? (
          <Empty>You have no API tokens.</Empty>
        ) : (
          <table className="table" aria-label="API tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Starts with</th>
                <th>Created</th>
                <th>Last used</th>
                <th>Expires</th>
                <th>Status</th>
                <th className="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.tokens.map((t) => {
                const state = tokenState(t, now);
                return (
                  <tr key={t.id} className={state.label === 'Active' ? '' : 'row-dim'}>
                    <td className="strong">{t.name}</td>
                    <td>
                      <code>{t.prefix}…</code>
                    </td>
                    <td title={t.createdAt}>{formatTime(t.createdAt, user.timezone)}</td>
                    <td title={t.lastUsedAt ?? ''}>{relativeTime(t.lastUsedAt, now)}</td>
                    <td title={t.expiresAt ?? ''}>{t.expiresAt ? formatTime(t.expiresAt, user.timezone) : 'Never'}</td>
                    <td>
                      <Badge tone={state.tone}>{state.label}</Badge>
                    </td>
                    <td className="actions-col">
                      {state.label !== 'Revoked' && (
                        <ConfirmButton label="Revoke" confirmLabel="Revoke now" onConfirm={() => void revoke(t.id)} />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function CreateToken({ onCreated }: { onCreated: (c: { token: string; apiToken: ApiToken }) => void }) {
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('90');
  const form = useSubmit(
    useCallback(async () => {
      const expiresAt =
        expiry === 'never' ? null : new Date(Date.now() + Number(expiry) * 24 * 3600 * 1000).toISOString();
      const res = await api.post<{ token: string; apiToken: ApiToken }>('/api/tokens', { name, expiresAt });
      setName('');
      onCreated(res);
    }, [name, expiry, onCreated]),
  );
  return (
    <Card title="Create a token">
      <form onSubmit={form.onSubmit} noValidate aria-label="Create a token">
        <ErrorBanner error={form.error} fields={['name', 'expiresAt']} />
        <div className="grid-2">
          <Field
            label="Name"
            htmlFor="token-name"
            error={form.fieldError('name')}
            hint="What it is for, e.g. “deploy script”."
          >
            <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label="Expires after" htmlFor="token-expiry" error={form.fieldError('expiresAt')}>
            <select id="token-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy}>
            {form.busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
    </Card>
  );
}
