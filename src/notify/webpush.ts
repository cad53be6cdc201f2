/**
 * Web Push: a contact method is one browser's push subscription (its endpoint is the address, its keys p256dh and
 * auth the secret). A page is one push message (RFC 8030 §5): POST to the endpoint with `TTL`, `Urgency` and
 * `Topic` headers, the JSON payload encrypted for that browser (RFC 8291, the `aes128gcm` content coding of
 * RFC 8188), signed for the push service with this server's VAPID key (RFC 8292: `Authorization: vapid t=<JWT>,
 * k=<public key>`). The `web-push` library builds that request (ADR 0010); Muster's own HTTP helper sends it, so the
 * send has the usual connect and total time-outs, never runs inside a transaction, and a user-given endpoint is
 * connected to on public addresses only. The service worker (web/public/sw.js) shows the payload as a notification
 * with Acknowledge and Resolve actions that POST the signed one-click links (src/notify/links.ts).
 *
 * The VAPID key pair is made on first start and kept in instance_settings (`VAPID_SETTING`); the private key is never
 * logged nor returned by the API, the public key is served to signed-in users (GET /api/push/vapid-public-key) for
 * `PushManager.subscribe({ applicationServerKey })`.
 */
import { createHash } from 'node:crypto';
import webpush from 'web-push';
import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import type { ResolveAll } from '../shared/net.js';
import { hostOf, httpRequest, requireOk, type Channel, type ContactTarget, type SendResult } from './channel.js';
import { DeliveryError, permanentFailure } from './errors.js';
import { drillPrefix, pushKeyProblems, type ActionLinks, type OutboundMessage, type PushKeys } from './model.js';
import { ensureInstanceSetting } from './repo.js';

export const VAPID_SETTING = 'notify.webpush_vapid_keys';

/** How long a push service keeps a page for a phone that is offline: an hour-old page is stale, other steps ran. */
export const PUSH_TTL_SECONDS = 3600;

/** RFC 8291 §4: one 4096-byte record; 103 bytes of it go to the header, the tag and the padding delimiter. */
const MAX_PAYLOAD_BYTES = 3900;

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** This server's VAPID key pair: made on first start, kept in the database, the same for every process. */
export class VapidKeyStore {
  private keys: VapidKeys | null = null;

  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  /** Load the key pair, making it on first start; concurrent first starts settle on one pair. */
  async init(): Promise<void> {
    if (this.keys) return;
    const stored = await ensureInstanceSetting(
      this.deps.db.kysely,
      VAPID_SETTING,
      () => JSON.stringify(webpush.generateVAPIDKeys()),
      this.deps.clock.now(),
    );
    const parsed = JSON.parse(stored) as Partial<VapidKeys>;
    if (typeof parsed.publicKey !== 'string' || typeof parsed.privateKey !== 'string') {
      throw new Error(`instance setting ${VAPID_SETTING} is not a VAPID key pair`);
    }
    this.keys = { publicKey: parsed.publicKey, privateKey: parsed.privateKey };
  }

  /** The public key (base64url, an uncompressed P-256 point): the browser's `applicationServerKey`. */
  async publicKey(): Promise<string> {
    await this.init();
    return this.keys!.publicKey;
  }

  /** Both keys, for signing: the channel only. */
  async pair(): Promise<VapidKeys> {
    await this.init();
    return this.keys!;
  }
}

/** What the service worker receives (decrypted): everything it shows and the links its actions call. */
export interface PushPayload {
  v: 1;
  title: string;
  /** The page text: severity, service and summary first, as the other channels send it. */
  body: string;
  /**
   * The notification's tag: a re-page replaces the one shown. Every page of an escalation run carries the run's lead
   * alert (paging groups, src/escalation/runs.ts), so this is one tag per problem, however many alerts joined it.
   */
  tag: string;
  /** The alert page (a plain click opens it). */
  url: string | null;
  alertId: string | null;
  deliveryId: string;
  urgency: OutboundMessage['urgency'];
  /** High urgency stays on screen until the person acts on it. */
  requireInteraction: boolean;
  drill: boolean;
  /** The signed one-click links (POST acts; no session needed); null for a message about no alert (a test). */
  actions: ActionLinks | null;
}

/** The subject without the "[Muster] " mail prefix: the notification already names the app. */
const title = (m: OutboundMessage): string => drillPrefix(m) + m.subject.replace(/^(\[Muster\]\s*)+/, '').trim();

export function pushPayload(m: OutboundMessage): PushPayload {
  const payload: PushPayload = {
    v: 1,
    title: title(m) || 'Muster',
    body: m.body.trim(),
    tag: m.alertId ?? m.deliveryId,
    url: m.url ?? null,
    alertId: m.alertId,
    deliveryId: m.deliveryId,
    urgency: m.urgency,
    requireInteraction: m.urgency === 'high',
    drill: m.drill === true,
    actions: m.links,
  };
  // A push message holds about 4 KB: the body gives way (its first lines, service and summary, stay).
  let size = Buffer.byteLength(JSON.stringify(payload));
  while (size > MAX_PAYLOAD_BYTES && payload.body.length > 0) {
    const over = size - MAX_PAYLOAD_BYTES;
    payload.body = `${payload.body.slice(0, Math.max(0, payload.body.length - over - 2))}…`;
    if (payload.body === '…') payload.body = '';
    size = Buffer.byteLength(JSON.stringify(payload));
  }
  if (size > MAX_PAYLOAD_BYTES) payload.title = payload.title.slice(0, 200);
  return payload;
}

/** The subscription's keys as stored in the contact method's secret (JSON); null when unreadable. */
export function parsePushKeys(secret: string | null): PushKeys | null {
  if (!secret) return null;
  try {
    const k = JSON.parse(secret) as Partial<PushKeys>;
    if (typeof k.p256dh !== 'string' || typeof k.auth !== 'string') return null;
    const keys = { p256dh: k.p256dh, auth: k.auth };
    return pushKeyProblems(keys).length ? null : keys;
  } catch {
    return null;
  }
}

/** RFC 8030 §5.4: a topic (at most 32 base64url characters) lets the push service replace a re-page it still holds. */
const topicOf = (tag: string): string => createHash('sha256').update(tag).digest('base64url').slice(0, 32);

export class WebPushChannel implements Channel {
  readonly kind = 'webpush' as const;

  constructor(
    private readonly opts: {
      vapid: VapidKeyStore;
      /** `mailto:` or `https:` contact for push services (RFC 8292 §2.1). */
      subject: () => string;
      timeoutMs: number;
      resolve?: ResolveAll | undefined;
    },
  ) {}

  /** Each push service (host and port) has its own bulkhead and breaker. */
  destination(contact: ContactTarget): string {
    return hostOf(contact.address);
  }

  async send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult> {
    const keys = parsePushKeys(contact.secret);
    if (!keys) throw permanentFailure('webpush', 'the contact method has no push subscription keys');
    const payload = pushPayload(message);
    const vapid = await this.opts.vapid.pair();
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails({ endpoint: contact.address, keys }, JSON.stringify(payload), {
        vapidDetails: { subject: this.opts.subject(), ...vapid },
        TTL: PUSH_TTL_SECONDS,
        urgency: message.urgency === 'high' ? 'high' : 'normal',
        topic: topicOf(payload.tag),
      });
    } catch (e) {
      throw permanentFailure('webpush', `the push message could not be built: ${(e as Error).message}`, e);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(details.headers)) {
      if (k.toLowerCase() !== 'content-length') headers[k.toLowerCase()] = String(v);
    }
    const r = await httpRequest('webpush', details.endpoint, {
      headers,
      body: details.body ?? Buffer.alloc(0),
      timeoutMs: this.opts.timeoutMs,
      ...(contact.publicAddressesOnly ? { publicOnly: { resolve: this.opts.resolve } } : {}),
    });
    // RFC 8030 §7.3: 404 or 410, the subscription is gone for good: the contact method is marked expired.
    if (r.status === 404 || r.status === 410) {
      throw new DeliveryError('webpush', `HTTP ${r.status}: the push subscription has expired or was removed`, {
        isPermanent: true,
        providerStatus: r.status,
        isGone: true,
      });
    }
    requireOk('webpush', r);
    return { providerMessageId: r.headers.get('location') ?? undefined };
  }
}
