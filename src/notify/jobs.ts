/**
 * `notify.deliver`: one delivery (recipient × contact method × rule step), in the escalation-step shape:
 *   1. load the delivery; a delivery that is no longer pending (a duplicate or late job) exits quietly;
 *   2. under the alert's paging gate (src/alerts/paging-gate.ts): re-read the delivery (still pending?), re-check the
 *      state (contact method still there and usable, `isStillWanted`: alert not acknowledged or resolved since) —
 *      otherwise record `skipped` —, send once through the channel's adapter, and record the attempt and outcome;
 *   3. complete the job (fenced), in that same transaction: one commit for the outcome and the job.
 * Transient failures record a `failed` attempt and throw, so the runner retries with backoff; permanent failures
 * (and the last transient one) are recorded as the delivery's final `failed` state and the job completes. A send
 * cannot be part of a database transaction: if the process dies between sending and committing, the step runs
 * again and the person may get the message twice — at least once, never lost.
 */
import type { Db, Executor } from '../db/index.js';
import { StaleJobError, type JobContext, type JobHandler } from '../jobs/index.js';
import { isAppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText } from '../shared/json.js';
import type { ContactTarget } from './channel.js';
import type { DeliverPayload, IsStillWanted } from './delivery.js';
import type { ActionLinkService } from './links.js';
import { needsVerification, type AttemptStatus, type NotificationMessage, type OutboundMessage } from './model.js';
import { findContactMethodRow, findDelivery, insertAttempt, updateDelivery, type Delivery } from './repo.js';
import type { Channels } from './registry.js';

export interface DeliverDeps {
  channels: Channels;
  links: ActionLinkService;
  /** Read at every run, so the composition root can wire the alerts domain in after construction. */
  isStillWanted: () => IsStillWanted;
  /** Check-and-send under the alert's paging gate (see NotifyService.withSendGate). */
  withSendGate: <T>(alertId: string | null, fn: (ex: Executor, isGated: boolean) => Promise<T>) => Promise<T>;
}

interface Outcome {
  status: AttemptStatus;
  error?: string | null;
  providerMessageId?: string | null;
  isPermanent?: boolean;
  /** false: record the attempt but leave the delivery pending (a transient failure that will be retried). */
  isFinal: boolean;
}

async function record(
  ex: Parameters<typeof insertAttempt>[0],
  engine: Db['engine'],
  d: Delivery,
  o: Outcome,
  now: number,
  /** The delivery as just read and locked in this transaction, if the caller has it. */
  locked?: Delivery,
): Promise<void> {
  const current = locked ?? (await findDelivery(ex, engine, d.id, true));
  if (!current || current.status !== 'pending') return; // another run finished it; nothing to add
  await insertAttempt(ex, {
    id: newId('att', now),
    deliveryId: d.id,
    userId: d.userId,
    alertId: d.alertId,
    channel: d.channel,
    status: o.status,
    isPermanent: o.isPermanent ? 1 : 0,
    error: o.error ?? null,
    providerMessageId: o.providerMessageId ?? null,
    at: now,
  });
  await updateDelivery(ex, d.id, {
    attempts: current.attempts + 1,
    updatedAt: now,
    lastError: o.error ?? null,
    ...(o.providerMessageId ? { providerMessageId: o.providerMessageId } : {}),
    ...(o.isFinal ? { status: o.status, finishedAt: now } : {}),
  });
}

/** Record the final outcome in the job's fenced completing transaction. */
function finish(ctx: JobContext<DeliverPayload>, d: Delivery, o: Omit<Outcome, 'isFinal'>): Promise<void> {
  return ctx.complete((trx) => record(trx, ctx.db.engine, d, { ...o, isFinal: true }, ctx.clock.now()));
}

type ContactMethodRow = NonNullable<Awaited<ReturnType<typeof findContactMethodRow>>>;

/** Where to send the delivery now, or why it should not be sent. */
async function check(
  ex: Executor,
  deps: DeliverDeps,
  d: Delivery,
): Promise<{ skip: string; row?: undefined } | { skip: null; row: ContactMethodRow }> {
  const row = await findContactMethodRow(ex, d.contactMethodId);
  if (!row) return { skip: 'the contact method was removed' };
  if (d.ruleId !== null && needsVerification(d.channel as never) && row.isVerified !== 1) {
    return { skip: `the ${d.channel} contact method is not verified` };
  }
  const wanted = await deps.isStillWanted()(ex, {
    deliveryId: d.id,
    alertId: d.alertId,
    userId: d.userId,
    urgency: d.urgency,
  });
  return wanted ? { skip: null, row } : { skip: 'no longer needed: the alert was acknowledged or resolved' };
}

async function outbound(deps: DeliverDeps, d: Delivery, now: number): Promise<OutboundMessage> {
  const message = fromJsonText<NotificationMessage>(d.message, { subject: 'Muster notification', body: '' });
  let links: OutboundMessage['links'] = null;
  if (d.alertId && deps.links.isEnabled) {
    const forAction = (action: 'acknowledge' | 'resolve') =>
      deps.links.create({ action, alertId: d.alertId!, userId: d.userId }, now).then((l) => l.url);
    links = { acknowledge: await forAction('acknowledge'), resolve: await forAction('resolve') };
  }
  return { ...message, deliveryId: d.id, urgency: d.urgency, alertId: d.alertId, links };
}

export function deliverHandler(deps: DeliverDeps): JobHandler<DeliverPayload> {
  return async (ctx) => {
    const { db, clock } = ctx;
    const d = await findDelivery(db.kysely, db.engine, ctx.job.payload.deliveryId);
    if (!d || d.status !== 'pending') return; // already sent, failed or skipped: a duplicate or late job
    const message = await outbound(deps, d, clock.now());
    try {
      // Under the alert's paging gate: the delivery is re-read (a duplicate run that waited for the gate finds it
      // sent), "still wanted?" is checked, the message is handed to its channel and the outcome is recorded, all
      // before the gate opens. An acknowledgement that commits meanwhile waits for the gate; one that committed
      // before makes the check skip the page.
      await deps.withSendGate(d.alertId, async (ex, isGated) => {
        const current = await findDelivery(ex, db.engine, d.id, true);
        // A duplicate or late run: another run finished this delivery (the runner completes this job after).
        if (!current || current.status !== 'pending') return;
        // Under a gate (a transaction), the job completes in it (fenced, before anything is sent: a run whose lease
        // was taken over stops here), so the outcome and the completion share one commit. Without a gate (not an
        // alert page) the runner completes the job after the handler returns.
        if (isGated) await ctx.completeIn(ex);
        const { skip, row } = await check(ex, deps, d);
        if (skip !== null) {
          await record(ex, db.engine, d, { status: 'skipped', error: skip, isFinal: true }, clock.now(), current);
          return;
        }
        const target: ContactTarget = {
          id: row.id,
          kind: d.channel as ContactTarget['kind'],
          address: row.address,
          serverUrl: row.serverUrl,
          secret: row.secret,
        };
        const { providerMessageId } = await deps.channels[target.kind].send(message, target);
        await record(
          ex,
          db.engine,
          d,
          { status: 'sent', providerMessageId: providerMessageId ?? null, isFinal: true },
          clock.now(),
          current,
        );
        ctx.log.info({ deliveryId: d.id, channel: d.channel }, 'notification sent');
      });
    } catch (e) {
      if (e instanceof StaleJobError) throw e; // nothing was sent; the run that owns the job now does it
      return onFailure(ctx, d, e);
    }
  };
}

async function onFailure(ctx: JobContext<DeliverPayload>, d: Delivery, e: unknown): Promise<void> {
  // Anything that is not a classified AppError (a bug, an unexpected library error) is retried like a transient one.
  const isPermanent = isAppError(e) && e.isPermanent;
  const error = e instanceof Error ? e.message : String(e);
  const isLastTry = ctx.job.attempts >= ctx.job.maxAttempts;
  if (isPermanent || isLastTry) {
    ctx.log.warn({ err: e, deliveryId: d.id }, 'notification failed; not retrying');
    return finish(ctx, d, { status: 'failed', error, isPermanent });
  }
  const now = ctx.clock.now();
  await ctx.db.kysely
    .transaction()
    .execute((trx) => record(trx, ctx.db.engine, d, { status: 'failed', error, isFinal: false }, now));
  throw e; // the runner retries with backoff
}
