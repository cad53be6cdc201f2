/**
 * The composition root: config → logger → database → migrations → services → job runner → HTTP. The only place that
 * knows every domain; `muster serve` and the tests start Muster through here.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Gauge } from 'prom-client';
import {
  ActionItemService,
  DIGEST_JOB,
  REMIND_JOB,
  TRACKER_JOB,
  digestHandler,
  ensureDigestJob,
  remindHandler,
  trackerHandler,
  IncidentTicketService,
  TICKET_CREATE_JOB,
  TICKET_REFRESH_JOB,
  ticketCreateHandler,
  ticketRefreshHandler,
  type Sealer,
} from './actions/index.js';
import {
  ALERTS_TRIGGERED,
  ALERTS_RECHECK_PAGING,
  AlertQualityService,
  AlertService,
  IntakeLimiter,
  IntakeService,
  SilenceService,
  alertsRecheckPagingHandler,
  ensurePayloadPruning,
  PRUNE_PAYLOADS_JOB,
  prunePayloadsHandler,
  listAlertRows,
  isPageSuppressed,
  pagingGate,
  type PagingStarter,
} from './alerts/index.js';
import { CatalogService, IntegrationKeyService, listServiceRows } from './catalog/index.js';
import { ChangeHookService, ChangeService } from './changes/index.js';
import { createChat, registerChatJobs } from './chat/wiring.js';
import type { Config } from './config/index.js';
import { migrateToLatest, observePoolAcquire, openDb, poolStats, type Db } from './db/index.js';
import { buildApp } from './http/app.js';
import { cookieSecure } from './http/auth.js';
import { createMetrics, JOB_OVERDUE_AFTER_MS } from './http/metrics.js';
import { signInUrl } from './http/routes/auth.js';
import { insightsDigestJob } from './http/routes/insights-alert-quality.js';
import type { Services } from './http/services.js';
import { IdentityService, TeamService, TokenService, bootstrapFirstAdmin, systemActor } from './identity/index.js';
import {
  IncidentService,
  JOB_CHECK_COMMANDER,
  JOB_REMIND_UPDATE,
  checkCommanderHandler,
  noteAlertAcknowledged,
  remindUpdateHandler,
} from './incidents/index.js';
import { JobRunner, JobService, jobBacklog, probeHandler } from './jobs/index.js';
import { createNotifyServices } from './notify/index.js';
import {
  HANDOFF_JOB,
  SustainabilityService,
  createOncallServices,
  ensureHandoffJobs,
  handoffHandler,
} from './oncall/index.js';
import { PostmortemAnalysisService } from './postmortems/analysis.js';
import {
  POSTMORTEM_CREATE_JOB,
  POSTMORTEM_REMIND_JOB,
  PostmortemService,
  postmortemCreateHandler,
  postmortemOnIncidentResolved,
  postmortemRemindHandler,
} from './postmortems/index.js';
import {
  ACK_TIMEOUT_JOB,
  AUTO_DECLARE_JOB,
  autoDeclareHandler,
  EscalationPolicyService,
  RUN_STEP_JOB,
  ackTimeoutHandler,
  commanderPaging,
  pagesBetween,
  alertTriggeredHandler,
  beginPaging,
  primePagingLookups,
  isPageStillWanted,
  refreshPage,
  primePageClaims,
  runStepHandler,
  scheduleAckTimeout,
  type EscalationDeps,
} from './escalation/index.js';
import { PagingActionService, SNOOZE_END_JOB, snoozeEndHandler } from './escalation/actions.js';
import {
  isResponderPageWanted,
  RESPONDER_STEP_JOB,
  ResponderService,
  responderStepHandler,
} from './escalation/responders.js';
import { systemClock, type Clock } from './shared/clock.js';
import type { ResolveAll } from './shared/net.js';
import { createLogger, redactUrl, type Logger } from './shared/logger.js';
import { createStatusPageServices } from './statuspage/index.js';
import { backlogSource } from './insights/learning.js';
import { GamedayService, gamedayJobs, skipDrills } from './gamedays/index.js';
import { HALT_CHECK_JOB, INJECTION_JOB, LiveGamedays } from './gamedays/live/hooks.js';
import { FRESHNESS_JOB, RunbookService, ensureFreshnessJob, freshnessHandler } from './runbooks/index.js';
import { RemediationService } from './remediation/index.js';
import { HTTP_JOB as REMEDIATION_HTTP_JOB, httpRunHandler } from './remediation/jobs.js';
import { agentJobs } from './remediation/agent/index.js';
import { AUTOMATION_EVALUATE_JOB, AutomationService, evaluateHandler } from './automation/index.js';
import { PeopleHealthService } from './people/index.js';
import { PeopleLedgerService, ensureCompTimeJob } from './people/ledger/index.js';
import { ImportService } from './import/service.js';

export interface Muster {
  app: FastifyInstance;
  services: Services;
  /** The address the server listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Print the human sign-in banner (the CLI does; tests do not). */
  printBanner?: (lines: string[]) => void;
  /** The DNS resolver for addresses given by the public (status-page webhooks); node:dns unless a test passes one. */
  resolve?: ResolveAll;
}

export function buildServices(
  config: Config,
  db: Db,
  opts: { clock: Clock; log: Logger; resolve?: ResolveAll | undefined },
): Services {
  const { clock, log, resolve } = opts;
  const metrics = createMetrics();
  new Gauge({
    name: 'muster_database_available',
    help: '1 while this process reaches its database; 0 during an outage (requests refused with 503, jobs waiting)',
    registers: [metrics.registry],
    collect() {
      this.set(db.health.isAvailable ? 1 : 0);
    },
  });
  const runner = config.jobs.enabled
    ? new JobRunner({
        db,
        clock,
        log: log.child({ component: 'jobs' }),
        concurrency: config.jobs.concurrency,
        pollIntervalMs: config.jobs.pollIntervalMs,
        leaseMs: config.jobs.leaseMs,
        onOutcome: (kind, outcome, ms) => {
          metrics.jobOutcomes.inc({ kind, outcome });
          metrics.jobDuration.observe({ kind }, ms / 1000);
        },
        // Escalation steps (and the first page's fallback) on their first try: how late the runners started them.
        onStart: (job, lateMs) => {
          if ((job.kind === RUN_STEP_JOB || job.kind === ALERTS_TRIGGERED) && job.attempts <= 1) {
            metrics.escalationStepLateness.observe(lateMs / 1000);
          }
        },
      })
    : null;
  const teams = new TeamService({ db, clock });
  const catalog = new CatalogService({ db, clock, teams });
  const integrationKeys = new IntegrationKeyService({ db, clock, catalog });
  // getUser is called only when a one-click link is used, long after `services` exists.
  const alerts = new AlertService({ db, clock, teams, log });
  const notify = createNotifyServices({
    config,
    db,
    clock,
    resolve,
    getUser: (id) => services.identity.getUser(id),
    onSend: (channel, outcome) => metrics.notificationSends.inc({ channel, outcome }),
    onDelivered: ({ channel, outcome, isPage }) => {
      metrics.notificationDeliveries.inc({ channel, outcome });
      if (isPage && outcome === 'sent') metrics.pagesSent.inc({ channel });
    },
  });
  metrics.setOpenBreakers(() => notify.bulkhead.openCount());
  metrics.setBacklog(backlogSource(db, clock));
  metrics.setOperations({
    // Read at scrape time (cached briefly): the same figures from every process sharing the PostgreSQL database.
    jobBacklog: () => {
      if (!db.health.isAvailable) return Promise.reject(new Error('database unavailable'));
      return jobBacklog(db.kysely, clock.now(), JOB_OVERDUE_AFTER_MS);
    },
    intakeQueue: () => services.intakeLimiter.stats,
    pool: () => (db.pgPool ? poolStats(db.pgPool) : null),
  });
  if (db.pgPool) observePoolAcquire(db.pgPool, (ms) => metrics.dbPoolAcquire.observe(ms / 1000));
  const chat = createChat({
    config,
    db,
    clock,
    log,
    incidents: () => services.incidents,
    actionLinks: notify.actionLinks,
  });
  // A change to a service of an open incident: the room's entry, and the IC's page when the team asks for it.
  const changes = new ChangeService({
    db,
    clock,
    teams,
    notify: notify.notify,
    publicUrl: () => config.publicUrl,
    onIncidentsTouched: (ids) => ids.forEach((id) => services.incidents.live.poke(id)),
  });
  const services: Services = {
    config,
    db,
    clock,
    log,
    metrics,
    identity: new IdentityService({ db, clock, sessionTtlMs: config.sessionTtlHours * 3600 * 1000 }),
    teams,
    catalog,
    integrationKeys,
    alerts,
    silences: new SilenceService({ db, clock, teams, onEnqueued: () => runner?.wake() }),
    alertQuality: new AlertQualityService({ db, clock }),
    intake: new IntakeService({
      db,
      clock,
      keys: integrationKeys,
      live: alerts.live,
      onEnqueued: () => runner?.wake(),
      // PostgreSQL: batches for different services commit at once (SQLite keeps one; src/alerts/intake-batcher.ts).
      groupCommit: { lanes: config.intake.parallelBatches },
      paging: inlinePaging(escalationDeps({ db, notify: notify.notify, config }), log),
      // Automation rules and automatic actions: one automation.evaluate job for a new alert of a team that has any.
      onAlertTriggered: (trx, alert, now) => services.automation.onAlertTriggered(trx, alert, now),
    }),
    intakeLimiter: new IntakeLimiter(config.intake),
    changes,
    changeHooks: new ChangeHookService({
      db,
      clock,
      teams,
      sealer: sealerOf(notify.actionLinks),
      changes,
      publicUrl: () => config.publicUrl,
    }),
    notify: notify.notify,
    contacts: notify.contacts,
    actionLinks: notify.actionLinks,
    vapid: notify.vapid,
    tokens: new TokenService({ db, clock }),
    escalationPolicies: new EscalationPolicyService({ db, clock, teams }),
    pagingActions: new PagingActionService({
      db,
      clock,
      live: alerts.live,
      canAct: (actor, alertId) => alerts.canAct(actor, alertId),
      onEnqueued: () => runner?.wake(),
    }),
    runner,
    jobs: new JobService({ db, clock, diagnostics: config.jobs.diagnostics, onEnqueued: () => runner?.wake() }),
    chat: chat.service,
    incidents: new IncidentService({
      db,
      clock,
      log,
      ...chat.incidentDeps,
      // A P1 without an IC, or a P2 past its deadline, pages whoever is on call for the configured IC schedule.
      paging: commanderPaging({ notify: notify.notify, publicUrl: () => config.publicUrl }),
      // Resolving an incident whose policy requires a post-mortem enqueues its creation (src/postmortems/jobs.ts);
      // a drill's debrief is its game day's instead (src/gamedays).
      // Then the people ledger: pulse invitations for the responders and comp-time accrual (src/people/ledger).
      onResolved: skipDrills(async (trx, engine, id, now) => {
        await postmortemOnIncidentResolved(trx, engine, id, now);
        await services.peopleLedger.onResolved(trx, engine, id, now);
      }),
      // Automation rules (src/automation): declaration and milestone triggers, evaluated by a job after the commit.
      onDeclared: (trx, _engine, id, now) => services.automation.onIncidentDeclared(trx, id, now),
      onMilestoneReached: (trx, _engine, id, milestone, now) =>
        services.automation.onMilestoneReached(trx, id, milestone, now),
    }),
    responders: new ResponderService({
      db,
      clock,
      notify: notify.notify,
      publicUrl: () => config.publicUrl,
      poke: (id) => services.incidents.live.poke(id),
    }),
    oncall: createOncallServices({
      db,
      clock,
      teams,
      publicUrl: () => config.publicUrl,
      notify: notify.notify,
      onEnqueued: () => runner?.wake(),
    }),
    statusPage: createStatusPageServices({
      db,
      clock,
      publicUrl: () => config.publicUrl,
      incidents: {
        get: (id) => services.incidents.get(id),
        canCommunicate: (actor, id) => services.incidents.canCommunicate(actor, id),
      },
      resolveService: async (s) => (await catalog.get(systemActor('status-page'), s)).id,
      // Subscriber sends share the bulkheads and breakers of pages (src/notify/bulkhead.ts).
      channels: notify.guardedChannels,
      onEnqueued: () => runner?.wake(),
      resolve,
    }),
    oncallReports: new SustainabilityService({ db, clock, pagesBetween }),
    postmortems: new PostmortemService({
      db,
      clock,
      log,
      incidents: { setMilestone: (actor, id, input) => services.incidents.setMilestone(actor, id, input) },
      postStatusUpdate: (actor, incidentId, message) =>
        services.statusPage.page.postUpdate(actor, incidentId, { message, status: 'resolved' }),
      onEnqueued: () => runner?.wake(),
    }),
    postmortemAnalysis: new PostmortemAnalysisService({ db, clock }),
    actionItems: new ActionItemService({
      db,
      clock,
      teams,
      canActOnIncident: (actor, id) => services.incidents.canAct(actor, id),
      sealer: sealerOf(notify.actionLinks),
      resolve,
      onEnqueued: () => runner?.wake(),
    }),
    incidentTickets: new IncidentTicketService({
      db,
      clock,
      sealer: sealerOf(notify.actionLinks),
      publicUrl: () => config.publicUrl,
      resolve,
      poke: (id) => services.incidents.live.poke(id),
      onEnqueued: () => runner?.wake(),
    }),
    // Game days (src/gamedays): the drill incident is declared with the chat hook, as any incident is.
    gamedays: new GamedayService({
      db,
      clock,
      log: log.child({ component: 'gamedays' }),
      chat: chat.incidentDeps.chat,
      pokeIncident: (id) => services.incidents.live.poke(id),
      // Automation rules that include drills fire for the drill incident (src/automation).
      onDeclared: (trx, _engine, id, now) => services.automation.onIncidentDeclared(trx, id, now),
      onEnqueued: () => runner?.wake(),
    }),
    // Live game days (src/gamedays/live): drill key, fire, failure injection and halt conditions; its GamedayHooks.
    gamedayLive: new LiveGamedays({
      db,
      clock,
      log: log.child({ component: 'gamedays.live' }),
      intake: () => services.intake,
      gamedays: () => services.gamedays,
      incidents: () => services.incidents,
      sealer: sealerOf(notify.actionLinks),
      resolve,
      onEnqueued: () => runner?.wake(),
    }),
    // Runbooks, remediation and automation rules (src/runbooks, src/remediation, src/automation; docs/runbooks.md).
    runbooks: new RunbookService({
      db,
      clock,
      log: log.child({ component: 'runbooks' }),
      teams,
      onEnqueued: () => runner?.wake(),
    }),
    remediation: new RemediationService({
      db,
      clock,
      log: log.child({ component: 'remediation' }),
      teams,
      sealer: sealerOf(notify.actionLinks),
      resolve,
      onEnqueued: () => runner?.wake(),
    }),
    automation: new AutomationService({
      db,
      clock,
      log: log.child({ component: 'automation' }),
      teams,
      onEnqueued: () => runner?.wake(),
    }),
    // People health (src/people; docs/people-health.md).
    // Double-booking, role-separation overrides, comp time and the pulse (src/people/ledger).
    peopleLedger: new PeopleLedgerService({
      db,
      clock,
      log: log.child({ component: 'people-ledger' }),
      teams,
      notify: notify.notify,
      publicUrl: () => config.publicUrl,
      poke: (id) => services.incidents.live.poke(id),
      onEnqueued: () => runner?.wake(),
    }),
    people: new PeopleHealthService({
      db,
      clock,
      log: log.child({ component: 'people' }),
      teams,
      onEnqueued: () => runner?.wake(),
    }),
    // Import from another tool (src/import; docs/import.md): the source's URL through the private-address guard.
    imports: new ImportService({ db, clock, publicUrl: config.publicUrl, resolve }),
    async isReady() {
      await sql`select 1`.execute(db.kysely);
      return true;
    },
  };
  wireNotifications(services);
  services.gamedays.setHooks(services.gamedayLive);
  services.alerts.setOnAcknowledged(async (trx, alertId, now, by) => {
    await scheduleAckTimeout(trx, db.engine, alertId, now);
    await noteAlertAcknowledged(trx, alertId, by, now);
  });
  if (runner) registerJobHandlers(runner, services);
  runner?.register(notify.deliverJob.kind, notify.deliverJob.handler);
  if (runner) registerChatJobs(runner, config);
  for (const job of services.statusPage.jobs) runner?.register(job.kind, job.handler);
  for (const job of services.peopleLedger.jobs) runner?.register(job.kind, job.handler);
  return services;
}

/** Tracker tokens are sealed with the instance secret, as verification codes are (src/notify/links.ts). */
function sealerOf(links: Services['actionLinks']): Sealer {
  return {
    seal: (text) => links.seal(text),
    open: async (sealed) => (await links.openMessage({ subject: '{{v}}', body: '', sealed: { v: sealed } })).subject,
  };
}

function escalationDeps(services: Pick<Services, 'db' | 'notify' | 'config'>): EscalationDeps {
  return {
    db: services.db,
    notify: services.notify,
    publicUrl: () => services.config.publicUrl,
    isSuppressed: async (ex, alert, now) => {
      const s = await isPageSuppressed(ex, alert, now);
      return { suppressed: s.suppressed, reason: s.reason ?? 'suppressed', ...(s.until ? { until: s.until } : {}) };
    },
  };
}

/**
 * Paging starts in the transaction that decides an alert should page (intake, or the recheck after a silence ends),
 * which has just checked silences, maintenance and flapping; if it fails there, `alerts.triggered` takes over.
 */
function inlinePaging(escalation: EscalationDeps, log: Logger) {
  return {
    startPaging: (...[ex, alertId, now, opts]: Parameters<PagingStarter>) =>
      beginPaging(escalation, ex, alertId, now, { suppressionChecked: true, ...opts }),
    primePaging: primePagingLookups,
    onStartPagingFailed: (alertId: string, err: unknown) =>
      log.error({ err, alertId }, 'paging could not start in the intake transaction; alerts.triggered takes over'),
  };
}

/** Every durable job kind and its handler. Domains add theirs here as they arrive. */
function registerJobHandlers(runner: JobRunner, services: Services): void {
  if (services.config.jobs.diagnostics) runner.register('diagnostics.probe', probeHandler);
  const { live, paging } = services.incidents;
  runner.register(JOB_CHECK_COMMANDER, checkCommanderHandler({ live, paging }));
  runner.register(JOB_REMIND_UPDATE, remindUpdateHandler({ live }));
  // Alerts held by a silence, maintenance window or flap damping: page when that ends, if still firing.
  runner.register(
    ALERTS_RECHECK_PAGING,
    alertsRecheckPagingHandler({ live: services.alerts.live, ...inlinePaging(escalationDeps(services), services.log) }),
  );
  // Paging: a triggered alert starts its escalation run (inline at intake; this job is the fallback); each later
  // step is its own fenced job.
  const escalation = escalationDeps(services);
  runner.register(ALERTS_TRIGGERED, alertTriggeredHandler(escalation));
  runner.register(RUN_STEP_JOB, runStepHandler(escalation));
  runner.register(
    RESPONDER_STEP_JOB,
    responderStepHandler({
      db: services.db,
      notify: services.notify,
      publicUrl: () => services.config.publicUrl,
      poke: (id) => services.incidents.live.poke(id),
    }),
  );
  runner.register(ACK_TIMEOUT_JOB, ackTimeoutHandler(services.db));
  runner.register(SNOOZE_END_JOB, snoozeEndHandler({ live: services.alerts.live }));
  runner.register(
    PRUNE_PAYLOADS_JOB,
    prunePayloadsHandler({ retentionDays: services.config.intake.payloadRetentionDays }),
  );
  runner.register(AUTO_DECLARE_JOB, autoDeclareHandler({ declarer: () => services.incidents }));
  // Post-mortems: created when a required incident resolves; reminders before, on and after the due date.
  runner.register(POSTMORTEM_CREATE_JOB, postmortemCreateHandler({ db: services.db }));
  runner.register(
    POSTMORTEM_REMIND_JOB,
    postmortemRemindHandler({ db: services.db, notify: services.notify, publicUrl: () => services.config.publicUrl }),
  );
  // Action items: reminders before and on the due date, the daily overdue digest, tracker issues (src/actions/jobs.ts).
  const reminders = { db: services.db, notify: services.notify, publicUrl: () => services.config.publicUrl };
  runner.register(REMIND_JOB, remindHandler(reminders));
  runner.register(DIGEST_JOB, digestHandler(reminders));
  runner.register(
    TRACKER_JOB,
    trackerHandler({
      db: services.db,
      sealer: sealerOf(services.actionLinks),
      publicUrl: () => services.config.publicUrl,
      resolve: services.actionItems.resolve,
    }),
  );
  // An incident's tracker ticket: created, then its state refreshed (src/actions/tickets.ts).
  const ticketDeps = {
    db: services.db,
    clock: services.clock,
    sealer: sealerOf(services.actionLinks),
    publicUrl: () => services.config.publicUrl,
    resolve: services.actionItems.resolve,
    poke: (id: string) => services.incidents.live.poke(id),
  };
  runner.register(TICKET_CREATE_JOB, ticketCreateHandler(ticketDeps));
  runner.register(TICKET_REFRESH_JOB, ticketRefreshHandler(ticketDeps));
  // Game days: injects at their offsets, reminders the day before, the next of a series (src/gamedays/jobs.ts).
  for (const j of gamedayJobs({ ...reminders, poke: (id) => services.incidents.live.poke(id) })) {
    runner.register(j.kind, j.handler);
  }
  runner.register(HALT_CHECK_JOB, services.gamedayLive.haltCheckHandler());
  runner.register(INJECTION_JOB, services.gamedayLive.injectionHandler());
  // Remediation: HTTP action runs, claimed, sent outside any transaction, then recorded (src/remediation/jobs.ts).
  runner.register(
    REMEDIATION_HTTP_JOB,
    httpRunHandler({ db: services.db, sealer: services.remediation.sealer, resolve: services.remediation.resolve }),
  );
  // Agent runs whose lease ran out end failed (src/remediation/agent).
  for (const j of agentJobs(services)) runner.register(j.kind, j.handler);
  // Insights: the weekly digest, one job per subscribed team each Monday (src/insights/digest.ts).
  for (const j of [insightsDigestJob(services)]) runner.register(j.kind, j.handler);
  // Runbooks: the daily freshness check reminds the owners of stale runbooks once (src/runbooks/jobs.ts).
  runner.register(FRESHNESS_JOB, freshnessHandler(reminders));
  // Automation rules: one evaluation per new alert, declaration or milestone; a new alert's automatic remediation
  // actions share it (src/automation/jobs.ts).
  runner.register(
    AUTOMATION_EVALUATE_JOB,
    evaluateHandler({
      notify: services.notify,
      publicUrl: () => services.config.publicUrl,
      poke: (id) => services.incidents.live.poke(id),
      // A rule's status update is a person's update (timeline, audit, the Slack channel's mirror).
      postStatusUpdateIn: (trx, actor, id, message, now) =>
        services.incidents.postStatusUpdateIn(trx, actor, id, message, now),
      log: services.log.child({ component: 'automation' }),
      remediation: {
        requestRun: (trx, input) => services.remediation.requestRunIn(trx, null, { ...input, trigger: 'rule' }),
        maybeRunAutomatic: (trx, alertId) => services.remediation.maybeRunAutomatic(trx, alertId),
      },
    }),
  );
  // On-call hand-off summaries: one job per schedule at its next hand-off (src/oncall/handoff-jobs.ts).
  runner.register(
    HANDOFF_JOB,
    handoffHandler({
      db: services.db,
      notify: services.notify,
      pagesBetween,
      publicUrl: () => services.config.publicUrl,
      openAlerts: async (ex, teamId) => {
        const serviceIds = new Set((await listServiceRows(ex, { teamId })).map((s) => s.id));
        const open = await listAlertRows(ex, { status: 'open', limit: 500 });
        return open.filter((a) => serviceIds.has(a.serviceId));
      },
    }),
  );
}

/**
 * Notifications ↔ alerts. `isStillWanted`: a page for an alert that was acknowledged or resolved since it was planned
 * is skipped (escalation may install a finer check). Action links acknowledge or resolve as the recipient.
 */
function wireNotifications(services: Services): void {
  // Read through the claim transaction's executor: inside a transaction the root handle refuses (and on SQLite would
  // wait for the connection the claim holds).
  // Paging groups: a page stands for every alert of its escalation run; it is wanted while any of them is triggered,
  // and is worded when sent from the run's alerts as they are then.
  // A responder page (added from an incident room) is wanted while its request still pages (escalation/responders.ts).
  services.notify.setIsStillWanted(async (ex, d) =>
    d.alertId
      ? isPageStillWanted(ex, d.alertId, d.runId)
      : d.responderRequestId
        ? isResponderPageWanted(ex, services.db.engine, d.responderRequestId, d.userId)
        : true,
  );
  services.notify.setSendGate(pagingGate(services.db));
  services.notify.setPageRefresher((ex, d) => refreshPage(ex, d.message, services.config.publicUrl));
  // A claim batch reads its pages' runs at once, and the two checks above answer from what it read.
  services.notify.setClaimPrimer((trx, ds) =>
    primePageClaims(
      trx,
      ds.flatMap((d) => (d.alertId && d.runId ? [d.runId] : [])),
    ),
  );
  services.actionLinks.setHandler(async ({ action, alertId, actor }) => {
    if (action === 'acknowledge') await services.alerts.acknowledge(actor, alertId);
    else await services.alerts.resolve(actor, alertId);
  });
  // A responder page's link acknowledges the request as the person paged (ResponderService.answer's own checks).
  services.actionLinks.setResponderHandler(async ({ requestId, incidentId, actor }) => {
    await services.responders.answer(actor, incidentId, requestId, 'acknowledge');
  });
}

export async function startMuster(config: Config, opts: StartOptions = {}): Promise<Muster> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const db = openDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    namedStatements: config.databaseNamedStatements,
    onSlowTransaction: (t) =>
      log.warn(
        { engine: t.engine, heldMs: t.heldMs, stillHeld: t.isOpen, transactionStack: t.stack },
        t.isOpen ? 'a database transaction is being held long' : 'a database transaction was held long',
      ),
  });
  // A database outage is logged once when it starts and once when it ends (src/db/health.ts), not per request.
  db.health.onChange((c) =>
    c.available
      ? log.warn({ downForMs: c.downForMs }, 'database available again: intake and jobs resume')
      : log.warn(
          { err: c.err },
          'database unavailable: requests are refused with 503 and Retry-After, /readyz answers 503, jobs wait',
        ),
  );
  let app: FastifyInstance | null = null;
  let services: Services | null = null;
  try {
    // A database that is still starting (a container started alongside Muster) is waited for, up to a minute.
    const applied = await migrateToLatest(db.kysely, { waitForDatabaseMs: 60_000 });
    if (applied.length) log.info({ migrations: applied }, 'applied migrations');
    services = buildServices(config, db, { clock, log, resolve: opts.resolve });
    await services.actionLinks.init(); // generates the link-signing secret on first start
    await services.vapid.init(); // makes the Web Push VAPID key pair on first start
    const boot = await bootstrapFirstAdmin(services.identity, {
      email: config.adminEmail,
      password: config.adminPassword,
    });
    app = await buildApp(services);
    await app.listen({ host: config.host, port: config.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const scheme = config.tlsCertFile ? 'https' : 'http'; // the optional TLS listener (src/http/tls.ts)
    const url = `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    if (config.port === 0) config.publicUrl = url; // tests listen on a free port
    await ensureHandoffJobs(db, clock.now()); // schedules made before hand-off summaries existed
    await ensurePayloadPruning(db, clock.now());
    await ensureDigestJob(db, clock.now()); // the daily overdue digest of action items
    await ensureCompTimeJob(db, clock.now()); // the daily comp-time accrual
    await ensureFreshnessJob(db, clock.now()); // the daily check for stale runbooks
    await services.runner?.start();
    log.info(
      {
        url,
        engine: db.engine,
        database: db.engine === 'postgres' ? redactUrl(config.databaseUrl ?? '') : config.dataDir,
      },
      'muster started',
    );
    if (!cookieSecure(services)) log.warn('session cookies are not marked Secure: serve Muster over https');
    opts.printBanner?.(banner(services, url, boot));
    const started = { app, services, url };
    let stopping: Promise<void> | null = null;
    return {
      ...started,
      stop() {
        stopping ??= (async () => {
          await started.app.close();
          // Intake requests whose clients hung up are still committing: let them finish before the database closes.
          await started.services.intakeLimiter.close();
          await started.services.runner?.stop();
          await db.close();
        })();
        return stopping;
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await services?.runner?.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw e;
  }
}

function banner(services: Services, url: string, boot: Awaited<ReturnType<typeof bootstrapFirstAdmin>>): string[] {
  const lines = [
    `Muster is running at ${services.config.publicUrl} (listening on ${url}, ${services.db.engine} database).`,
  ];
  if (boot.created && boot.linkToken) {
    lines.push(
      `First start: created the administrator ${boot.email}.`,
      `Sign in within 24 hours with this one-time link, then set a password:`,
      `  ${signInUrl(services, boot.linkToken)}`,
    );
  } else if (boot.created) {
    lines.push(`First start: created the administrator ${boot.email}; sign in at ${services.config.publicUrl}/signin`);
  } else {
    lines.push(`Sign in at ${services.config.publicUrl}/signin (lost access? run: muster user link <email>)`);
  }
  return lines;
}
