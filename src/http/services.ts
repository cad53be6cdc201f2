import type { ActionItemService, IncidentTicketService } from '../actions/index.js';
import type {
  AlertQualityService,
  AlertService,
  IntakeLimiter,
  IntakeService,
  SilenceService,
} from '../alerts/index.js';
import type { CatalogService, IntegrationKeyService } from '../catalog/index.js';
import type { ChangeHookService, ChangeService } from '../changes/index.js';
import type { ChatService } from '../chat/index.js';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import type { EscalationPolicyService } from '../escalation/index.js';
import type { PagingActionService } from '../escalation/actions.js';
import type { GamedayService } from '../gamedays/service.js';
import type { LiveGamedays } from '../gamedays/live/hooks.js';
import type { IdentityService, TeamService, TokenService } from '../identity/index.js';
import type { IncidentService } from '../incidents/index.js';
import type { ResponderService } from '../escalation/responders.js';
import type { JobRunner, JobService } from '../jobs/index.js';
import type { ActionLinkService, ContactService, NotifyService, VapidKeyStore } from '../notify/index.js';
import type { OncallServices, SustainabilityService } from '../oncall/index.js';
import type { PostmortemAnalysisService } from '../postmortems/analysis.js';
import type { PostmortemService } from '../postmortems/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { StatusPageServices } from '../statuspage/index.js';
import type { Metrics } from './metrics.js';
import type { RunbookService } from '../runbooks/index.js';
import type { RemediationService } from '../remediation/index.js';
import type { AutomationService } from '../automation/index.js';
import type { PeopleHealthService } from '../people/index.js';
import type { PeopleLedgerService } from '../people/ledger/index.js';
import type { ImportService } from '../import/service.js';

/** What the HTTP layer is handed by the composition root (src/server.ts). Routes call these; they hold no SQL. */
export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  identity: IdentityService;
  teams: TeamService;
  tokens: TokenService;
  escalationPolicies: EscalationPolicyService;
  /** Escalate now, reassign and snooze an alert (src/escalation/actions.ts). */
  pagingActions: PagingActionService;
  runner: JobRunner | null;
  jobs: JobService;
  catalog: CatalogService;
  integrationKeys: IntegrationKeyService;
  alerts: AlertService;
  silences: SilenceService;
  alertQuality: AlertQualityService;
  intake: IntakeService;
  intakeLimiter: IntakeLimiter;
  changes: ChangeService;
  changeHooks: ChangeHookService;
  notify: NotifyService;
  contacts: ContactService;
  actionLinks: ActionLinkService;
  /** This server's VAPID key pair for Web Push (made on first start; the private key never leaves the server). */
  vapid: VapidKeyStore;
  incidents: IncidentService;
  /** "Add responders" from the room: responder requests paged through escalation (src/escalation/responders.ts). */
  responders: ResponderService;
  /** Optional Slack integration (incident channels, page buttons); inert without slack config. */
  chat: ChatService;
  oncall: OncallServices;
  statusPage: StatusPageServices;
  /** On-call health and compensation reports. */
  oncallReports: SustainabilityService;
  /** Post-mortems: creation, sections and revisions, the pre-filled timeline, review, publishing (src/postmortems). */
  postmortems: PostmortemService;
  /** Post-mortems' 5 Whys and contributing factors, factor counts and the completion rate (src/postmortems). */
  postmortemAnalysis: PostmortemAnalysisService;
  /** Action items of post-mortems and incidents, their tracker issues and reminders (src/actions). */
  actionItems: ActionItemService;
  /** An incident's ticket in its team's tracker, created and refreshed by durable jobs (src/actions/tickets.ts). */
  incidentTickets: IncidentTicketService;
  /** Game days: scenarios, drills and their drill rooms, injects, halt, debrief, measures (src/gamedays). */
  gamedays: GamedayService;
  /** Live game days: drill key, fire, failure injection, halt conditions (src/gamedays/live; its GamedayHooks). */
  gamedayLive: LiveGamedays;
  /** Runbooks: documents, versions, links to services and alert rules, freshness (src/runbooks). */
  runbooks: RunbookService;
  /** Remediation: HTTP and agent actions, runs, approvals, automatic runs, agents (src/remediation). */
  remediation: RemediationService;
  /** Automation rules: alert, declaration and milestone triggers, evaluated as durable jobs (src/automation). */
  automation: AutomationService;
  /** People health: heroes, knowledge, double-booking, load and recovery, comp time, pulse, service card (src/people). */
  people: PeopleHealthService;
  /** Double-booking, role-separation overrides, comp time, the anonymous pulse (src/people/ledger). */
  peopleLedger: PeopleLedgerService;
  /** Import from PagerDuty, Opsgenie or Grafana OnCall (src/import, docs/import.md). */
  imports: ImportService;
  isReady(): Promise<boolean>;
}
