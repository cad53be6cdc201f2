/**
 * /incidents/:id/summary — the executive summary on one screen, for someone who was not in the room: what is broken
 * and what it means for customers, how long, who is on it, the latest word, and the suspected cause.
 */
import { Breadcrumbs, Card, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { formatTime } from '../../lib/format.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import { IncidentSeverityBadge, IncidentStatusBadge } from './badges.js';

interface Update {
  body: string;
  at: string;
  by: string;
}

interface Summary {
  id: string;
  title: string;
  severity: { level: string; title: string; meaning: string[] };
  status: string;
  impact: string;
  startedAt: string;
  durationSeconds: number;
  isResolved: boolean;
  services: { id: string; name: string }[];
  roles: { role: string; title: string; name: string | null }[];
  latestPublicUpdate: Update | null;
  latestInternalUpdate: Update | null;
  metrics: {
    timeToDetectSeconds: number | null;
    timeToAcknowledgeSeconds: number | null;
    timeToResolveSeconds: number | null;
  };
  suspectedCause: { summary: string; kind: string; at: string } | null;
  warnings: string[];
}

function span(seconds: number | null): string {
  if (seconds === null) return '—';
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function IncidentSummaryPage({ params }: PageProps) {
  const id = params.id ?? '';
  const user = useUser();
  const s = useApi<Summary>(`/api/incidents/${encodeURIComponent(id)}/summary`);
  if (s.error) return <LoadError error={s.error} retry={s.reload} />;
  if (!s.data) return <Loading what="Preparing the summary" />;
  const d = s.data;
  const when = (u: Update | null): string => (u ? `${formatTime(u.at, user.timezone)}, ${u.by}` : '');
  return (
    <div className="summary">
      <Breadcrumbs
        trail={[
          { to: '/incidents', label: 'Incidents' },
          { to: `/incidents/${encodeURIComponent(id)}`, label: d.title },
        ]}
        current="Executive summary"
      />
      <PageHeader
        title={d.title}
        subtitle={
          <span>
            <IncidentSeverityBadge severity={d.severity.level as never} />{' '}
            <IncidentStatusBadge status={d.status as never} /> {d.isResolved ? 'lasted' : 'ongoing for'}{' '}
            <strong>{span(d.durationSeconds)}</strong> since {formatTime(d.startedAt, user.timezone)}
          </span>
        }
      />
      {d.warnings.length > 0 && <div className="banner banner-warn">{d.warnings.join(' ')}</div>}
      <div className="grid-2">
        <Card title="Customer impact">
          <p>{d.impact || 'Not described yet.'}</p>
          <p className="muted">
            {d.severity.level} — {d.severity.title}: {d.severity.meaning.join('; ')}.
          </p>
          <p>Affected: {d.services.map((x) => x.name).join(', ') || 'no service linked yet'}</p>
        </Card>
        <Card title="Who is on it">
          <ul className="plain-list">
            {d.roles.map((r) => (
              <li key={r.role}>
                {r.title}: <strong>{r.name ?? 'unassigned'}</strong>
              </li>
            ))}
          </ul>
        </Card>
        <Card title="Latest update">
          {d.latestPublicUpdate ? (
            <>
              <p>{d.latestPublicUpdate.body}</p>
              <p className="muted">Public · {when(d.latestPublicUpdate)}</p>
            </>
          ) : d.latestInternalUpdate ? (
            <>
              <p>{d.latestInternalUpdate.body}</p>
              <p className="muted">Internal · {when(d.latestInternalUpdate)}</p>
            </>
          ) : (
            <p className="muted">No status update posted yet.</p>
          )}
        </Card>
        <Card title="Response so far">
          <ul className="plain-list">
            <li>Time to detect: {span(d.metrics.timeToDetectSeconds)}</li>
            <li>Time to acknowledge: {span(d.metrics.timeToAcknowledgeSeconds)}</li>
            <li>Time to resolve: {span(d.metrics.timeToResolveSeconds)}</li>
            <li>
              Suspected cause:{' '}
              {d.suspectedCause
                ? `${d.suspectedCause.summary} (${d.suspectedCause.kind}, ${formatTime(d.suspectedCause.at, user.timezone)})`
                : 'not identified yet'}
            </li>
          </ul>
        </Card>
      </div>
    </div>
  );
}
