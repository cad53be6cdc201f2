/**
 * Durable delivery: `notifyUser` turns one notification into one delivery row and one `notify.deliver` job per
 * rule step (contact method × delay), in the caller's transaction, so a page exists if and only if the state change
 * that caused it commits. The job handler lives in jobs.ts.
 */
import { memoInTransaction, type Db, type Executor } from '../db/index.js';
import type { Actor } from '../identity/index.js';
import { insertDeferred } from '../db/statements.js';
import { enqueueJob, enqueueJobDeferred } from '../jobs/index.js';
import type { Clock } from '../shared/clock.js';
import { forbidden } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';
import type { Bulkhead } from './bulkhead.js';
import { contactMethodNotFound } from './errors.js';
import { deliveryDedupKey, needsVerification, stepDueAt, type NotificationMessage, type Urgency } from './model.js';
import {
  findContactMethodRow,
  insertDelivery,
  listAttempts,
  listContactMethods,
  listDeliveries,
  stepsFor,
  type Attempt,
  type Delivery,
} from './repo.js';

export const DELIVER_JOB = 'notify.deliver';
/** About 8 minutes of retries (1-2 s, 2-4 s, … 128-256 s) before a transient failure is recorded as final. */
export const DELIVER_MAX_ATTEMPTS = 8;

export interface DeliverPayload {
  deliveryId: string;
}

export interface NotifyUserInput {
  userId: string;
  alertId?: string | null | undefined;
  urgency: Urgency;
  message: NotificationMessage;
  /**
   * Idempotency: the same key (e.g. an escalation step's id) never notifies twice, so a retried caller is safe.
   * Default: a fresh key (every call notifies).
   */
  key?: string | undefined;
  /**
   * The key names something created in this transaction (a new escalation run), so no delivery can have it yet: the
   * deliveries and their jobs may wait and go out with the transaction's others in one insert each.
   */
  isFreshKey?: boolean | undefined;
}

/**
 * Re-checked in each delivery's claim transaction, just before the send. Return false to skip the send (recorded as
 * `skipped`), e.g. because the alert was acknowledged or resolved since the notification was planned. Use `ex` (the
 * claim transaction) for reads, never the root handle. The alerts/escalation domain provides it (src/server.ts); the
 * default keeps every notification.
 */
export type IsStillWanted = (
  ex: Executor,
  delivery: {
    deliveryId: string;
    alertId: string | null;
    userId: string;
    urgency: Urgency;
    /** An escalation page's run (the message's `alerts.runId`), or null. */
    runId: string | null;
    /** A responder page's request (the message's `responder.requestId`), or null. */
    responderRequestId: string | null;
  },
) => Promise<boolean>;

export const alwaysWanted: IsStillWanted = () => Promise.resolve(true);

/**
 * The alert's claim lock, taken first in a delivery's short claim transaction, before the still-wanted check: the
 * alert's acknowledgement and resolution take the same lock, so each claim either sees them or commits before them
 * (the alerts domain provides it: src/alerts/paging-gate.ts). The send itself happens after the claim commits,
 * holding nothing. Default: no lock.
 */
export type SendGate = (trx: Executor, alertIds: readonly string[]) => Promise<void>;

/**
 * Reads, in a claim batch's transaction, what `IsStillWanted` and the `PageRefresher` will ask about its deliveries,
 * so they answer from memory instead of a few statements per delivery (src/escalation/page-claims.ts). Optional.
 */
export type ClaimPrimer = (
  trx: Executor,
  deliveries: readonly { alertId: string | null; runId: string | null }[],
) => Promise<void>;

/**
 * An escalation page worded again when it is claimed, in the claim transaction (paging groups: alerts that joined
 * the page's run after it was planned are counted in it). null: send the message as planned.
 */
export type PageRefresher = (
  ex: Executor,
  d: { alertId: string; message: NotificationMessage },
) => Promise<NotificationMessage | null>;

export interface DeliveryLogEntry extends Delivery {
  attemptsLog: Attempt[];
}

export class NotifyService {
  private wanted: IsStillWanted = alwaysWanted;
  private gate: SendGate | null = null;
  private refresher: PageRefresher | null = null;
  private primer: ClaimPrimer | null = null;

  constructor(private readonly deps: { db: Db; clock: Clock; bulkhead?: Bulkhead | undefined }) {}

  /** The alerts/escalation domain plugs its "is this page still needed?" check in here (src/server.ts). */
  setIsStillWanted(check: IsStillWanted | null): void {
    this.wanted = check ?? alwaysWanted;
  }

  get isStillWanted(): IsStillWanted {
    return this.wanted;
  }

  setSendGate(gate: SendGate | null): void {
    this.gate = gate;
  }

  /** Escalation plugs in how a page is worded when it is sent (src/server.ts). */
  setPageRefresher(fn: PageRefresher | null): void {
    this.refresher = fn;
  }

  get pageRefresher(): PageRefresher | null {
    return this.refresher;
  }

  /** Escalation plugs in what a claim batch reads at once for its pages (src/server.ts). */
  setClaimPrimer(fn: ClaimPrimer | null): void {
    this.primer = fn;
  }

  get claimPrimer(): ClaimPrimer | null {
    return this.primer;
  }

  /** This process's per-destination bulkheads and breakers (for the contact-method health view and tests). */
  get bulkhead(): Bulkhead | undefined {
    return this.deps.bulkhead;
  }

  /** The alert's claim lock for a delivery's claim transaction (null: none). */
  get claimLock(): SendGate | null {
    return this.gate;
  }

  /**
   * Plan a notification in the caller's transaction: one delivery and one job per matching rule step. A user with
   * no rules for this urgency is not left unreachable: every usable contact method (SMS and voice once verified, push
   * subscriptions not expired) is notified at once.
   */
  async notifyUser(trx: Executor, input: NotifyUserInput, now: number): Promise<{ deliveryIds: string[] }> {
    const key = input.key ?? newId('ntf', now);
    let steps: { ruleId: string | null; contactMethodId: string; kind: string; delayMinutes: number }[] =
      await memoInTransaction(trx, `notify-steps:${input.userId}:${input.urgency}`, () =>
        stepsFor(trx, input.userId, input.urgency),
      );
    if (steps.length === 0) {
      // Read once per transaction, like the rules: intake pages many alerts in one and never writes contact methods.
      const methods = await memoInTransaction(trx, `notify-methods:${input.userId}`, () =>
        listContactMethods(trx, input.userId),
      );
      const usable = methods.filter((c) => c.expiredAt === null && (c.isVerified || !needsVerification(c.kind)));
      steps = usable.map((c) => ({
        ruleId: null,
        contactMethodId: c.id,
        kind: c.kind,
        delayMinutes: 0,
      }));
    }
    const deliveryIds: string[] = [];
    for (const step of steps) {
      const id = await this.planDelivery(
        trx,
        { ...step, userId: input.userId, alertId: input.alertId ?? null, urgency: input.urgency },
        input.message,
        deliveryDedupKey(key, step.ruleId ?? step.contactMethodId),
        stepDueAt(now, step.delayMinutes),
        now,
        input.isFreshKey === true,
      );
      if (id) deliveryIds.push(id);
    }
    return { deliveryIds };
  }

  /** Insert one delivery and its job; null when the dedup key was used already (nothing new is sent). */
  private async planDelivery(
    trx: Executor,
    step: {
      ruleId: string | null;
      contactMethodId: string;
      kind: string;
      userId: string;
      alertId: string | null;
      urgency: Urgency;
    },
    message: NotificationMessage,
    dedupKey: string,
    dueAt: number,
    now: number,
    /** The dedup key cannot be taken yet: insert without asking, and let the rows wait (src/db/statements.ts). */
    isFreshKey = false,
  ): Promise<string | null> {
    const id = newId('dlv', now);
    const row = {
      id,
      dedupKey,
      userId: step.userId,
      alertId: step.alertId,
      contactMethodId: step.contactMethodId,
      ruleId: step.ruleId,
      channel: step.kind,
      urgency: step.urgency,
      message: toJsonText(message),
      status: 'pending',
      attempts: 0,
      providerMessageId: null,
      lastError: null,
      dueAt,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      claimToken: null,
      claimedUntil: null,
    };
    const job = {
      kind: DELIVER_JOB,
      payload: { deliveryId: id },
      runAt: dueAt,
      uniqueKey: `${DELIVER_JOB}:${id}`,
      maxAttempts: DELIVER_MAX_ATTEMPTS,
    };
    if (isFreshKey && trx.isTransaction) {
      await insertDeferred(trx, 'notificationDeliveries', row);
      await enqueueJobDeferred<DeliverPayload>(trx, this.deps.db.engine, job, now);
      return id;
    }
    if (!(await insertDelivery(trx, row))) return null;
    await enqueueJob<DeliverPayload>(trx, this.deps.db.engine, job, now);
    return id;
  }

  /**
   * Send one message to one contact method now, outside the rules (a test message, a verification code). Direct
   * sends reach unverified contact methods: that is how they get verified.
   */
  async sendDirect(
    actor: Actor,
    userId: string,
    contactMethodId: string,
    message: NotificationMessage,
  ): Promise<{ deliveryId: string }> {
    if (actor.userId !== userId && !actor.isAdmin) throw forbidden('You can test only your own contact methods.');
    const db = this.deps.db.kysely;
    const row = await findContactMethodRow(db, contactMethodId);
    if (!row || row.userId !== userId) throw contactMethodNotFound(contactMethodId);
    const now = this.deps.clock.now();
    const id = await db
      .transaction()
      .execute((trx) =>
        this.planDelivery(
          trx,
          { ruleId: null, contactMethodId, kind: row.kind, userId, alertId: null, urgency: 'low' },
          message,
          `direct:${newId('ntf', now)}`,
          now,
          now,
        ),
      );
    return { deliveryId: id! };
  }

  /** The delivery log: newest first, each with every attempt. People see their own; administrators everyone's. */
  async log(
    actor: Actor,
    filter: { alertId?: string | undefined; userId?: string | undefined; before?: string | undefined; limit: number },
  ): Promise<DeliveryLogEntry[]> {
    // Everyone signed in may see who was notified about an alert; otherwise people read their own log.
    let scoped = filter;
    if (!actor.isAdmin && !filter.alertId) {
      if (filter.userId && filter.userId !== actor.userId) throw forbidden('You can read only your own notifications.');
      scoped = { ...filter, userId: actor.userId ?? '' };
    }
    const db = this.deps.db.kysely;
    const deliveries = await listDeliveries(db, scoped);
    const attempts = await listAttempts(
      db,
      deliveries.map((d) => d.id),
    );
    return deliveries.map((d) => ({ ...d, attemptsLog: attempts.filter((a) => a.deliveryId === d.id) }));
  }
}
