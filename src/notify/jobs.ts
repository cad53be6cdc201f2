/**
 * `notify.deliver`: one delivery (recipient × contact method × rule step), as claim → commit → send → record, so no
 * database transaction, connection or lock is ever held while a channel waits for an answer (issue 23):
 *   1. load the delivery; one that is no longer pending (a duplicate or late job) exits quietly;
 *   2. take a slot in the destination's bulkhead (src/notify/bulkhead.ts): a destination at its limit or with an
 *      open circuit breaker fails fast as transient (recorded; the job retries with backoff), holding no job slot;
 *   3. claim, in a short transaction: take the alert's claim lock (PostgreSQL: the alert row, `FOR UPDATE`, which the
 *      acknowledgement also takes; SQLite: the single connection), re-read the delivery (still pending?), re-check
 *      the contact method and `isStillWanted` (alert not acknowledged or resolved) — otherwise record `skipped` —
 *      and (PostgreSQL) mark the delivery `sending` with a claim token and a claim deadline — on SQLite the claim
 *      writes nothing: the single connection orders it against acknowledgements. An acknowledgement that committed
 *      before the claim makes it skip; one that commits after it lets this one send finish; nothing claimed after it
 *      goes out;
 *   4. send through the channel's adapter, outside any transaction (a send cannot receive an executor, and the
 *      outbound helpers refuse to start inside a transaction: src/db/tx-context.ts);
 *   5. record the attempt and outcome in another short transaction, fenced on the claim token.
 * Transient failures go back to `pending` with a `failed` attempt and throw, so the runner retries with backoff;
 * permanent failures (and the last transient one) are the delivery's final `failed` state. If the process dies
 * between claim and record, the delivery stays `sending` (SQLite: `pending`); the job runs again (SQLite start-up,
 * or an expired lease on PostgreSQL) with a higher fence and takes the claim over: the message may go out twice — at
 * least once, at most one repeat, never lost.
 */
import type { Executor } from '../db/index.js';
import { recordAudit, systemActor } from '../identity/index.js';
import { StaleJobError, type JobContext, type JobHandler } from '../jobs/index.js';
import { isAppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText } from '../shared/json.js';
import type { Bulkhead, Permit, SendOutcome } from './bulkhead.js';
import type { Channel, ContactTarget } from './channel.js';
import type { DeliverPayload, IsStillWanted, PageRefresher } from './delivery.js';
import { DeliveryError } from './errors.js';
import type { ActionLinkService } from './links.js';
import { needsVerification, type AttemptStatus, type NotificationMessage, type OutboundMessage } from './model.js';
import { findContactMethodRow, findDelivery, insertAttempt, updateDelivery, type Delivery } from './repo.js';
import type { Channels } from './registry.js';

/** How a send ended, for `muster_notification_sends_total{channel,outcome}`. */
export type SendMetricOutcome =
  'sent' | 'failed_transient' | 'failed_permanent' | 'unreachable' | 'refused_busy' | 'refused_breaker' | 'skipped';

export interface DeliverDeps {
  channels: Channels;
  links: ActionLinkService;
  bulkhead: Bulkhead;
  /** Read at every run, so the composition root can wire the alerts domain in after construction. */
  isStillWanted: () => IsStillWanted;
  /** The alert's claim lock, taken first in the claim transaction (see NotifyService.setSendGate). */
  claimLock: () => ((trx: Executor, alertId: string) => Promise<void>) | null;
  /** How an escalation page is worded when it is claimed (NotifyService.setPageRefresher); null: as planned. */
  refreshPage?: () => PageRefresher | null;
  /** How long a claim may stay `sending` before another run may take it over (a send's longest time, and more). */
  claimTtlMs: number;
  onSend?: ((channel: string, outcome: SendMetricOutcome) => void) | undefined;
  /**
   * A delivery reached its final state (sent, failed, skipped), called once per delivery after that commit: a webhook
   * answering 404 is a `failed` delivery here even though its job completed normally.
   */
  onDelivered?: ((d: { channel: string; outcome: 'sent' | 'failed' | 'skipped'; isPage: boolean }) => void) | undefined;
}

interface Outcome {
  status: AttemptStatus;
  error?: string | null;
  providerMessageId?: string | null;
  isPermanent?: boolean;
  /** false: record the attempt but leave the delivery pending (a transient failure that will be retried). */
  isFinal: boolean;
}

/**
 * Record an attempt on the delivery as just read and locked in this transaction (`current`), if it is still in the
 * state this run expects: `pending` (not claimed), or `sending` under this run's claim token.
 */
async function record(
  ex: Executor,
  current: Delivery | null,
  expect: { claimToken: string | null },
  o: Outcome,
  now: number,
): Promise<boolean> {
  if (!current) return false;
  const isExpected =
    expect.claimToken === null
      ? current.status === 'pending'
      : current.status === 'sending' && current.claimToken === expect.claimToken;
  if (!isExpected) return false; // another run finished it or took the claim over; nothing to add
  await insertAttempt(ex, {
    id: newId('att', now),
    deliveryId: current.id,
    userId: current.userId,
    alertId: current.alertId,
    channel: current.channel,
    status: o.status,
    isPermanent: o.isPermanent ? 1 : 0,
    error: o.error ?? null,
    providerMessageId: o.providerMessageId ?? null,
    at: now,
  });
  await updateDelivery(ex, current.id, {
    attempts: current.attempts + 1,
    updatedAt: now,
    lastError: o.error ?? null,
    claimToken: null,
    claimedUntil: null,
    ...(o.providerMessageId ? { providerMessageId: o.providerMessageId } : {}),
    ...(o.isFinal ? { status: o.status, finishedAt: now } : { status: 'pending' }),
  });
  return true;
}

type ContactMethodRow = NonNullable<Awaited<ReturnType<typeof findContactMethodRow>>>;

/** Why the delivery should not be sent now, or null. */
async function skipReason(ex: Executor, deps: DeliverDeps, d: Delivery, row: ContactMethodRow | undefined) {
  if (!row) return 'the contact method was removed';
  if (row.expiredAt !== null) return `the ${d.channel} contact method has expired`;
  if (d.ruleId !== null && needsVerification(d.channel as never) && row.isVerified !== 1) {
    return `the ${d.channel} contact method is not verified`;
  }
  const stored = fromJsonText<NotificationMessage | null>(d.message, null);
  const wanted = await deps.isStillWanted()(ex, {
    deliveryId: d.id,
    alertId: d.alertId,
    userId: d.userId,
    urgency: d.urgency,
    runId: stored?.alerts?.runId ?? null,
    responderRequestId: stored?.responder?.requestId ?? null,
  });
  if (wanted) return null;
  return d.alertId === null && stored?.responder
    ? 'no longer needed: the responder request was answered or the incident resolved'
    : 'no longer needed: the alert was acknowledged or resolved';
}

async function outbound(deps: DeliverDeps, d: Delivery, now: number): Promise<OutboundMessage> {
  // Sealed secrets (a verification code) are opened only here, for the send: the stored message never shows them.
  const stored = fromJsonText<NotificationMessage>(d.message, { subject: 'Muster notification', body: '' });
  const message = await deps.links.openMessage(stored);
  let links: OutboundMessage['links'] = null;
  if (d.alertId && deps.links.isEnabled) {
    const forAction = (action: 'acknowledge' | 'resolve') =>
      deps.links.create({ action, alertId: d.alertId!, userId: d.userId }, now).then((l) => l.url);
    links = { acknowledge: await forAction('acknowledge'), resolve: await forAction('resolve') };
  } else if (stored.responder && deps.links.isResponderEnabled) {
    // A page to a responder added from an incident room: its one link acknowledges the request (joining the room).
    const link = await deps.links.create(
      { action: 'respond', alertId: '', userId: d.userId, responder: stored.responder },
      now,
    );
    links = { acknowledge: link.url };
  }
  return { ...message, deliveryId: d.id, urgency: d.urgency, alertId: d.alertId, links };
}

const toTarget = (d: Delivery, row: ContactMethodRow): ContactTarget => ({
  id: row.id,
  kind: d.channel as ContactTarget['kind'],
  address: row.address,
  serverUrl: row.serverUrl,
  secret: row.secret,
  // The row's own flag, read with it (in the claim): the outbound guard need not read the row a third time.
  publicAddressesOnly: row.allowPrivateAddress !== 1,
});

/** The bulkhead key of a send: the adapter's destination (a host, a provider account), else the channel. */
export function destinationOf(channel: Channel, target: ContactTarget): string {
  try {
    return channel.destination?.(target) ?? channel.kind;
  } catch {
    return channel.kind;
  }
}

/**
 * The channels with each send taking a slot in its destination's bulkhead (and counting toward its breaker), for
 * senders outside `notify.deliver` (status-page subscribers): a dead subscriber webhook then holds at most two job
 * slots, and a refused send fails fast as transient for the caller's job to retry.
 */
export function withBulkhead(channels: Channels, bulkhead: Bulkhead): Channels {
  const wrap = (c: Channel): Channel => ({
    kind: c.kind,
    destination: (contact) => destinationOf(c, contact),
    async send(message, contact) {
      const permit = await bulkhead.acquire(c.kind, destinationOf(c, contact));
      try {
        const result = await c.send(message, contact);
        permit.release('sent');
        return result;
      } catch (e) {
        permit.release(e instanceof DeliveryError && e.isUnreachable ? 'unreachable' : 'rejected');
        throw e;
      }
    },
  });
  return Object.fromEntries(Object.entries(channels).map(([k, c]) => [k, wrap(c)])) as Channels;
}

/**
 * Complete the job in the transaction that records the delivery's final outcome (one commit instead of two). If
 * another run owns the job now, the outcome is still recorded (it is fenced on the claim, not the job) and the
 * runner's own completion reports the stale run.
 */
async function completeAlongside(ctx: JobContext<DeliverPayload>, trx: Executor): Promise<void> {
  try {
    await ctx.completeIn(trx);
  } catch (e) {
    if (!(e instanceof StaleJobError)) throw e;
  }
}

/** Claim tokens are `<job fence>.<id>`: the fence of the job run that claimed the delivery. */
function claimFenceOf(token: string | null): number | null {
  const fence = token ? Number(token.slice(0, token.indexOf('.'))) : NaN;
  return Number.isInteger(fence) ? fence : null;
}

type Claim =
  | { kind: 'done' }
  | { kind: 'skipped'; isRecorded: boolean }
  | { kind: 'in-flight'; until: number }
  /**
   * token null: claimed without a row (SQLite), the delivery stays pending until the record. `page`: the page as
   * worded now (its run's alerts at the claim), sent instead of the planned text.
   */
  | { kind: 'claimed'; token: string | null; target: ContactTarget; page?: NotificationMessage | null };

/** Step 3: the short claim transaction. */
function claim(ctx: JobContext<DeliverPayload>, deps: DeliverDeps, d: Delivery): Promise<Claim> {
  const { db, clock } = ctx;
  const deliveryId = d.id;
  return db.kysely.transaction().execute(async (trx): Promise<Claim> => {
    // The alert's lock first (the acknowledgement takes the same row), then the delivery's.
    const lock = deps.claimLock();
    if (d.alertId && lock) await lock(trx, d.alertId);
    const current = await findDelivery(trx, db.engine, deliveryId, true);
    if (!current) return { kind: 'done' };
    const now = clock.now();
    let expect: string | null = null;
    if (current.status === 'sending') {
      // Claimed by an earlier run of this job that never recorded the outcome: that run died or lost its lease (a
      // later run has a higher fence), like an expired lease; take the claim over now. A claim by this same run
      // (impossible) or by a run we cannot place waits for its claim deadline.
      const claimFence = claimFenceOf(current.claimToken);
      const isAbandoned = claimFence !== null ? claimFence < ctx.job.fence : false;
      if (!isAbandoned && current.claimedUntil !== null && current.claimedUntil > now) {
        return { kind: 'in-flight', until: current.claimedUntil };
      }
      expect = current.claimToken;
      ctx.log.warn({ deliveryId }, 'taking over a send whose run died before recording it; it may arrive twice');
    } else if (current.status !== 'pending') {
      return { kind: 'done' }; // a duplicate or late run: another run finished it
    }
    const row = await findContactMethodRow(trx, current.contactMethodId);
    const skip = await skipReason(trx, deps, current, row);
    if (skip !== null) {
      const isRecorded = await record(
        trx,
        current,
        { claimToken: expect },
        { status: 'skipped', error: skip, isFinal: true },
        now,
      );
      await completeAlongside(ctx, trx);
      return { kind: 'skipped', isRecorded };
    }
    const page = await pageNow(trx, deps, current);
    // SQLite: one process owns the database and runs each job once at a time, so the claim needs no row: the check
    // above, in a transaction on the single connection, is ordered against every acknowledgement, and a crash before
    // the record leaves the delivery pending, to be sent again at start-up (at most one repeat, as a taken-over claim
    // on PostgreSQL). A read-only claim costs no commit to disk. A claim being taken over is written as usual.
    if (db.engine === 'sqlite' && expect === null)
      return { kind: 'claimed', token: null, target: toTarget(current, row!), page };
    const token = `${ctx.job.fence}.${newId('clm', now)}`;
    await trx
      .updateTable('notificationDeliveries')
      .set({ status: 'sending', claimToken: token, claimedUntil: now + deps.claimTtlMs, updatedAt: now })
      .where('id', '=', deliveryId)
      .execute();
    return { kind: 'claimed', token, target: toTarget(current, row!), page };
  });
}

/** An escalation page as worded now, in the claim transaction (see DeliverDeps.refreshPage); null: as planned. */
async function pageNow(ex: Executor, deps: DeliverDeps, d: Delivery): Promise<NotificationMessage | null> {
  const refresh = deps.refreshPage?.();
  if (!refresh || !d.alertId) return null;
  const stored = fromJsonText<NotificationMessage | null>(d.message, null);
  if (!stored?.alerts) return null;
  return refresh(ex, { alertId: d.alertId, message: stored });
}

function metricOutcome(e: unknown): SendMetricOutcome {
  if (e instanceof DeliveryError && e.isBulkhead) {
    return e.message.includes(' is busy: ') ? 'refused_busy' : 'refused_breaker';
  }
  if (e instanceof DeliveryError && e.isUnreachable) return 'unreachable';
  return isAppError(e) && e.isPermanent ? 'failed_permanent' : 'failed_transient';
}

export function deliverHandler(deps: DeliverDeps): JobHandler<DeliverPayload> {
  return async (ctx) => {
    const { db, clock } = ctx;
    const id = ctx.job.payload.deliveryId;
    const d = await findDelivery(db.kysely, db.engine, id);
    if (!d || (d.status !== 'pending' && d.status !== 'sending')) return; // a duplicate or late job
    const channel = deps.channels[d.channel as keyof Channels];
    const row = await findContactMethodRow(db.kysely, d.contactMethodId);
    // Step 2: a slot in the destination's bulkhead, before anything is claimed (a refusal claims nothing).
    let permit: Permit | null = null;
    if (channel && row) {
      try {
        permit = await deps.bulkhead.acquire(d.channel, destinationOf(channel, toTarget(d, row)));
      } catch (e) {
        const outcome = metricOutcome(e);
        deps.onSend?.(d.channel, outcome);
        // Nothing was tried: a busy destination's refusal is not an attempt worth a write (unless it is the last
        // try); an open breaker's is recorded, so the person sees why their contact method is not paged.
        if (outcome === 'refused_busy' && ctx.job.attempts < ctx.job.maxAttempts) throw e;
        return onFailure(ctx, d, e, null, deps);
      }
    }
    let sendOutcome: SendOutcome | null = null;
    try {
      const message = await outbound(deps, d, clock.now());
      const claimed = await claim(ctx, deps, d);
      if (claimed.kind === 'skipped') {
        deps.onSend?.(d.channel, 'skipped');
        if (claimed.isRecorded) delivered(deps, d, 'skipped');
      }
      if (claimed.kind === 'in-flight') {
        throw new DeliveryError(d.channel, 'another run is sending this notification now', {
          isPermanent: false,
          retryAfterMs: Math.max(1_000, claimed.until - clock.now()),
        });
      }
      if (claimed.kind !== 'claimed') return;
      // Step 4: the send, outside any transaction.
      let providerMessageId: string | null = null;
      try {
        if (!channel) throw new DeliveryError(d.channel, `unknown channel ${d.channel}`, { isPermanent: true });
        const sent = claimed.page ? { ...message, ...claimed.page } : message;
        providerMessageId = (await channel.send(sent, claimed.target)).providerMessageId ?? null;
        sendOutcome = 'sent';
      } catch (e) {
        sendOutcome = e instanceof DeliveryError && e.isUnreachable ? 'unreachable' : 'rejected';
        permit?.release(sendOutcome);
        permit = null;
        deps.onSend?.(d.channel, metricOutcome(e));
        return await onFailure(ctx, d, e, claimed.token, deps);
      }
      permit?.release(sendOutcome);
      permit = null;
      deps.onSend?.(d.channel, 'sent');
      // Step 5: record, fenced on the claim; the job completes in the same commit.
      const isRecorded = await db.kysely.transaction().execute(async (trx) => {
        const ok = await record(
          trx,
          await findDelivery(trx, db.engine, id, true),
          { claimToken: claimed.token },
          { status: 'sent', providerMessageId, isFinal: true },
          clock.now(),
        );
        await completeAlongside(ctx, trx);
        return ok;
      });
      if (isRecorded) {
        delivered(deps, d, 'sent');
        ctx.log.info({ deliveryId: id, channel: d.channel }, 'notification sent');
      } else ctx.log.warn({ deliveryId: id }, 'notification sent, but its claim was taken over meanwhile');
    } finally {
      permit?.release(sendOutcome);
    }
  };
}

function delivered(deps: DeliverDeps, d: Delivery, outcome: 'sent' | 'failed' | 'skipped'): void {
  deps.onDelivered?.({ channel: d.channel, outcome, isPage: d.alertId !== null });
}

/** Mark the delivery's contact method expired (once), audited as the push service's doing. */
async function markExpired(trx: Executor, d: Delivery, now: number): Promise<void> {
  const r = await trx
    .updateTable('contactMethods')
    .set({ expiredAt: now, updatedAt: now })
    .where('id', '=', d.contactMethodId)
    .where('expiredAt', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return;
  await recordAudit(
    trx,
    systemActor(`${d.channel} service`),
    'contact_method.expired',
    { type: 'user', id: d.userId },
    { id: d.contactMethodId, kind: d.channel, deliveryId: d.id },
    now,
  );
}

/**
 * A failed send (claimed with `claimToken`) or a send refused by the bulkhead (`claimToken` null, nothing claimed):
 * recorded as a `failed` attempt; final when permanent or the job's last try, else back to pending and retried.
 */
async function onFailure(
  ctx: JobContext<DeliverPayload>,
  d: Delivery,
  e: unknown,
  claimToken: string | null,
  deps: DeliverDeps,
): Promise<void> {
  // Anything that is not a classified AppError (a bug, an unexpected library error) is retried like a transient one.
  const isPermanent = isAppError(e) && e.isPermanent;
  const error = e instanceof Error ? e.message : String(e);
  const isLastTry = ctx.job.attempts >= ctx.job.maxAttempts;
  const isFinal = isPermanent || isLastTry;
  const { db, clock } = ctx;
  const isRecorded = await db.kysely.transaction().execute(async (trx) => {
    const ok = await record(
      trx,
      await findDelivery(trx, db.engine, d.id, true),
      { claimToken },
      { status: 'failed', error, isPermanent, isFinal },
      clock.now(),
    );
    // A push subscription the push service says is gone (404/410) is marked expired: shown so, no longer paged.
    if (e instanceof DeliveryError && e.isGone) await markExpired(trx, d, clock.now());
    if (isFinal) await completeAlongside(ctx, trx);
    return ok;
  });
  if (isFinal && isRecorded) delivered(deps, d, 'failed');
  if (isFinal) {
    ctx.log.warn({ err: e, deliveryId: d.id }, 'notification failed; not retrying');
    return;
  }
  throw e; // the runner retries with backoff
}
