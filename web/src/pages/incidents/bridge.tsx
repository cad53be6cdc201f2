/**
 * The incident's bridge call at the top of the room: one tap on "Join the bridge" opens the call (a link: Muster never
 * fetches it) and records the join, which ticks "open the incident channel". The dial-in sits beside it. Anyone who
 * may act on the incident can set or change the bridge here; a team's setting fills it in at declaration.
 */
import { useState, type FormEvent } from 'react';
import { ErrorBanner } from '../../components/forms.js';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { incidentPath } from './types.js';

export interface IncidentBridge {
  url: string;
  dialIn: string;
  source: 'team' | 'room';
  incidentKey: string;
}

export function BridgeBar({
  incidentId,
  version,
  isResolved,
  onChanged,
}: {
  incidentId: string;
  /** Read again when this changes (the timeline grew). */
  version: number;
  isResolved: boolean;
  onChanged: () => void;
}) {
  const base = incidentPath(incidentId);
  const bridge = useApi<{ bridge: IncidentBridge | null }>(`${base}/bridge?v=${version}`);
  const [isEditing, setEditing] = useState(false);
  const [url, setUrl] = useState('');
  const [dialIn, setDialIn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const b = bridge.data?.bridge ?? null;

  const join = () => {
    // The link opens the call; the join is recorded alongside (keepalive: the tab may go to the call app).
    void api.post(`${base}/bridge/join`).then(onChanged, () => undefined);
  };
  const open = () => {
    setUrl(b?.url ?? '');
    setDialIn(b?.dialIn ?? '');
    setError(null);
    setEditing(true);
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.put(`${base}/bridge`, { url: url.trim(), dialIn: dialIn.trim() });
      setEditing(false);
      bridge.reload();
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  if (!bridge.data) return null;
  return (
    <section className="bridge-bar" aria-label="Bridge call" data-testid="bridge-bar">
      {b ? (
        <div className="bridge-line">
          <a
            className="btn btn-primary bridge-join"
            href={b.url}
            target="_blank"
            rel="noopener noreferrer"
            onClick={join}
            data-testid="join-bridge"
          >
            Join the bridge
          </a>
          <span className="bridge-facts">
            <span className="bridge-url small">{b.url}</span>
            {b.dialIn && <span className="muted small">Dial-in: {b.dialIn}</span>}
          </span>
          {!isResolved && !isEditing && (
            <button type="button" className="btn btn-small btn-ghost" onClick={open}>
              Change
            </button>
          )}
        </div>
      ) : (
        !isResolved &&
        !isEditing && (
          <button type="button" className="btn btn-small" onClick={open} data-testid="add-bridge">
            Add a bridge call
          </button>
        )
      )}
      {isEditing && (
        <form className="bridge-form" onSubmit={(e) => void save(e)}>
          <ErrorBanner error={error} fields={['url', 'dialIn']} />
          <div className="field">
            <label htmlFor="bridge-url">Bridge URL</label>
            <input
              id="bridge-url"
              type="text"
              inputMode="url"
              required
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://meet.example.com/incident"
            />
          </div>
          <div className="field">
            <label htmlFor="bridge-dial-in">Dial-in (optional)</label>
            <input id="bridge-dial-in" type="text" value={dialIn} onChange={(e) => setDialIn(e.target.value)} />
          </div>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              Save bridge
            </button>
            <button type="button" className="btn" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
