/**
 * Every page of the UI. A new feature adds a file in this folder and one line here; the router and the navigation
 * both read this list (first matching path wins, so specific paths go before patterns that could swallow them).
 */
import { AuditPage } from './admin-audit.js';
import { JobsPage } from './admin-jobs.js';
import { comingSoon } from './coming-soon.js';
import { HomePage } from './home.js';
import { ProfilePage } from './profile.js';
import { SetPasswordPage } from './set-password.js';
import { SignInLinkPage } from './signin-link.js';
import { SignInPage } from './signin.js';
import { TeamPage } from './team.js';
import { TeamsPage } from './teams.js';
import { TokensPage } from './tokens.js';
import type { PageDef } from './types.js';
import { UsersPage } from './users.js';

export type { PageDef, PageProps, Section } from './types.js';

const AlertsPage = comingSoon('Alerts', 'Everything your monitoring sends, in one place.', [
  'Intake from Alertmanager, Grafana, PagerDuty Events and a generic webhook',
  'Deduplication and grouping, so one outage is one page',
  'Silences with an end time and a reason',
]);
const IncidentsPage = comingSoon('Incidents', 'Run an incident from the first page to the postmortem.', [
  'Declare with a severity, assign commander and scribe',
  'One timeline of alerts, changes, decisions and status updates',
  'Checklists and a postmortem draft from the timeline',
]);
const OnCallPage = comingSoon('On-call', 'Who is on call now, and who is next.', [
  'Rotations with layers and overrides, in each person’s time zone',
  'Escalation policies that page the next person when nobody acknowledges',
  'Calendar feeds (iCal) of your shifts',
]);

export const pages: PageDef[] = [
  { path: '/signin', title: 'Sign in', section: null, component: SignInPage, isPublic: true },
  { path: '/signin/link', title: 'Sign-in link', section: null, component: SignInLinkPage, isPublic: true },
  { path: '/', title: 'Home', section: 'Overview', component: HomePage },
  { path: '/alerts', title: 'Alerts', section: 'Respond', component: AlertsPage },
  { path: '/incidents', title: 'Incidents', section: 'Respond', component: IncidentsPage },
  { path: '/oncall', title: 'On-call', section: 'Respond', component: OnCallPage },
  { path: '/teams', title: 'Teams', section: 'Organisation', component: TeamsPage },
  { path: '/teams/:team', title: 'Team', section: null, component: TeamPage },
  { path: '/users', title: 'Users', section: 'Organisation', component: UsersPage },
  { path: '/tokens', title: 'API tokens', section: 'Organisation', component: TokensPage },
  { path: '/profile', title: 'Profile', section: null, component: ProfilePage },
  { path: '/set-password', title: 'Set your password', section: null, component: SetPasswordPage },
  { path: '/admin/audit', title: 'Audit log', section: 'Admin', component: AuditPage, adminOnly: true },
  { path: '/admin/jobs', title: 'Jobs', section: 'Admin', component: JobsPage, adminOnly: true },
];
