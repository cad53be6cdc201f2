import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { withoutIntegrationKey, type IntakeKey, type IntegrationKeyService } from '../catalog/index.js';
import { forgetMemo, primeMemo, type Db, type Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import { insertDeferred, type DeferredRow } from '../db/statements.js';
import type { AlertGroupsTable, AlertsTable } from '../db/schema.js';
import type { LiveChannel } from '../db/live.js';
import { deferRunnerNotify, flushRunnerNotify } from '../jobs/index.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';
import type { RejectedItem } from './alertmanager.js';
import { intakeBusy, invalidIntegrationKey } from './errors.js';
import { listIntakeErrors, recordIntakeErrors, type IntakeError } from './intake-errors.js';
import {
  DEFAULT_GROUP_COMMIT,
  GroupCommitDeadlineError,
  GroupCommitFullError,
  createCommitter,
  type Committer,
  type GroupCommitOptions,
  type GroupCommitStats,
  type Settled,
} from './intake-batcher.js';
import {
  canJoinGroup,
  decideDedup,
  type GroupRef,
  extractContext,
  groupKeyFor,
  hasRunbook,
  isPagingSeverity,
  ruleKeyFor,
  type AlertSource,
  type IntakeEvent,
} from './model.js';
import {
  bumpGroupsBy,
  groupRefKeyOf,
  historyKeyOf,
  insertAlertEvent,
  keyHistories,
  latestGroupRefs,
  lockService,
  openKeyOf,
  type KeyHistory,
} from './repo.js';
import { FLAPPING, isFlapping } from './noise-model.js';
import { lockPagingRunOf } from './paging-gate.js';
import { InlinePagingFailed, isPageSuppressed, startPagingOrHold, type PagingDeps } from './suppression.js';

/** How many of a key's newest alerts intake reads to decide dedup and flapping (FLAPPING.minOpens is far lower). */
const FLAP_HISTORY = 20;

// Intake's per-alert statements, compiled once (src/db/prepared.ts).
const refreshAlertQ = prepared(
  'intake.refresh',
  (ex: Executor, id: string, set: Omit<Updateable<AlertsTable>, 'occurrenceCount'>) =>
    ex
      .updateTable('alerts')
      .set((eb) => ({ ...set, occurrenceCount: eb('occurrenceCount', '+', 1) }))
      .where('id', '=', id),
);
const setAlertQ = prepared('intake.setStatus', (ex: Executor, id: string, set: Updateable<AlertsTable>) =>
  ex.updateTable('alerts').set(set).where('id', '=', id),
);
const alertGroupIdQ = prepared('intake.alertGroupId', (ex: Executor, id: string) =>
  ex.selectFrom('alerts').select('groupId').where('id', '=', id),
);

export type IntakeOutcomeKind = 'created' | 'updated' | 'acknowledged' | 'resolved' | 'ignored';

export interface IntakeOutcome {
  dedupKey: string;
  outcome: IntakeOutcomeKind;
  alertId: string | null;
  reason?: string;
}

/** One delivery: its key, its parsed events, the raw body (stored as the payload) and when it arrived. */
interface IntakeRequest {
  key: IntakeKey;
  source: AlertSource;
  events: IntakeEvent[];
  rawBody: unknown;
  /** Items of the message that could not be applied: recorded on the service with the delivery's valid alerts. */
  rejected: RejectedItem[];
  now: number;
  /** Set when paging could not start inline for this delivery: apply it with the `alerts.triggered` job instead. */
  withoutInlinePaging?: boolean;
}

/**
 * What a batch's transaction knows about the keys and groups its events touch: read for the whole batch at once
 * (`lookUp`), kept up to date as the batch applies its events in order, so each event decides exactly as if it had
 * read the database itself. The service locks are held, so nobody else changes these rows meanwhile. Group counters
 * are summed and written once per group at the end (`writeGroupCounts`).
 */
interface BatchLookups {
  keys: Map<string, KeyHistory>;
  groups: Map<string, GroupRef | null>;
  counts: Map<string, { alerts: number; open: number; lastAlertAt: number | null; now: number }>;
  /** Groups this transaction created, while their insert still waits: their counts are written into the row. */
  created: Map<string, DeferredRow<Insertable<AlertGroupsTable>>>;
}

interface Ctx {
  trx: Executor;
  look: BatchLookups;
  /** Start paging in this transaction (false: the `alerts.triggered` job does, one hop later). */
  inlinePaging: boolean;
  /** This delivery's failure is handled on its own (its own savepoint or transaction), not as its batch's. */
  isAlone: boolean;
  key: IntakeKey;
  source: AlertSource;
  payloadId: string;
  now: number;
  label: string;
}

/**
 * Turns parsed vendor events into alerts. A delivery's raw payload, every alert change, its history event and the
 * paging job commit together (in a transaction shared with the deliveries that arrived at the same time), and only
 * then does the route answer 2xx.
 */
export class IntakeService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      keys: IntegrationKeyService;
      live: LiveChannel;
      onEnqueued?: () => void;
      groupCommit?: Partial<GroupCommitOptions>;
      /** Escalation's first step in the intake transaction (see PagingStarter); without it, one job hop later. */
      paging?: Pick<PagingDeps, 'startPaging' | 'onStartPagingFailed' | 'primePaging'>;
      /**
       * A new alert, in the intake transaction (automation rules and automatic actions enqueue their job there:
       * src/server.ts injects it; this domain does not import src/automation). Keep it cheap: intake is a hot path.
       */
      onAlertTriggered?: (trx: Executor, alert: Selectable<AlertsTable>, now: number) => Promise<void>;
    },
  ) {
    // Batches for different services commit at once on PostgreSQL (lanes); SQLite has one connection: one lane.
    const lanes = deps.db.engine === 'postgres' ? (deps.groupCommit?.lanes ?? 1) : 1;
    this.committer = createCommitter<IntakeRequest, IntakeOutcome[]>(
      { batch: (reqs) => this.ingestBatch(reqs), one: (req) => this.ingestOne(req) },
      { ...DEFAULT_GROUP_COMMIT, ...deps.groupCommit, lanes },
      (req) => req.events.length + req.rejected.length,
      (req) => req.key.serviceId,
    );
  }

  private readonly committer: Committer<IntakeRequest, IntakeOutcome[]>;

  /** Generated dedup keys, for triggers that did not send one (PagerDuty returns a UUID the same way). */
  newDedupKey(): string {
    return randomUUID();
  }

  /**
   * Apply one delivery's events. Resolves only after the transaction holding them has committed: deliveries that
   * arrive together share one transaction (group commit, src/alerts/intake-batcher.ts), each still applied in
   * arrival order with its own payload row and outcomes, exactly as if they had come one after another.
   */
  async ingest(
    key: IntakeKey,
    source: AlertSource,
    events: IntakeEvent[],
    rawBody: unknown,
    rejected: RejectedItem[] = [],
    /** Epoch ms: refused (503/429, Retry-After) if its batch has not started by then (IntakeLimiter.run gives it). */
    deadline = Infinity,
  ): Promise<IntakeOutcome[]> {
    try {
      const req = { key, source, events, rawBody, rejected, now: this.deps.clock.now() };
      return await this.committer.submit(req, deadline);
    } catch (e) {
      if (e instanceof GroupCommitFullError || e instanceof GroupCommitDeadlineError) throw intakeBusy(1);
      throw e;
    }
  }

  /**
   * A message with a valid key that nothing could be read from (not JSON, not the format): recorded on the service
   * for its owners, though the sender gets 400. Its own short write, outside any transaction; a service deleted in
   * between leaves nothing to record on.
   */
  async recordUnreadable(key: IntakeKey, source: AlertSource, item: RejectedItem): Promise<boolean> {
    try {
      await recordIntakeErrors(this.deps.db.kysely, key, source, null, [item], this.deps.clock.now());
      return true;
    } catch {
      // Best effort: the sender gets its 400 (there was nothing to apply) whether or not the record could be written.
      return false;
    }
  }

  /** A service's intake error log, newest first (the caller has checked the reader may see the service). */
  listErrors(
    serviceId: string,
    opts: { before?: string | undefined; limit: number },
  ): Promise<{ errors: IntakeError[]; nextBefore: string | null }> {
    return listIntakeErrors(this.deps.db.kysely, serviceId, opts);
  }

  get batchStats(): GroupCommitStats {
    return this.committer.stats;
  }

  /**
   * Many deliveries, one transaction, applied set-based: the batch's lookups are read at once and its new rows go out
   * as one multi-row insert per table (src/db/statements.ts), with no savepoint per delivery (each would send the
   * waiting rows). Should any delivery fail, the transaction rolls back and the batch is applied again with a
   * savepoint per delivery, so only the failing delivery is rolled back (and a failed inline paging start is retried
   * without it, as `ingestOne` does); only if that transaction fails as a whole does the committer go one by one.
   */
  private async ingestBatch(reqs: IntakeRequest[]): Promise<Settled<IntakeOutcome[]>[]> {
    let results: Settled<IntakeOutcome[]>[];
    try {
      results = await this.applyBatch(reqs, false);
    } catch {
      results = await this.applyBatch(reqs, true);
    }
    if (results.some((r) => r.ok && r.value.some((o) => o.outcome === 'created'))) this.deps.onEnqueued?.();
    return results;
  }

  private async applyBatch(reqs: IntakeRequest[], isolated: boolean): Promise<Settled<IntakeOutcome[]>[]> {
    return this.deps.db.kysely.transaction().execute(async (trx) => {
      const services = [...new Set(reqs.map((r) => r.key.serviceId))].sort();
      const existing = new Set<string>();
      // Each service once, in a stable order: concurrent batches in several processes cannot deadlock.
      for (const id of services) if (await lockService(trx, this.deps.db.engine, id)) existing.add(id);
      const out: Settled<IntakeOutcome[]>[] = [];
      this.deferNotifications(trx);
      const exists = (r: IntakeRequest): boolean => existing.has(r.key.serviceId);
      let look = await this.lookUp(trx, reqs.filter(exists));
      for (const [i, req] of reqs.entries()) {
        if (!exists(req)) {
          out.push({ ok: false, error: invalidIntegrationKey() });
          continue;
        }
        if (!isolated) {
          out.push({ ok: true, value: await this.applyRequest(trx, req, look, false) });
          continue;
        }
        // What was read for the batch may hold rows a rolled-back delivery wrote: read again for the rest.
        const rollBack = async (): Promise<void> => {
          await sql`rollback to savepoint intake_delivery`.execute(trx);
          look = await this.lookUp(trx, reqs.slice(i).filter(exists));
        };
        await sql`savepoint intake_delivery`.execute(trx);
        try {
          out.push({ ok: true, value: await this.applyInSavepoint(trx, req, look) });
        } catch (error) {
          await rollBack();
          if (error instanceof InlinePagingFailed) {
            // Paging could not start here: apply the delivery again without it; alerts.triggered pages instead.
            this.deps.paging?.onStartPagingFailed?.(error.alertId, error.cause);
            try {
              out.push({
                ok: true,
                value: await this.applyInSavepoint(trx, { ...req, withoutInlinePaging: true }, look),
              });
            } catch (again) {
              await rollBack();
              out.push({ ok: false, error: again });
            }
          } else {
            out.push({ ok: false, error });
          }
          await sql`release savepoint intake_delivery`.execute(trx);
        }
      }
      await this.writeGroupCounts(trx, look);
      await this.flushNotifications(trx);
      return out;
    });
  }

  /** One delivery inside its savepoint: its counters and waiting rows go out before the release, inside the try. */
  private async applyInSavepoint(trx: Executor, req: IntakeRequest, look: BatchLookups): Promise<IntakeOutcome[]> {
    const value = await this.applyRequest(trx, req, look, true);
    await this.writeGroupCounts(trx, look);
    await sql`release savepoint intake_delivery`.execute(trx);
    return value;
  }

  /** The batch's lookups in two statements (per 200 keys): every key's recent alerts, every group key's group. */
  private async lookUp(trx: Executor, reqs: IntakeRequest[]): Promise<BatchLookups> {
    const events = reqs.flatMap((r) => r.events.map((e) => ({ r, e })));
    const keys = await keyHistories(
      trx,
      events.map(({ r, e }) => ({ serviceId: r.key.serviceId, source: r.source, dedupKey: e.dedupKey })),
      FLAP_HISTORY,
    );
    // Only events that may open an alert look for a group.
    const opening = events.filter(({ e }) => e.action === 'trigger');
    const groups = opening.length
      ? await latestGroupRefs(
          trx,
          opening.map(({ r, e }) => ({ serviceId: r.key.serviceId, groupKey: groupKeyFor(e) })),
        )
      : new Map<string, GroupRef | null>();
    // Paging's reads for the alerts this batch may open (each paging key's live run), at once rather than per alert.
    const paging = opening.filter(({ r }) => r.withoutInlinePaging !== true);
    if (this.deps.paging?.startPaging && this.deps.paging.primePaging && paging.length) {
      // An event whose labels cannot be stored fails in its own delivery's savepoint, never here for the batch.
      const labelsOf = (e: IntakeEvent): string | null => {
        try {
          return toJsonText(e.labels);
        } catch {
          return null;
        }
      };
      const candidates = paging.flatMap(({ r, e }) => {
        const labels = labelsOf(e);
        return labels === null
          ? []
          : [
              {
                serviceId: r.key.serviceId,
                labels,
                isDrill: r.key.isDrill ? 1 : 0,
                groupKey: groupKeyFor(e),
                severity: e.severity,
              },
            ];
      });
      await this.deps.paging.primePaging(trx, candidates);
    }
    return { keys, groups, counts: new Map(), created: new Map() };
  }

  /** One update per group the batch opened or resolved alerts in, as if each change had been applied in turn. */
  private async writeGroupCounts(trx: Executor, look: BatchLookups): Promise<void> {
    const bumps = new Map<string, { alerts: number; open: number; lastAlertAt: number | null; now: number }>();
    for (const [groupId, c] of look.counts) {
      // A group created in this transaction whose row has not gone out yet starts from zero: write the sums into it.
      const created = look.created.get(groupId);
      const isWritten = created?.patch({
        alertCount: c.alerts,
        openCount: c.open,
        status: c.open > 0 ? 'open' : 'resolved',
        resolvedAt: c.open > 0 ? null : c.now,
        ...(c.lastAlertAt !== null ? { lastAlertAt: c.lastAlertAt } : {}),
        updatedAt: c.now,
      });
      if (!isWritten) bumps.set(groupId, c);
    }
    await bumpGroupsBy(trx, bumps);
    look.counts.clear();
    look.created.clear();
  }

  private countIntoGroup(look: BatchLookups, groupId: string, change: 'opened' | 'resolved', now: number): void {
    const c = look.counts.get(groupId) ?? { alerts: 0, open: 0, lastAlertAt: null, now };
    if (change === 'opened') {
      c.alerts++;
      c.open++;
      c.lastAlertAt = now;
    } else {
      c.open--;
    }
    c.now = now;
    look.counts.set(groupId, c);
    for (const g of look.groups.values()) {
      if (g?.id !== groupId) continue;
      g.openCount += change === 'opened' ? 1 : -1;
      if (change === 'opened') g.lastAlertAt = now;
    }
  }

  /** One delivery in its own transaction (a batch of one, or the fallback after a failed batch). */
  private async ingestOne(req: IntakeRequest): Promise<IntakeOutcome[]> {
    try {
      return await this.ingestAlone(req);
    } catch (e) {
      if (!(e instanceof InlinePagingFailed) || req.withoutInlinePaging) throw e;
      // Paging could not start in the transaction: apply the delivery again without it; alerts.triggered pages.
      this.deps.paging?.onStartPagingFailed?.(e.alertId, e.cause);
      return this.ingestAlone({ ...req, withoutInlinePaging: true });
    }
  }

  private async ingestAlone(req: IntakeRequest): Promise<IntakeOutcome[]> {
    const outcomes = await this.deps.db.kysely.transaction().execute(async (trx) => {
      // A key whose service was deleted in between is as good as unknown.
      if (!(await lockService(trx, this.deps.db.engine, req.key.serviceId))) throw invalidIntegrationKey();
      this.deferNotifications(trx);
      const look = await this.lookUp(trx, [req]);
      const applied = await this.applyRequest(trx, req, look, true);
      await this.writeGroupCounts(trx, look);
      await this.flushNotifications(trx);
      return applied;
    });
    if (outcomes.some((o) => o.outcome === 'created')) this.deps.onEnqueued?.();
    return outcomes;
  }

  /** PostgreSQL: one NOTIFY for the runners and one for the alert stream per transaction, not one per alert. */
  private deferNotifications(trx: Executor): void {
    deferRunnerNotify(trx);
    this.deps.live.batch(trx);
  }

  private async flushNotifications(trx: Executor): Promise<void> {
    await flushRunnerNotify(trx, this.deps.db.engine);
    await this.deps.live.flush(trx);
  }

  private async applyRequest(
    trx: Executor,
    req: IntakeRequest,
    look: BatchLookups,
    isAlone: boolean,
  ): Promise<IntakeOutcome[]> {
    const { key, source, now } = req;
    const payloadId = await this.storePayload(trx, key, source, req.rawBody, now);
    // No extra statement unless something was rejected: the hot path stays as it was.
    if (req.rejected.length) await recordIntakeErrors(trx, key, source, payloadId, req.rejected, now);
    await this.deps.keys.touch(trx, key.keyId, now);
    const ctx: Ctx = {
      trx,
      look,
      inlinePaging: req.withoutInlinePaging !== true,
      isAlone,
      key,
      source,
      payloadId,
      now,
      label: `integration:${source}`,
    };
    const out: IntakeOutcome[] = [];
    for (const event of req.events) {
      const o = await this.apply(ctx, event);
      // A created alert was announced by startPagingOrHold already.
      if ((o.outcome === 'updated' || o.outcome === 'acknowledged' || o.outcome === 'resolved') && o.alertId) {
        await this.deps.live.publish(trx, o.alertId);
      }
      out.push(o);
    }
    return out;
  }

  async storePayload(trx: Executor, key: IntakeKey, source: string, rawBody: unknown, now: number): Promise<string> {
    const id = newId('pay', now);
    await insertDeferred(trx, 'intakePayloads', {
      id,
      integrationKeyId: key.keyId,
      source,
      receivedAt: now,
      body: toJsonText(withoutIntegrationKey(rawBody)),
    });
    return id;
  }

  private async apply(ctx: Ctx, event: IntakeEvent): Promise<IntakeOutcome> {
    const { key, source } = ctx;
    // The key's open alert and its recent alerts (the latest for dedup, the flapping history), read with the batch's.
    const hk = historyKeyOf(key.serviceId, source, event.dedupKey);
    let history = ctx.look.keys.get(hk);
    if (!history) ctx.look.keys.set(hk, (history = { open: null, recent: [] }));
    const { open } = history;
    const recent = open ? [] : history.recent;
    const decision = decideDedup(event, open, open ?? recent[0] ?? null);
    const base = { dedupKey: event.dedupKey };
    switch (decision.kind) {
      case 'create': {
        const alertId = await this.create(ctx, event, recent);
        const ref = { id: alertId, status: 'triggered' as const, sourceStartsAt: event.startsAt };
        history.open = ref;
        history.recent.unshift({ ...ref, createdAt: ctx.now });
        if (history.recent.length > FLAP_HISTORY) history.recent.length = FLAP_HISTORY;
        return { ...base, outcome: 'created', alertId };
      }
      case 'refresh':
        await this.refresh(ctx, decision.alertId, event, decision.isNewInstance);
        return { ...base, outcome: 'updated', alertId: decision.alertId };
      case 'acknowledge':
        await this.setStatus(ctx, decision.alertId, event, 'acknowledged');
        if (history.open?.id === decision.alertId) history.open = { ...history.open, status: 'acknowledged' };
        return { ...base, outcome: 'acknowledged', alertId: decision.alertId };
      case 'resolve':
        await this.setStatus(ctx, decision.alertId, event, 'resolved');
        if (history.open?.id === decision.alertId) history.open = null;
        history.recent = history.recent.map((r) => (r.id === decision.alertId ? { ...r, status: 'resolved' } : r));
        return { ...base, outcome: 'resolved', alertId: decision.alertId };
      case 'ignore':
        return { ...base, outcome: 'ignored', alertId: decision.alertId, reason: decision.reason };
    }
  }

  private async create(ctx: Ctx, event: IntakeEvent, recent: { createdAt: number }[]): Promise<string> {
    const { trx, key, source, now } = ctx;
    const groupId = await this.groupFor(ctx, event);
    const context = extractContext(event.annotations, event.links);
    const id = newId('alr', now);
    // Opens of this key within the flapping window (the newest FLAP_HISTORY alerts are plenty to decide).
    const opened = recent.map((r) => r.createdAt).filter((at) => at > now - FLAPPING.windowMs);
    const flapping = isFlapping([...opened, now], now);
    const row: Selectable<AlertsTable> = {
      id,
      serviceId: key.serviceId,
      groupId,
      integrationKeyId: key.keyId,
      source,
      dedupKey: event.dedupKey,
      openKey: openKeyOf(source, event.dedupKey),
      status: 'triggered',
      severity: event.severity,
      summary: event.summary,
      description: event.description,
      labels: toJsonText(event.labels),
      annotations: toJsonText(event.annotations),
      context: toJsonText(context),
      isPaging: isPagingSeverity(event.severity) ? 1 : 0,
      hasRunbook: hasRunbook(context) ? 1 : 0,
      sourceStartsAt: event.startsAt,
      firstSeenAt: now,
      lastSeenAt: now,
      occurrenceCount: 1,
      acknowledgedAt: null,
      acknowledgedByUserId: null,
      acknowledgedByLabel: null,
      resolvedAt: null,
      resolvedByUserId: null,
      resolvedByLabel: null,
      classification: null,
      classificationNote: null,
      createdAt: now,
      updatedAt: now,
      ruleKey: ruleKeyFor(event.labels, event.groupName),
      isFlapping: flapping ? 1 : 0,
      isDrill: key.isDrill ? 1 : 0,
      pagedAt: null,
      suppressedReason: null,
      suppressedById: null,
      suppressedUntil: null,
      snoozedUntil: null,
    };
    // Decide "should this page?" before the insert, so a paging alert is stored with pagedAt at once.
    const decided = await isPageSuppressed(trx, row, now);
    if (!decided.suppressed) row.pagedAt = now;
    await insertDeferred(trx, 'alerts', row);
    await insertAlertEvent(
      trx,
      {
        alertId: id,
        kind: 'triggered',
        actorLabel: ctx.label,
        payloadId: ctx.payloadId,
        details: { severity: event.severity, startsAt: event.startsAt },
      },
      now,
      { deferred: true },
    );
    this.countIntoGroup(ctx.look, groupId, 'opened', now);
    if (flapping) {
      const details = { opens: opened.length + 1, windowMs: FLAPPING.windowMs };
      await insertAlertEvent(trx, { alertId: id, kind: 'flapping', actorLabel: ctx.label, details }, now, {
        deferred: true,
      });
      await trx.updateTable('alertGroups').set({ isFlapping: 1 }).where('id', '=', groupId).execute();
    }
    // Paging starts here (alerts.triggered, in this transaction) unless a silence, maintenance window or flap
    // damping holds it; then a recheck job runs when that ends (src/alerts/suppression.ts).
    await startPagingOrHold(
      trx,
      {
        ...this.deps.paging,
        ...(ctx.inlinePaging ? {} : { startPaging: undefined }),
        inlineFailure: 'throw', // contained by the delivery's own savepoint or transaction (ingestBatch, ingestOne)
        sendRowsOnStart: ctx.isAlone,
        engine: this.deps.db.engine,
        live: this.deps.live,
      },
      row,
      now,
      ctx.label,
      { decided },
    );
    await this.deps.onAlertTriggered?.(trx, row, now);
    return id;
  }

  private async groupFor(ctx: Ctx, event: IntakeEvent): Promise<string> {
    const { trx, key, now } = ctx;
    const groupKey = groupKeyFor(event);
    const gk = groupRefKeyOf(key.serviceId, groupKey);
    const latest = ctx.look.groups.get(gk) ?? null;
    // Escalation reads an alert's group key for paging groups: it is known here.
    const known = (groupId: string): string => {
      primeMemo(trx, `alert-group-key:${groupId}`, groupKey);
      return groupId;
    };
    if (canJoinGroup(latest, now)) return known(latest.id);
    const id = newId('agr', now);
    const created = await insertDeferred(trx, 'alertGroups', {
      id,
      serviceId: key.serviceId,
      groupKey,
      title: event.groupName,
      status: 'open',
      alertCount: 0,
      openCount: 0,
      firstAlertAt: now,
      lastAlertAt: now,
      resolvedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    ctx.look.groups.set(gk, { id, openCount: 0, lastAlertAt: now });
    ctx.look.created.set(id, created);
    return known(id);
  }

  /** The same alert again: newest content wins, the count goes up, the status stays. */
  private async refresh(ctx: Ctx, alertId: string, event: IntakeEvent, isNewInstance: boolean): Promise<void> {
    const { trx, now } = ctx;
    const context = extractContext(event.annotations, event.links);
    await trx.executeQuery(
      refreshAlertQ(trx, alertId, {
        summary: event.summary,
        description: event.description,
        severity: event.severity,
        labels: toJsonText(event.labels),
        annotations: toJsonText(event.annotations),
        context: toJsonText(context),
        isPaging: isPagingSeverity(event.severity) ? 1 : 0,
        hasRunbook: hasRunbook(context) ? 1 : 0,
        lastSeenAt: now,
        updatedAt: now,
      }),
    );
    await insertAlertEvent(
      trx,
      {
        alertId,
        kind: isNewInstance ? 're_fired' : 're_sent',
        actorLabel: ctx.label,
        payloadId: ctx.payloadId,
        details: isNewInstance ? { startsAt: event.startsAt } : {},
      },
      now,
      { deferred: true },
    );
  }

  private async setStatus(
    ctx: Ctx,
    alertId: string,
    event: IntakeEvent,
    status: 'acknowledged' | 'resolved',
  ): Promise<void> {
    const { trx, now } = ctx;
    const [row] = await rowsOf(trx, alertGroupIdQ(trx, alertId));
    if (!row) throw new Error(`alert ${alertId} is gone`);
    // An alert that pages with others (paging groups): take its run's claim lock first, as acknowledge and resolve
    // do, so no page of the run is claimed after this change commits unless another alert of it is still triggered.
    await lockPagingRunOf(trx, this.deps.db.engine, alertId);
    // This may stop a run: escalation's remembered joinable runs (src/escalation/groups.ts) are read again.
    forgetMemo(trx, 'escalation:joinable-runs');
    await trx.executeQuery(
      setAlertQ(
        trx,
        alertId,
        status === 'acknowledged'
          ? { status, acknowledgedAt: now, acknowledgedByLabel: ctx.label, lastSeenAt: now, updatedAt: now }
          : { status, openKey: null, resolvedAt: now, resolvedByLabel: ctx.label, lastSeenAt: now, updatedAt: now },
      ),
    );
    await insertAlertEvent(
      trx,
      {
        alertId,
        kind: status,
        actorLabel: ctx.label,
        payloadId: ctx.payloadId,
        details: event.endsAt !== null ? { endsAt: event.endsAt } : {},
      },
      now,
      { deferred: true },
    );
    if (status === 'resolved') this.countIntoGroup(ctx.look, row.groupId, 'resolved', now);
  }
}
