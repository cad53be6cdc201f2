/**
 * One section of the post-mortem, in the template's order: its title, required marker and help text, the
 * structured part for its kind (timeline, impact, whys, factors, action items), the Markdown text (the narrative
 * under a structured part), and the section's comments.
 */
import { useState } from 'react';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import { Badge } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import type { EditorContext } from './editor.js';
import { ImpactSection } from './impact.js';
import { StructuredSlot } from './slots.js';
import { TextEditor } from './text-editor.js';
import { TimelineSection } from './timeline.js';
import { pmPath, type Section } from './types.js';

export function SectionCard({ ctx, section }: { ctx: EditorContext; section: Section }) {
  return (
    <section
      className="card pm-section"
      id={`section-${section.key}`}
      aria-labelledby={`section-${section.key}-title`}
      data-section={section.key}
      data-kind={section.kind}
      data-filled={section.isFilled ? 'true' : 'false'}
    >
      <div className="card-title-row">
        <h2 className="card-title" id={`section-${section.key}-title`}>
          {section.title}
        </h2>
        <span className="pm-section-marks">
          {section.required && <Badge tone={section.isFilled ? 'good' : 'warn'}>required</Badge>}
          {section.isFilled && <span className="muted small">filled</span>}
        </span>
      </div>
      {section.help && <p className="field-hint pm-help">{section.help}</p>}
      {section.kind === 'timeline' && <TimelineSection ctx={ctx} />}
      {section.kind === 'impact' && <ImpactSection ctx={ctx} />}
      {(section.kind === 'whys' || section.kind === 'factors' || section.kind === 'actions') && (
        <StructuredSlot ctx={ctx} section={section} />
      )}
      <TextEditor ctx={ctx} section={section} />
      <SectionComments ctx={ctx} section={section} />
    </section>
  );
}

function SectionComments({ ctx, section }: { ctx: EditorContext; section: Section }) {
  const { pm, setPm, reload, me } = ctx;
  const all = pm.comments.filter((c) => c.sectionKey === section.key);
  const open = all.filter((c) => !c.resolvedAt);
  const resolved = all.filter((c) => c.resolvedAt);
  const [showResolved, setShowResolved] = useState(false);
  const [writing, setWriting] = useState(false);
  const [body, setBody] = useState('');
  const after = (res: unknown) => {
    if (res && typeof res === 'object' && 'sections' in res) setPm(res as typeof pm);
    else reload();
  };
  const add = useSubmit(async () => {
    after(await api.post(`${pmPath(pm.id)}/comments`, { sectionKey: section.key, body: body.trim() }));
    setBody('');
    setWriting(false);
  });
  const [resolving, setResolving] = useState<string | null>(null);
  const [resolveError, setResolveError] = useState<unknown>(null);
  const resolve = async (commentId: string) => {
    setResolving(commentId);
    setResolveError(null);
    try {
      after(await api.post(`${pmPath(pm.id)}/comments/${encodeURIComponent(commentId)}/resolve`, {}));
    } catch (e) {
      setResolveError(e);
    } finally {
      setResolving(null);
    }
  };
  const shown = showResolved ? all : open;
  const idBase = `comment-${section.key}`;

  return (
    <div className="pm-comments" aria-label={`Comments on ${section.title}`} role="region">
      {shown.length > 0 && (
        <ul className="pm-comment-list">
          {shown.map((c) => (
            <li key={c.id} className={c.resolvedAt ? 'pm-comment pm-comment-resolved' : 'pm-comment'}>
              <div className="pm-comment-head">
                <strong>{c.author?.name ?? 'Someone'}</strong>
                <span className="muted small">{formatTime(c.createdAt, me.timezone)}</span>
                {c.resolvedAt ? (
                  <span className="muted small">resolved</span>
                ) : (
                  <button
                    type="button"
                    className="btn btn-small btn-ghost push-right"
                    disabled={resolving === c.id}
                    onClick={() => void resolve(c.id)}
                  >
                    Resolve
                  </button>
                )}
              </div>
              <div className="prewrap break">{c.body}</div>
            </li>
          ))}
        </ul>
      )}
      <ErrorBanner error={resolveError} />
      <div className="pm-comment-bar">
        {!writing && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setWriting(true)}>
            Comment{open.length > 0 ? ` (${open.length} open)` : ''}
          </button>
        )}
        {resolved.length > 0 && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setShowResolved((s) => !s)}>
            {showResolved ? 'Hide resolved' : `Show ${resolved.length} resolved`}
          </button>
        )}
      </div>
      {writing && (
        <form className="pm-comment-form" aria-label={`Comment on ${section.title}`} onSubmit={add.onSubmit}>
          <label className="sr-only" htmlFor={idBase}>
            Comment
          </label>
          <textarea id={idBase} rows={2} value={body} onChange={(e) => setBody(e.target.value)} autoFocus />
          <ErrorBanner error={add.error} />
          <div className="form-actions">
            <button type="submit" className="btn btn-small btn-primary" disabled={add.busy || !body.trim()}>
              Add comment
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setWriting(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
