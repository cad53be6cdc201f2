import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { withoutIntegrationKey, type IntakeKey, type IntegrationKeyService } from '../catalog/index.js';
import type { Db, Executor } from '../db/index.js';
import type { AlertsTable } from '../db/schema.js';
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
  extractContext,
  groupKeyFor,
  hasRunbook,
  isPagingSeverity,
  ruleKeyFor,
  type AlertSource,
  type IntakeEvent,
} from './model.js';
import {
  bumpGroup,
  findOpenAlertRef,
  insertAlertEvent,
  latestGroupRef,
  lockService,
  openKeyOf,
  recentAlertsForKey,
} from './repo.js';
import { FLAPPING, isFlapping } from './noise-model.js';
import { lockPagingRunOf } from './paging-gate.js';
import { InlinePagingFailed, isPageSuppressed, startPagingOrHold, type PagingDeps } from './suppression.js';

/** How many of a key's newest alerts intake reads to decide dedup and flapping (FLAPPING.minOpens is far lower). */
const FLAP_HISTORY = 20;

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

interface Ctx {
  trx: Executor;
  /** Start paging in this transaction (false: the `alerts.triggered` job does, one hop later). */
  inlinePaging: boolean;
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
      paging?: Pick<PagingDeps, 'startPaging' | 'onStartPagingFailed'>;
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

  /** Many deliveries, one transaction; a failing delivery is rolled back to its savepoint and reported alone. */
  private async ingestBatch(reqs: IntakeRequest[]): Promise<Settled<IntakeOutcome[]>[]> {
    let enqueued = false;
    const results = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const services = [...new Set(reqs.map((r) => r.key.serviceId))].sort();
      const existing = new Set<string>();
      // Each service once, in a stable order: concurrent batches in several processes cannot deadlock.
      for (const id of services) if (await lockService(trx, this.deps.db.engine, id)) existing.add(id);
      const out: Settled<IntakeOutcome[]>[] = [];
      this.deferNotifications(trx);
      for (const req of reqs) {
        if (!existing.has(req.key.serviceId)) {
          out.push({ ok: false, error: invalidIntegrationKey() });
          continue;
        }
        await sql`savepoint intake_delivery`.execute(trx);
        try {
          const value = await this.applyRequest(trx, req);
          out.push({ ok: true, value });
        } catch (error) {
          await sql`rollback to savepoint intake_delivery`.execute(trx);
          if (error instanceof InlinePagingFailed) {
            // Paging could not start here: apply the delivery again without it; alerts.triggered pages instead.
            this.deps.paging?.onStartPagingFailed?.(error.alertId, error.cause);
            try {
              out.push({ ok: true, value: await this.applyRequest(trx, { ...req, withoutInlinePaging: true }) });
            } catch (again) {
              await sql`rollback to savepoint intake_delivery`.execute(trx);
              out.push({ ok: false, error: again });
            }
          } else {
            out.push({ ok: false, error });
          }
        }
        await sql`release savepoint intake_delivery`.execute(trx);
      }
      await this.flushNotifications(trx);
      return out;
    });
    for (const r of results) if (r.ok && r.value.some((o) => o.outcome === 'created')) enqueued = true;
    if (enqueued) this.deps.onEnqueued?.();
    return results;
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
      const applied = await this.applyRequest(trx, req);
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

  private async applyRequest(trx: Executor, req: IntakeRequest): Promise<IntakeOutcome[]> {
    const { key, source, now } = req;
    const payloadId = await this.storePayload(trx, key, source, req.rawBody, now);
    // No extra statement unless something was rejected: the hot path stays as it was.
    if (req.rejected.length) await recordIntakeErrors(trx, key, source, payloadId, req.rejected, now);
    await this.deps.keys.touch(trx, key.keyId, now);
    const ctx: Ctx = {
      trx,
      inlinePaging: req.withoutInlinePaging !== true,
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
    await trx
      .insertInto('intakePayloads')
      .values({
        id,
        integrationKeyId: key.keyId,
        source,
        receivedAt: now,
        body: toJsonText(withoutIntegrationKey(rawBody)),
      })
      .execute();
    return id;
  }

  private async apply(ctx: Ctx, event: IntakeEvent): Promise<IntakeOutcome> {
    const { trx, key, source } = ctx;
    const open = await findOpenAlertRef(trx, key.serviceId, source, event.dedupKey);
    // No open alert: the key's recent alerts give both the latest (for dedup) and the flapping history, in one read.
    const recent = open
      ? []
      : await recentAlertsForKey(trx, { serviceId: key.serviceId, source, dedupKey: event.dedupKey }, FLAP_HISTORY);
    const decision = decideDedup(event, open, open ?? recent[0] ?? null);
    const base = { dedupKey: event.dedupKey };
    switch (decision.kind) {
      case 'create':
        return { ...base, outcome: 'created', alertId: await this.create(ctx, event, recent) };
      case 'refresh':
        await this.refresh(ctx, decision.alertId, event, decision.isNewInstance);
        return { ...base, outcome: 'updated', alertId: decision.alertId };
      case 'acknowledge':
        await this.setStatus(ctx, decision.alertId, event, 'acknowledged');
        return { ...base, outcome: 'acknowledged', alertId: decision.alertId };
      case 'resolve':
        await this.setStatus(ctx, decision.alertId, event, 'resolved');
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
    await trx.insertInto('alerts').values(row).execute();
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
    );
    await bumpGroup(trx, groupId, 'opened', now);
    if (flapping) {
      const details = { opens: opened.length + 1, windowMs: FLAPPING.windowMs };
      await insertAlertEvent(trx, { alertId: id, kind: 'flapping', actorLabel: ctx.label, details }, now);
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
    const latest = await latestGroupRef(trx, key.serviceId, groupKey);
    if (canJoinGroup(latest, now)) return latest.id;
    const id = newId('agr', now);
    await trx
      .insertInto('alertGroups')
      .values({
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
      })
      .execute();
    return id;
  }

  /** The same alert again: newest content wins, the count goes up, the status stays. */
  private async refresh(ctx: Ctx, alertId: string, event: IntakeEvent, isNewInstance: boolean): Promise<void> {
    const { trx, now } = ctx;
    const context = extractContext(event.annotations, event.links);
    await trx
      .updateTable('alerts')
      .set((eb) => ({
        summary: event.summary,
        description: event.description,
        severity: event.severity,
        labels: toJsonText(event.labels),
        annotations: toJsonText(event.annotations),
        context: toJsonText(context),
        isPaging: isPagingSeverity(event.severity) ? 1 : 0,
        hasRunbook: hasRunbook(context) ? 1 : 0,
        lastSeenAt: now,
        occurrenceCount: eb('occurrenceCount', '+', 1),
        updatedAt: now,
      }))
      .where('id', '=', alertId)
      .execute();
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
    );
  }

  private async setStatus(
    ctx: Ctx,
    alertId: string,
    event: IntakeEvent,
    status: 'acknowledged' | 'resolved',
  ): Promise<void> {
    const { trx, now } = ctx;
    const row = await trx.selectFrom('alerts').select('groupId').where('id', '=', alertId).executeTakeFirstOrThrow();
    // An alert that pages with others (paging groups): take its run's claim lock first, as acknowledge and resolve
    // do, so no page of the run is claimed after this change commits unless another alert of it is still triggered.
    await lockPagingRunOf(trx, this.deps.db.engine, alertId);
    await trx
      .updateTable('alerts')
      .set(
        status === 'acknowledged'
          ? { status, acknowledgedAt: now, acknowledgedByLabel: ctx.label, lastSeenAt: now, updatedAt: now }
          : { status, openKey: null, resolvedAt: now, resolvedByLabel: ctx.label, lastSeenAt: now, updatedAt: now },
      )
      .where('id', '=', alertId)
      .execute();
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
    );
    if (status === 'resolved') await bumpGroup(trx, row.groupId, 'resolved', now);
  }
}
