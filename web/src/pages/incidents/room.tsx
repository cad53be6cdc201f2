/**
 * The incident room: everything about one incident on one page, live. Header (title, severity, status, duration),
 * the first-five-minutes checklist (prominent until done), roles, the live timeline with a note composer, status
 * and severity controls, status updates, the public status page, recent changes, linked alerts and tasks. Needs no chat tool: opening the
 * room joins it (the stream records the join) and the timeline is the conversation.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Breadcrumbs, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import { useSeverities } from './assessment.js';
import { ImportedBadge, IncidentSeverityBadge, IncidentStatusBadge } from './badges.js';
import { AlertsPanel, ChangesPanel } from './changes.js';
import { ChangesDuringIncident } from './changes-live.js';
import { Checklist } from './checklist.js';
import { BridgeBar } from './bridge.js';
import { RespondersPanel } from './add-responders.js';
import { SeverityControl, StatusControl, StatusUpdateComposer } from './controls.js';
import { DoubleBookedMark, useEngagedElsewhere } from './engaged.js';
import { useIncidentTimeline } from './live.js';
import { RolesPanel } from './roles.js';
import { PulseCard } from './pulse-card.js';
import { SameAsPanel } from './same-as.js';
import { PublicStatusPanel } from './public-status.js';
import { PostmortemCard } from '../postmortems/room-card.js';
import { RunbooksPanel } from '../runbooks/panel.js';
import { TasksPanel } from './tasks.js';
import { ENTRY_EVENT_KINDS, FindingsPanel } from './findings.js';
import { TICKET_EVENT_KINDS, TicketCard } from './ticket.js';
import { ImpactStartedPanel } from './impact-started.js';
import { TimelinePanel } from './timeline.js';
import { useUncoordinated } from './uncoordinated.js';
import { duration, incidentPath, type IncidentDetail, type UserLite } from './types.js';

function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Bring a control into view and focus it (a text box opens the phone's keyboard: the next thing is to type). */
function jumpTo(id: string): void {
  const el = document.getElementById(id);
  if (!el) return;
  el.scrollIntoView({ behavior: 'smooth', block: 'center' });
  const target = el.matches('input, textarea, select, button')
    ? el
    : el.querySelector<HTMLElement>('input:checked, input, textarea, select, button');
  target?.focus({ preventScroll: true });
}

export function IncidentPage({ params }: PageProps) {
  const id = params.id ?? '';
  const user = useUser();
  const detail = useApi<IncidentDetail>(incidentPath(id));
  const users = useApi<{ users: UserLite[] }>('/api/users');
  const severities = useSeverities();
  const reload = detail.reload;
  const timeline = useIncidentTimeline(id, reload);
  const uncoordinated = useUncoordinated(id, timeline.events.length);
  // Entries and the ticket read again when the live timeline brings one of theirs (issue 22, items 4 and 5).
  const entrySignal = timeline.events.filter((e) => ENTRY_EVENT_KINDS.includes(e.kind)).length;
  const ticketSignal = timeline.events.filter((e) => TICKET_EVENT_KINDS.includes(e.kind)).length;
  // Participants who are also in another open incident: marked ⚑ (read again as people join).
  const busyElsewhere = useEngagedElsewhere(
    id,
    detail.data?.participants.length,
    detail.data?.incident.status !== 'resolved',
  );
  const [isAssessing, setAssessing] = useState(false);
  const [changesSignal, setChangesSignal] = useState(0);
  const severityRef = useRef<HTMLDivElement>(null);
  const rolesRef = useRef<HTMLDivElement>(null);
  const now = useNow();
  const openAssessment = useCallback(() => {
    setAssessing(true);
    setTimeout(() => severityRef.current?.scrollIntoView({ behavior: 'smooth' }), 0);
  }, []);

  if (detail.error && !detail.data) return <LoadError error={detail.error} retry={reload} />;
  if (!detail.data) return <Loading what="Opening the incident room" />;
  const d = detail.data;
  const inc = d.incident;
  const people = users.data?.users ?? [];
  const isChecked = !!d.checklist.find((c) => c.step === 'check_changes')?.doneAt;
  const gameday = (d as { gameday?: { id: string; title: string } | null }).gameday ?? null;

  return (
    <div className="room">
      <Breadcrumbs
        trail={[{ to: '/incidents', label: 'Incidents' }]}
        current={inc.title}
        aside={<Link to={`/incidents/${encodeURIComponent(id)}/summary`}>Executive summary</Link>}
      />
      {inc.importedFrom && (
        <div className="banner" role="note" data-testid="imported-banner">
          <ImportedBadge from={inc.importedFrom} />{' '}
          <span>A record of a past incident in another tool: it paged nobody here and needs no post-mortem.</span>
        </div>
      )}
      {inc.kind === 'drill' && (
        <div className="banner banner-warn drill-banner" role="note" data-testid="drill-banner">
          <strong>DRILL</strong>
          <span>
            This is a practice incident
            {gameday && (
              <>
                {' '}
                for the game day <Link to={`/gamedays/${gameday.id}`}>{gameday.title}</Link>
              </>
            )}
            . Respond as you would to a real one. Nothing here reaches the public status page.
          </span>
        </div>
      )}
      <PageHeader
        title={inc.title}
        subtitle={
          <span className="room-facts">
            <IncidentSeverityBadge severity={inc.severity} /> <IncidentStatusBadge status={inc.status} />{' '}
            <span title={`Declared ${formatTime(inc.declaredAt, user.timezone)} by ${inc.declaredBy.label}`}>
              {inc.milestones.resolvedAt ? 'Lasted' : 'Open for'}{' '}
              <span data-testid="incident-duration">{duration(inc.declaredAt, inc.milestones.resolvedAt, now)}</span>
            </span>
            {d.participants.length > 0 && (
              <span className="muted" data-testid="room-participants">
                {' '}
                · in the room:{' '}
                {d.participants.map((p, i) => (
                  <span key={p.userId}>
                    {i > 0 && ', '}
                    {p.name}
                    {busyElsewhere.has(p.userId) && ' '}
                    <DoubleBookedMark incidents={busyElsewhere.get(p.userId)} />
                  </span>
                ))}
              </span>
            )}
          </span>
        }
        actions={
          // The room's main actions, in the first screen on a phone too: each goes to its control and focuses it.
          <div className="room-actions" role="group" aria-label="Room actions">
            <button type="button" className="btn btn-primary" onClick={() => jumpTo('note-text')}>
              Add a note
            </button>
            <button type="button" className="btn" onClick={() => jumpTo('update-message')}>
              Post an update
            </button>
            <button type="button" className="btn" onClick={() => jumpTo('status-control')}>
              Change status
            </button>
            <button type="button" className="btn" onClick={openAssessment}>
              Change severity
            </button>
          </div>
        }
      />
      <BridgeBar
        incidentId={inc.id}
        version={timeline.events.filter((e) => e.kind.startsWith('bridge_')).length}
        isResolved={inc.status === 'resolved'}
        onChanged={reload}
      />
      {inc.summary && <p className="lead prewrap">{inc.summary}</p>}
      <PostmortemCard
        incidentId={inc.id}
        incidentStatus={inc.status}
        expected={(d as { postmortemExpected?: boolean }).postmortemExpected}
        timeZone={user.timezone}
      />
      <TicketCard incidentId={inc.id} timeZone={user.timezone} signal={ticketSignal} />
      <Checklist
        incidentId={inc.id}
        items={d.checklist}
        timeZone={user.timezone}
        onChanged={reload}
        actions={{
          assess_severity: { label: 'Assess severity', run: openAssessment },
          declare_roles: { label: 'Assign roles', run: () => rolesRef.current?.scrollIntoView({ behavior: 'smooth' }) },
          check_changes: { label: 'Check recent changes', run: () => setChangesSignal((n) => n + 1) },
        }}
      />
      <RespondersPanel
        incidentId={inc.id}
        severity={inc.severity}
        isResolved={inc.status === 'resolved'}
        version={timeline.events.filter((e) => e.kind.startsWith('respond')).length}
        onChanged={reload}
      />
      <div ref={severityRef}>
        {isAssessing && severities.data && (
          <SeverityControl
            detail={d}
            severities={severities.data}
            onChanged={reload}
            onClose={() => setAssessing(false)}
          />
        )}
      </div>
      <div className="room-grid">
        <div className="room-main">
          <ChangesDuringIncident events={timeline.events} timeZone={user.timezone} />
          <RunbooksPanel incidentId={inc.id} />
          <FindingsPanel detail={d} users={people} userId={user.id} signal={entrySignal} />
          <TimelinePanel
            incidentId={inc.id}
            events={timeline.events}
            error={timeline.error}
            live={timeline.state}
            timeZone={user.timezone}
            uncoordinated={uncoordinated}
            onAssignCommander={() => {
              rolesRef.current?.scrollIntoView({ behavior: 'smooth' });
              document.getElementById('role-commander')?.focus({ preventScroll: true });
            }}
          />
          <StatusUpdateComposer detail={d} />
          <PublicStatusPanel detail={d} />
          {inc.status === 'resolved' && <PulseCard incidentId={inc.id} />}
        </div>
        <div className="room-side">
          <div ref={rolesRef}>
            <RolesPanel detail={d} users={people} onChanged={reload} />
          </div>
          <StatusControl key={inc.status} detail={d} onChanged={reload} />
          <ImpactStartedPanel
            key={inc.milestones.impactStartedAt ?? ''}
            detail={d}
            timeZone={user.timezone}
            onChanged={reload}
          />
          <ChangesPanel
            detail={d}
            isChecked={isChecked}
            openSignal={changesSignal}
            timeZone={user.timezone}
            onChanged={reload}
          />
          <AlertsPanel detail={d} onChanged={reload} />
          <TasksPanel detail={d} users={people} onChanged={reload} />
          <SameAsPanel incidentId={inc.id} />
        </div>
      </div>
    </div>
  );
}
