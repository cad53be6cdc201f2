/**
 * The editor's header (title, incident, severity, status, owner, due date, template) and its workflow bar:
 * request review from named people, approve or request changes as a reviewer, publish (or why not yet), reopen.
 */
import { useState, type FormEvent } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Badge, PageHeader } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { toLocalInput, fromLocalInput } from '../alerts/time-input.js';
import { IncidentSeverityBadge } from '../incidents/badges.js';
import { PostmortemStatusBadge } from './badges.js';
import type { EditorContext } from './editor.js';
import { DECISION_TEXT, pmPath, type Postmortem } from './types.js';

export function PostmortemHeader({ ctx }: { ctx: EditorContext }) {
  const { pm, setPm, users, canEdit, me } = ctx;
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(pm.title);
  const [due, setDue] = useState(pm.dueAt ? toLocalInput(new Date(pm.dueAt)) : '');

  const patch = async (body: Record<string, unknown>) => setPm(await api.patch<Postmortem>(pmPath(pm.id), body));
  const rename = useSubmit(async () => {
    await patch({ title: title.trim() });
    setRenaming(false);
  });
  const [owner, setOwner] = useState<string | null>(null);
  const changeOwner = useSubmit(async () => {
    if (owner !== null) await patch({ ownerUserId: owner || null });
  });
  const changeDue = useSubmit(async () => {
    await patch({ dueAt: fromLocalInput(due) });
  });

  const ownerOptions = users.some((u) => u.id === pm.owner?.id)
    ? users
    : pm.owner
      ? [{ id: pm.owner.id, name: pm.owner.name, email: '' }, ...users]
      : users;

  return (
    <>
      {renaming ? (
        <form
          className="inline-form pm-title-form"
          aria-label="Rename the post-mortem"
          onSubmit={(e: FormEvent) => rename.onSubmit(e)}
        >
          <label className="sr-only" htmlFor="pm-title">
            Title
          </label>
          <input id="pm-title" value={title} onChange={(e) => setTitle(e.target.value)} autoFocus maxLength={200} />
          <button type="submit" className="btn btn-primary" disabled={rename.busy || !title.trim()}>
            Save title
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <PageHeader
          title={pm.title}
          subtitle={
            <span className="room-facts">
              <IncidentSeverityBadge severity={pm.incident.severity} /> <PostmortemStatusBadge status={pm.status} />{' '}
              {pm.isRequired && <Badge tone="info">required</Badge>}{' '}
              {pm.isOverdue && pm.status !== 'published' && <Badge tone="bad">overdue</Badge>}{' '}
              <span className="muted">
                Incident <Link to={`/incidents/${encodeURIComponent(pm.incident.id)}`}>{pm.incident.title}</Link> ·
                template {pm.template.name}
              </span>
            </span>
          }
          actions={
            canEdit ? (
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setTitle(pm.title);
                  setRenaming(true);
                }}
              >
                Rename
              </button>
            ) : undefined
          }
        />
      )}
      <ErrorBanner error={rename.error} />
      <div className="pm-meta">
        <div className="pm-meta-item">
          <label htmlFor="pm-owner">Owner</label>
          <div className="pm-meta-row">
            <select
              id="pm-owner"
              value={owner ?? pm.owner?.id ?? ''}
              disabled={!canEdit}
              onChange={(e) => setOwner(e.target.value)}
            >
              <option value="">Nobody yet</option>
              {ownerOptions.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.id === me.id ? `${u.name || u.email} (me)` : u.name || u.email}
                </option>
              ))}
            </select>
            {owner !== null && owner !== (pm.owner?.id ?? '') && (
              <button
                type="button"
                className="btn btn-small btn-primary"
                disabled={changeOwner.busy}
                onClick={() => void changeOwner.run().then((ok) => ok && setOwner(null))}
              >
                Save owner
              </button>
            )}
          </div>
        </div>
        <div className="pm-meta-item">
          <label htmlFor="pm-due">Due</label>
          <div className="pm-meta-row">
            <input
              id="pm-due"
              type="datetime-local"
              value={due}
              disabled={!canEdit}
              onChange={(e) => setDue(e.target.value)}
            />
            {canEdit && due !== (pm.dueAt ? toLocalInput(new Date(pm.dueAt)) : '') ? (
              <button
                type="button"
                className="btn btn-small btn-primary"
                disabled={changeDue.busy}
                onClick={() => void changeDue.run()}
              >
                Save due date
              </button>
            ) : pm.dueAt ? (
              <span className="muted small" title={formatTime(pm.dueAt, me.timezone)}>
                {relativeTime(pm.dueAt)}
              </span>
            ) : null}
          </div>
        </div>
      </div>
      <ErrorBanner error={changeOwner.error ?? changeDue.error} />
    </>
  );
}

export function WorkflowBar({ ctx }: { ctx: EditorContext }) {
  const { pm, setPm, reload, me } = ctx;
  const [open, setOpen] = useState<'review' | 'decision' | 'reopen' | null>(null);
  const mine = pm.reviewers.find((r) => r.user.id === me.id);
  const blocked = pm.publishProblems.length > 0;

  const publish = useSubmit(async () => {
    try {
      setPm(await api.post<Postmortem>(`${pmPath(pm.id)}/publish`, {}));
    } catch (e) {
      // 409 publish_blocked: the post-mortem's own publishProblems list what is missing; show the current ones.
      if (e instanceof ApiError && e.code === 'publish_blocked') reload();
      throw e;
    }
  });

  return (
    <section className="pm-workflow" aria-label="Workflow">
      <div className="pm-workflow-actions">
        {pm.status !== 'published' && (
          <button type="button" className="btn" onClick={() => setOpen(open === 'review' ? null : 'review')}>
            {pm.status === 'in_review' ? 'Change reviewers' : 'Request review'}
          </button>
        )}
        {pm.status === 'in_review' && mine && (
          <button type="button" className="btn" onClick={() => setOpen(open === 'decision' ? null : 'decision')}>
            Your review{mine.decision !== 'pending' ? `: ${DECISION_TEXT[mine.decision].toLowerCase()}` : ''}
          </button>
        )}
        {pm.status !== 'published' && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={blocked || publish.busy}
            onClick={() => void publish.run()}
          >
            {publish.busy ? 'Publishing…' : 'Publish'}
          </button>
        )}
        {pm.status !== 'draft' && (
          <button type="button" className="btn btn-ghost" onClick={() => setOpen(open === 'reopen' ? null : 'reopen')}>
            Reopen
          </button>
        )}
        {pm.status === 'published' && (
          <span className="muted small">Published {formatTime(pm.publishedAt, me.timezone)}</span>
        )}
      </div>
      {pm.status !== 'published' && blocked && (
        <div className="banner banner-warn pm-problems" data-testid="publish-problems">
          <strong>Before publishing:</strong>
          <ul>
            {pm.publishProblems.map((p) => (
              <li key={p.code + (p.sectionKey ?? '') + p.message}>
                {p.sectionKey ? <a href={`#section-${p.sectionKey}`}>{p.message}</a> : p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <ErrorBanner error={publish.error} />
      {open === 'review' && <RequestReviewForm ctx={ctx} onDone={() => setOpen(null)} />}
      {open === 'decision' && <DecisionForm ctx={ctx} onDone={() => setOpen(null)} />}
      {open === 'reopen' && <ReopenForm ctx={ctx} onDone={() => setOpen(null)} />}
    </section>
  );
}

function RequestReviewForm({ ctx, onDone }: { ctx: EditorContext; onDone: () => void }) {
  const { pm, setPm, users, me } = ctx;
  const [chosen, setChosen] = useState<string[]>(pm.reviewers.map((r) => r.user.id));
  const [pick, setPick] = useState('');
  const send = useSubmit(async () => {
    setPm(await api.post<Postmortem>(`${pmPath(pm.id)}/review`, { reviewerUserIds: chosen }));
    onDone();
  });
  const nameOf = (id: string) =>
    users.find((u) => u.id === id)?.name || pm.reviewers.find((r) => r.user.id === id)?.user.name || id;
  const candidates = users.filter((u) => !chosen.includes(u.id) && u.id !== pm.owner?.id);
  return (
    <form className="card card-tight pm-inline-card" aria-label="Request review" onSubmit={send.onSubmit}>
      <div className="field">
        <label htmlFor="pm-reviewer-pick">Reviewers</label>
        <div className="inline-form">
          <select id="pm-reviewer-pick" value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">Choose a person…</option>
            {candidates.map((u) => (
              <option key={u.id} value={u.id}>
                {u.id === me.id ? `${u.name || u.email} (me)` : u.name || u.email}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn"
            disabled={!pick}
            onClick={() => {
              setChosen([...chosen, pick]);
              setPick('');
            }}
          >
            Add reviewer
          </button>
        </div>
        <div className="field-hint">Reviewers get a notification and can approve or request changes.</div>
      </div>
      {chosen.length > 0 && (
        <ul className="chips" aria-label="Chosen reviewers">
          {chosen.map((id) => (
            <li key={id} className="person-chip">
              {nameOf(id)}{' '}
              <button
                type="button"
                className="btn btn-small btn-ghost"
                aria-label={`Remove ${nameOf(id)}`}
                onClick={() => setChosen(chosen.filter((c) => c !== id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorBanner error={send.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={send.busy || chosen.length === 0}>
          {send.busy ? 'Sending…' : 'Send for review'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DecisionForm({ ctx, onDone }: { ctx: EditorContext; onDone: () => void }) {
  const { pm, setPm, reload } = ctx;
  const [note, setNote] = useState('');
  const decide = (decision: 'approved' | 'changes_requested') => async () => {
    const res = await api.post<Postmortem | null>(`${pmPath(pm.id)}/review/decision`, {
      decision,
      ...(note.trim() ? { note: note.trim() } : {}),
    });
    if (res && typeof res === 'object' && 'sections' in res) setPm(res);
    else reload();
    onDone();
  };
  const approve = useSubmit(decide('approved'));
  const changes = useSubmit(decide('changes_requested'));
  return (
    <div className="card card-tight pm-inline-card" role="form" aria-label="Your review">
      <Field label="Note" htmlFor="pm-decision-note" hint="Optional when approving; say what to change otherwise.">
        <textarea id="pm-decision-note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
      </Field>
      <ErrorBanner error={approve.error ?? changes.error} />
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={approve.busy || changes.busy}
          onClick={() => void approve.run()}
        >
          Approve
        </button>
        <button
          type="button"
          className="btn"
          disabled={approve.busy || changes.busy || !note.trim()}
          onClick={() => void changes.run()}
        >
          Request changes
        </button>
        <button type="button" className="btn btn-ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function ReopenForm({ ctx, onDone }: { ctx: EditorContext; onDone: () => void }) {
  const { pm, setPm } = ctx;
  const [reason, setReason] = useState('');
  const send = useSubmit(async () => {
    setPm(await api.post<Postmortem>(`${pmPath(pm.id)}/reopen`, { reason: reason.trim() }));
    onDone();
  });
  return (
    <form className="card card-tight pm-inline-card" aria-label="Reopen the post-mortem" onSubmit={send.onSubmit}>
      <Field label="Reason" htmlFor="pm-reopen-reason" hint="It goes back to draft; reviewers review it again.">
        <input id="pm-reopen-reason" value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
      </Field>
      <ErrorBanner error={send.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={send.busy || !reason.trim()}>
          Reopen
        </button>
        <button type="button" className="btn btn-ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
