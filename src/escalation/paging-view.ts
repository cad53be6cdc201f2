/**
 * How an alert is being paged, for the person looking at it (the alert page's "Paging" section, `muster alerts
 * paging`): who was paged, on which channel and when, each delivery's status and attempts; where the escalation run
 * stands (level, pass, when the next level fires); and why the alert is held and until when — a silence, a
 * maintenance window, flap damping (the alert's own record of intake's decision), or low urgency outside working hours
 * (the run's hold, whose end escalation itself computed: `planStep` → `nextStepAt`). Reads only; everything comes from
 * what the alert, its runs, the escalation log and the deliveries already hold.
 */
import { findAlertForPaging, isPageSuppressed } from '../alerts/index.js';
import type { Executor } from '../db/index.js';
import { maskAddress } from '../notify/mask.js';
import { onCallUserIds } from '../oncall/index.js';
import { fromJsonText } from '../shared/json.js';
import { runForAlert } from './groups.js';
import type { PolicySnapshot } from './model.js';

export type HoldReason = 'silenced' | 'maintenance' | 'flapping' | 'low_urgency';

export interface PagingHold {
  reason: HoldReason;
  /** When paging starts (or is looked at again); null: open-ended. */
  until: number | null;
  silence: { id: string; comment: string; createdByLabel: string; endsAt: number } | null;
  maintenanceWindow: { id: string; comment: string; endsAt: number } | null;
}

export interface PagingTarget {
  type: 'user' | 'schedule';
  id: string;
  name: string;
  /** A schedule's people on call when the level fires (a user target: that user, if active). */
  userNames: string[];
}

export interface PagingRun {
  id: string;
  status: string;
  urgency: string;
  policyId: string;
  /** The policy's name as snapshotted, or "Reassigned to …" for a run that pages one person. */
  policyName: string;
  /** The level that paged last (1-based), null before the first page. */
  pagedLevel: number | null;
  /** The level the run pages next (1-based) and when: null once nothing is left to page. */
  nextLevel: number | null;
  nextStepAt: number | null;
  nextTargets: PagingTarget[];
  levelCount: number;
  /** 0 on the first pass through the levels; the policy repeats `repeat` more times. */
  pass: number;
  repeat: number;
  startedAt: number;
  /** How many alerts the run stands for (a paging group's alerts share one run). */
  alertCount: number;
}

export interface PagingPage {
  deliveryId: string;
  runId: string | null;
  userId: string;
  userName: string;
  level: number | null;
  pass: number | null;
  channel: string;
  contactMethodId: string;
  contactLabel: string;
  /** Enough of the address to tell the person's methods apart (src/notify/mask.ts). */
  address: string;
  at: number;
  dueAt: number;
  status: string;
  attempts: number;
  lastError: string | null;
  finishedAt: number | null;
}

export interface PagingLogEntry {
  runId: string;
  at: number;
  kind: string;
  level: number | null;
  pass: number | null;
  userNames: string[];
  reason: string;
}

export type PagingState =
  'paging' | 'held' | 'acknowledged' | 'snoozed' | 'resolved' | 'exhausted' | 'no_policy' | 'not_paging';

export interface PagingView {
  alertId: string;
  alertStatus: string;
  state: PagingState;
  /** The first page that went out for the alert (a delivery created), null while none has. */
  firstPagedAt: number | null;
  hold: PagingHold | null;
  snoozedUntil: number | null;
  run: PagingRun | null;
  /** Runs that ended by reassignment, newest first. */
  previousRuns: { id: string; status: string; policyName: string; startedAt: number }[];
  pages: PagingPage[];
  log: PagingLogEntry[];
}

const snapshotOfRun = (text: string): PolicySnapshot | null => fromJsonText<PolicySnapshot | null>(text, null);

/** null: no such alert. */
export async function pagingFor(ex: Executor, alertId: string, now: number): Promise<PagingView | null> {
  const alert = await findAlertForPaging(ex, alertId);
  if (!alert) return null;
  const current = await runForAlert(ex, alertId);
  const runIds = new Set<string>();
  if (current) runIds.add(current.id);
  const joined = await ex.selectFrom('escalationRunAlerts').select('runId').where('alertId', '=', alertId).execute();
  for (const r of joined) runIds.add(r.runId);
  const led = await ex.selectFrom('escalationRuns').select('id').where('alertId', '=', alertId).execute();
  for (const r of led) runIds.add(r.id);
  const runs = runIds.size
    ? await ex
        .selectFrom('escalationRuns')
        .selectAll()
        .where('id', 'in', [...runIds])
        .orderBy('startedAt', 'desc')
        .orderBy('id', 'desc')
        .execute()
    : [];
  const run = current ? (runs.find((r) => r.id === current.id) ?? current) : null;
  const log = runs.length
    ? await ex
        .selectFrom('escalationLog')
        .selectAll()
        .where(
          'runId',
          'in',
          runs.map((r) => r.id),
        )
        .orderBy('id')
        .execute()
    : [];
  // Pages: those for this alert and for the lead alert of each of its runs (a group's pages name its lead).
  const pageAlertIds = [...new Set([alertId, ...runs.map((r) => r.alertId)])];
  const deliveries = await ex
    .selectFrom('notificationDeliveries as d')
    .leftJoin('contactMethods as c', 'c.id', 'd.contactMethodId')
    .select([
      'd.id',
      'd.userId',
      'd.alertId',
      'd.channel',
      'd.contactMethodId',
      'd.status',
      'd.attempts',
      'd.lastError',
      'd.createdAt',
      'd.dueAt',
      'd.finishedAt',
      'c.label as contactLabel',
      'c.address as contactAddress',
      'c.kind as contactKind',
    ])
    .where('d.alertId', 'in', pageAlertIds)
    .orderBy('d.createdAt')
    .orderBy('d.id')
    .execute();

  const snapshot = run ? snapshotOfRun(run.snapshot) : null;
  const nextTargets = run && snapshot && run.nextStepAt !== null ? await targetsOf(ex, snapshot, run) : [];
  const userIds = new Set<string>();
  for (const d of deliveries) userIds.add(d.userId);
  for (const l of log) for (const u of fromJsonText<string[]>(l.userIds, [])) userIds.add(u);
  const names = await userNames(ex, [...userIds]);
  const nameOf = (id: string): string => names.get(id) ?? id;

  const pagedEntries = log.filter((l) => l.kind === 'paged');
  const pages: PagingPage[] = deliveries.map((d) => {
    const entry = pagedEntries.find(
      (l) => l.at === d.createdAt && fromJsonText<string[]>(l.userIds, []).includes(d.userId),
    );
    return {
      deliveryId: d.id,
      runId: entry?.runId ?? null,
      userId: d.userId,
      userName: nameOf(d.userId),
      level: entry?.levelIndex == null ? null : entry.levelIndex + 1,
      pass: entry?.pass ?? null,
      channel: d.channel,
      contactMethodId: d.contactMethodId,
      contactLabel: d.contactLabel ?? '',
      address: maskAddress(d.contactKind ?? d.channel, d.contactAddress ?? ''),
      at: d.createdAt,
      dueAt: d.dueAt,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      finishedAt: d.finishedAt,
    };
  });

  const hold = await holdOf(ex, alert, run, log, now);
  const snoozedUntil = alert.status === 'acknowledged' ? (alert.snoozedUntil ?? null) : null;
  const runLog = run ? log.filter((l) => l.runId === run.id) : [];
  const lastPaged = [...runLog].reverse().find((l) => l.kind === 'paged');
  const alertCount = run
    ? Number(
        (
          await ex
            .selectFrom('escalationRunAlerts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('runId', '=', run.id)
            .executeTakeFirst()
        )?.n ?? 1,
      ) || 1
    : 0;
  const isLive = run !== null && (run.status === 'active' || run.status === 'held') && run.nextStepAt !== null;

  return {
    alertId,
    alertStatus: alert.status,
    state: stateOf(alert.status, snoozedUntil, hold, run?.status ?? null, snapshot !== null),
    firstPagedAt: deliveries[0]?.createdAt ?? null,
    hold,
    snoozedUntil,
    run: run
      ? {
          id: run.id,
          status: run.status,
          urgency: run.urgency,
          policyId: run.policyId,
          policyName: snapshot?.name ?? '',
          pagedLevel: lastPaged?.levelIndex == null ? null : lastPaged.levelIndex + 1,
          nextLevel: isLive ? run.levelIndex + 1 : null,
          nextStepAt: isLive ? run.nextStepAt : null,
          nextTargets: isLive ? nextTargets : [],
          levelCount: snapshot?.levels.length ?? 0,
          pass: run.pass,
          repeat: snapshot?.repeat ?? 0,
          startedAt: run.startedAt,
          alertCount,
        }
      : null,
    previousRuns: runs
      .filter((r) => r.id !== run?.id)
      .map((r) => ({
        id: r.id,
        status: r.status,
        policyName: snapshotOfRun(r.snapshot)?.name ?? '',
        startedAt: r.startedAt,
      })),
    pages,
    log: log.map((l) => ({
      runId: l.runId,
      at: l.at,
      kind: l.kind,
      level: l.levelIndex === null ? null : l.levelIndex + 1,
      pass: l.pass,
      userNames: fromJsonText<string[]>(l.userIds, []).map(nameOf),
      reason: l.reason,
    })),
  };
}

function stateOf(
  alertStatus: string,
  snoozedUntil: number | null,
  hold: PagingHold | null,
  runStatus: string | null,
  hasPolicy: boolean,
): PagingState {
  if (alertStatus === 'resolved') return 'resolved';
  if (alertStatus === 'acknowledged') return snoozedUntil !== null ? 'snoozed' : 'acknowledged';
  if (hold) return 'held';
  if (runStatus === null) return 'not_paging';
  if (!hasPolicy) return 'no_policy';
  if (runStatus === 'exhausted') return 'exhausted';
  return 'paging';
}

type AlertRow = NonNullable<Awaited<ReturnType<typeof findAlertForPaging>>>;
type RunRow = NonNullable<Awaited<ReturnType<typeof runForAlert>>>;
type LogRow = { runId: string; kind: string; at: number; reason: string };

/** Why a triggered alert is not paging now, and until when. */
async function holdOf(
  ex: Executor,
  alert: AlertRow,
  run: RunRow | null,
  log: LogRow[],
  now: number,
): Promise<PagingHold | null> {
  if (alert.status !== 'triggered') return null;
  // Intake's decision, recorded on the alert: held before any run started.
  if (alert.pagedAt === null && alert.suppressedReason) {
    return detailed(ex, alert.suppressedReason as HoldReason, alert.suppressedUntil, alert.suppressedById);
  }
  if (!run || run.status !== 'held') return null;
  const last = [...log].reverse().find((l) => l.runId === run.id && (l.kind === 'held' || l.kind === 'suppressed'));
  if (last?.kind === 'suppressed') {
    // Held by a step that found the alert silenced, in maintenance or damped: ask the same check again for which.
    const s = await isPageSuppressed(ex, alert, now);
    const reason = (s.reason ?? last.reason.split(':')[0]) as HoldReason;
    return detailed(ex, reason, run.nextStepAt, s.silenceId ?? s.maintenanceWindowId ?? null);
  }
  // Low urgency outside working hours: the run's next step is when escalation's planner said working hours begin.
  return { reason: 'low_urgency', until: run.nextStepAt, silence: null, maintenanceWindow: null };
}

async function detailed(
  ex: Executor,
  reason: HoldReason,
  until: number | null,
  byId: string | null,
): Promise<PagingHold> {
  const hold: PagingHold = { reason, until, silence: null, maintenanceWindow: null };
  if (!byId) return hold;
  if (reason === 'silenced') {
    const s = await ex
      .selectFrom('silences')
      .select(['id', 'comment', 'createdByLabel', 'endsAt'])
      .where('id', '=', byId)
      .executeTakeFirst();
    if (s) hold.silence = s;
  } else if (reason === 'maintenance') {
    const w = await ex
      .selectFrom('maintenanceWindows')
      .select(['id', 'comment', 'endsAt'])
      .where('id', '=', byId)
      .executeTakeFirst();
    if (w) hold.maintenanceWindow = w;
  }
  return hold;
}

async function userNames(ex: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await ex.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', ids).execute();
  return new Map(rows.map((u) => [u.id, u.name || u.email]));
}

/** Who the run's next level names, and (for schedules) who is on call when it fires. */
async function targetsOf(ex: Executor, snapshot: PolicySnapshot, run: RunRow): Promise<PagingTarget[]> {
  const level = snapshot.levels[run.levelIndex];
  if (!level) return [];
  const at = run.nextStepAt ?? run.updatedAt;
  const out: PagingTarget[] = [];
  for (const t of level.targets) {
    if (t.type === 'user') {
      const names = await userNames(ex, [t.id]);
      out.push({
        type: 'user',
        id: t.id,
        name: names.get(t.id) ?? t.id,
        userNames: names.has(t.id) ? [names.get(t.id)!] : [],
      });
    } else {
      const s = await ex.selectFrom('schedules').select(['id', 'name']).where('id', '=', t.id).executeTakeFirst();
      const onCall = await userNames(ex, await onCallUserIds(ex, t.id, at));
      out.push({ type: 'schedule', id: t.id, name: s?.name ?? t.id, userNames: [...onCall.values()] });
    }
  }
  return out;
}
