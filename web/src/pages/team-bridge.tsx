/**
 * The team page's "Bridge call" card: the call every incident of the team gets at declaration
 * (`GET/PUT /api/teams/:team/bridge`, docs/incidents.md "Bridge call"). A fixed bridge (a URL and dial-in text) or a
 * URL template with {incident_key}, {incident_id} and {team}, such as https://meet.jit.si/muster-{incident_key}.
 * Members see it; team admins change or remove it.
 */
import { useState } from 'react';
import { ConfirmButton, ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../components/forms.js';
import { Card } from '../components/ui.js';
import { api } from '../lib/api.js';
import type { Team } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';

interface TeamBridge {
  mode: 'fixed' | 'template';
  url: string;
  dialIn: string;
  updatedBy: string;
  updatedAt: string;
}

const MODES = [
  { value: 'template', text: 'A new call per incident (URL template)' },
  { value: 'fixed', text: 'The same bridge every time' },
] as const;

export function BridgeCard({ team, canManage }: { team: Team; canManage: boolean }) {
  const path = `/api/teams/${encodeURIComponent(team.id)}/bridge`;
  const current = useApi<{ bridge: TeamBridge | null }>(path);
  const [isEditing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const b = current.data?.bridge ?? null;
  const form = useApiForm<{ mode: 'fixed' | 'template'; url: string; dialIn: string }>(
    { mode: 'template', url: '', dialIn: '' },
    async (v) => {
      await api.put(path, { mode: v.mode, url: v.url.trim(), dialIn: v.dialIn.trim() });
      setEditing(false);
      current.reload();
    },
  );
  const edit = () => {
    form.reset({ mode: b?.mode ?? 'template', url: b?.url ?? '', dialIn: b?.dialIn ?? '' });
    setEditing(true);
  };
  const remove = async () => {
    setError(null);
    try {
      await api.put(path, null);
      current.reload();
    } catch (e) {
      setError(e);
    }
  };

  if (current.error && !current.data) return null;
  return (
    <Card title="Bridge call">
      <ErrorBanner error={error} />
      {!isEditing &&
        (b ? (
          <div data-testid="team-bridge">
            <p className="small">
              {b.mode === 'template' ? 'Each incident gets its own call: ' : 'Every incident uses '}
              <code className="bridge-url">{b.url}</code>
            </p>
            {b.dialIn && <p className="small muted">Dial-in: {b.dialIn}</p>}
            {canManage && (
              <div className="form-actions">
                <button type="button" className="btn btn-small" onClick={edit}>
                  Change
                </button>
                <ConfirmButton label="Remove" confirmLabel="Remove the bridge call" onConfirm={() => void remove()} />
              </div>
            )}
          </div>
        ) : (
          <>
            <p className="muted small">
              No bridge call. Incidents of this team get one at declaration once it is set: a fixed bridge, or a URL
              template such as https://meet.jit.si/muster-{'{incident_key}'}.
            </p>
            {canManage && (
              <button type="button" className="btn btn-small" onClick={edit} data-testid="set-team-bridge">
                Set a bridge call
              </button>
            )}
          </>
        ))}
      {isEditing && (
        <form onSubmit={form.onSubmit} aria-label="Bridge call">
          <ErrorBanner error={form.error} fields={['mode', 'url', 'dialIn']} />
          <SelectField form={form} name="mode" id="team-bridge-mode" label="Kind" options={MODES} />
          <TextField
            form={form}
            name="url"
            id="team-bridge-url"
            label="URL"
            placeholder="https://meet.jit.si/muster-{incident_key}"
            hint="A template may use {incident_key} (a short key of the incident), {incident_id} and {team} (this team's slug)."
          />
          <TextField form={form} name="dialIn" id="team-bridge-dial-in" label="Dial-in (optional)" />
          <FormActions busy={form.busy} submit="Save bridge call" onCancel={() => setEditing(false)} />
        </form>
      )}
    </Card>
  );
}
