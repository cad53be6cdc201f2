import { useState } from 'react';
import { Loadable } from '../components/state.js';
import { Badge, Card, PageHeader } from '../components/ui.js';
import { useApi } from '../lib/use-api.js';
import { Link } from '../lib/router.js';
import { useUser } from '../lib/session.js';

interface IncidentRow {
  id: string;
  title: string;
  severity: string;
  status: string;
  declaredAt: string;
}
interface AlertRow {
  id: string;
  summary: string;
  severity: string;
  status: string;
  lastSeenAt: string;
}
interface OnCallRow {
  scheduleId: string;
  scheduleName: string;
  timezone: string;
  current: { userName: string | null; end: string } | null;
  next: { userName: string | null; start: string } | null;
}

/** What an on-call engineer wants first: what is burning, what is paging, and who holds the pager. */
function Overview() {
  const incidents = useApi<{ incidents: IncidentRow[] }>('/api/incidents?status=open&limit=10');
  const alerts = useApi<{ alerts: AlertRow[] }>('/api/alerts?status=open&limit=10');
  const oncall = useApi<{ oncall: OnCallRow[] }>('/api/oncall/now');
  return (
    <div className="grid-2">
      <Card title={<Link to="/incidents">Open incidents</Link>}>
        <Loadable
          resource={incidents}
          what="incidents"
          isEmpty={(d) => d.incidents.length === 0}
          empty="No open incidents."
        >
          {(d) => (
            <ul className="plain-list">
              {d.incidents.map((i) => (
                <li key={i.id}>
                  <Badge tone={i.severity === 'P1' ? 'bad' : 'warn'}>{i.severity}</Badge>{' '}
                  <Link to={`/incidents/${i.id}`}>{i.title}</Link> <span className="muted">{i.status}</span>
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
      <Card title={<Link to="/alerts">Open alerts</Link>}>
        <Loadable resource={alerts} what="alerts" isEmpty={(d) => d.alerts.length === 0} empty="Nothing is firing.">
          {(d) => (
            <ul className="plain-list">
              {d.alerts.map((a) => (
                <li key={a.id}>
                  <Badge tone={a.severity === 'critical' ? 'bad' : 'warn'}>{a.severity}</Badge>{' '}
                  <Link to={`/alerts/${a.id}`}>{a.summary}</Link> <span className="muted">{a.status}</span>
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
      <Card title={<Link to="/oncall">On call now</Link>}>
        <Loadable
          resource={oncall}
          what="on-call"
          isEmpty={(d) => d.oncall.length === 0}
          empty={
            <>
              No schedules yet. <Link to="/oncall">Create one</Link>.
            </>
          }
        >
          {(d) => (
            <ul className="plain-list">
              {d.oncall.map((o) => (
                <li key={o.scheduleId}>
                  <Link to={`/oncall/schedules/${o.scheduleId}`}>{o.scheduleName}</Link>:{' '}
                  <strong>{o.current?.userName ?? 'nobody (gap)'}</strong>
                  {o.next ? <span className="muted"> · next {o.next.userName ?? 'nobody'}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
      <Card title="Set up">
        <p>
          Create a <Link to="/teams">team</Link>, a <Link to="/services">service</Link> with an integration key for your
          monitors, an <Link to="/oncall">on-call schedule</Link> and an <Link to="/escalation">escalation policy</Link>
          . Scripts and CI use an <Link to="/tokens">API token</Link> and the <code>muster</code> command line.
        </p>
      </Card>
    </div>
  );
}

interface PulseInvitation {
  incidentId: string;
  title: string;
  severity: string;
}
const DISMISSED_KEY = 'muster.pulse.dismissed';
function dismissedPulses(): string[] {
  try {
    const v: unknown = JSON.parse(window.localStorage.getItem(DISMISSED_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The anonymous check-ins the caller has not answered yet (docs/people-health.md, "Pulse"); dismissible here. */
function PulseReminders() {
  const mine = useApi<{ invitations: PulseInvitation[] }>('/api/me/pulse');
  const [dismissed, setDismissed] = useState<string[]>(dismissedPulses);
  const open = (mine.data?.invitations ?? []).filter((i) => !dismissed.includes(i.incidentId)).slice(0, 3);
  if (!open.length) return null;
  const dismiss = (id: string) => {
    const next = [...dismissed, id].slice(-100);
    setDismissed(next);
    try {
      window.localStorage.setItem(DISMISSED_KEY, JSON.stringify(next));
    } catch {
      // Private mode: dismissed for this visit only.
    }
  };
  return (
    <Card title="Check-ins">
      <ul className="plain-list" data-testid="pulse-reminders">
        {open.map((i) => (
          <li key={i.incidentId}>
            <Link to={`/incidents/${i.incidentId}#pulse`}>How did the response to “{i.title}” feel?</Link>{' '}
            <span className="muted">30 seconds, anonymous.</span>{' '}
            <button
              type="button"
              className="btn btn-small"
              aria-label={`Dismiss the check-in for ${i.title}`}
              onClick={() => dismiss(i.incidentId)}
            >
              Dismiss
            </button>
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function HomePage() {
  const user = useUser();
  const greeting = greetingFor(user.timezone);
  return (
    <>
      <PageHeader title={`${greeting}, ${user.name || user.email}`} subtitle="Welcome to Muster." />
      {!user.hasPassword && (
        <div className="banner banner-warn">
          <strong>You have no password yet.</strong> <Link to="/set-password">Set one now</Link> so you can sign in
          again after this session ends.
        </div>
      )}
      {/* What needs the responder now (open incidents, their alerts) first; the check-ins can wait below it. */}
      <Overview />
      <PulseReminders />
    </>
  );
}

function greetingFor(timeZone: string): string {
  let hour = new Date().getUTCHours();
  try {
    hour = Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hour12: false, timeZone }).format(new Date()));
  } catch {
    /* an unknown zone: UTC will do */
  }
  if (hour < 5) return 'Hello';
  if (hour < 12) return 'Good morning';
  if (hour < 18) return 'Good afternoon';
  return 'Good evening';
}
