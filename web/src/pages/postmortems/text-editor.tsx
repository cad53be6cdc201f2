/**
 * A section's Markdown: write or preview, save as a new revision (a stale base revision is a 409: say so and offer
 * the other person's version, keeping this text to copy), and blameless-language findings under it — checked live
 * while typing (POST /api/blame-check, debounced) and recomputed by the server on save, each dismissable with a reason.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import { api, ApiError } from '../../lib/api.js';
import type { EditorContext } from './editor.js';
import { Markdown } from './markdown.js';
import { BlameSlot } from './slots.js';
import { pmPath, type BlameFinding, type Postmortem, type Section } from './types.js';

const CHECK_AFTER_MS = 600;

export function TextEditor({ ctx, section }: { ctx: EditorContext; section: Section }) {
  const { pm, setPm, canEdit, users } = ctx;
  const [draft, setDraft] = useState(section.body);
  const [base, setBase] = useState(section.body);
  const [preview, setPreview] = useState(false);
  const [conflict, setConflict] = useState(false);
  const [stash, setStash] = useState<string | null>(null);
  const [live, setLive] = useState<BlameFinding[] | null>(null);
  const [expanded, setExpanded] = useState(false);
  const dirty = draft !== base;
  const narrative = section.kind !== 'text';
  const inputId = `section-${section.key}-body`;

  // Someone else's save (or ours, answered) arrives: take it unless this box holds unsaved text.
  const lastBody = useRef(section.body);
  useEffect(() => {
    const old = lastBody.current;
    if (section.body === old) return;
    lastBody.current = section.body;
    setDraft((d) => (d === old ? section.body : d));
    setBase(section.body);
  }, [section.body]);

  const names = useMemo(
    () => [...new Set(users.flatMap((u) => (u.name ? [u.name, u.name.split(/\s+/)[0]!] : [])))],
    [users],
  );

  // Live blameless-language check while typing; the saved text's findings come with the post-mortem.
  useEffect(() => {
    if (!canEdit || !dirty) {
      setLive(null);
      return;
    }
    const ctl = new AbortController();
    const t = setTimeout(() => {
      api.post<{ findings: BlameFinding[] }>('/api/blame-check', { text: draft, names }, { signal: ctl.signal }).then(
        (r) => setLive(r.findings),
        () => undefined, // a failed live check leaves the last findings; the save checks again
      );
    }, CHECK_AFTER_MS);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [draft, dirty, canEdit, names]);

  const findings = dirty && live ? live : dirty ? [] : pm.blame.findings.filter((f) => f.sectionKey === section.key);

  const save = useSubmit(async () => {
    try {
      const res = await api.patch<Postmortem>(pmPath(pm.id), {
        sections: { [section.key]: draft },
        baseRevision: pm.revision,
      });
      setBase(draft);
      setStash(null);
      setPm(res);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === 'revision_conflict') setConflict(true);
      throw e;
    }
  });

  const takeTheirs = useSubmit(async () => {
    const res = await api.get<Postmortem>(pmPath(pm.id));
    const theirs = res.sections.find((s) => s.key === section.key)?.body ?? '';
    setStash(draft);
    setDraft(theirs);
    setBase(theirs);
    setConflict(false);
    save.clearError();
    setPm(res);
  });

  const dismiss = async (fingerprint: string, reason: string) => {
    await api.post(`${pmPath(pm.id)}/blame/dismissals`, { fingerprint, reason });
    ctx.reload();
  };

  if (!canEdit)
    return section.body.trim() ? (
      <Markdown source={section.body} />
    ) : narrative ? null : (
      <p className="muted">Nothing written.</p>
    );

  // Under a structured part the narrative is optional: a button until someone writes one.
  if (narrative && !expanded && !draft)
    return (
      <div className="pm-text" data-testid={`text-${section.key}`}>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => setExpanded(true)}>
          Add a narrative
        </button>
      </div>
    );

  return (
    <div className="pm-text" data-testid={`text-${section.key}`}>
      <div className="pm-text-bar">
        <label htmlFor={inputId} className={narrative ? 'label-like' : 'sr-only'}>
          {narrative ? 'Narrative' : `${section.title} text`}
        </label>
        <span className="segmented pm-text-mode" role="group" aria-label="Write or preview">
          <button
            type="button"
            className={preview ? undefined : 'on'}
            aria-pressed={!preview}
            onClick={() => setPreview(false)}
          >
            Write
          </button>
          <button
            type="button"
            className={preview ? 'on' : undefined}
            aria-pressed={preview}
            onClick={() => setPreview(true)}
          >
            Preview
          </button>
        </span>
      </div>
      {preview ? (
        draft.trim() ? (
          <Markdown source={draft} className="pm-preview" />
        ) : (
          <p className="muted">Nothing to preview.</p>
        )
      ) : (
        <textarea
          id={inputId}
          className="pm-textarea"
          rows={narrative ? 3 : 6}
          value={draft}
          placeholder={
            narrative
              ? 'Optional: what the structured part does not say.'
              : 'Markdown: **bold**, - lists, [links](https://…)'
          }
          onChange={(e) => setDraft(e.target.value)}
        />
      )}
      {conflict ? (
        <div className="banner banner-warn" role="alert">
          <strong>Someone else saved this post-mortem after you opened it.</strong> Load their version to continue; your
          text stays below so you can copy it back in.
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-small"
              disabled={takeTheirs.busy}
              onClick={() => void takeTheirs.run()}
            >
              Load their version
            </button>
          </div>
        </div>
      ) : (
        <ErrorBanner error={save.error ?? takeTheirs.error} />
      )}
      {stash !== null && (
        <details className="pm-stash" open>
          <summary>Your unsaved text</summary>
          <pre className="prewrap break">{stash}</pre>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setStash(null)}>
            Done, hide it
          </button>
        </details>
      )}
      {findings.length > 0 && (
        <BlameSlot text={draft} findings={findings} dismissed={pm.blame.dismissed} onDismiss={dismiss} />
      )}
      <div className="form-actions pm-text-actions">
        <button
          type="button"
          className="btn btn-primary btn-small"
          disabled={!dirty || save.busy || conflict}
          onClick={() => void save.run()}
        >
          {save.busy ? 'Saving…' : 'Save'}
        </button>
        {dirty ? (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setDraft(base)}>
            Discard changes
          </button>
        ) : (
          section.body && <span className="saved">Saved</span>
        )}
      </div>
    </div>
  );
}
