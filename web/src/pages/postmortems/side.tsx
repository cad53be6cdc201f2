/**
 * The editor's side panel (below the sections on a phone): reviewers and their decisions, every revision with its
 * diff, the Markdown export and the print page, and the public summary for the status page.
 */
import { useEffect, useRef, useState } from 'react';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import type { EditorContext } from './editor.js';
import { DECISION_TEXT, pmPath, type Postmortem, type RevisionDetail, type RevisionSummary } from './types.js';

/** The unified diff's file header and end-of-file notes say nothing a reader needs here. */
const DIFF_HEADER = /^(Index: |={10,}|--- |\+\+\+ |\\ No newline)/;

const DECISION_TONE = { pending: 'neutral', approved: 'good', changes_requested: 'warn' } as const;

export function SidePanel({ ctx }: { ctx: EditorContext }) {
  return (
    <>
      <ReviewersCard ctx={ctx} />
      <ExportCard ctx={ctx} />
      <PublicSummaryCard ctx={ctx} />
      <RevisionsCard ctx={ctx} />
    </>
  );
}

function ReviewersCard({ ctx }: { ctx: EditorContext }) {
  const { pm, me } = ctx;
  return (
    <Card title="Review" className="pm-side-card">
      {pm.reviewers.length === 0 ? (
        <p className="muted small">No reviewers yet. Request a review when the draft is ready.</p>
      ) : (
        <ul className="plain-list pm-reviewers" data-testid="reviewers">
          {pm.reviewers.map((r) => (
            <li key={r.user.id} data-reviewer={r.user.id} data-decision={r.decision}>
              <div className="grow">
                <strong>{r.user.name}</strong>
                {r.decidedAt && <div className="muted small">{formatTime(r.decidedAt, me.timezone)}</div>}
                {r.note && <div className="prewrap break small">{r.note}</div>}
              </div>
              <Badge tone={DECISION_TONE[r.decision]}>{DECISION_TEXT[r.decision]}</Badge>
            </li>
          ))}
        </ul>
      )}
      {pm.reviewRequestedAt && (
        <p className="muted small">Review requested {formatTime(pm.reviewRequestedAt, me.timezone)}</p>
      )}
    </Card>
  );
}

function ExportCard({ ctx }: { ctx: EditorContext }) {
  const { pm } = ctx;
  return (
    <Card title="Export" className="pm-side-card">
      <div className="pm-export">
        <a className="btn btn-small" href={`${pmPath(pm.id)}/export.md`} download={`postmortem-${pm.id}.md`}>
          Download Markdown
        </a>
        <Link className="btn btn-small" to={`/postmortems/${encodeURIComponent(pm.id)}/print`}>
          Print
        </Link>
      </div>
      {pm.status !== 'published' && <p className="muted small">A draft exports as it stands, marked as a draft.</p>}
    </Card>
  );
}

function PublicSummaryCard({ ctx }: { ctx: EditorContext }) {
  const { pm, setPm, reload, me, canEdit } = ctx;
  const [text, setText] = useState(pm.publicSummary ?? '');
  const dirty = text !== (pm.publicSummary ?? '');
  const save = useSubmit(async () => {
    setPm(await api.patch<Postmortem>(pmPath(pm.id), { publicSummary: text }));
  });
  // Posts the summary as the final update of the incident's status-page incident (again, after a change).
  const pub = useSubmit(async () => {
    const res = await api.post<unknown>(`${pmPath(pm.id)}/public-summary`, { publish: true });
    if (res && typeof res === 'object' && 'sections' in res) setPm(res as Postmortem);
    else reload();
  });
  return (
    <Card title="Public summary" className="pm-side-card">
      <p className="muted small">
        What customers read on the status page, as the incident&apos;s final update: plain words, no internal names.
      </p>
      <label className="sr-only" htmlFor="pm-public-summary">
        Public summary
      </label>
      <textarea
        id="pm-public-summary"
        rows={4}
        value={text}
        readOnly={!canEdit}
        onChange={(e) => setText(e.target.value)}
      />
      {!canEdit && <p className="muted small">Reopen the post-mortem to change the summary.</p>}
      <ErrorBanner error={save.error ?? pub.error} />
      <div className="form-actions pm-wrap-actions">
        {canEdit && (
          <button
            type="button"
            className="btn btn-small"
            disabled={!dirty || save.busy}
            onClick={() => void save.run()}
          >
            Save summary
          </button>
        )}
        <button
          type="button"
          className="btn btn-small btn-primary"
          disabled={dirty || !pm.publicSummary?.trim() || pub.busy}
          onClick={() => void pub.run()}
        >
          {pm.publicSummaryPublishedAt ? 'Post it again' : 'Publish to status page'}
        </button>
      </div>
      {pm.publicSummaryPublishedAt && (
        <p className="muted small">On the status page since {formatTime(pm.publicSummaryPublishedAt, me.timezone)}</p>
      )}
    </Card>
  );
}

function RevisionsCard({ ctx }: { ctx: EditorContext }) {
  const { pm, me } = ctx;
  // The list follows the post-mortem's revision number: every save adds one.
  const list = useApi<RevisionSummary[]>(`${pmPath(pm.id)}/revisions`);
  const reloadList = list.reload;
  const seen = useRef(pm.revision);
  useEffect(() => {
    if (seen.current !== pm.revision) {
      seen.current = pm.revision;
      reloadList();
    }
  }, [pm.revision, reloadList]);
  const [open, setOpen] = useState<number | null>(null);
  return (
    <Card title="Revisions" className="pm-side-card">
      <Loadable resource={list} what="revisions" isEmpty={(d) => d.length === 0} empty="No revisions yet.">
        {(d) => (
          <ol className="plain-list pm-revisions">
            {[...d]
              .sort((a, b) => b.revision - a.revision)
              .map((r) => (
                <li key={r.revision}>
                  <button
                    type="button"
                    className="pm-revision-btn"
                    aria-expanded={open === r.revision}
                    onClick={() => setOpen(open === r.revision ? null : r.revision)}
                  >
                    <span className="strong">#{r.revision}</span> {r.summary || 'Saved'}
                    <span className="muted small">
                      {' '}
                      · {r.author?.name ?? 'Muster'} · {formatTime(r.at, me.timezone)}
                    </span>
                  </button>
                  {open === r.revision && (
                    <RevisionDiff
                      pmId={pm.id}
                      revision={r.revision}
                      titleOf={(key) => pm.sections.find((x) => x.key === key)?.title ?? key}
                    />
                  )}
                </li>
              ))}
          </ol>
        )}
      </Loadable>
    </Card>
  );
}

function RevisionDiff({
  pmId,
  revision,
  titleOf,
}: {
  pmId: string;
  revision: number;
  titleOf: (sectionKey: string) => string;
}) {
  const res = useApi<RevisionDetail>(`${pmPath(pmId)}/revisions/${revision}`);
  return (
    <Loadable
      resource={res}
      what="the changes"
      isEmpty={(d) => d.diff.length === 0}
      empty="No changes in this revision."
    >
      {(d) => (
        <div className="pm-diffs" data-testid="revision-diff">
          {d.diff.map((f) => (
            <div key={f.field + (f.sectionKey ?? '')} className="pm-diff">
              <div className="small strong">{f.sectionKey ? titleOf(f.sectionKey) : f.field}</div>
              <pre className="pm-diff-body">
                {f.unified
                  .split('\n')
                  .filter((line) => !DIFF_HEADER.test(line))
                  .map((line, i) => (
                    <span
                      key={i}
                      className={
                        line.startsWith('+') && !line.startsWith('+++')
                          ? 'pm-diff-add'
                          : line.startsWith('-') && !line.startsWith('---')
                            ? 'pm-diff-del'
                            : line.startsWith('@@')
                              ? 'pm-diff-hunk'
                              : undefined
                      }
                    >
                      {line}
                      {'\n'}
                    </span>
                  ))}
              </pre>
            </div>
          ))}
        </div>
      )}
    </Loadable>
  );
}
