/**
 * Every page of the UI. A new feature adds a file in this folder and one line here; the router and the navigation
 * both read this list (first matching path wins, so specific paths go before patterns that could swallow them).
 */
import { ActionItemsPage } from './actions/board.js';
import { AuditPage } from './admin-audit.js';
import { ImportPage } from './admin-import.js';
import { JobsPage } from './admin-jobs.js';
import { AlertPage } from './alerts/detail.js';
import { AlertsPage } from './alerts/list.js';
import { AlertQualityPage } from './alerts/quality.js';
import { SilencesPage } from './alerts/silences.js';
import { PoliciesPage } from './escalation/policies.js';
import { NewPolicyPage, PolicyPage } from './escalation/policy.js';
import { GamedaysPage } from './gamedays/list.js';
import { EditGamedayPage, NewGamedayPage } from './gamedays/new.js';
import { GamedayRunPage } from './gamedays/run.js';
import { ScenariosPage } from './gamedays/scenarios.js';
import { HomePage } from './home.js';
import { DeclareIncidentPage } from './incidents/declare.js';
import { IncidentsPage } from './incidents/list.js';
import { IncidentPage } from './incidents/room.js';
import { IncidentSummaryPage } from './incidents/summary.js';
import { NotificationsPage } from './notifications/notifications.js';
import { ContributingFactorsPage } from './admin-factors.js';
import { AlertQualityInsightsPage } from './insights/alert-quality.js';
import { LearningInsightsPage } from './insights/learning.js';
import { PagingInsightsPage } from './insights/paging.js';
import { RecurrenceInsightsPage } from './insights/recurrence.js';
import { RespondersInsightsPage } from './insights/responders.js';
import { ResponseTimesInsightsPage } from './insights/response-times.js';
import { PostmortemTemplatesPage } from './admin-postmortem-templates.js';
import { PostmortemInsightsPage } from './postmortems/completion.js';
import { PostmortemPage } from './postmortems/editor.js';
import { PostmortemsPage } from './postmortems/list.js';
import { PostmortemPrintPage } from './postmortems/print.js';
import { OncallHealthPage } from './oncall/health.js';
import { MyOnCallPage } from './oncall/my-oncall.js';
import { EditSchedulePage, NewSchedulePage } from './oncall/schedule-form.js';
import { SchedulePage } from './oncall/schedule.js';
import { SchedulesPage } from './oncall/schedules.js';
import { ProfilePage } from './profile.js';
import { ServicePage } from './services/detail.js';
import { ServicesPage } from './services/list.js';
import { SetPasswordPage } from './set-password.js';
import { SignInLinkPage } from './signin-link.js';
import { SignInPage } from './signin.js';
import { StatusPageSetupPage } from './status-page.js';
import { TeamPage } from './team.js';
import { TeamsPage } from './teams.js';
import { TokensPage } from './tokens.js';
import type { PageDef } from './types.js';
import { RunbooksPage } from './runbooks/list.js';
import { EditRunbookPage, NewRunbookPage } from './runbooks/editor.js';
import { RunbookPage } from './runbooks/view.js';
import { AutomationPage } from './automation/index.js';
import { ActionPage, NewActionPage } from './automation/action.js';
import { NewRulePage, RulePage } from './automation/rule.js';
import { RunPage } from './automation/run.js';
import { PeopleHealthPage } from './people/health.js';
import { PeopleInsightsPage } from './insights/people.js';
import { CompTimePage } from './people/comp-time.js';
import { PulsePage } from './people/pulse.js';
import { UsersPage } from './users.js';

export type { PageDef, PageProps, Section } from './types.js';

export const pages: PageDef[] = [
  { path: '/signin', title: 'Sign in', section: null, component: SignInPage, isPublic: true },
  { path: '/signin/link', title: 'Sign-in link', section: null, component: SignInLinkPage, isPublic: true },
  { path: '/', title: 'Home', section: 'Overview', component: HomePage },
  { path: '/alerts', title: 'Alerts', section: 'Respond', component: AlertsPage },
  { path: '/alerts/:id', title: 'Alert', section: null, component: AlertPage },
  { path: '/silences', title: 'Silences', section: 'Respond', component: SilencesPage },
  { path: '/alert-quality', title: 'Noisy rules', section: 'Respond', component: AlertQualityPage },
  { path: '/incidents', title: 'Incidents', section: 'Respond', component: IncidentsPage },
  { path: '/incidents/new', title: 'Declare incident', section: null, component: DeclareIncidentPage },
  { path: '/incidents/:id', title: 'Incident', section: null, component: IncidentPage },
  { path: '/incidents/:id/summary', title: 'Executive summary', section: null, component: IncidentSummaryPage },
  { path: '/postmortems', title: 'Post-mortems', section: 'Learn', component: PostmortemsPage },
  {
    path: '/postmortems/insights',
    title: 'Post-mortem insights',
    section: null,
    component: PostmortemInsightsPage,
  },
  { path: '/postmortems/:id', title: 'Post-mortem', section: null, component: PostmortemPage },
  { path: '/postmortems/:id/print', title: 'Print post-mortem', section: null, component: PostmortemPrintPage },
  { path: '/action-items', title: 'Action items', section: 'Learn', component: ActionItemsPage },
  { path: '/insights', title: 'Insights', section: 'Learn', component: ResponseTimesInsightsPage },
  { path: '/gamedays', title: 'Game days', section: 'Learn', component: GamedaysPage },
  // ---- people health (issue 21): pages under /people (web/src/pages/people/) ----
  { path: '/people', title: 'People health', section: 'Learn', component: PeopleHealthPage },
  { path: '/people/comp-time', title: 'Comp time', section: null, component: CompTimePage },
  { path: '/people/pulse', title: 'Responder pulse', section: null, component: PulsePage },
  // ---- runbooks and automation (issue 15): pages under /runbooks and /automation ----
  { path: '/runbooks', title: 'Runbooks', section: 'Respond', component: RunbooksPage },
  { path: '/runbooks/new', title: 'Write a runbook', section: null, component: NewRunbookPage },
  { path: '/runbooks/:id/edit', title: 'Edit runbook', section: null, component: EditRunbookPage },
  { path: '/runbooks/:id', title: 'Runbook', section: null, component: RunbookPage },
  { path: '/automation', title: 'Automation', section: 'Respond', component: AutomationPage },
  { path: '/automation/actions/new', title: 'New action', section: null, component: NewActionPage },
  { path: '/automation/actions/:id', title: 'Action', section: null, component: ActionPage },
  { path: '/automation/runs/:id', title: 'Run', section: null, component: RunPage },
  { path: '/automation/rules/new', title: 'New automation rule', section: null, component: NewRulePage },
  { path: '/automation/rules/:id', title: 'Automation rule', section: null, component: RulePage },
  { path: '/gamedays/new', title: 'Plan a game day', section: null, component: NewGamedayPage },
  { path: '/gamedays/scenarios', title: 'Scenario library', section: null, component: ScenariosPage },
  { path: '/gamedays/:id', title: 'Game day', section: null, component: GamedayRunPage },
  { path: '/gamedays/:id/edit', title: 'Edit game day', section: null, component: EditGamedayPage },
  { path: '/insights/recurrence', title: 'Recurrence', section: null, component: RecurrenceInsightsPage },
  { path: '/insights/paging', title: 'Paging', section: null, component: PagingInsightsPage },
  { path: '/insights/learning', title: 'Learning', section: null, component: LearningInsightsPage },
  { path: '/insights/responders', title: 'Responders', section: null, component: RespondersInsightsPage },
  { path: '/insights/alert-quality', title: 'Alert quality', section: null, component: AlertQualityInsightsPage },
  { path: '/insights/people', title: 'People', section: null, component: PeopleInsightsPage },
  { path: '/oncall', title: 'On-call', section: 'Respond', component: SchedulesPage },
  { path: '/oncall/new', title: 'New schedule', section: null, component: NewSchedulePage },
  { path: '/oncall/schedules/:id', title: 'Schedule', section: null, component: SchedulePage },
  { path: '/oncall/schedules/:id/edit', title: 'Edit schedule', section: null, component: EditSchedulePage },
  { path: '/me/oncall', title: 'My on-call', section: 'Respond', component: MyOnCallPage },
  { path: '/oncall/health', title: 'On-call health', section: 'Respond', component: OncallHealthPage },
  { path: '/escalation', title: 'Escalation policies', section: 'Respond', component: PoliciesPage },
  { path: '/escalation/new', title: 'New escalation policy', section: null, component: NewPolicyPage },
  { path: '/escalation/:id', title: 'Escalation policy', section: null, component: PolicyPage },
  { path: '/services', title: 'Services', section: 'Organisation', component: ServicesPage },
  { path: '/services/:service', title: 'Service', section: null, component: ServicePage },
  { path: '/status-page', title: 'Status page', section: 'Organisation', component: StatusPageSetupPage },
  { path: '/teams', title: 'Teams', section: 'Organisation', component: TeamsPage },
  { path: '/teams/:team', title: 'Team', section: null, component: TeamPage },
  { path: '/users', title: 'Users', section: 'Organisation', component: UsersPage },
  { path: '/tokens', title: 'API tokens', section: 'Organisation', component: TokensPage },
  { path: '/profile', title: 'Profile', section: null, component: ProfilePage },
  { path: '/profile/notifications', title: 'Notifications', section: null, component: NotificationsPage },
  { path: '/set-password', title: 'Set your password', section: null, component: SetPasswordPage },
  { path: '/admin/audit', title: 'Audit log', section: 'Admin', component: AuditPage, adminOnly: true },
  { path: '/admin/jobs', title: 'Jobs', section: 'Admin', component: JobsPage, adminOnly: true },
  { path: '/admin/import', title: 'Import', section: 'Admin', component: ImportPage, adminOnly: true },
  {
    path: '/admin/postmortem-templates',
    title: 'Post-mortem templates',
    section: 'Admin',
    component: PostmortemTemplatesPage,
    adminOnly: true,
  },
  {
    path: '/admin/contributing-factors',
    title: 'Contributing factors',
    section: 'Admin',
    component: ContributingFactorsPage,
    adminOnly: true,
  },
];
