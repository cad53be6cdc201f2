/**
 * Outgoing webhooks: POST JSON to the contact's URL, signed so the receiver can tell the request came from this
 * Muster and was not replayed. The signature header follows Stripe's widely copied scheme:
 *
 *   Muster-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Receivers recompute the HMAC over the timestamp, a dot and the raw body bytes, compare in constant time, and
 * reject timestamps older than a few minutes (docs/notifications.md has a verification example).
 */
import { hmacSha256Hex } from '../shared/crypto.js';
import type { ResolveAll } from '../shared/net.js';
import { hostOf, httpRequest, requireOk, type Channel, type ContactTarget, type SendResult } from './channel.js';
import { permanentFailure } from './errors.js';
import type { OutboundMessage } from './model.js';

export const SIGNATURE_HEADER = 'Muster-Signature';

export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${hmacSha256Hex(secret, `${timestampSeconds}.${body}`)}`;
}

/** The JSON body receivers get: a stable, documented shape (version it with `type` if it ever changes). */
export function webhookPayload(m: OutboundMessage, now: number): Record<string, unknown> {
  return {
    type: 'notification',
    version: 1,
    deliveryId: m.deliveryId,
    sentAt: new Date(now).toISOString(),
    urgency: m.urgency,
    alertId: m.alertId,
    subject: m.subject,
    body: m.body,
    url: m.url ?? null,
    links: m.links,
    drill: m.drill === true,
    // A page stands for one or more alerts (paging groups): how many are triggered, and the first ten.
    alertCount: m.alerts?.count ?? (m.alertId ? 1 : 0),
    alerts: m.alerts?.listed ?? [],
  };
}

export class WebhookChannel implements Channel {
  readonly kind = 'webhook' as const;

  /** `resolve`: the resolver for public-only contacts (node:dns by default; tests pass their own). */
  constructor(private readonly opts: { timeoutMs: number; now: () => number; resolve?: ResolveAll | undefined }) {}

  /** Each receiving host (and port) has its own bulkhead and breaker. */
  destination(contact: ContactTarget): string {
    return hostOf(contact.address);
  }

  async send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult> {
    if (!contact.secret) throw permanentFailure('webhook', 'the contact method has no signing secret');
    const now = this.opts.now();
    const body = JSON.stringify(webhookPayload(message, now));
    const r = await httpRequest('webhook', contact.address, {
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Muster-Webhook/1',
        'muster-delivery-id': message.deliveryId,
        [SIGNATURE_HEADER.toLowerCase()]: signWebhook(contact.secret, Math.floor(now / 1000), body),
      },
      body,
      timeoutMs: this.opts.timeoutMs,
      ...(contact.publicAddressesOnly ? { publicOnly: { resolve: this.opts.resolve } } : {}),
    });
    requireOk('webhook', r);
    return { providerMessageId: r.headers.get('x-request-id') ?? undefined };
  }
}
