import { Card, PageHeader } from '../components/ui.js';
import { Link } from '../lib/router.js';
import { useUser } from '../lib/session.js';

const COMING = [
  {
    title: 'Alerts',
    to: '/alerts',
    text: 'Alertmanager, Grafana, PagerDuty-style and generic webhooks, deduplicated and grouped, with silences.',
  },
  {
    title: 'Incidents',
    to: '/incidents',
    text: 'Declare, assign roles, post status updates and keep one timeline from page to postmortem.',
  },
  {
    title: 'On-call',
    to: '/oncall',
    text: 'Schedules with layers and overrides, escalation policies, and who is on call right now.',
  },
];

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
      <Card title="Coming soon">
        <p className="muted">This is the first cut of Muster&apos;s web interface. These are on their way:</p>
        <ul className="coming-list">
          {COMING.map((c) => (
            <li key={c.title}>
              <Link to={c.to}>{c.title}</Link>
              <span>{c.text}</span>
            </li>
          ))}
        </ul>
      </Card>
      <div className="grid-2">
        <Card title="Set up your team">
          <p>
            Create a <Link to="/teams">team</Link> and add the people who respond with you. Roles decide who can change
            what.
          </p>
        </Card>
        <Card title="Automate">
          <p>
            Create an <Link to="/tokens">API token</Link> for scripts and the <code>muster</code> command line.
          </p>
        </Card>
      </div>
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
