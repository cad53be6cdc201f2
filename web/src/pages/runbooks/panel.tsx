/**
 * The runbooks that match an alert or an incident, shown first on the alert page and in the incident room: each with
 * why it matches, a stale badge, its first steps (expandable) and its actions' Run buttons; then the alert's own
 * `runbook_url` link when it points elsewhere. Also the list of a service's runbooks on the service page.
 */
import { useState } from 'react';
import { Markdown } from '../../components/markdown.js';
import { Loadable } from '../../components/state.js';
import { Badge } from '../../components/ui.js';
import { ApiError, query } from '../../lib/api.js';
import { relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { ActionRun, StaleBadge } from './parts.js';
import {
  REASON_TEXT,
  runbookPath,
  type MatchedRunbook,
  type MatchedRunbooks,
  type Runbook,
  type RunbookSummary,
} from './types.js';

/** A link the alert already carries (its `runbook_url` annotation or a context link of kind runbook). */
export interface ExternalLink {
  url: string;
  title?: string | null;
}

type Subject = { alertId: string; incidentId?: undefined } | { incidentId: string; alertId?: undefined };

export function RunbooksPanel(
  props: Subject & {
    /** Runbook links the page already knows (the alert's context links); shown with the API's external link. */
    links?: ExternalLink[];
    /** A service to write a first runbook for when nothing matches. */
    serviceId?: string;
  },
) {
  const path = props.alertId
    ? `/api/alerts/${encodeURIComponent(props.alertId)}/runbooks`
    : `/api/incidents/${encodeURIComponent(props.incidentId ?? '')}/runbooks`;
  const res = useApi<MatchedRunbooks>(path);
  // Until the runbooks API answers (or where it does not), the alert's own links still show.
  const data = res.data ?? { items: [], externalUrl: null };
  const external: ExternalLink[] = [];
  for (const l of [...(data.externalUrl ? [{ url: data.externalUrl }] : []), ...(props.links ?? [])])
    if (!external.some((e) => e.url === l.url)) external.push(l);
  const loading = !res.data && !res.error;
  const unavailable = res.error instanceof ApiError && res.error.status === 404;

  return (
    <section className="rb-panel" aria-label="Runbooks" data-testid="runbooks-panel">
      {data.items.map((m) => (
        <MatchedCard key={m.runbook.id} match={m} alertId={props.alertId} incidentId={props.incidentId} />
      ))}
      {external.map((l) => (
        <a
          key={l.url}
          // Beside a matched runbook the alert's own link is the second place to look, not the first.
          className={data.items.length ? 'runbook-link runbook-link-second' : 'runbook-link'}
          href={l.url}
          target="_blank"
          rel="noreferrer noopener"
        >
          <span className="runbook-kicker">{data.items.length ? 'Linked from the alert' : 'Runbook'}</span>
          <span className="runbook-title">{l.title && l.title !== 'Runbook' ? l.title : 'Open the runbook'} →</span>
          <span className="runbook-url">{l.url}</span>
        </a>
      ))}
      {!loading && data.items.length === 0 && external.length === 0 && props.incidentId && (
        <p className="muted small rb-none">
          No runbook for this incident&apos;s services yet
          {unavailable ? (
            '.'
          ) : (
            <>
              : <Link to={newRunbookPath(props.serviceId)}>write one</Link> when it is over.
            </>
          )}
        </p>
      )}
      {!loading && data.items.length === 0 && external.length === 0 && props.alertId && (
        <div className="banner banner-warn no-runbook" role="note">
          <strong>No runbook linked.</strong> Check the dashboard and recent deploys below, and ask the owning team to
          add a <code>runbook</code> annotation to this rule
          {unavailable ? (
            '.'
          ) : (
            <>
              , or <Link to={newRunbookPath(props.serviceId)}>write a runbook</Link>.
            </>
          )}
        </div>
      )}
      {res.error && !unavailable ? (
        <div className="muted small" role="status">
          Runbooks could not load.{' '}
          <button type="button" className="btn btn-small btn-ghost" onClick={res.reload}>
            Try again
          </button>
        </div>
      ) : null}
    </section>
  );
}

function newRunbookPath(serviceId?: string): string {
  return `/runbooks/new${query({ serviceId })}`;
}

function MatchedCard({ match, alertId, incidentId }: { match: MatchedRunbook; alertId?: string; incidentId?: string }) {
  const [open, setOpen] = useState(false);
  const rb = match.runbook;
  // The body comes with the full runbook; the list answer has only the summary.
  const full = useApi<Runbook>(open ? `/api/runbooks/${encodeURIComponent(rb.id)}` : null);
  const actions = match.actions;
  return (
    <article className="rb-match" data-runbook-id={rb.id}>
      <div className="rb-match-head">
        <span className="rb-match-kicker">
          Runbook · {REASON_TEXT[match.reason]} <StaleBadge runbook={rb} />
        </span>
        <Link to={runbookPath(rb.id)} className="rb-match-title">
          {rb.title}
        </Link>
        <span className="muted small">
          {rb.teamName} · v{rb.version}
          {rb.lastReviewedAt ? ` · reviewed ${relativeTime(rb.lastReviewedAt)}` : ''}
        </span>
      </div>
      <button
        type="button"
        className="btn btn-small btn-ghost rb-steps-toggle"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        {open ? 'Hide the first steps' : 'Show the first steps'}
      </button>
      {open && (
        <div className="rb-steps">
          <Loadable resource={full} what="runbook">
            {(r) => (
              <>
                <Markdown source={firstSection(r.body)} headingOffset={2} copyCode maxBlocks={8} />
                <Link to={runbookPath(rb.id)} className="small">
                  Read the whole runbook →
                </Link>
              </>
            )}
          </Loadable>
        </div>
      )}
      {actions.length > 0 && (
        <div className="rb-match-actions">
          {actions.map((a) => (
            <ActionRun key={a.id} action={a} alertId={alertId} incidentId={incidentId} compact />
          ))}
        </div>
      )}
    </article>
  );
}

/** The body up to its second heading: where the first steps usually are. */
export function firstSection(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  let headings = 0;
  let inCode = false;
  const out: string[] = [];
  for (const l of lines) {
    if (l.startsWith('```')) inCode = !inCode;
    if (!inCode && /^#{1,6}\s/.test(l)) {
      headings++;
      const hasContent = out.some((x) => x.trim() && !/^#{1,6}\s/.test(x));
      if (headings > 1 && hasContent) break;
    }
    out.push(l);
  }
  return out.join('\n');
}

/** The runbooks of one service, for its page. */
export function ServiceRunbooks({ serviceId }: { serviceId: string }) {
  const res = useApi<{ items: RunbookSummary[] }>(`/api/runbooks${query({ serviceId })}`);
  if (res.error instanceof ApiError && res.error.status === 404) return null;
  return (
    <section className="card" aria-label="Runbooks">
      <div className="rb-card-head">
        <h2 className="card-title">Runbooks</h2>
        <Link to={newRunbookPath(serviceId)} className="btn btn-small">
          Write a runbook
        </Link>
      </div>
      <Loadable
        resource={res}
        what="runbooks"
        isEmpty={(d) => d.items.length === 0}
        empty="No runbooks for this service yet: write down the steps people take when it breaks."
      >
        {(d) => (
          <ul className="rb-service-list">
            {d.items.map((r) => (
              <li key={r.id}>
                <Link to={runbookPath(r.id)}>{r.title}</Link> <StaleBadge runbook={r} />{' '}
                {r.actionCount > 0 && (
                  <Badge tone="info">{r.actionCount === 1 ? '1 action' : `${r.actionCount} actions`}</Badge>
                )}
                <div className="muted small">
                  {r.teamName} · updated {relativeTime(r.updatedAt)}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Loadable>
    </section>
  );
}
