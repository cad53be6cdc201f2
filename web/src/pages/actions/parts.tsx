/**
 * What the board and the post-mortem's section share: the inline status change (won't do asks for a reason,
 * verified for the evidence), the due date with its overdue mark, the tracker link (or its pending / failed state)
 * and the table's columns.
 */
import { useState, type FormEvent } from 'react';
import type { Column } from '../../components/table.js';
import { Badge } from '../../components/ui.js';
import { api, errorMessage } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { KIND_TEXT, PRIORITY_TEXT, STATUS_OPTIONS, STATUS_TEXT, type ActionItem, type Status } from './types.js';

const enc = encodeURIComponent;

/** Statuses that need a word before they are saved: the reason, or the evidence. */
const ASKS: Partial<Record<Status, { field: 'statusReason' | 'verification'; label: string; placeholder: string }>> = {
  wont_do: { field: 'statusReason', label: "Why it won't be done", placeholder: 'The service is being retired' },
  verified: {
    field: 'verification',
    label: 'Evidence that the fix works',
    placeholder: 'A link to a dashboard or test run, or a note',
  },
};

export function StatusControl({ item, onChanged }: { item: ActionItem; onChanged: (item: ActionItem) => void }) {
  const [asking, setAsking] = useState<Status | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = `status-${item.id}`;

  const save = async (status: Status, extra: Record<string, string> = {}) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.patch<ActionItem>(`/api/action-items/${enc(item.id)}`, { status, ...extra }));
      setAsking(null);
      setText('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const choose = (status: Status) => {
    setError(null);
    if (status === item.status) return setAsking(null);
    // Verifying a done item that already has its evidence, or anything that needs no word, saves at once.
    if (ASKS[status] && !(status === 'verified' && item.status === 'done' && item.verification)) setAsking(status);
    else void save(status);
  };
  const ask = asking ? ASKS[asking] : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (asking && ask && text.trim()) void save(asking, { [ask.field]: text.trim() });
  };

  return (
    <div className="ai-status">
      <label className="sr-only" htmlFor={id}>
        Status of {item.title}
      </label>
      <select id={id} value={asking ?? item.status} disabled={busy} onChange={(e) => choose(e.target.value as Status)}>
        {STATUS_OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
      {ask && (
        <form className="inline-form" onSubmit={submit} style={{ marginTop: '0.4rem' }}>
          <label className="sr-only" htmlFor={`${id}-${ask.field}`}>
            {ask.label}
          </label>
          <input
            id={`${id}-${ask.field}`}
            value={text}
            placeholder={ask.placeholder}
            maxLength={2000}
            autoFocus
            style={{ minWidth: 0, flex: '1 1 9rem' }}
            onChange={(e) => setText(e.target.value)}
          />
          <button type="submit" className="btn btn-small btn-primary" disabled={busy || !text.trim()}>
            Save
          </button>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsking(null)}>
            Cancel
          </button>
        </form>
      )}
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
      {item.status === 'wont_do' && item.statusReason && <div className="muted small">{item.statusReason}</div>}
      {item.status === 'verified' && item.verification && (
        <div className="muted small clamp-2" title={item.verification}>
          {item.verification}
        </div>
      )}
    </div>
  );
}

export function DueCell({ item, timeZone }: { item: ActionItem; timeZone: string }) {
  return (
    <span className="nowrap" title={formatTime(item.dueAt, timeZone)}>
      {item.dueAt.slice(0, 10)} {item.isOverdue && <Badge tone="bad">overdue</Badge>}
    </span>
  );
}

export function TrackerCell({ item }: { item: ActionItem }) {
  if (item.tracker) {
    return (
      <a href={item.tracker.url} target="_blank" rel="noreferrer noopener">
        {item.tracker.key ?? 'Issue'}
      </a>
    );
  }
  if (item.trackerIssue?.status === 'pending') return <span className="muted small">Creating the issue…</span>;
  if (item.trackerIssue?.status === 'failed') {
    return (
      <span className="small" title={item.trackerIssue.error ?? undefined}>
        <Badge tone="bad">issue not created</Badge> {item.trackerIssue.error}
      </span>
    );
  }
  return null;
}

/** The columns of an item list; `withIncident` adds where each item came from (the board). */
export function itemColumns(opts: {
  timeZone: string;
  withIncident: boolean;
  onChanged: (item: ActionItem) => void;
}): Column<ActionItem>[] {
  const cols: Column<ActionItem>[] = [
    {
      id: 'title',
      header: 'Action item',
      sortValue: (i) => i.title.toLowerCase(),
      cell: (i) => (
        <>
          <span className="strong">{i.title}</span>
          <div className="muted small">
            {PRIORITY_TEXT[i.priority]} · {KIND_TEXT[i.kind]}
            {opts.withIncident && i.incident && (
              <>
                {' · '}
                {i.postmortemId ? (
                  <Link to={`/postmortems/${enc(i.postmortemId)}`}>{i.incident.title}</Link>
                ) : (
                  <Link to={`/incidents/${enc(i.incident.id)}`}>{i.incident.title}</Link>
                )}
              </>
            )}
          </div>
        </>
      ),
    },
    { id: 'owner', header: 'Owner', sortValue: (i) => i.owner.name.toLowerCase(), cell: (i) => i.owner.name },
    {
      id: 'team',
      header: 'Team',
      sortValue: (i) => i.team.name.toLowerCase(),
      cell: (i) => i.team.name,
      hideOnPhone: true,
    },
    {
      id: 'due',
      header: 'Due',
      sortValue: (i) => i.dueAt,
      cell: (i) => <DueCell item={i} timeZone={opts.timeZone} />,
    },
    {
      id: 'status',
      header: 'Status',
      sortValue: (i) => STATUS_TEXT[i.status],
      cell: (i) => <StatusControl item={i} onChanged={opts.onChanged} />,
    },
    { id: 'tracker', header: 'Tracker', cell: (i) => (i.tracker || i.trackerIssue ? <TrackerCell item={i} /> : null) },
  ];
  return cols;
}
