/**
 * A post-mortem on paper: no navigation, no controls in print, every section in the template's order with the
 * curated timeline, the impact, the 5 Whys, the contributing factors and the action items.
 */
import { useEffect, type ReactNode } from 'react';
import { LoadError, Loading } from '../../components/ui.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { seconds } from '../incidents/types.js';
import type { PageProps } from '../types.js';
import { usePostmortem } from './editor.js';
import { Markdown } from './markdown.js';
import {
  MILESTONES,
  MILESTONE_TEXT,
  PM_STATUS_TEXT,
  TAG_TEXT,
  pmPage,
  pmPath,
  userName,
  type Postmortem,
  type Section,
  type Timeline,
} from './types.js';

interface WhyNode {
  id: string;
  parentId: string | null;
  position: number;
  question: string;
  answer: string | null;
  evidence: { url: string; label: string }[];
}
interface Whys {
  nodes: WhyNode[];
  factors: { factorId: string; key: string; label: string; note: string | null }[];
}
interface ActionItem {
  id: string;
  title: string;
  owner: { id: string; name: string } | null;
  team: { id: string; name: string } | null;
  dueAt: string | null;
  priority: string;
  kind: string;
  status: string;
}

/** The page hides the app's navigation while it is open (the sidebar is the layout's, not this page's). */
function usePrintMode() {
  useEffect(() => {
    document.body.classList.add('pm-print-mode');
    return () => document.body.classList.remove('pm-print-mode');
  }, []);
}

export function PostmortemPrintPage({ params }: PageProps) {
  usePrintMode();
  const id = params.id ?? '';
  const user = useUser();
  const { pm, error, reload } = usePostmortem(id);
  const timeline = useApi<Timeline>(`${pmPath(id)}/timeline?view=curated`);
  const whys = useApi<Whys>(`${pmPath(id)}/whys`);
  const actions = useApi<{ items: ActionItem[] }>(`/api/action-items?postmortemId=${encodeURIComponent(id)}&limit=200`);

  if (error && !pm) return <LoadError error={error} retry={reload} />;
  if (!pm) return <Loading what="Preparing the printout" />;
  const tz = user.timezone;
  const body = (s: Section): ReactNode => {
    switch (s.kind) {
      case 'timeline':
        return <PrintTimeline timeline={timeline.data} tz={tz} />;
      case 'impact':
        return <PrintImpact pm={pm} />;
      case 'whys':
        return <PrintWhys whys={whys.data} />;
      case 'factors':
        return <PrintFactors whys={whys.data} />;
      case 'actions':
        return <PrintActions items={actions.data?.items} tz={tz} />;
      default:
        return null;
    }
  };

  return (
    <article className="pm-print" data-testid="postmortem-print">
      <div className="pm-print-controls">
        <Link to={pmPage(pm.id)}>Back to the post-mortem</Link>
        <button type="button" className="btn btn-primary" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <header className="pm-print-head">
        <h1>{pm.title}</h1>
        <p className="muted">
          {pm.incident.severity} · {pm.incident.title} · {PM_STATUS_TEXT[pm.status]}
          {pm.publishedAt ? ` ${formatTime(pm.publishedAt, tz)}` : ' (not published)'}
        </p>
        <p className="muted small">
          Owner: {pm.owner?.name ?? '—'} · Declared {formatTime(pm.incident.declaredAt, tz)} · Resolved{' '}
          {formatTime(pm.incident.resolvedAt, tz)}
          {pm.reviewers.length > 0 &&
            ` · Reviewed by ${
              pm.reviewers
                .filter((r) => r.decision === 'approved')
                .map((r) => r.user.name)
                .join(', ') || '—'
            }`}
        </p>
      </header>
      {pm.sections.map((s) => (
        <section key={s.key} className="pm-print-section">
          <h2>{s.title}</h2>
          {body(s)}
          {s.body.trim() ? <Markdown source={s.body} /> : s.kind === 'text' ? <p className="muted">—</p> : null}
        </section>
      ))}
    </article>
  );
}

function PrintTimeline({ timeline, tz }: { timeline: Timeline | null; tz: string }) {
  if (!timeline) return <p className="muted">Loading the timeline…</p>;
  return (
    <>
      <table className="pm-print-table">
        <tbody>
          {MILESTONES.map((m) => (
            <tr key={m}>
              <th scope="row">{MILESTONE_TEXT[m]}</th>
              <td>{formatTime(timeline.milestones[m], tz)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">MTTD / MTTA / MTTR</th>
            <td>
              {[timeline.metrics.mttdSeconds, timeline.metrics.mttaSeconds, timeline.metrics.mttrSeconds]
                .map((s) => (s === null ? '—' : seconds(s)))
                .join(' / ')}
            </td>
          </tr>
        </tbody>
      </table>
      {timeline.events.length === 0 ? (
        <p className="muted">No events starred.</p>
      ) : (
        <ul className="pm-print-events">
          {timeline.events.map((e) => (
            <li key={e.ref}>
              <span className="pm-print-time">{formatTime(e.at, tz)}</span> {e.body}
              {e.tag && <em> ({TAG_TEXT[e.tag]})</em>}
              {e.actor ? <span className="muted"> · {userName(e.actor)}</span> : null}
              {e.narrative && <div className="prewrap">{e.narrative}</div>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function PrintImpact({ pm }: { pm: Postmortem }) {
  const i = pm.impact;
  const o = i.overrides ?? {};
  const names = (xs: { name: string }[]) => xs.map((x) => x.name).join(', ') || '—';
  const rows: [string, string][] = [
    ['Duration', i.durationSeconds === null ? '—' : seconds(i.durationSeconds)],
    ['Services', names(i.services)],
    ['Alerts / pages', `${i.alertCount} / ${i.pageCount}`],
    ['People paged', names(i.peoplePaged)],
    ['Status page components', names(i.statusComponents)],
    ['Public impact', i.publicImpactMinutes === null ? '—' : `${i.publicImpactMinutes} min`],
    [
      'Customers affected',
      o.customersAffected === undefined || o.customersAffected === null ? '—' : String(o.customersAffected),
    ],
    ['Revenue impact', o.revenueImpact === undefined || o.revenueImpact === null ? '—' : String(o.revenueImpact)],
  ];
  return (
    <table className="pm-print-table">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
        {o.notes && (
          <tr>
            <th scope="row">Notes</th>
            <td className="prewrap">{o.notes}</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function PrintWhys({ whys }: { whys: Whys | null }) {
  if (!whys) return null;
  const children = (parentId: string | null): WhyNode[] =>
    whys.nodes.filter((n) => n.parentId === parentId).sort((a, b) => a.position - b.position);
  const tree = (parentId: string | null): ReactNode => {
    const kids = children(parentId);
    if (kids.length === 0) return null;
    return (
      <ol className="pm-print-whys">
        {kids.map((n) => (
          <li key={n.id}>
            <strong>Why? </strong>
            {n.question}
            {n.answer && (
              <>
                <br />
                <strong>Because </strong>
                {n.answer}
              </>
            )}
            {tree(n.id)}
          </li>
        ))}
      </ol>
    );
  };
  return whys.nodes.length ? <>{tree(null)}</> : null;
}

function PrintFactors({ whys }: { whys: Whys | null }) {
  if (!whys || whys.factors.length === 0) return null;
  return (
    <ul>
      {whys.factors.map((f) => (
        <li key={f.factorId}>
          {f.label}
          {f.note ? `: ${f.note}` : ''}
        </li>
      ))}
    </ul>
  );
}

function PrintActions({ items, tz }: { items: ActionItem[] | undefined; tz: string }) {
  if (!items) return null;
  if (items.length === 0) return <p className="muted">No action items.</p>;
  return (
    <table className="pm-print-table pm-print-actions">
      <thead>
        <tr>
          <th>Action</th>
          <th>Owner</th>
          <th>Due</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr key={a.id}>
            <td>
              {a.title}{' '}
              <span className="muted">
                ({a.kind}, {a.priority})
              </span>
            </td>
            <td>
              {a.owner?.name ?? '—'}
              {a.team ? ` · ${a.team.name}` : ''}
            </td>
            <td>{formatTime(a.dueAt, tz)}</td>
            <td>{a.status.replace(/_/g, ' ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
