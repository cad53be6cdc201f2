/**
 * Findings, not noise (issue 22, item 4): the room's typed entries. Open hypotheses with who is on each (so two
 * people do not chase the same red herring), their owner or the IC/TL ruling them out or confirming them, and the
 * findings, decisions and what was ruled out. Posting one is a short form: type, text, an evidence link, and for a
 * hypothesis its owner (you unless you pick someone). Reloads when the live timeline brings an entry.
 */
import { useState, type FormEvent } from 'react';
import { ErrorBanner, useActions } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { useApi, useReloadOn } from '../../lib/use-api.js';
import { incidentPath, type IncidentDetail, type UserLite } from './types.js';

export type EntryType = 'hypothesis' | 'ruled_out' | 'finding' | 'decision';
export const ENTRY_TYPE_TEXT: Record<EntryType, string> = {
  hypothesis: 'Hypothesis',
  ruled_out: 'Ruled out',
  finding: 'Finding',
  decision: 'Decision',
};
/** Timeline kinds that change the entries (a new one, an outcome, a hand-over). */
export const ENTRY_EVENT_KINDS = ['hypothesis', 'ruled_out', 'finding', 'decision', 'hypothesis_owner_changed'];

export interface Entry {
  id: string;
  type: EntryType;
  text: string;
  evidenceUrl: string | null;
  author: { userId: string | null; label: string };
  owner: { userId: string; name: string } | null;
  status: 'open' | 'ruled_out' | 'confirmed' | 'recorded';
  outcomeNote: string | null;
  closedBy: string | null;
  createdAt: string;
}

/** An evidence link: shown, opened by the reader's browser, never fetched by Muster. */
export function EvidenceLink({ url }: { url: string | null | undefined }) {
  if (!url) return null;
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    /* shown as given */
  }
  return (
    <a className="evidence-link small" href={url} target="_blank" rel="noopener noreferrer nofollow">
      Evidence ({host})
    </a>
  );
}

function outcomeOf(e: Entry): EntryType {
  if (e.type !== 'hypothesis') return e.type;
  return e.status === 'confirmed' ? 'finding' : 'ruled_out';
}

export function FindingsPanel({
  detail,
  users,
  userId,
  signal,
}: {
  detail: IncidentDetail;
  users: UserLite[];
  /** The signed-in person: their own hypotheses and, as IC or TL, everyone's can be closed here. */
  userId: string;
  /** Changes when the live timeline brings an entry: read them again. */
  signal: number;
}) {
  const base = incidentPath(detail.incident.id);
  const entries = useApi<{ entries: Entry[] }>(`${base}/entries`);
  const { reload } = entries;
  useReloadOn(signal, reload);
  const [type, setType] = useState<EntryType>('hypothesis');
  const [text, setText] = useState('');
  const [evidence, setEvidence] = useState('');
  const [owner, setOwner] = useState('');
  const { run, busy, error } = useActions(reload);
  const isLead = detail.roles.commander?.userId === userId || detail.roles.technical_lead?.userId === userId;

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await run(() =>
      api.post(`${base}/entries`, {
        type,
        text: text.trim(),
        ...(evidence.trim() ? { evidenceUrl: evidence.trim() } : {}),
        ...(type === 'hypothesis' && owner ? { ownerUserId: owner } : {}),
      }),
    );
    if (ok) {
      setText('');
      setEvidence('');
    }
  };
  const close = (id: string, outcome: 'ruled_out' | 'confirmed') =>
    void run(() => api.patch(`${base}/entries/${encodeURIComponent(id)}`, { outcome }));

  const all = entries.data?.entries ?? [];
  const open = all.filter((e) => e.type === 'hypothesis' && e.status === 'open');
  const settled = all.filter((e) => !(e.type === 'hypothesis' && e.status === 'open'));

  return (
    <Card title="Hypotheses and findings" className="room-findings">
      <ErrorBanner error={error ?? entries.error} fields={['text', 'evidenceUrl', 'ownerUserId']} />
      <h3 className="small-heading">Open hypotheses</h3>
      {open.length === 0 ? (
        <p className="muted small">Nobody is chasing a hypothesis right now.</p>
      ) : (
        <ul className="plain-list entry-list" aria-label="Open hypotheses" data-testid="open-hypotheses">
          {open.map((e) => (
            <li key={e.id} className="entry entry-open">
              <span className="entry-text">{e.text}</span>{' '}
              <span className="entry-owner">
                <strong>{e.owner?.name ?? 'Nobody'}</strong> is on it
              </span>{' '}
              <EvidenceLink url={e.evidenceUrl} />
              {(isLead || e.owner?.userId === userId) && (
                <span className="entry-actions">
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={busy}
                    onClick={() => close(e.id, 'ruled_out')}
                  >
                    Rule out
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={busy}
                    onClick={() => close(e.id, 'confirmed')}
                  >
                    Confirm
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {settled.length > 0 && (
        <>
          <h3 className="small-heading">Findings, decisions and ruled out</h3>
          <ul className="plain-list entry-list" aria-label="Findings and decisions" data-testid="settled-entries">
            {settled.map((e) => (
              <li key={e.id} className={`entry entry-${outcomeOf(e)}`}>
                <span className="entry-type">{ENTRY_TYPE_TEXT[outcomeOf(e)]}</span>{' '}
                <span className="entry-text">
                  {e.text}
                  {e.outcomeNote ? ` — ${e.outcomeNote}` : ''}
                </span>{' '}
                <span className="muted small">— {e.closedBy ?? e.author.label}</span>{' '}
                <EvidenceLink url={e.evidenceUrl} />
              </li>
            ))}
          </ul>
        </>
      )}
      <form className="entry-form" onSubmit={(e) => void add(e)} aria-label="Add a hypothesis or finding">
        <div className="entry-form-row">
          <label htmlFor="entry-type">Type</label>
          <select id="entry-type" value={type} onChange={(e) => setType(e.target.value as EntryType)}>
            {(Object.keys(ENTRY_TYPE_TEXT) as EntryType[]).map((t) => (
              <option key={t} value={t}>
                {ENTRY_TYPE_TEXT[t]}
              </option>
            ))}
          </select>
          {type === 'hypothesis' && (
            <>
              <label htmlFor="entry-owner">Who is on it</label>
              <select id="entry-owner" value={owner} onChange={(e) => setOwner(e.target.value)}>
                <option value="">Me</option>
                {users
                  .filter((u) => u.id !== userId)
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name || u.email}
                    </option>
                  ))}
              </select>
            </>
          )}
        </div>
        <label className="sr-only" htmlFor="entry-text">
          What
        </label>
        <input
          id="entry-text"
          placeholder={
            type === 'hypothesis'
              ? 'What might be causing it?'
              : type === 'decision'
                ? 'What did we decide?'
                : type === 'ruled_out'
                  ? 'What is not the cause?'
                  : 'What did we find?'
          }
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <label className="sr-only" htmlFor="entry-evidence">
          Evidence link
        </label>
        <input
          id="entry-evidence"
          type="url"
          inputMode="url"
          placeholder="Evidence link (optional): https://…"
          value={evidence}
          onChange={(e) => setEvidence(e.target.value)}
        />
        <button type="submit" className="btn btn-small" disabled={busy || !text.trim()}>
          Add {ENTRY_TYPE_TEXT[type].toLowerCase()}
        </button>
      </form>
    </Card>
  );
}
