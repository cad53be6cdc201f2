/** A post-mortem's status, and what the incident list says about a resolved incident's post-mortem. */
import { Badge } from '../../components/ui.js';
import { PM_STATUS_TEXT, type IncidentPostmortemLink, type PostmortemStatus } from './types.js';

const STATUS_TONE = { draft: 'neutral', in_review: 'info', published: 'good' } as const;

export function PostmortemStatusBadge({ status }: { status: PostmortemStatus }) {
  return (
    <span data-testid="postmortem-status">
      <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{PM_STATUS_TEXT[status] ?? status}</Badge>
    </span>
  );
}

/** "post-mortem missing" / "post-mortem overdue" on a resolved incident that expects one; nothing otherwise. */
export function IncidentPostmortemBadge({
  incident,
}: {
  incident: { status: string; postmortem?: IncidentPostmortemLink | null; postmortemExpected?: boolean };
}) {
  if (incident.status !== 'resolved') return null;
  const pm = incident.postmortem;
  if (pm?.isOverdue && pm.status !== 'published')
    return (
      <span data-testid="postmortem-flag">
        <Badge tone="bad">post-mortem overdue</Badge>
      </span>
    );
  if (!pm && incident.postmortemExpected)
    return (
      <span data-testid="postmortem-flag">
        <Badge tone="warn">post-mortem missing</Badge>
      </span>
    );
  return null;
}
