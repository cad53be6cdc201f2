import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import type { User } from '../identity/index.js';
import type { JobHandler } from '../jobs/index.js';
import type { Clock } from '../shared/clock.js';
import type { ResolveAll } from '../shared/net.js';
import { DELIVER_JOB, NotifyService, type DeliverPayload } from './delivery.js';
import { Bulkhead, DEFAULT_BULKHEAD } from './bulkhead.js';
import { deliverHandler, destinationOf, withBulkhead, type DeliverDeps, type SendMetricOutcome } from './jobs.js';
import { ActionLinkService } from './links.js';
import { buildChannels, type Channels } from './registry.js';
import { guardContactTargets } from './outbound-guard.js';
import { ContactService } from './service.js';
import { VapidKeyStore } from './webpush.js';

export {
  NotifyService,
  type PageRefresher,
  DELIVER_JOB,
  alwaysWanted,
  type NotifyUserInput,
  type IsStillWanted,
  type SendGate,
  type ClaimPrimer,
  type DeliveryLogEntry,
} from './delivery.js';
export { ContactService, type CreateContactMethodInput, type UpdateContactMethodInput } from './service.js';
export { ActionLinkService, LINK_ACTIONS, type LinkAction, type AlertActionHandler } from './links.js';
export type { Channel, ContactTarget, SendResult } from './channel.js';
export type { Channels } from './registry.js';
export { DeliveryError } from './errors.js';
export { Bulkhead, DEFAULT_BULKHEAD, type BreakerState, type BulkheadOptions } from './bulkhead.js';
export type { SendMetricOutcome } from './jobs.js';
export { SIGNATURE_HEADER, signWebhook } from './webhook.js';
export { VapidKeyStore, VAPID_SETTING, pushPayload, type PushPayload } from './webpush.js';
export {
  CONTACT_KINDS,
  URGENCIES,
  type ContactKind,
  type Urgency,
  type NotificationMessage,
  type OutboundMessage,
  type PageAlerts,
} from './model.js';
export type { ContactMethod, NotificationRule, Delivery, Attempt } from './repo.js';

export interface NotifyServices {
  notify: NotifyService;
  contacts: ContactService;
  actionLinks: ActionLinkService;
  /** This server's VAPID key pair for Web Push (made on first start). */
  vapid: VapidKeyStore;
  channels: Channels;
  /** Per-destination bulkheads and circuit breakers of this process's sends. */
  bulkhead: Bulkhead;
  /** The channels with every send through the bulkhead: for other domains' senders (status-page subscribers). */
  guardedChannels: Channels;
  deliverJob: { kind: typeof DELIVER_JOB; handler: JobHandler<DeliverPayload> };
}

/** Everything the notify domain offers, wired from config; src/server.ts registers the job and the hooks. */
export function createNotifyServices(deps: {
  config: Config;
  db: Db;
  clock: Clock;
  getUser: (id: string) => Promise<User>;
  channels?: Channels;
  resolve?: ResolveAll | undefined;
  /** Counts each send by channel and outcome (muster_notification_sends_total). */
  onSend?: ((channel: string, outcome: SendMetricOutcome) => void) | undefined;
  /** Each delivery's final outcome (muster_notification_deliveries_total, muster_pages_sent_total). */
  onDelivered?: DeliverDeps['onDelivered'];
}): NotifyServices {
  const { config, db, clock } = deps;
  // A new or answering destination may use all the runner's slots but a quarter; a slow or failing one two, and all
  // slow or failing destinations together half the slots.
  const bulkhead = new Bulkhead({
    ...DEFAULT_BULKHEAD,
    maxInFlightHealthy: config.jobs.concurrency - Math.max(1, Math.floor(config.jobs.concurrency / 4)),
    maxInFlightUnhealthy: Math.max(1, Math.floor(config.jobs.concurrency / 2)),
    sendTimeoutMs: config.notify.timeoutMs,
    now: () => clock.now(),
  });
  const notify = new NotifyService({ db, clock, bulkhead });
  const actionLinks = new ActionLinkService({
    db,
    clock,
    getUser: deps.getUser,
    publicUrl: () => config.publicUrl,
    ttlMs: config.notify.linkTtlMinutes * 60_000,
  });
  const vapid = new VapidKeyStore({ db, clock });
  // Webhook, ntfy and push URLs given by users reach private addresses only when an administrator allowed it (SSRF).
  const channels = guardContactTargets(deps.channels ?? buildChannels(config, clock, deps.resolve, vapid), db);
  const handler = deliverHandler({
    channels,
    links: actionLinks,
    bulkhead,
    isStillWanted: () => notify.isStillWanted,
    claimLock: () => notify.claimLock,
    refreshPage: () => notify.pageRefresher,
    primeClaims: () => notify.claimPrimer,
    // Slack's send is two calls, each up to the time-out; a claim older than this belongs to a run that died.
    claimTtlMs: 2 * config.notify.timeoutMs + 10_000,
    onSend: deps.onSend,
    onDelivered: deps.onDelivered,
  });
  return {
    notify,
    contacts: new ContactService({
      db,
      clock,
      resolve: deps.resolve,
      breakerOf: (c) =>
        bulkhead.state(
          destinationOf(channels[c.kind], {
            id: c.id,
            kind: c.kind,
            address: c.address,
            serverUrl: c.serverUrl,
            secret: null,
          }),
        ),
    }),
    actionLinks,
    vapid,
    channels,
    bulkhead,
    guardedChannels: withBulkhead(channels, bulkhead),
    deliverJob: { kind: DELIVER_JOB, handler },
  };
}
