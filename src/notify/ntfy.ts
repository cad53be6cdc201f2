/**
 * ntfy push notifications (https://docs.ntfy.sh/publish/#publish-as-json): POST a JSON message to the server root.
 * The server is per contact method, so people can use ntfy.sh or their own self-hosted server; an optional access
 * token (the contact method's secret) reaches protected topics.
 */
import { hostOf, httpRequest, requireOk, type Channel, type ContactTarget, type SendResult } from './channel.js';
import type { ResolveAll } from '../shared/net.js';
import { DEFAULT_NTFY_SERVER, drillPrefix, renderText, type OutboundMessage } from './model.js';

export interface NtfyPublish {
  topic: string;
  title: string;
  message: string;
  /** 1 (min) … 5 (max): high urgency uses 5, which on Android breaks through Do Not Disturb when allowed. */
  priority: number;
  tags: string[];
  click?: string;
  actions?: { action: 'view'; label: string; url: string; clear?: boolean }[];
}

export function ntfyPayload(m: OutboundMessage, topic: string): NtfyPublish {
  const payload: NtfyPublish = {
    topic,
    title: drillPrefix(m) + m.subject,
    message: renderText({ ...m, links: null }),
    priority: m.urgency === 'high' ? 5 : 3,
    tags: [m.urgency === 'high' ? 'rotating_light' : 'warning'],
  };
  if (m.url) payload.click = m.url;
  // "view" actions open the confirmation page; nothing acts on the alert until the person confirms there.
  if (m.links) {
    payload.actions = [
      { action: 'view', label: 'Acknowledge', url: m.links.acknowledge, clear: true },
      ...(m.links.resolve ? [{ action: 'view' as const, label: 'Resolve', url: m.links.resolve, clear: true }] : []),
    ];
  }
  return payload;
}

export class NtfyChannel implements Channel {
  readonly kind = 'ntfy' as const;

  /** `resolve`: the resolver for a public-only contact's own server (node:dns by default; tests pass their own). */
  constructor(private readonly opts: { defaultServer?: string; timeoutMs: number; resolve?: ResolveAll | undefined }) {}

  private server(contact: ContactTarget): string {
    return (contact.serverUrl ?? this.opts.defaultServer ?? DEFAULT_NTFY_SERVER).replace(/\/+$/, '');
  }

  /** Each ntfy server has its own bulkhead and breaker. */
  destination(contact: ContactTarget): string {
    return hostOf(this.server(contact));
  }

  async send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult> {
    const server = this.server(contact);
    const r = await httpRequest('ntfy', `${server}/`, {
      headers: {
        'content-type': 'application/json',
        ...(contact.secret ? { authorization: `Bearer ${contact.secret}` } : {}),
      },
      body: JSON.stringify(ntfyPayload(message, contact.address)),
      timeoutMs: this.opts.timeoutMs,
      // The contact's own server is user-given; the configured default is the operator's.
      ...(contact.publicAddressesOnly && contact.serverUrl !== null
        ? { publicOnly: { resolve: this.opts.resolve } }
        : {}),
    });
    requireOk('ntfy', r);
    const id = (r.json as { id?: unknown } | null)?.id;
    return { providerMessageId: typeof id === 'string' ? id : undefined };
  }
}
