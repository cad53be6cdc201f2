/**
 * "Changes during the incident" (issue 22, item 3): every change recorded against one of the incident's services
 * after it began, as the live timeline brings it (`change_during_incident` entries: who made it, what, versions,
 * links). Shown above the timeline while there is at least one, so "someone is changing things" is seen at once.
 */
import { Badge, Card } from '../../components/ui.js';
import { formatTime } from '../../lib/format.js';
import type { TimelineEvent } from './types.js';

interface ChangeDetails {
  changeId?: string;
  serviceName?: string;
  summary?: string;
  source?: string;
  author?: string | null;
  versions?: string[];
  links?: { href: string; text: string }[];
}

export function ChangesDuringIncident({ events, timeZone }: { events: TimelineEvent[]; timeZone?: string }) {
  const changes = events.filter((e) => e.kind === 'change_during_incident').reverse();
  if (changes.length === 0) return null;
  return (
    <Card
      title={
        <>
          Changes during the incident <Badge tone="warn">{changes.length}</Badge>
        </>
      }
      className="changes-live"
    >
      <ul className="plain-list" aria-label="Changes during the incident">
        {changes.map((e) => {
          const d = e.details as ChangeDetails;
          return (
            <li key={e.id} data-change-id={d.changeId} style={{ overflowWrap: 'anywhere' }}>
              <strong>{d.author ?? 'Someone (not said)'}</strong> changed{' '}
              <strong>{d.serviceName ?? 'a service'}</strong>: {d.summary ?? e.body}
              <div className="muted small">
                {formatTime(e.at, timeZone)}
                {d.source ? ` · ${d.source}` : ''}
                {d.versions?.length ? ` · ${d.versions.join(', ')}` : ''}
                {(d.links ?? []).map((l) => (
                  <span key={l.href}>
                    {' · '}
                    <a href={l.href} target="_blank" rel="noreferrer">
                      {l.text}
                    </a>
                  </span>
                ))}
              </div>
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
