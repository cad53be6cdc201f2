/**
 * Escalation runs: one per paging alert, with the policy snapshotted when paging starts. The step job follows the
 * style guide's model for every durable handler: lock the run, check the fence (generation), re-check the alert,
 * do exactly one step and record it, schedule the next step in the same transaction.
 */
import type { Selectable } from 'kysely';
import { findAlertForPaging, insertAlertEvent, lockService, toAlert, type Alert } from '../alerts/index.js';
import { findServiceRow, serviceMemoKey, type Service } from '../catalog/index.js';
import { memoInTransaction, type Db, type Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import type { AlertsTable, EscalationRunsTable } from '../db/schema.js';
import { insertDeferred, type DeferredRow } from '../db/statements.js';
import { enqueueJob, enqueueJobDeferred } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import {
  urgencyForSeverity,
  type EscalationPosition,
  type PolicySnapshot,
  type SkippedLevel,
  type Urgency,
} from './model.js';
import { maybeLinkJoinedAlert } from './auto-declare.js';
import {
  joinableRun,
  joinableRunInIntake,
  pagingKeyOf,
  primeJoinableRuns,
  rememberJoinableRun,
  runForAlert,
} from './groups.js';
import { pageMessage, triggeredRunAlerts } from './page-text.js';
import { planStepAt } from './plan.js';
import { snapshotOf, toPolicy } from './policies.js';

export const RUN_STEP_JOB = 'escalation.runStep';
type AlertRow = Selectable<AlertsTable>;
type ServiceRow = Service;
const SUPPRESSION_RECHECK_MS = 5 * 60_000;

export interface RunStepPayload {
  runId: string;
  generation: number;
}

export type RunStatus = 'active' | 'held' | 'acknowledged' | 'resolved' | 'exhausted' | 'suppressed';

export interface EscalationDeps {
  db: Db;
  notify: NotifyService;
  publicUrl: () => string;
  /** Silences, maintenance windows, flapping: true stops paging for this alert (recorded). */
  isSuppressed?: (
    ex: Executor,
    alert: Alert,
    now: number,
  ) => Promise<{ suppressed: boolean; reason: string; until?: number }>;
}

// The queries of a run's start and steps are prepared (src/db/prepared.ts): built and compiled once per shape.
const policyRowQ = prepared('escalation.policyRow', (ex: Executor, policyId: string) =>
  ex.selectFrom('escalationPolicies').selectAll().where('id', '=', policyId),
);

const groupKeyQ = prepared('escalation.groupKey', (ex: Executor, groupId: string) =>
  ex.selectFrom('alertGroups').select('groupKey').where('id', '=', groupId),
);

const lockRunQ = prepared('escalation.lockRun', (ex: Executor, runId: string, isPostgres: boolean) => {
  let q = ex.selectFrom('escalationRuns').selectAll().where('id', '=', runId);
  if (isPostgres) q = q.forUpdate();
  return q;
});

const updateRunQ = prepared(
  'escalation.updateRun',
  (ex: Executor, runId: string, change: Partial<EscalationRunsTable>) =>
    ex.updateTable('escalationRuns').set(change).where('id', '=', runId),
);

const anyAcknowledgedQ = prepared('escalation.anyAcknowledged', (ex: Executor, runId: string) =>
  ex
    .selectFrom('escalationRunAlerts as ra')
    .innerJoin('alerts as a', 'a.id', 'ra.alertId')
    .select('a.id')
    .where('ra.runId', '=', runId)
    .where('a.status', '=', 'acknowledged'),
);

export async function logStep(
  ex: Executor,
  run: { id: string; alertId: string },
  entry: { kind: string; levelIndex?: number | null; pass?: number | null; userIds?: string[]; reason: string },
  now: number,
): Promise<void> {
  // Nobody reads the result: the row may wait and go out with the transaction's others (src/db/statements.ts).
  await insertDeferred(ex, 'escalationLog', {
    id: newId('esl', now),
    runId: run.id,
    alertId: run.alertId,
    at: now,
    kind: entry.kind,
    levelIndex: entry.levelIndex ?? null,
    pass: entry.pass ?? null,
    userIds: toJsonText(entry.userIds ?? []),
    reason: entry.reason,
  });
}

/**
 * Intake, before it applies a batch (holding its services' locks): every paging key the batch's new alerts may have,
 * with its live run read at once (`primeJoinableRuns`), so `startEscalation` reads none per alert. A candidate that
 * turns out not to open an alert costs nothing but its place in the one read.
 */
export async function primePagingLookups(
  trx: Executor,
  candidates: { serviceId: string; labels: string; isDrill: number; groupKey: string | null; severity: string }[],
): Promise<void> {
  const wanted: { serviceId: string; pagingKey: string; urgency: string }[] = [];
  for (const c of candidates) {
    const service =
      (await memoInTransaction(trx, serviceMemoKey(c.serviceId), () => findServiceRow(trx, c.serviceId))) ?? undefined;
    if (!service?.escalationPolicyId) continue;
    const pagingKey = pagingKeyOf(service.pagingGroups, c);
    if (pagingKey !== null) wanted.push({ serviceId: c.serviceId, pagingKey, urgency: urgencyForSeverity(c.severity) });
  }
  await primeJoinableRuns(trx, wanted);
}

/**
 * Start paging for a newly triggered alert, in the caller's transaction: snapshot the service's policy and enqueue
 * the first step, due now. An alert whose service has no policy is recorded and left unpaged.
 */
export async function startEscalation(
  trx: Executor,
  engine: Db['engine'],
  alertId: string,
  now: number,
  /** `alert`: the alert row as it is in this transaction, when the caller has it. */
  opts: { inline?: boolean; isFreshAlert?: boolean; alert?: AlertRow | undefined } = {},
): Promise<{
  runId: string;
  isNew: boolean;
  hasPolicy: boolean;
  alert: AlertRow;
  service: ServiceRow | undefined;
  /** The run as inserted (new runs only). */
  run?: EscalationRunsTable;
  /** The new run's row while its insert still waits (src/db/statements.ts): the first step patches it. */
  pendingRun?: DeferredRow<EscalationRunsTable>;
  /** The alert joined its paging group's live run (no new run, no page of its own). */
  joined?: boolean;
} | null> {
  const alertRow = opts.alert?.id === alertId ? opts.alert : await findAlertForPaging(trx, alertId);
  if (!alertRow) return null;
  // An alert created in this very transaction cannot have a run yet (as lead, or as an alert that joined one).
  const existing = opts.isFreshAlert ? undefined : ((await runForAlert(trx, alertId)) ?? undefined);
  if (existing) {
    // A duplicate trigger.
    return {
      runId: existing.id,
      isNew: false,
      hasPolicy: existing.policyId !== '',
      alert: alertRow,
      service: undefined,
    };
  }
  // Read once per transaction: intake starts paging for many alerts of one service in one transaction.
  const service =
    (await memoInTransaction(trx, serviceMemoKey(alertRow.serviceId), () => findServiceRow(trx, alertRow.serviceId))) ??
    undefined;
  const policyId = service?.escalationPolicyId;
  const policyRow = policyId
    ? await memoInTransaction(trx, `policy:${policyId}`, async () => (await rowsOf(trx, policyRowQ(trx, policyId)))[0])
    : undefined;
  const urgency = urgencyForSeverity(alertRow.severity);
  // Paging groups: a new alert of a group whose run is still live joins it instead of paging on its own.
  const pagingKey =
    service && policyRow
      ? pagingKeyOf(service.pagingGroups, {
          labels: alertRow.labels,
          isDrill: alertRow.isDrill,
          groupKey:
            service.pagingGroups.mode === 'alertmanager'
              ? // A group's key never changes; intake primes it for the alerts it creates.
                await memoInTransaction(
                  trx,
                  `alert-group-key:${alertRow.groupId}`,
                  async () => (await rowsOf(trx, groupKeyQ(trx, alertRow.groupId)))[0]?.groupKey ?? null,
                )
              : null,
        })
      : null;
  if (pagingKey !== null && service) {
    // Intake holds the service lock already (a fresh alert); anyone else takes it, as acknowledge and resolve do.
    if (!opts.isFreshAlert) await lockService(trx, engine, service.id);
    const startedAfter =
      service.pagingGroups.mode === 'window' ? now - service.pagingGroups.windowMinutes * 60_000 : null;
    const q = { serviceId: service.id, pagingKey, urgency, startedAfter };
    // Intake (fresh alerts, service locked) remembers each paging key's live run for the rest of its transaction.
    const live = opts.isFreshAlert ? await joinableRunInIntake(trx, q) : await joinableRun(trx, q);
    if (live) {
      await insertDeferred(trx, 'escalationRunAlerts', { runId: live.id, alertId, joinedAt: now });
      await logStep(
        trx,
        live,
        { kind: 'joined', reason: `alert ${alertId} joined this page (${alertRow.summary.slice(0, 200)})` },
        now,
      );
      await insertAlertEvent(
        trx,
        {
          alertId,
          kind: 'joined_page',
          actorLabel: 'escalation',
          details: { runId: live.id, leadAlertId: live.alertId, pagingKey },
        },
        now,
      );
      await maybeLinkJoinedAlert(
        trx,
        engine,
        { alertId, leadAlertId: live.alertId, isDrill: alertRow.isDrill, incidentRule: service.incidentRule },
        now,
      );
      return { runId: live.id, isNew: false, hasPolicy: true, alert: alertRow, service, joined: true };
    }
  }
  const runId = newId('run', now);
  const snapshot: PolicySnapshot | null = policyRow ? snapshotOf(toPolicy(policyRow)) : null;
  const run: EscalationRunsTable = {
    id: runId,
    alertId,
    policyId: snapshot?.policyId ?? '',
    snapshot: toJsonText(snapshot),
    urgency,
    status: snapshot ? 'active' : 'exhausted',
    generation: 1,
    levelIndex: 0,
    pass: 0,
    nextStepAt: snapshot ? now : null,
    startedAt: now,
    updatedAt: now,
    serviceId: alertRow.serviceId,
    pagingKey: snapshot ? pagingKey : null,
  };
  // New rows with new ids: they may wait and go out with the batch's others (one insert per table).
  // A copy waits: the first step writes its outcome into it, and `run` stays as it was inserted.
  const pendingRun = await insertDeferred(trx, 'escalationRuns', { ...run });
  await insertDeferred(trx, 'escalationRunAlerts', { runId, alertId, joinedAt: now });
  if (opts.isFreshAlert) await rememberJoinableRun(trx, run);
  if (!snapshot) {
    await logStep(
      trx,
      { id: runId, alertId },
      { kind: 'no_policy', reason: 'the service has no escalation policy' },
      now,
    );
    return { runId, isNew: true, hasPolicy: false, alert: alertRow, service, run };
  }
  await logStep(trx, { id: runId, alertId }, { kind: 'started', reason: `policy ${snapshot.name} snapshotted` }, now);
  if (!opts.inline) {
    await enqueueJob(
      trx,
      engine,
      { kind: RUN_STEP_JOB, payload: { runId, generation: 1 }, uniqueKey: `${runId}:1` },
      now,
    );
  }
  return { runId, isNew: true, hasPolicy: true, alert: alertRow, service, run, pendingRun };
}

async function lockRun(trx: Executor, engine: Db['engine'], runId: string): Promise<EscalationRunsTable | undefined> {
  return (await rowsOf(trx, lockRunQ(trx, runId, engine === 'postgres')))[0];
}

/** One escalation step. Returns what it did, for tests and logs. */
export async function runStep(
  deps: EscalationDeps,
  trx: Executor,
  payload: RunStepPayload,
  now: number,
  opts: {
    suppressionChecked?: boolean;
    /** Rows the caller has just read in this transaction (the first step, right after the run was created). */
    alert?: AlertRow;
    service?: ServiceRow | undefined;
    /** A run inserted in this transaction: nobody else can see it, so there is nothing to lock. */
    run?: EscalationRunsTable | undefined;
    /** That run's insert, while it still waits: the step's outcome is written into it instead of an update. */
    pendingRun?: DeferredRow<EscalationRunsTable> | undefined;
  } = {},
): Promise<'stale' | 'stopped' | 'held' | 'paged' | 'exhausted' | 'suppressed'> {
  const run = opts.run?.id === payload.runId ? opts.run : await lockRun(trx, deps.db.engine, payload.runId);
  if (!run || run.generation !== payload.generation) return 'stale';
  if (run.status !== 'active' && run.status !== 'held') return 'stale';
  const lead = opts.alert?.id === run.alertId ? opts.alert : await findAlertForPaging(trx, run.alertId);
  // The alerts the page stands for (paging groups): a run inserted in this transaction has its lead alone.
  const isNewRun = opts.run?.id === run.id;
  const triggered = isNewRun
    ? lead?.status === 'triggered'
      ? [{ id: lead.id, summary: lead.summary, severity: lead.severity, status: lead.status }]
      : []
    : await triggeredRunAlerts(trx, run);
  // The page leads with the run's lead alert while it is triggered, else with its first triggered alert.
  const alertRow =
    triggered[0] === undefined || triggered[0].id === lead?.id ? lead : await findAlertForPaging(trx, triggered[0].id);
  const next = async (status: RunStatus, patch: Partial<EscalationRunsTable> = {}): Promise<void> => {
    const change = { status, generation: run.generation + 1, updatedAt: now, nextStepAt: null, ...patch };
    if (isNewRun && opts.pendingRun?.patch(change)) return;
    await trx.executeQuery(updateRunQ(trx, run.id, change));
  };
  if (!alertRow || alertRow.status !== 'triggered') {
    // No alert of the run is triggered any more: the run ends, acknowledged if any of its alerts was.
    const isAcknowledged = isNewRun
      ? lead?.status === 'acknowledged'
      : (await rowsOf(trx, anyAcknowledgedQ(trx, run.id)))[0] !== undefined;
    const status: RunStatus = isAcknowledged ? 'acknowledged' : 'resolved';
    await next(status);
    const reason = isNewRun
      ? `the alert is ${lead?.status ?? 'gone'}`
      : `no alert of the run is triggered (${isAcknowledged ? 'acknowledged' : 'resolved'})`;
    await logStep(trx, run, { kind: 'stopped', reason }, now);
    return 'stopped';
  }
  const alert = toAlert(alertRow);
  // The first step that intake runs in the alert's own transaction has just checked this (startPagingOrHold).
  const suppression =
    deps.isSuppressed && !opts.suppressionChecked
      ? await deps.isSuppressed(trx, alert, now)
      : { suppressed: false, reason: '' };
  if (suppression.suppressed) {
    // Silenced, in maintenance or damped while paging: hold the run and look again when the suppression ends.
    const until = Math.max(now + 1000, suppression.until ?? now + SUPPRESSION_RECHECK_MS);
    await next('held', { nextStepAt: until });
    await logStep(trx, run, { kind: 'suppressed', reason: `${suppression.reason}: held until it ends` }, now);
    await schedule(deps, trx, run.id, run.generation + 1, until, now, isNewRun);
    return 'suppressed';
  }
  const snapshot = fromJsonText<PolicySnapshot | null>(run.snapshot, null);
  if (!snapshot) return 'stale';
  const position: EscalationPosition = { levelIndex: run.levelIndex, pass: run.pass };
  const urgency = run.urgency as Urgency;
  const { plan } = await planStepAt(trx, snapshot, position, now, urgency);
  const logSkips = async (skipped: SkippedLevel[]): Promise<void> => {
    for (const s of skipped) {
      const why =
        s.reason === 'nobody_on_call' ? 'nobody is on call for this level' : 'the level condition does not hold now';
      await logStep(trx, run, { kind: 'skipped', levelIndex: s.levelIndex, pass: s.pass, reason: why }, now);
    }
  };
  if (plan.kind === 'hold') {
    await next('held', { nextStepAt: plan.until });
    await logStep(trx, run, { kind: 'held', reason: 'low urgency: held until working hours' }, now);
    await schedule(deps, trx, run.id, run.generation + 1, plan.until, now, isNewRun);
    return 'held';
  }
  await logSkips(plan.skipped);
  if (plan.kind === 'exhausted') {
    await next('exhausted');
    await logStep(trx, run, { kind: 'exhausted', reason: 'no level left with anyone to page' }, now);
    return 'exhausted';
  }
  const service = opts.service?.id === alert.serviceId ? opts.service : await findServiceRow(trx, alert.serviceId);
  const message = pageMessage({
    runId: run.id,
    alert,
    alerts: triggered,
    serviceName: service?.name ?? 'a service',
    urgency,
    url: `${deps.publicUrl()}/alerts/${run.alertId}`,
  });
  for (const userId of plan.page.userIds) {
    await deps.notify.notifyUser(
      trx,
      {
        userId,
        // Every page of a run is the lead alert's: its row is the run's claim lock (src/alerts/paging-gate.ts).
        alertId: run.alertId,
        urgency,
        message,
        key: `${run.id}:${run.generation}:${plan.page.pass}:${plan.page.levelIndex}:${userId}`,
        // A run created in this transaction: no delivery can have its key yet.
        isFreshKey: isNewRun,
      },
      now,
    );
  }
  await logStep(
    trx,
    run,
    {
      kind: 'paged',
      levelIndex: plan.page.levelIndex,
      pass: plan.page.pass,
      userIds: plan.page.userIds,
      reason:
        triggered.length > 1
          ? `level ${plan.page.levelIndex + 1}, ${triggered.length} alerts`
          : `level ${plan.page.levelIndex + 1}`,
    },
    now,
  );
  if (!plan.next) {
    await next('exhausted', { levelIndex: plan.page.levelIndex, pass: plan.page.pass });
    await logStep(trx, run, { kind: 'exhausted', reason: 'the last level was paged; nobody left to escalate to' }, now);
    return 'paged';
  }
  await next('active', {
    levelIndex: plan.next.position.levelIndex,
    pass: plan.next.position.pass,
    nextStepAt: plan.next.at,
  });
  await schedule(deps, trx, run.id, run.generation + 1, plan.next.at, now, isNewRun);
  return 'paged';
}

async function schedule(
  deps: EscalationDeps,
  trx: Executor,
  runId: string,
  generation: number,
  at: number,
  now: number,
  /** The run was created in this transaction: its step key cannot be taken, so the insert may wait. */
  isNewRun = false,
): Promise<void> {
  const job = { kind: RUN_STEP_JOB, payload: { runId, generation }, runAt: at, uniqueKey: `${runId}:${generation}` };
  if (isNewRun) await enqueueJobDeferred(trx, deps.db.engine, job, now);
  else await enqueueJob(trx, deps.db.engine, job, now);
}

export interface EscalationView {
  run: Omit<EscalationRunsTable, 'snapshot'> & { snapshot: PolicySnapshot | null };
  log: {
    at: number;
    kind: string;
    levelIndex: number | null;
    pass: number | null;
    userIds: string[];
    reason: string;
  }[];
}

export async function escalationFor(ex: Executor, alertId: string): Promise<EscalationView | null> {
  const run = await runForAlert(ex, alertId);
  if (!run) return null;
  // A run's log is written under its lead alert (indexed), whichever alert of the run is asked about.
  const log = await ex
    .selectFrom('escalationLog')
    .selectAll()
    .where('alertId', '=', run.alertId)
    .where('runId', '=', run.id)
    .orderBy('id')
    .execute();
  return {
    run: { ...run, snapshot: fromJsonText<PolicySnapshot | null>(run.snapshot, null) },
    log: log.map((l) => ({
      at: l.at,
      kind: l.kind,
      levelIndex: l.levelIndex,
      pass: l.pass,
      userIds: fromJsonText<string[]>(l.userIds, []),
      reason: l.reason,
    })),
  };
}
