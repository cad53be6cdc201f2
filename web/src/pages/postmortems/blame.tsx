/**
 * Blameless-language findings in the post-mortem editor (issue 11; rules in src/postmortems/blame/rules.json,
 * docs/postmortems.md "Blameless language"). `BlameFindings` lists a section's findings — the words in their
 * sentence, why they read as blame, a systemic rephrasing — each dismissable with a reason (dismissed ones fold
 * away with theirs); `HighlightedText` shows a text with the findings' words marked.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import type { BlameFinding } from './types.js';

/** A dismissal as the post-mortem carries it (`blame.dismissed`); only the fingerprint is required. */
export interface BlameDismissal {
  fingerprint: string;
  reason?: string;
  by?: string | { name?: string | null } | null;
  at?: string;
}

const REASON_MAX = 500;

/** The words of a finding marked within its sentence (found by text: the sentence is a slice of the section). */
function SentenceWithExcerpt({ f }: { f: BlameFinding }) {
  const i = f.sentence.indexOf(f.excerpt);
  if (i < 0 || !f.excerpt) return <>{f.sentence}</>;
  return (
    <>
      {f.sentence.slice(0, i)}
      <mark className="pm-blame-mark" title={f.message}>
        {f.excerpt}
      </mark>
      {f.sentence.slice(i + f.excerpt.length)}
    </>
  );
}

function DismissForm({
  f,
  onDismiss,
  onCancel,
}: {
  f: BlameFinding;
  onDismiss: (fingerprint: string, reason: string) => Promise<void> | void;
  onCancel: () => void;
}) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const submit = useSubmit(async () => {
    await onDismiss(f.fingerprint, reason.trim());
  });
  const missing = tried && !reason.trim();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!reason.trim()) return;
    submit.onSubmit(e);
  };
  return (
    <form className="pm-blame-dismiss" onSubmit={onSubmit} noValidate>
      <div className={missing ? 'field field-invalid' : 'field'}>
        <label htmlFor={`${id}-reason`}>Why is this not blame?</label>
        <textarea
          id={`${id}-reason`}
          rows={2}
          maxLength={REASON_MAX}
          value={reason}
          autoFocus
          aria-invalid={missing || undefined}
          aria-describedby={missing ? `${id}-reason-error` : `${id}-reason-hint`}
          onChange={(e) => setReason(e.target.value)}
        />
        {missing ? (
          <div className="field-error" id={`${id}-reason-error`} role="alert">
            Give a reason: reviewers see it.
          </div>
        ) : (
          <div className="field-hint" id={`${id}-reason-hint`}>
            For example: &quot;a quote from the customer&apos;s report&quot;. Reviewers see the reason.
          </div>
        )}
      </div>
      <ErrorBanner error={submit.error} />
      <div className="pm-blame-actions">
        <button type="submit" className="btn btn-small btn-primary" disabled={submit.busy}>
          {submit.busy ? 'Dismissing…' : 'Dismiss finding'}
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={onCancel} disabled={submit.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function byName(by: BlameDismissal['by']): string | null {
  if (!by) return null;
  return typeof by === 'string' ? by : (by.name ?? null);
}

/**
 * A section's findings. `dismissed`: the post-mortem's dismissals (findings with those fingerprints fold into
 * "Dismissed"); without `onDismiss` the list is read-only.
 */
export function BlameFindings({
  findings,
  dismissed = [],
  onDismiss,
}: {
  findings: readonly BlameFinding[];
  dismissed?: readonly BlameDismissal[];
  onDismiss?: (fingerprint: string, reason: string) => Promise<void> | void;
}) {
  const [asking, setAsking] = useState<string | null>(null);
  const byFingerprint = new Map(dismissed.map((d) => [d.fingerprint, d]));
  const open = findings.filter((f) => !byFingerprint.has(f.fingerprint));
  const closed = findings.filter((f) => byFingerprint.has(f.fingerprint));
  if (findings.length === 0) return null;
  const keyOf = (f: BlameFinding) => `${f.sectionKey ?? ''}:${f.fingerprint}:${f.start}`;

  return (
    <div className="pm-blame" data-testid="blame-findings">
      {open.length > 0 && (
        <>
          <p className="pm-blame-intro small">
            <strong>{open.length === 1 ? '1 phrase reads' : `${open.length} phrases read`} as blame.</strong> Describe
            what the system allowed rather than who slipped, or dismiss with a reason.
          </p>
          <ul className="pm-blame-list">
            {open.map((f) => (
              <li key={keyOf(f)} className="pm-blame-item" data-rule={f.ruleId}>
                <blockquote className="pm-blame-sentence">
                  <SentenceWithExcerpt f={f} />
                </blockquote>
                <p className="pm-blame-message">{f.message}</p>
                {f.suggestion && (
                  <p className="pm-blame-suggestion">
                    <span className="pm-blame-label">Try</span> {f.suggestion}
                  </p>
                )}
                {onDismiss &&
                  (asking === keyOf(f) ? (
                    <DismissForm
                      f={f}
                      onCancel={() => setAsking(null)}
                      onDismiss={async (fp, reason) => {
                        await onDismiss(fp, reason);
                        setAsking(null);
                      }}
                    />
                  ) : (
                    <div className="pm-blame-actions">
                      <span className="muted small mono" title="The rule in rules.json">
                        {f.ruleId}
                      </span>
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsking(keyOf(f))}>
                        Dismiss…
                      </button>
                    </div>
                  ))}
              </li>
            ))}
          </ul>
        </>
      )}
      {closed.length > 0 && (
        <details className="pm-blame-dismissed">
          <summary className="small">Dismissed ({closed.length})</summary>
          <ul className="pm-blame-list">
            {closed.map((f) => {
              const d = byFingerprint.get(f.fingerprint)!;
              const who = byName(d.by);
              return (
                <li key={keyOf(f)} className="pm-blame-item pm-blame-item-dismissed">
                  <blockquote className="pm-blame-sentence">
                    <SentenceWithExcerpt f={f} />
                  </blockquote>
                  <p className="small">
                    {d.reason ? <>Dismissed: {d.reason}</> : 'Dismissed.'}
                    {who && <span className="muted"> ({who})</span>}
                  </p>
                </li>
              );
            })}
          </ul>
        </details>
      )}
    </div>
  );
}

/**
 * `text` with the findings' words marked (`<mark>`, the reason in its title). Overlapping findings share one mark;
 * offsets outside the text (a finding for an older version) are ignored.
 */
export function HighlightedText({
  text,
  findings,
  className = 'prewrap',
}: {
  text: string;
  findings: readonly Pick<BlameFinding, 'start' | 'end' | 'message'>[];
  className?: string;
}) {
  const spans = findings
    .filter((f) => f.start >= 0 && f.end > f.start && f.end <= text.length)
    .map((f) => ({ start: f.start, end: f.end, titles: [f.message] }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: typeof spans = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start < last.end) {
      last.end = Math.max(last.end, s.end);
      if (!last.titles.includes(s.titles[0]!)) last.titles.push(s.titles[0]!);
    } else merged.push({ ...s, titles: [...s.titles] });
  }
  const parts: ReactNode[] = [];
  let at = 0;
  for (const s of merged) {
    if (s.start > at) parts.push(text.slice(at, s.start));
    parts.push(
      <mark key={s.start} className="pm-blame-mark" title={s.titles.join('\n')}>
        {text.slice(s.start, s.end)}
      </mark>,
    );
    at = s.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <div className={className}>{parts}</div>;
}
