/**
 * Durable status page work, in the escalation-step shape:
 * - `statusPage.fanOut` (one per public update): in its fenced completing transaction, one `status_notifications`
 *   row and one `statusPage.notify` job per confirmed subscriber (unique keys: a re-run adds nothing).
 * - `statusPage.notify` (one per subscriber × update): re-check the row is pending and the subscriber still
 *   confirmed and subscribed, send once through the email or webhook adapter (src/notify), record the outcome fenced.
 *   Transient failures are recorded and thrown, so the runner retries with backoff; permanent ones stop.
 * - `statusPage.sendConfirmation`: the double opt-in email.
 * A send is not part of a transaction: a crash between sending and committing sends again (at least once).
 */
import type { Executor } from '../db/index.js';
import type { JobContext, JobHandler } from '../jobs/index.js';
import { enqueueJob } from '../jobs/index.js';
import type { Channels, OutboundMessage } from '../notify/index.js';
import { isAppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText } from '../shared/json.js';
import {
  COMPONENT_STATUS_LABELS,
  followsUpdate,
  PUBLIC_STATUS_LABELS,
  subscriberLink,
  type PublicStatus,
} from './model.js';
import {
  findMaintenance,
  findStatusIncident,
  findSubscriber,
  isDrillPublication,
  listComponents,
  loadSettingsRow,
} from './repo.js';

export const JOB_FAN_OUT = 'statusPage.fanOut';
export const JOB_NOTIFY = 'statusPage.notify';
export const JOB_SEND_CONFIRMATION = 'statusPage.sendConfirmation';

export interface FanOutPayload {
  updateId: string;
}
export interface NotifyPayload {
  notificationId: string;
}
export interface ConfirmationPayload {
  subscriberId: string;
  requestedAt: number;
}

export interface StatusJobDeps {
  channels: Pick<Channels, 'email' | 'webhook'>;
  publicUrl: () => string;
}

const NOTIFY_MAX_ATTEMPTS = 8;

export function fanOutHandler(): JobHandler<FanOutPayload> {
  return (ctx) =>
    ctx.complete(async (trx) => {
      const now = ctx.clock.now();
      const { updateId } = ctx.job.payload;
      const update = await trx
        .selectFrom('statusUpdates')
        .select(['id', 'statusIncidentId', 'maintenanceId'])
        .where('id', '=', updateId)
        .executeTakeFirst();
      if (!update) return; // deleted with its incident: nothing to send
      if (update.statusIncidentId && (await isDrillPublication(trx, update.statusIncidentId))) return; // never to subscribers
      const affected = await affectedComponents(trx, update);
      const subscribers = (
        await trx
          .selectFrom('statusSubscribers')
          .select(['id', 'componentIds'])
          .where('confirmedAt', 'is not', null)
          .where('unsubscribedAt', 'is', null)
          .orderBy('id')
          .execute()
      ).filter((s) => followsUpdate(fromJsonText<string[]>(s.componentIds, []), affected));
      for (const s of subscribers) {
        const id = newId('stn', now);
        const r = await trx
          .insertInto('statusNotifications')
          .values({
            id,
            subscriberId: s.id,
            updateId,
            status: 'pending',
            attempts: 0,
            lastError: null,
            createdAt: now,
            finishedAt: null,
          })
          .onConflict((oc) => oc.columns(['subscriberId', 'updateId']).doNothing())
          .executeTakeFirst();
        if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) continue;
        const payload: NotifyPayload = { notificationId: id };
        await enqueueJob(
          trx,
          ctx.db.engine,
          { kind: JOB_NOTIFY, payload, uniqueKey: `${JOB_NOTIFY}:${id}`, maxAttempts: NOTIFY_MAX_ATTEMPTS },
          now,
        );
      }
    });
}

/** The components an update is about: its incident's affected components, or its maintenance's. */
async function affectedComponents(
  ex: Executor,
  u: { statusIncidentId: string | null; maintenanceId: string | null },
): Promise<string[]> {
  if (u.statusIncidentId) {
    const p = await findStatusIncident(ex, u.statusIncidentId);
    return p ? p.components.map((c) => c.componentId) : [];
  }
  const m = u.maintenanceId ? await findMaintenance(ex, u.maintenanceId) : null;
  return m?.componentIds ?? [];
}

/** Subject and text of one update, as every subscriber gets it. */
async function describeUpdate(ex: Executor, updateId: string) {
  const u = await ex.selectFrom('statusUpdates').selectAll().where('id', '=', updateId).executeTakeFirst();
  if (!u) return null;
  const names = new Map((await listComponents(ex)).map((c) => [c.id, c.name]));
  if (u.statusIncidentId) {
    const p = await findStatusIncident(ex, u.statusIncidentId);
    if (!p) return null;
    const label = PUBLIC_STATUS_LABELS[u.status as PublicStatus] ?? u.status;
    const affected = p.components.map(
      (c) => `${names.get(c.componentId) ?? c.componentId}: ${COMPONENT_STATUS_LABELS[c.status]}`,
    );
    return {
      subject: `${label}: ${p.title}`,
      body: [u.body, ...(affected.length ? ['', ...affected] : [])].join('\n'),
    };
  }
  const m = u.maintenanceId ? await findMaintenance(ex, u.maintenanceId) : null;
  if (!m) return null;
  const when = `${new Date(m.startsAt).toISOString()} – ${new Date(m.endsAt).toISOString()}`;
  return { subject: `Maintenance: ${m.title}`, body: `${u.body}\n\n${when}` };
}

type NotifyOutcome = { status: 'sent' | 'failed' | 'skipped'; error: string | null };

function finish(ctx: JobContext<NotifyPayload>, outcome: NotifyOutcome, attempts: number): Promise<void> {
  return ctx.complete(async (trx) => {
    await trx
      .updateTable('statusNotifications')
      .set({ status: outcome.status, lastError: outcome.error, attempts, finishedAt: ctx.clock.now() })
      .where('id', '=', ctx.job.payload.notificationId)
      .where('status', '=', 'pending')
      .execute();
  });
}

export function notifyHandler(deps: StatusJobDeps): JobHandler<NotifyPayload> {
  return async (ctx) => {
    const ex = ctx.db.kysely;
    const n = await ex
      .selectFrom('statusNotifications')
      .selectAll()
      .where('id', '=', ctx.job.payload.notificationId)
      .executeTakeFirst();
    if (!n || n.status !== 'pending') return; // done already: a duplicate or late job
    const s = await findSubscriber(ex, n.subscriberId);
    if (!s || s.confirmedAt === null || s.unsubscribedAt !== null) {
      return finish(ctx, { status: 'skipped', error: 'unsubscribed' }, n.attempts);
    }
    const what = await describeUpdate(ex, n.updateId);
    if (!what) return finish(ctx, { status: 'skipped', error: 'the update was removed' }, n.attempts);
    const settings = await loadSettingsRow(ex, ctx.clock.now());
    const base = deps.publicUrl();
    const unsubscribe = subscriberLink(base, settings.signingSecret, 'unsubscribe', s.id);
    const message: OutboundMessage = {
      subject: `${settings.title} — ${what.subject}`,
      body: `${what.body}\n\nUnsubscribe: ${unsubscribe}`,
      url: `${base}/status`,
      deliveryId: n.id,
      urgency: 'high',
      alertId: null,
      links: null,
    };
    const channel = s.kind === 'webhook' ? deps.channels.webhook : deps.channels.email;
    try {
      await channel.send(message, {
        id: s.id,
        kind: channel.kind,
        address: s.address,
        serverUrl: null,
        secret: s.secret,
        publicAddressesOnly: s.kind === 'webhook' && !s.allowsPrivateAddress,
      });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      const isPermanent = isAppError(e) && e.isPermanent;
      if (isPermanent || ctx.job.attempts >= ctx.job.maxAttempts) {
        return finish(ctx, { status: 'failed', error }, n.attempts + 1);
      }
      await ex
        .updateTable('statusNotifications')
        .set({ attempts: n.attempts + 1, lastError: error })
        .where('id', '=', n.id)
        .where('status', '=', 'pending')
        .execute();
      throw e; // transient: the runner retries with backoff
    }
    ctx.log.info({ notificationId: n.id, kind: s.kind }, 'status page update sent');
    return finish(ctx, { status: 'sent', error: null }, n.attempts + 1);
  };
}

export function confirmationHandler(deps: StatusJobDeps): JobHandler<ConfirmationPayload> {
  return async (ctx) => {
    const ex = ctx.db.kysely;
    const s = await findSubscriber(ex, ctx.job.payload.subscriberId);
    if (!s || s.confirmedAt !== null || s.unsubscribedAt !== null) return ctx.complete(() => Promise.resolve());
    const settings = await loadSettingsRow(ex, ctx.clock.now());
    const link = subscriberLink(deps.publicUrl(), settings.signingSecret, 'confirm', s.id);
    const message: OutboundMessage = {
      subject: `Confirm your subscription to ${settings.title}`,
      body:
        `Someone (hopefully you) asked to get ${settings.title} updates at this address.\n\n` +
        `Confirm: ${link}\n\nIf it was not you, ignore this email: nothing is sent until you confirm.`,
      url: link,
      deliveryId: ctx.job.id,
      urgency: 'high',
      alertId: null,
      links: null,
    };
    // Failures throw: permanent ones (a rejected address) end the job as dead, transient ones retry with backoff.
    await deps.channels.email.send(message, {
      id: s.id,
      kind: 'email',
      address: s.address,
      serverUrl: null,
      secret: null,
    });
    await ctx.complete(() => Promise.resolve());
  };
}
