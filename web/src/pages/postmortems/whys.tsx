/**
 * The root cause as structured data (docs/postmortems.md, "Root cause: 5 Whys and contributing factors"):
 * `WhyTree` edits the why → because tree (ask a why under any answer, edit inline, evidence links, delete a why with
 * everything under it), and shows the seed's prompt on a leaf whose answer ends at a person; `FactorPicker` tags the
 * post-mortem with contributing factors from the taxonomy, each optionally linked to a why with a note. Both reload
 * when the other changes the post-mortem's analysis.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ConfirmButton, ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Badge } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';

export interface Evidence {
  url: string;
  label: string;
}

export interface WhyNode {
  id: string;
  parentId: string | null;
  position: number;
  question: string;
  answer: string;
  evidence: Evidence[];
  endsAtPerson: boolean;
  prompt: string | null;
  depth: number;
}

export interface FactorTag {
  factorId: string;
  key: string;
  label: string;
  archived: boolean;
  whyId: string | null;
  note: string;
}

export interface WhysView {
  nodes: WhyNode[];
  factors: FactorTag[];
}

export interface ContributingFactor {
  id: string;
  key: string;
  label: string;
  description: string;
  position: number;
  archived: boolean;
  archivedAt: string | null;
}

const MAX_DEPTH = 10;
const CHANGED = 'muster:postmortem-analysis-changed';

const whysPath = (postmortemId: string) => `/api/postmortems/${encodeURIComponent(postmortemId)}/whys`;

/** Tell every why-tree and factor picker of this post-mortem to reload. */
function announce(postmortemId: string): void {
  window.dispatchEvent(new CustomEvent(CHANGED, { detail: postmortemId }));
}

/** The post-mortem's why-tree and factors, reloaded when any part of the page changes them. */
function useWhys(postmortemId: string) {
  const resource = useApi<WhysView>(whysPath(postmortemId));
  const { reload } = resource;
  useEffect(() => {
    const on = (e: Event) => {
      if ((e as CustomEvent<string>).detail === postmortemId) reload();
    };
    window.addEventListener(CHANGED, on);
    return () => window.removeEventListener(CHANGED, on);
  }, [postmortemId, reload]);
  return resource;
}

// ---- the why-tree ----------------------------------------------------------------------------------------------

export function WhyTree({ postmortemId, canEdit }: { postmortemId: string; canEdit: boolean }) {
  const whys = useWhys(postmortemId);
  const [adding, setAdding] = useState(false);
  const changed = () => announce(postmortemId);

  return (
    <div className="pm-whys" data-testid="why-tree">
      <Loadable
        resource={whys}
        what="the 5 Whys"
        isEmpty={(d) => d.nodes.length === 0 && !canEdit}
        empty="No whys yet."
      >
        {(d) => {
          const children = new Map<string | null, WhyNode[]>();
          for (const n of d.nodes) children.set(n.parentId, [...(children.get(n.parentId) ?? []), n]);
          return (
            <>
              {d.nodes.length === 0 && (
                <p className="muted">
                  Start with what happened (“Why did checkout go down?”), then ask why of each answer until you reach
                  something the organisation can change.
                </p>
              )}
              <WhyList
                nodes={children.get(null) ?? []}
                childrenOf={(id) => children.get(id) ?? []}
                postmortemId={postmortemId}
                canEdit={canEdit}
                onChanged={changed}
              />
            </>
          );
        }}
      </Loadable>
      {canEdit &&
        (adding ? (
          <WhyForm
            postmortemId={postmortemId}
            parentId={null}
            onDone={() => {
              setAdding(false);
              changed();
            }}
            onCancel={() => setAdding(false)}
          />
        ) : (
          <button type="button" className="btn btn-small" onClick={() => setAdding(true)}>
            Add a why
          </button>
        ))}
    </div>
  );
}

function WhyList({
  nodes,
  childrenOf,
  postmortemId,
  canEdit,
  onChanged,
}: {
  nodes: WhyNode[];
  childrenOf: (id: string) => WhyNode[];
  postmortemId: string;
  canEdit: boolean;
  onChanged: () => void;
}) {
  if (nodes.length === 0) return null;
  return (
    <ol className="pm-why-list">
      {nodes.map((n, i) => (
        <WhyItem
          key={n.id}
          node={n}
          index={i}
          siblings={nodes.length}
          childrenOf={childrenOf}
          postmortemId={postmortemId}
          canEdit={canEdit}
          onChanged={onChanged}
        />
      ))}
    </ol>
  );
}

function countUnder(id: string, childrenOf: (id: string) => WhyNode[]): number {
  return childrenOf(id).reduce((sum, c) => sum + 1 + countUnder(c.id, childrenOf), 0);
}

function WhyItem({
  node,
  index,
  siblings,
  childrenOf,
  postmortemId,
  canEdit,
  onChanged,
}: {
  node: WhyNode;
  index: number;
  siblings: number;
  childrenOf: (id: string) => WhyNode[];
  postmortemId: string;
  canEdit: boolean;
  onChanged: () => void;
}) {
  const [mode, setMode] = useState<'view' | 'edit' | 'ask'>('view');
  const path = `${whysPath(postmortemId)}/${encodeURIComponent(node.id)}`;
  const remove = useSubmit(async () => {
    await api.del(path);
    onChanged();
  });
  const [moveError, setMoveError] = useState<unknown>(null);
  const move = async (position: number) => {
    setMoveError(null);
    try {
      await api.patch(path, { position });
      onChanged();
    } catch (e) {
      setMoveError(e);
    }
  };
  const under = countUnder(node.id, childrenOf);

  return (
    <li className={node.endsAtPerson ? 'pm-why pm-why-person' : 'pm-why'} data-why-id={node.id}>
      {mode === 'edit' ? (
        <WhyForm
          postmortemId={postmortemId}
          node={node}
          parentId={node.parentId}
          onDone={() => {
            setMode('view');
            onChanged();
          }}
          onCancel={() => setMode('view')}
        />
      ) : (
        <div className="pm-why-body">
          <p className="pm-why-q">
            <span className="pm-why-label">Why?</span> {node.question}
          </p>
          {node.answer ? (
            <p className="pm-why-a">
              <span className="pm-why-label">Because</span> {node.answer}
            </p>
          ) : (
            <p className="pm-why-a muted">No answer yet.</p>
          )}
          {node.evidence.length > 0 && (
            <ul className="pm-why-evidence" aria-label="Evidence">
              {node.evidence.map((e) => (
                <li key={e.url}>
                  <a href={e.url} target="_blank" rel="noopener noreferrer nofollow">
                    {e.label || e.url}
                  </a>
                </li>
              ))}
            </ul>
          )}
          {node.endsAtPerson && node.prompt && (
            <div className="banner banner-warn pm-why-prompt" role="note" data-testid="why-person-prompt">
              <span>{node.prompt}</span>
              {canEdit && node.depth < MAX_DEPTH && (
                <button type="button" className="btn btn-small" onClick={() => setMode('ask')}>
                  Ask one more why
                </button>
              )}
            </div>
          )}
          {canEdit && (
            <div className="pm-why-actions">
              {node.depth < MAX_DEPTH && (
                <button type="button" className="btn btn-small btn-ghost" onClick={() => setMode('ask')}>
                  Ask why
                </button>
              )}
              <button type="button" className="btn btn-small btn-ghost" onClick={() => setMode('edit')}>
                Edit
              </button>
              {index > 0 && (
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  aria-label={`Move up: ${node.question}`}
                  onClick={() => void move(index - 1)}
                >
                  Up
                </button>
              )}
              {index < siblings - 1 && (
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  aria-label={`Move down: ${node.question}`}
                  onClick={() => void move(index + 1)}
                >
                  Down
                </button>
              )}
              <ConfirmButton
                label="Delete"
                confirmLabel={under ? `Delete this and the ${under} under it` : 'Delete this why'}
                disabled={remove.busy}
                onConfirm={() => void remove.run()}
              />
            </div>
          )}
          <ErrorBanner error={remove.error ?? moveError} />
        </div>
      )}
      {mode === 'ask' && (
        <WhyForm
          postmortemId={postmortemId}
          parentId={node.id}
          suggestion={node.answer ? `Why ${lowerFirst(node.answer.replace(/[.!]+$/, ''))}?` : ''}
          onDone={() => {
            setMode('view');
            onChanged();
          }}
          onCancel={() => setMode('view')}
        />
      )}
      <WhyList
        nodes={childrenOf(node.id)}
        childrenOf={childrenOf}
        postmortemId={postmortemId}
        canEdit={canEdit}
        onChanged={onChanged}
      />
    </li>
  );
}

const lowerFirst = (s: string) => (s ? s[0]!.toLowerCase() + s.slice(1) : s);

interface EvidenceRow {
  url: string;
  label: string;
}

/** Add a why (under `parentId`) or edit `node`: question, answer, evidence links. */
function WhyForm({
  postmortemId,
  parentId,
  node,
  suggestion = '',
  onDone,
  onCancel,
}: {
  postmortemId: string;
  parentId: string | null;
  node?: WhyNode;
  suggestion?: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const prefix = node ? `why-${node.id}` : `why-new-${parentId ?? 'root'}`;
  const [question, setQuestion] = useState(node?.question ?? suggestion);
  const [answer, setAnswer] = useState(node?.answer ?? '');
  const [evidence, setEvidence] = useState<EvidenceRow[]>(node?.evidence.map((e) => ({ ...e })) ?? []);
  const save = useSubmit(async () => {
    const body = {
      question,
      answer,
      evidence: evidence
        .filter((e) => e.url.trim())
        .map((e) => ({ url: e.url.trim(), ...(e.label.trim() ? { label: e.label.trim() } : {}) })),
    };
    if (node) await api.patch(`${whysPath(postmortemId)}/${encodeURIComponent(node.id)}`, body);
    else await api.post(whysPath(postmortemId), { ...body, parentId });
    onDone();
  });
  const setRow = (i: number, change: Partial<EvidenceRow>) =>
    setEvidence((rows) => rows.map((r, j) => (j === i ? { ...r, ...change } : r)));

  return (
    <form
      className="pm-why-form"
      onSubmit={(e: FormEvent) => save.onSubmit(e)}
      aria-label={node ? 'Edit why' : 'Add a why'}
    >
      <Field label="Why?" htmlFor={`${prefix}-q`} error={save.fieldError('question')}>
        <input
          id={`${prefix}-q`}
          value={question}
          maxLength={1000}
          required
          autoFocus
          onChange={(e) => setQuestion(e.target.value)}
        />
      </Field>
      <Field
        label="Because"
        htmlFor={`${prefix}-a`}
        error={save.fieldError('answer')}
        hint="Describe what in the system or process let it happen, not who."
      >
        <textarea
          id={`${prefix}-a`}
          rows={2}
          value={answer}
          maxLength={4000}
          onChange={(e) => setAnswer(e.target.value)}
        />
      </Field>
      <fieldset className="pm-why-evidence-edit">
        <legend>Evidence</legend>
        {evidence.map((row, i) => (
          <div className="pm-why-evidence-row" key={i}>
            <Field label="Link" htmlFor={`${prefix}-e${i}-url`} error={save.fieldError(`evidence[${i}].url`)}>
              <input
                id={`${prefix}-e${i}-url`}
                type="url"
                placeholder="https://"
                value={row.url}
                onChange={(e) => setRow(i, { url: e.target.value })}
              />
            </Field>
            <Field label="Label" htmlFor={`${prefix}-e${i}-label`} error={save.fieldError(`evidence[${i}].label`)}>
              <input
                id={`${prefix}-e${i}-label`}
                value={row.label}
                maxLength={200}
                onChange={(e) => setRow(i, { label: e.target.value })}
              />
            </Field>
            <button
              type="button"
              className="btn btn-small btn-ghost-danger"
              aria-label={`Remove link ${i + 1}`}
              onClick={() => setEvidence((rows) => rows.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        {evidence.length < 20 && (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => setEvidence((rows) => [...rows, { url: '', label: '' }])}
          >
            Add a link
          </button>
        )}
      </fieldset>
      <ErrorBanner
        error={save.error}
        fields={['question', 'answer', ...evidence.flatMap((_, i) => [`evidence[${i}].url`, `evidence[${i}].label`])]}
      />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : node ? 'Save' : 'Add why'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// ---- contributing factors ----------------------------------------------------------------------------------------

export function FactorPicker({ postmortemId, canEdit }: { postmortemId: string; canEdit: boolean }) {
  const whys = useWhys(postmortemId);
  const taxonomy = useApi<ContributingFactor[]>('/api/contributing-factors');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const factorPath = (factorId: string) =>
    `/api/postmortems/${encodeURIComponent(postmortemId)}/factors/${encodeURIComponent(factorId)}`;

  const toggle = async (factorId: string, on: boolean) => {
    setBusy(factorId);
    setError(null);
    try {
      if (on) await api.put(factorPath(factorId), {});
      else await api.del(factorPath(factorId));
      announce(postmortemId);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="pm-factors" data-testid="factor-picker">
      <h3 className="pm-factors-title">Contributing factors</h3>
      <Loadable resource={whys} what="contributing factors">
        {(view) => {
          const tagged = new Map(view.factors.map((f) => [f.factorId, f]));
          const chips: { id: string; label: string; description: string; archived: boolean }[] = [
            ...(taxonomy.data ?? []).map((f) => ({
              id: f.id,
              label: f.label,
              description: f.description,
              archived: false,
            })),
            // Archived factors stay on the post-mortems that have them.
            ...view.factors
              .filter((f) => f.archived)
              .map((f) => ({ id: f.factorId, label: f.label, description: 'Archived', archived: true })),
          ];
          const shown = canEdit ? chips : chips.filter((c) => tagged.has(c.id));
          return (
            <>
              {taxonomy.error ? <ErrorBanner error={taxonomy.error} /> : null}
              {shown.length === 0 ? (
                <p className="muted">No contributing factors tagged.</p>
              ) : (
                <div className="chips pm-factor-chips" role="group" aria-label="Contributing factors">
                  {shown.map((c) => {
                    const on = tagged.has(c.id);
                    return canEdit ? (
                      <button
                        key={c.id}
                        type="button"
                        className={on ? 'pm-chip pm-chip-on' : 'pm-chip'}
                        aria-pressed={on}
                        title={c.description}
                        disabled={busy === c.id || (c.archived && !on)}
                        onClick={() => void toggle(c.id, !on)}
                      >
                        {c.label}
                        {c.archived && <span className="sr-only"> (archived)</span>}
                      </button>
                    ) : (
                      <span key={c.id} className="pm-chip pm-chip-on" title={c.description}>
                        {c.label}
                      </span>
                    );
                  })}
                </div>
              )}
              <ErrorBanner error={error} />
              {view.factors.length > 0 && (
                <ul className="plain-list pm-factor-notes">
                  {view.factors.map((f) => (
                    <FactorNote
                      key={`${f.factorId}:${f.whyId ?? ''}:${f.note}`}
                      tag={f}
                      nodes={view.nodes}
                      canEdit={canEdit}
                      path={factorPath(f.factorId)}
                      onSaved={() => announce(postmortemId)}
                    />
                  ))}
                </ul>
              )}
            </>
          );
        }}
      </Loadable>
    </div>
  );
}

/** A tagged factor: its link to a why and its note. */
function FactorNote({
  tag,
  nodes,
  canEdit,
  path,
  onSaved,
}: {
  tag: FactorTag;
  nodes: WhyNode[];
  canEdit: boolean;
  path: string;
  onSaved: () => void;
}) {
  const [whyId, setWhyId] = useState(tag.whyId ?? '');
  const [note, setNote] = useState(tag.note);
  const dirty = whyId !== (tag.whyId ?? '') || note !== tag.note;
  const save = useSubmit(async () => {
    await api.put(path, { whyId: whyId || null, note });
    onSaved();
  });
  const linked = useMemo(() => nodes.find((n) => n.id === tag.whyId), [nodes, tag.whyId]);
  const id = `factor-${tag.factorId}`;

  if (!canEdit) {
    return (
      <li>
        <div>
          <strong>{tag.label}</strong> {tag.archived && <Badge>Archived</Badge>}
          {tag.note && <div>{tag.note}</div>}
          {linked && <div className="muted small">Why? {linked.question}</div>}
        </div>
      </li>
    );
  }
  return (
    <li>
      <form className="pm-factor-form" onSubmit={save.onSubmit} aria-label={`${tag.label}: link and note`}>
        <strong>
          {tag.label} {tag.archived && <Badge>Archived</Badge>}
        </strong>
        <Field label="Linked why" htmlFor={`${id}-why`} error={save.fieldError('whyId')}>
          <select id={`${id}-why`} value={whyId} onChange={(e) => setWhyId(e.target.value)}>
            <option value="">None</option>
            {nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {`${'· '.repeat(n.depth - 1)}${n.question.length > 70 ? `${n.question.slice(0, 69)}…` : n.question}`}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Note" htmlFor={`${id}-note`} error={save.fieldError('note')}>
          <input id={`${id}-note`} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
        </Field>
        <ErrorBanner error={save.error} fields={['whyId', 'note']} />
        {dirty && (
          <div className="form-actions">
            <button type="submit" className="btn btn-small btn-primary" disabled={save.busy}>
              {save.busy ? 'Saving…' : 'Save'}
            </button>
          </div>
        )}
      </form>
    </li>
  );
}
