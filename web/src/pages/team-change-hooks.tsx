/**
 * The team page's "Change hooks" card (docs/integrations/changes.md): the team's receivers for GitHub, GitLab, Argo CD,
 * Flux, Kubernetes, LaunchDarkly, Unleash, Flagsmith and Terraform Cloud. Team admins add one (its URL and secret are
 * shown once), rotate its secret (the old one keeps working for an hour) or delete it; each hook shows its last
 * deliveries and why one was not recorded. The mapping config is edited with `muster changes mapping set`.
 */
import { useCallback, useEffect, useState } from 'react';
import {
  ConfirmButton,
  ErrorBanner,
  FormActions,
  SelectField,
  TextField,
  useActions,
  useApiForm,
} from '../components/forms.js';
import { Badge, Card, LoadError, Loading } from '../components/ui.js';
import { api } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import type { Team } from '../lib/types.js';

interface Hook {
  id: string;
  source: string;
  name: string;
  url: string;
  lastDeliveryAt: string | null;
}
interface Delivery {
  id: string;
  receivedAt: string;
  event: string;
  outcome: string;
  reason: string;
}

const SOURCES = [
  { value: 'github', text: 'GitHub' },
  { value: 'gitlab', text: 'GitLab' },
  { value: 'argocd', text: 'Argo CD' },
  { value: 'flux', text: 'Flux' },
  { value: 'kubernetes', text: 'Kubernetes (event exporter)' },
  { value: 'launchdarkly', text: 'LaunchDarkly' },
  { value: 'unleash', text: 'Unleash' },
  { value: 'flagsmith', text: 'Flagsmith' },
  { value: 'terraform', text: 'Terraform Cloud' },
] as const;

export function ChangeHooksCard({ team, canManage }: { team: Team; canManage: boolean }) {
  const path = `/api/teams/${encodeURIComponent(team.id)}/change-hooks`;
  const [hooks, setHooks] = useState<Hook[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<{ hook: Hook; secret: string } | null>(null);
  const load = useCallback(() => {
    setError(null);
    api.get<{ hooks: Hook[] }>(path).then((r) => setHooks(r.hooks), setError);
  }, [path]);
  useEffect(load, [load]);

  const form = useApiForm<{ source: string; name: string }>({ source: 'github', name: '' }, async (v) => {
    const r = await api.post<{ hook: Hook; secret: string }>(path, {
      source: v.source,
      ...(v.name.trim() ? { name: v.name.trim() } : {}),
    });
    setSecret(r);
    form.reset({ source: v.source, name: '' });
    load();
  });

  return (
    <Card title="Change hooks">
      <p className="muted small">
        Deploys, flag changes and infrastructure runs sent by your tools, recorded against this team&apos;s services.
        The set-up for each tool is in the integration docs.
      </p>
      {secret && (
        <div className="notice" role="status" style={{ overflowWrap: 'anywhere' }}>
          <p>
            <strong>{secret.hook.name}</strong>: put this URL and secret in the tool now. The secret is not shown again.
          </p>
          <p>
            URL: <code>{secret.hook.url}</code>
          </p>
          <p>
            Secret: <code>{secret.secret}</code>
          </p>
          <button type="button" className="btn btn-small" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      {error ? (
        <LoadError error={error} retry={load} />
      ) : hooks === null ? (
        <Loading what="Loading change hooks" />
      ) : hooks.length === 0 ? (
        <p className="muted">No change hooks yet.</p>
      ) : (
        <ul className="plain-list" aria-label="Change hooks">
          {hooks.map((h) => (
            <HookItem key={h.id} hook={h} path={path} canManage={canManage} onSecret={setSecret} onChanged={load} />
          ))}
        </ul>
      )}
      {canManage && (
        <form onSubmit={form.onSubmit} aria-label="Add a change hook" noValidate>
          <SelectField form={form} name="source" id="change-hook-source" label="Tool" options={SOURCES} />
          <TextField
            form={form}
            name="name"
            id="change-hook-name"
            label="Name"
            hint="Optional: the tool's name by default."
          />
          <ErrorBanner error={form.error} fields={['source', 'name']} />
          <FormActions busy={form.busy} submit="Add change hook" />
        </form>
      )}
    </Card>
  );
}

function HookItem({
  hook,
  path,
  canManage,
  onSecret,
  onChanged,
}: {
  hook: Hook;
  path: string;
  canManage: boolean;
  onSecret: (s: { hook: Hook; secret: string }) => void;
  onChanged: () => void;
}) {
  const me = useUser();
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const { run: act, busy, error } = useActions();
  const at = `${path}/${encodeURIComponent(hook.id)}`;
  return (
    <li data-hook={hook.source} style={{ overflowWrap: 'anywhere' }}>
      <strong>{hook.name}</strong> <Badge>{SOURCES.find((s) => s.value === hook.source)?.text ?? hook.source}</Badge>
      <div className="muted small">
        <code>{hook.url}</code>
        <br />
        {hook.lastDeliveryAt ? `Last delivery ${formatTime(hook.lastDeliveryAt, me.timezone)}` : 'No deliveries yet'}
      </div>
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-small"
          disabled={busy}
          onClick={() =>
            void act(async () =>
              setDeliveries((await api.get<{ deliveries: Delivery[] }>(`${at}/deliveries?limit=10`)).deliveries),
            )
          }
        >
          Show deliveries
        </button>
        {canManage && (
          <>
            <button
              type="button"
              className="btn btn-small"
              disabled={busy}
              onClick={() =>
                void act(async () => onSecret(await api.post<{ hook: Hook; secret: string }>(`${at}/rotate`, {})))
              }
            >
              Rotate secret
            </button>
            <ConfirmButton
              label="Delete"
              confirmLabel={`Delete ${hook.name}`}
              disabled={busy}
              onConfirm={() =>
                void act(async () => {
                  await api.del(at);
                  onChanged();
                })
              }
            />
          </>
        )}
      </div>
      <ErrorBanner error={error} />
      {deliveries && (
        <ul className="plain-list small" aria-label={`Deliveries of ${hook.name}`}>
          {deliveries.length === 0 && <li className="muted">No deliveries yet.</li>}
          {deliveries.map((d) => (
            <li key={d.id}>
              {formatTime(d.receivedAt, me.timezone)} · {d.event} ·{' '}
              <Badge tone={d.outcome === 'recorded' ? 'good' : d.outcome === 'rejected' ? 'bad' : 'neutral'}>
                {d.outcome}
              </Badge>{' '}
              {d.reason}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
