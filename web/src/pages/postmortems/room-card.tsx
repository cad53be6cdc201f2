/**
 * The incident room's way to the post-mortem, once the incident is resolved: start one, continue the draft, review
 * it, or read the published one, with its owner and due date.
 */
import { useEffect, useState } from 'react';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import { Badge, Card } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, navigate } from '../../lib/router.js';
import { PostmortemStatusBadge } from './badges.js';
import { pmPage, type Postmortem } from './types.js';

export function PostmortemCard({
  incidentId,
  incidentStatus,
  expected,
  timeZone,
}: {
  incidentId: string;
  incidentStatus: string;
  /** The policy requires one and none is published (the incident detail's `postmortemExpected`). */
  expected?: boolean;
  timeZone: string;
}) {
  const resolved = incidentStatus === 'resolved';
  const [pm, setPm] = useState<Postmortem | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    if (!resolved) return;
    const ctl = new AbortController();
    api
      .get<Postmortem>(`/api/incidents/${encodeURIComponent(incidentId)}/postmortem`, { signal: ctl.signal })
      .then(setPm, (e: unknown) => {
        if (ctl.signal.aborted) return;
        if (e instanceof ApiError && e.status === 404) setPm(null);
        else setLoadError(e);
      });
    return () => ctl.abort();
  }, [incidentId, resolved]);

  const start = useSubmit(async () => {
    const path = `/api/incidents/${encodeURIComponent(incidentId)}/postmortem`;
    try {
      const created = await api.post<Postmortem>(path, {});
      navigate(pmPage(created.id));
    } catch (e) {
      // Started meanwhile (by the policy's job or someone else): open that one.
      if (!(e instanceof ApiError && e.status === 409)) throw e;
      navigate(pmPage((await api.get<Postmortem>(path)).id));
    }
  });

  if (!resolved) return null;
  if (loadError) return <ErrorBanner error={loadError} />;
  if (pm === undefined) return null;

  if (!pm)
    return (
      <Card className="pm-room-card" title="Post-mortem">
        <div data-testid="postmortem-card" className="pm-room-card-body">
          <p className="grow">
            {expected
              ? 'This incident needs a post-mortem: what happened, why, and what we change.'
              : 'Write a blameless post-mortem while the details are fresh.'}
          </p>
          <button type="button" className="btn btn-primary" disabled={start.busy} onClick={() => void start.run()}>
            {start.busy ? 'Starting…' : 'Start post-mortem'}
          </button>
        </div>
        <ErrorBanner error={start.error} />
      </Card>
    );

  const action = pm.status === 'draft' ? 'Continue post-mortem' : pm.status === 'in_review' ? 'Review' : 'Published';
  return (
    <Card className="pm-room-card" title="Post-mortem">
      <div data-testid="postmortem-card" className="pm-room-card-body">
        <div className="grow">
          <PostmortemStatusBadge status={pm.status} />{' '}
          {pm.isOverdue && pm.status !== 'published' && <Badge tone="bad">overdue</Badge>}
          <div className="muted small">
            Owner: {pm.owner?.name ?? 'nobody yet'}
            {pm.status === 'published'
              ? ` · published ${formatTime(pm.publishedAt, timeZone)}`
              : pm.dueAt
                ? ` · due ${relativeTime(pm.dueAt)} (${formatTime(pm.dueAt, timeZone)})`
                : ''}
          </div>
        </div>
        <Link to={pmPage(pm.id)} className={pm.status === 'published' ? 'btn' : 'btn btn-primary'}>
          {action}
        </Link>
      </div>
    </Card>
  );
}
