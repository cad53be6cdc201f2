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
 *
 * Steps 1, 3 and 5 of concurrent runs are done in batches (src/notify/batcher.ts, issue 18): one read of all their
 * deliveries and contact methods; one claim transaction that locks all their alerts at once (in id order), reads
 * what every page needs in a few statements (the claim primer) and marks them all `sending` in one update; one record
 * transaction with one insert of the attempts, one update of the deliveries and one completion of the jobs. Each
 * delivery gets exactly the checks and outcome it would get alone; a batch that fails as a whole is done again one
 * delivery at a time.
 */
import { isDatabaseUnavailable } from '../db/health.js';
import { CoalescedReader } from '../db/coalesce.js';
import type { Db, Executor } from '../db/index.js';
import { prepared } from '../db/prepared.js';
import { recordSentPg } from './record-sent.js';
import { recordAudit, systemActor } from '../identity/index.js';
import { StaleJobError, completeJobsIn, type JobContext, type JobHandler } from '../jobs/index.js';
import { isAppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText } from '../shared/json.js';
import type { Bulkhead, Permit, SendOutcome } from './bulkhead.js';
import type { Channel, ContactTarget } from './channel.js';
import { Batcher } from './batcher.js';
import type { ClaimPrimer, DeliverPayload, IsStillWanted, PageRefresher } from './delivery.js';
import { DeliveryError } from './errors.js';
import type { ActionLinkService } from './links.js';
import { needsVerification, type AttemptStatus, type NotificationMessage, type OutboundMessage } from './model.js';
import {
  findContactMethodRow,
  findContactMethodRows,
  findDeliveries,
  findDelivery,
  insertAttempt,
  insertAttempts,
  updateDelivery,
  type ContactMethodRow,
  type Delivery,
} from './repo.js';
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
  /** The alerts' claim lock, taken first in the claim transaction (see NotifyService.setSendGate). */
  claimLock: () => ((trx: Executor, alertIds: readonly string[]) => Promise<void>) | null;
  /** How an escalation page is worded when it is claimed (NotifyService.setPageRefresher); null: as planned. */
  refreshPage?: () => PageRefresher | null;
  /** What a claim batch reads at once for its deliveries' checks and wording (NotifyService.setClaimPrimer). */
  primeClaims?: () => ClaimPrimer | null;
  /** false: each run reads, claims and records on its own (as before batches; for comparison in tests). */
  batches?: boolean;
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

/** The delivery is still as this run left it: `pending` (claimed without a row), or `sending` under its token. */
const isAsClaimed = (d: Delivery, claimToken: string | null): boolean =>
  claimToken === null ? d.status === 'pending' : d.status === 'sending' && d.claimToken === claimToken;

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
  if (!isAsClaimed(current, expect.claimToken)) return false; // another run finished it or took the claim over
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

/** A claim's outcome for one delivery, and what the claim transaction must still write for it. */
interface ClaimStep {
  claim: Claim;
  /** Mark the delivery `sending` under this token (PostgreSQL, or a claim taken over). */
  mark?: { id: string; token: string };
  /** The delivery was recorded as skipped: complete the job in the same commit. */
  complete?: boolean;
}

/**
 * Step 3 for one delivery, inside a claim transaction that holds its alert's lock and has read (and, on PostgreSQL,
 * locked) `current` and its contact method `row`.
 */
async function claimStep(
  trx: Executor,
  ctx: JobContext<DeliverPayload>,
  deps: DeliverDeps,
  current: Delivery | null,
  row: ContactMethodRow | undefined,
  now: number,
): Promise<ClaimStep> {
  if (!current) return { claim: { kind: 'done' } };
  let expect: string | null = null;
  if (current.status === 'sending') {
    // Claimed by an earlier run of this job that never recorded the outcome: that run died or lost its lease (a
    // later run has a higher fence), like an expired lease; take the claim over now. A claim by this same run
    // (impossible) or by a run we cannot place waits for its claim deadline.
    const claimFence = claimFenceOf(current.claimToken);
    const isAbandoned = claimFence !== null ? claimFence < ctx.job.fence : false;
    if (!isAbandoned && current.claimedUntil !== null && current.claimedUntil > now) {
      return { claim: { kind: 'in-flight', until: current.claimedUntil } };
    }
    expect = current.claimToken;
    ctx.log.warn(
      { deliveryId: current.id },
      'taking over a send whose run died before recording it; it may arrive twice',
    );
  } else if (current.status !== 'pending') {
    return { claim: { kind: 'done' } }; // a duplicate or late run: another run finished it
  }
  const skip = await skipReason(trx, deps, current, row);
  if (skip !== null) {
    const isRecorded = await record(
      trx,
      current,
      { claimToken: expect },
      { status: 'skipped', error: skip, isFinal: true },
      now,
    );
    return { claim: { kind: 'skipped', isRecorded }, complete: true };
  }
  const page = await pageNow(trx, deps, current);
  // SQLite: one process owns the database and runs each job once at a time, so the claim needs no row: the check
  // above, in a transaction on the single connection, is ordered against every acknowledgement, and a crash before
  // the record leaves the delivery pending, to be sent again at start-up (at most one repeat, as a taken-over claim
  // on PostgreSQL). A read-only claim costs no commit to disk. A claim being taken over is written as usual.
  if (ctx.db.engine === 'sqlite' && expect === null) {
    return { claim: { kind: 'claimed', token: null, target: toTarget(current, row!), page } };
  }
  const token = `${ctx.job.fence}.${newId('clm', now)}`;
  return { claim: { kind: 'claimed', token, target: toTarget(current, row!), page }, mark: { id: current.id, token } };
}

// Prepared (src/db/prepared.ts): compiled once per number of marks, not per batch.
const markSendingQ = prepared(
  'notify.markSending',
  (ex: Executor, marks: { id: string; token: string }[], until: number, now: number) =>
    ex
      .updateTable('notificationDeliveries')
      .set((eb) => {
        let token = eb.case().when('id', '=', marks[0]!.id).then(marks[0]!.token);
        for (const m of marks.slice(1)) token = token.when('id', '=', m.id).then(m.token);
        return { status: 'sending', claimToken: token.end(), claimedUntil: until, updatedAt: now };
      })
      .where(
        'id',
        'in',
        marks.map((m) => m.id),
      ),
);

/** Mark claimed deliveries `sending` under their tokens, in one statement. */
async function markSending(trx: Executor, marks: { id: string; token: string }[], until: number, now: number) {
  if (marks.length === 0) return;
  await trx.executeQuery(markSendingQ(trx, marks, until, now));
}

/** Step 3, on its own: the short claim transaction of one delivery. */
function claim(ctx: JobContext<DeliverPayload>, deps: DeliverDeps, d: Delivery): Promise<Claim> {
  const { db, clock } = ctx;
  return db.kysely.transaction().execute(async (trx): Promise<Claim> => {
    // The alert's lock first (the acknowledgement takes the same row), then the delivery's.
    const lock = deps.claimLock();
    if (d.alertId && lock) await lock(trx, [d.alertId]);
    const current = await findDelivery(trx, db.engine, d.id, true);
    const row = current ? await findContactMethodRow(trx, current.contactMethodId) : undefined;
    const now = clock.now();
    const step = await claimStep(trx, ctx, deps, current, row, now);
    if (step.mark) await markSending(trx, [step.mark], now + deps.claimTtlMs, now);
    if (step.complete) await completeAlongside(ctx, trx);
    return step.claim;
  });
}

interface ClaimItem {
  ctx: JobContext<DeliverPayload>;
  d: Delivery;
}

/**
 * Step 3 for a batch of deliveries, in one transaction: every alert's lock (one statement, in id order), every
 * delivery (one, locked in id order) and contact method (one), what their checks and wording need (the claim primer:
 * a few statements for the whole batch), then one update marking the claimed ones `sending` and one completing the
 * jobs of skipped ones. The same checks as a single claim, in the same order per delivery; the guarantee is the same:
 * an acknowledgement that committed before the batch makes its pages skip, one that comes after waits for the batch
 * to commit and lets its sends finish.
 */
async function claimMany(deps: DeliverDeps, items: ClaimItem[]): Promise<Claim[]> {
  const { db, clock } = items[0]!.ctx;
  const done = await db.kysely.transaction().execute(async (trx) => {
    const lock = deps.claimLock();
    const alertIds = items.flatMap((i) => (i.d.alertId ? [i.d.alertId] : []));
    if (lock && alertIds.length > 0) await lock(trx, alertIds);
    const current = await findDeliveries(
      trx,
      db.engine,
      items.map((i) => i.d.id),
      true,
    );
    const rows = await findContactMethodRows(
      trx,
      [...current.values()].map((c) => c.contactMethodId),
    );
    await deps.primeClaims?.()?.(
      trx,
      [...current.values()].map((c) => ({
        alertId: c.alertId,
        runId: fromJsonText<NotificationMessage | null>(c.message, null)?.alerts?.runId ?? null,
      })),
    );
    const now = clock.now();
    const claims: Claim[] = [];
    const marks: { id: string; token: string }[] = [];
    const toComplete: ClaimItem[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const c = current.get(item.d.id);
      // Two runs of one delivery in a batch (a duplicate job): the first decides, the other has nothing to do.
      if (!c || seen.has(c.id)) {
        claims.push({ kind: 'done' });
        continue;
      }
      seen.add(c.id);
      const step = await claimStep(trx, item.ctx, deps, c, rows.get(c.contactMethodId), now);
      claims.push(step.claim);
      if (step.mark) marks.push(step.mark);
      if (step.complete) toComplete.push(item);
    }
    await markSending(trx, marks, now + deps.claimTtlMs, now);
    const completed = await completeJobsIn(
      trx,
      toComplete.map((i) => i.ctx),
    );
    return { claims, completed: toComplete.filter((_, i) => completed[i]) };
  });
  for (const item of done.completed) item.ctx.noteCompletionStaged();
  return done.claims;
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

interface Read {
  d: Delivery;
  row: ContactMethodRow | undefined;
}

/** Step 1 for many runs: their deliveries and contact methods, two statements, no transaction. */
async function readMany(db: Db, ids: string[]): Promise<Map<string, Read>> {
  const ds = await findDeliveries(db.kysely, db.engine, ids);
  const rows = await findContactMethodRows(
    db.kysely,
    [...ds.values()].map((d) => d.contactMethodId),
  );
  return new Map([...ds].map(([id, d]) => [id, { d, row: rows.get(d.contactMethodId) }]));
}

async function readOne(db: Db, id: string): Promise<Read | null> {
  const d = await findDelivery(db.kysely, db.engine, id);
  return d ? { d, row: await findContactMethodRow(db.kysely, d.contactMethodId) } : null;
}

interface SentItem {
  ctx: JobContext<DeliverPayload>;
  id: string;
  claimToken: string | null;
  providerMessageId: string | null;
}

/** Step 5 on its own: record one sent delivery, fenced on its claim; the job completes in the same commit. */
function recordSentOne({ ctx, id, claimToken, providerMessageId }: SentItem): Promise<boolean> {
  const { db, clock } = ctx;
  return db.kysely.transaction().execute(async (trx) => {
    const ok = await record(
      trx,
      await findDelivery(trx, db.engine, id, true),
      { claimToken },
      { status: 'sent', providerMessageId, isFinal: true },
      clock.now(),
    );
    await completeAlongside(ctx, trx);
    return ok;
  });
}

/** The sent deliveries (`ids`) recorded as sent; `pids`: the provider's message ids of those that have one. */
const markSentQ = prepared(
  'notify.markSent',
  (ex: Executor, now: number, pids: { id: string; pid: string }[], ids: string[]) =>
    ex
      .updateTable('notificationDeliveries')
      .set((eb) => {
        const base = {
          status: 'sent' as const,
          finishedAt: now,
          updatedAt: now,
          attempts: eb('attempts', '+', 1),
          lastError: null,
          claimToken: null,
          claimedUntil: null,
        };
        const [first, ...rest] = pids;
        if (!first) return base;
        let pid = eb.case().when('id', '=', first.id).then(first.pid);
        for (const r of rest) pid = pid.when('id', '=', r.id).then(r.pid);
        return { ...base, providerMessageId: pid.else(eb.ref('providerMessageId')).end() };
      })
      .where('id', 'in', ids),
);

/**
 * Step 5 for a batch of sent deliveries, in one transaction: the deliveries (locked in id order), one insert of
 * their attempts, one update of the deliveries, one completion of their jobs. Each is fenced on its claim as alone.
 * On PostgreSQL, where every claim has a token, the same in one statement (src/notify/record-sent.ts).
 */
async function recordSentMany(items: SentItem[]): Promise<boolean[]> {
  const { db, clock } = items[0]!.ctx;
  if (db.engine === 'postgres' && items.every((i) => i.claimToken !== null)) {
    const now = clock.now();
    const r = await recordSentPg(
      db.kysely,
      items.map((i) => ({
        deliveryId: i.id,
        claimToken: i.claimToken!,
        attemptId: newId('att', now),
        providerMessageId: i.providerMessageId,
        jobId: i.ctx.job.id,
        fence: i.ctx.job.fence,
      })),
      now,
    );
    items.forEach((item, i) => {
      if (r.completed[i]) item.ctx.noteCompletionStaged();
    });
    return r.recorded;
  }
  const done = await db.kysely.transaction().execute(async (trx) => {
    const now = clock.now();
    const current = await findDeliveries(
      trx,
      db.engine,
      items.map((i) => i.id),
      true,
    );
    const seen = new Set<string>();
    const recorded: { item: SentItem; d: Delivery }[] = [];
    const ok = items.map((item) => {
      const d = current.get(item.id);
      if (!d || seen.has(d.id)) return false;
      if (!isAsClaimed(d, item.claimToken)) return false; // another run finished it or took the claim over
      seen.add(d.id);
      recorded.push({ item, d });
      return true;
    });
    if (recorded.length > 0) {
      await insertAttempts(
        trx,
        recorded.map(({ item, d }) => ({
          id: newId('att', now),
          deliveryId: d.id,
          userId: d.userId,
          alertId: d.alertId,
          channel: d.channel,
          status: 'sent' as const,
          isPermanent: 0,
          error: null,
          providerMessageId: item.providerMessageId,
          at: now,
        })),
      );
      const pids = recorded.flatMap(({ item, d }) =>
        item.providerMessageId !== null ? [{ id: d.id, pid: item.providerMessageId }] : [],
      );
      await trx.executeQuery(
        markSentQ(
          trx,
          now,
          pids,
          recorded.map((r) => r.d.id),
        ),
      );
    }
    const completed = await completeJobsIn(
      trx,
      items.map((i) => i.ctx),
    );
    return { ok, completed };
  });
  items.forEach((item, i) => {
    if (done.completed[i]) item.ctx.noteCompletionStaged();
  });
  return done.ok;
}

/** The page path's batches, one set per handler (per job runner). */
function pageBatches(deps: DeliverDeps) {
  const isOn = deps.batches !== false;
  const make = <I extends { ctx: JobContext<DeliverPayload> }, O>(
    many: (items: I[]) => Promise<O[]>,
    one: (item: I) => Promise<O>,
    what: string,
  ) => {
    if (!isOn) return { add: one };
    let log: JobContext<DeliverPayload>['log'] | null = null;
    const batcher = new Batcher<I, O>({
      many: (items) => {
        log = items[0]!.ctx.log;
        return many(items);
      },
      one,
      maxItems: 64,
      // Two batches in flight: one waiting on an alert's lock (PostgreSQL) does not hold every other page up.
      maxConcurrent: 2,
      // A database outage is logged once by db.health; each run then meets it on its own.
      onBatchError: (e, size) => {
        if (!isDatabaseUnavailable(e)) log?.warn({ err: e, size }, `a batch of ${what} failed; doing each on its own`);
      },
    });
    return batcher;
  };
  // Step 1 is a plain read outside any transaction: the runs asked for in one turn share it (src/db/coalesce.ts).
  let reader: { db: Db; reader: CoalescedReader<string, Read> } | null = null;
  const read = (db: Db, id: string): Promise<Read | null> => {
    if (!isOn) return readOne(db, id);
    if (reader?.db !== db) reader = { db, reader: new CoalescedReader((ids) => readMany(db, ids)) };
    return reader.reader.read(id);
  };
  return {
    read,
    claim: make(
      (items: ClaimItem[]) => claimMany(deps, items),
      ({ ctx, d }) => claim(ctx, deps, d),
      'page claims',
    ),
    recordSent: make(recordSentMany, recordSentOne, 'sent pages'),
  };
}

export function deliverHandler(deps: DeliverDeps): JobHandler<DeliverPayload> {
  const batches = pageBatches(deps);
  return async (ctx) => {
    const { clock } = ctx;
    const id = ctx.job.payload.deliveryId;
    const found = await batches.read(ctx.db, id);
    if (!found || (found.d.status !== 'pending' && found.d.status !== 'sending')) return; // a duplicate or late job
    const { d, row } = found;
    const channel = deps.channels[d.channel as keyof Channels];
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
      const claimed = await batches.claim.add({ ctx, d });
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
      const isRecorded = await batches.recordSent.add({ ctx, id, claimToken: claimed.token, providerMessageId });
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
