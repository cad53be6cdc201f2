/**
 * The "should this page?" check and where paging starts. An alert that arrives silenced, in a maintenance window or
 * damped as flapping is recorded (with the reason, the silence or window, and an alert event) but `alerts.triggered`
 * is NOT enqueued; instead `alerts.recheckPaging` is scheduled for when the suppression ends, and paging starts then
 * if the alert is still triggered (not acknowledged, not resolved) and nothing else suppresses it.
 */
import { sql, type Selectable } from 'kysely';
import { memoInTransaction, type Db, type Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import { sendWaitingInserts } from '../db/statements.js';
import type { LiveChannel } from '../db/live.js';
import type { AlertsTable } from '../db/schema.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import { fromJsonText } from '../shared/json.js';
import { ALERTS_TRIGGERED, type AlertsTriggeredPayload } from './jobs.js';
import type { AlertEventKind } from './model.js';
import { FLAPPING, decideSuppression, type Matcher, type Suppression, type SuppressionReason } from './noise-model.js';
import { findAlertRow, insertAlertEvent, lockService } from './repo.js';

export const ALERTS_RECHECK_PAGING = 'alerts.recheckPaging';
/** The LISTEN/NOTIFY channel of the alert list's live stream; a nudge names an alert id. */
export const ALERTS_CHANNEL = 'muster_alerts';

/**
 * Starts paging for an alert inside the caller's transaction (escalation's first step, wired in by the composition
 * root: the alerts domain does not depend on escalation). Without one, or if it fails, the `alerts.triggered` job does
 * the same one hop later.
 */
export type PagingStarter = (
  ex: Executor,
  alertId: string,
  now: number,
  /** `alert`: the row as committed in this transaction, when the caller has it (saves re-reading it). */
  opts: { isFreshAlert: boolean; alert?: Selectable<AlertsTable> | undefined },
) => Promise<void>;

export interface PagingDeps {
  engine: Db['engine'];
  live: LiveChannel;
  startPaging?: PagingStarter | undefined;
  /**
   * Intake, before it applies a batch: read what paging will need for the batch's possible new alerts at once
   * (escalation's live run per paging key) instead of once per alert. Optional: without it each alert reads its own.
   */
  primePaging?:
    | ((
        ex: Executor,
        candidates: { serviceId: string; labels: string; isDrill: number; groupKey: string | null; severity: string }[],
      ) => Promise<void>)
    | undefined;
  /** Told when the inline start failed and the job took over (the error is logged by the caller's logger). */
  onStartPagingFailed?: ((alertId: string, error: unknown) => void) | undefined;
  /**
   * How a failed inline start is contained: 'savepoint' (default) rolls back to a savepoint around it and enqueues
   * `alerts.triggered`; 'throw' raises InlinePagingFailed for a caller that has its own savepoint (intake re-applies
   * the delivery without inline paging), saving two round trips per alert on PostgreSQL.
   */
  inlineFailure?: 'savepoint' | 'throw' | undefined;
  /**
   * With 'throw': send the transaction's waiting inserts at the end of the start, so a failure to write its rows is
   * raised inside it too. Intake asks for it where it handles a delivery's failure on its own (a delivery in its own
   * savepoint or transaction); a batch applied without savepoints leaves the rows waiting, and if they fail, the
   * whole batch is applied again with a savepoint per delivery.
   */
  sendRowsOnStart?: boolean | undefined;
}

/** Starting paging inline failed (see PagingDeps.inlineFailure); `cause` is why. */
export class InlinePagingFailed extends Error {
  constructor(
    readonly alertId: string,
    cause: unknown,
  ) {
    super(`paging could not start in the transaction for alert ${alertId}`, { cause });
    this.name = 'InlinePagingFailed';
  }
}
export interface AlertsRecheckPayload {
  alertId: string;
}

// The queries run per alert are prepared (src/db/prepared.ts): built and compiled once per shape.
// The silences and maintenance windows of a service, in one statement (one round trip on PostgreSQL).
const suppressionRulesQ = prepared('alerts.suppression.rules', (ex: Executor, serviceId: string, now: number) =>
  ex
    .selectFrom('silences')
    .select([sql<string>`'silence'`.as('kind'), 'id', 'serviceId', 'matchers', 'startsAt', 'endsAt'])
    .where('endsAt', '>', now)
    .where((eb) => eb.or([eb('serviceId', 'is', null), eb('serviceId', '=', serviceId)]))
    .unionAll(
      ex
        .selectFrom('maintenanceWindows')
        .select([
          sql<string>`'window'`.as('kind'),
          'id',
          'serviceId',
          sql<string>`null`.as('matchers'), // a window has none: read as no matchers
          'startsAt',
          'endsAt',
        ])
        .where('serviceId', '=', serviceId)
        .where('endsAt', '>', now),
    ),
);

const lastPagedQ = prepared(
  'alerts.suppression.lastPaged',
  (ex: Executor, alert: { id: string; serviceId: string; source: string; dedupKey: string }, since: number) =>
    ex
      .selectFrom('alerts')
      .select((eb) => eb.fn.max<number | null>('pagedAt').as('at'))
      .where('serviceId', '=', alert.serviceId)
      .where('source', '=', alert.source)
      .where('dedupKey', '=', alert.dedupKey)
      .where('id', '!=', alert.id)
      .where('pagedAt', '>', since),
);

const markSuppressedQ = prepared(
  'alerts.suppression.markSuppressed',
  (ex: Executor, id: string, reason: string | null, byId: string | null, until: number, now: number) =>
    ex
      .updateTable('alerts')
      .set({ suppressedReason: reason, suppressedById: byId, suppressedUntil: until, updatedAt: now })
      .where('id', '=', id),
);

const markPagedQ = prepared('alerts.suppression.markPaged', (ex: Executor, id: string, now: number) =>
  ex
    .updateTable('alerts')
    .set({ pagedAt: now, suppressedReason: null, suppressedById: null, suppressedUntil: null, updatedAt: now })
    .where('id', '=', id),
);

// The inline start's savepoint statements.
const savepointQ = prepared('alerts.savepoint', () => sql`savepoint start_paging`);
const releaseSavepointQ = prepared('alerts.releaseSavepoint', () => sql`release savepoint start_paging`);
const rollbackToSavepointQ = prepared('alerts.rollbackToSavepoint', () => sql`rollback to savepoint start_paging`);

/**
 * The silences and maintenance windows that apply to a service and have not ended by `now` (whether they are active
 * at a given instant is decided per alert). Read once per service per transaction (`memoInTransaction`): intake
 * checks every alert of a batch in one transaction, and no transaction that checks also writes silences or windows.
 */
async function loadSuppressionRules(ex: Executor, serviceId: string, now: number) {
  const rows = await rowsOf(ex, suppressionRulesQ(ex, serviceId, now));
  const silences = rows
    .filter((r) => r.kind === 'silence')
    .map((r) => ({
      id: r.id,
      serviceId: r.serviceId,
      matchers: fromJsonText<Matcher[]>(r.matchers, []),
      startsAt: r.startsAt,
      endsAt: r.endsAt,
    }));
  const windows = rows
    .filter((r) => r.kind === 'window')
    .map((r) => ({ id: r.id, serviceId: r.serviceId as string, startsAt: r.startsAt, endsAt: r.endsAt }));
  return { silences, windows };
}

/** What the check needs to know about an alert (an Alert from the API or a row both fit). */
export interface SuppressionSubject {
  id: string;
  serviceId: string;
  source: string;
  dedupKey: string;
  labels: Record<string, string> | string;
  isFlapping: boolean | 0 | 1;
}

/**
 * Is paging for this alert suppressed right now? Reads the active silences and maintenance windows and, for a
 * flapping key, when it last paged. Call it inside the transaction that would page (escalation re-checks it at each
 * step, as it re-checks acknowledged/resolved); it only reads.
 */
export async function isPageSuppressed(ex: Executor, alert: SuppressionSubject, now: number): Promise<Suppression> {
  const labels =
    typeof alert.labels === 'string' ? fromJsonText<Record<string, string>>(alert.labels, {}) : alert.labels;
  const forService = await memoInTransaction(ex, `suppression-rules:${alert.serviceId}`, () =>
    loadSuppressionRules(ex, alert.serviceId, now),
  );
  const { silences, windows } = forService;
  const isFlapping = alert.isFlapping === true || alert.isFlapping === 1;
  const lastPaged = isFlapping
    ? (
        await rowsOf(
          ex,
          lastPagedQ(
            ex,
            { id: alert.id, serviceId: alert.serviceId, source: alert.source, dedupKey: alert.dedupKey },
            now - FLAPPING.windowMs,
          ),
        )
      )[0]
    : undefined;
  return decideSuppression(
    {
      alert: { serviceId: alert.serviceId, labels },
      silences,
      windows,
      flapping: { isFlapping, lastPagedAt: lastPaged?.at == null ? null : Number(lastPaged.at) },
    },
    now,
  );
}

const EVENT_OF: Record<SuppressionReason, AlertEventKind> = {
  silenced: 'silenced',
  maintenance: 'in_maintenance',
  flapping: 'flap_damped',
};

/**
 * Page now, or hold and look again when the suppression ends. Runs in the transaction that created the alert (or
 * in the recheck job); everything it does commits with it.
 */
export async function startPagingOrHold(
  ex: Executor,
  deps: PagingDeps,
  row: Selectable<AlertsTable>,
  now: number,
  actorLabel: string,
  /**
   * Intake, for an alert it is inserting in this transaction: the decision it took before the insert (the row was
   * inserted with `pagedAt` set when nothing suppresses it).
   */
  fresh?: { decided: Suppression },
): Promise<Suppression> {
  const { engine, live } = deps;
  const s = fresh?.decided ?? (await isPageSuppressed(ex, row, now));
  if (s.suppressed && s.until !== undefined) {
    const byId = s.silenceId ?? s.maintenanceWindowId ?? null;
    const isChanged = row.suppressedReason !== s.reason || row.suppressedById !== byId;
    await ex.executeQuery(markSuppressedQ(ex, row.id, s.reason, byId, s.until, now));
    if (isChanged) {
      const details = {
        reason: s.reason,
        silenceId: s.silenceId,
        maintenanceWindowId: s.maintenanceWindowId,
        until: s.until,
      };
      await insertAlertEvent(ex, { alertId: row.id, kind: EVENT_OF[s.reason!], actorLabel, details }, now);
    }
    await enqueueJob<AlertsRecheckPayload>(
      ex,
      engine,
      {
        kind: ALERTS_RECHECK_PAGING,
        payload: { alertId: row.id },
        runAt: s.until,
        uniqueKey: `${ALERTS_RECHECK_PAGING}:${row.id}:${s.until}`,
      },
      now,
    );
  } else {
    if (!fresh || row.pagedAt !== now) {
      await ex.executeQuery(markPagedQ(ex, row.id, now));
    }
    if (row.suppressedReason !== null) {
      const details = { after: row.suppressedReason, silenceId: row.suppressedById };
      await insertAlertEvent(ex, { alertId: row.id, kind: 'paging_started', actorLabel, details }, now);
    }
    // The paging hook: escalation starts in this transaction (policy snapshot, first step, the first pages queued),
    // so the first page is one job hop after the commit. If that fails, the alert is still accepted: it rolls back
    // to the savepoint and `alerts.triggered`, committed with the alert, starts paging one hop later (with retries).
    // A fresh row inserted already marked as paged is exactly what is in the database: the starter need not re-read it.
    const asStored = fresh && row.pagedAt === now ? row : undefined;
    if (!(await startPagingInline(ex, deps, row.id, now, fresh !== undefined, asStored))) {
      await enqueueJob<AlertsTriggeredPayload>(
        ex,
        engine,
        {
          kind: ALERTS_TRIGGERED,
          payload: { alertId: row.id, serviceId: row.serviceId },
          uniqueKey: `${ALERTS_TRIGGERED}:${row.id}`,
        },
        now,
      );
    }
  }
  await live.publish(ex, row.id);
  return s;
}

async function startPagingInline(
  ex: Executor,
  deps: PagingDeps,
  alertId: string,
  now: number,
  isFreshAlert: boolean,
  alert: Selectable<AlertsTable> | undefined,
): Promise<boolean> {
  if (!deps.startPaging) return false;
  if (deps.inlineFailure === 'throw') {
    try {
      await deps.startPaging(ex, alertId, now, { isFreshAlert, alert });
      // Its rows go out now, so a failure to write them is this step's too (intake reads past them otherwise).
      if (deps.sendRowsOnStart) await sendWaitingInserts(ex);
      return true;
    } catch (e) {
      throw new InlinePagingFailed(alertId, e);
    }
  }
  await ex.executeQuery(savepointQ(ex));
  try {
    await deps.startPaging(ex, alertId, now, { isFreshAlert, alert });
    await ex.executeQuery(releaseSavepointQ(ex));
    return true;
  } catch (e) {
    await ex.executeQuery(rollbackToSavepointQ(ex));
    await ex.executeQuery(releaseSavepointQ(ex));
    deps.onStartPagingFailed?.(alertId, e);
    return false;
  }
}

/**
 * Look again at an alert whose silence, maintenance window or flap damping has ended (or was expired early): still
 * triggered and never paged → page now, or hold again if another suppression applies. Acknowledged or resolved
 * alerts, and duplicate deliveries of the job, end here quietly.
 */
export function alertsRecheckPagingHandler(paging: Omit<PagingDeps, 'engine'>): JobHandler<AlertsRecheckPayload> {
  return async (ctx) => {
    const now = ctx.clock.now();
    await ctx.complete(async (trx) => {
      const before = await findAlertRow(trx, ctx.job.payload.alertId);
      if (!before) return;
      await lockService(trx, ctx.db.engine, before.serviceId);
      const row = (await findAlertRow(trx, before.id))!;
      if (row.status !== 'triggered' || row.pagedAt !== null) return;
      await startPagingOrHold(trx, { ...paging, engine: ctx.db.engine }, row, now, 'system:recheck');
    });
  };
}

/** A silence was expired or a maintenance window removed: look again at the alerts it held, at once. */
export async function recheckHeldBy(ex: Executor, engine: Db['engine'], suppressorId: string, now: number) {
  const held = await ex
    .selectFrom('alerts')
    .select('id')
    .where('suppressedById', '=', suppressorId)
    .where('status', '=', 'triggered')
    .where('pagedAt', 'is', null)
    .execute();
  for (const { id } of held) {
    await enqueueJob<AlertsRecheckPayload>(
      ex,
      engine,
      { kind: ALERTS_RECHECK_PAGING, payload: { alertId: id }, uniqueKey: `${ALERTS_RECHECK_PAGING}:${id}:${now}` },
      now,
    );
  }
  return held.length;
}
