/**
 * The signed webhook: Muster POSTs JSON to the URL at the start and at the rollback, signed as contact-method webhooks
 * are (Muster-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>, src/notify/webhook.ts).
 * Payload (docs/gamedays.md): { type: 'gameday.injection', version: 1, action: 'start'|'rollback', gamedayId, title,
 * sentAt, ref, config }. A 2xx answer may carry { ref } (what the receiver started), sent back on rollback.
 */
import { httpRequest } from '../../../notify/channel.js';
import { SIGNATURE_HEADER, signWebhook } from '../../../notify/webhook.js';
import { failure, requestOpts, type InjectionAdapter, type InjectionCall } from './types.js';

export function injectionPayload(c: InjectionCall, action: 'start' | 'rollback'): Record<string, unknown> {
  return {
    type: 'gameday.injection',
    version: 1,
    action,
    gamedayId: c.gamedayId,
    title: c.title,
    sentAt: new Date(c.now).toISOString(),
    ref: c.externalRef,
    config: c.config,
  };
}

async function post(c: InjectionCall, action: 'start' | 'rollback'): Promise<unknown> {
  if (!c.secret) throw new Error('the webhook has no signing secret');
  const body = JSON.stringify(injectionPayload(c, action));
  const r = await httpRequest('game day webhook', c.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Muster-Gameday/1',
      [SIGNATURE_HEADER.toLowerCase()]: signWebhook(c.secret, Math.floor(c.now / 1000), body),
    },
    body,
    ...requestOpts(c),
  });
  if (r.status < 200 || r.status > 299) throw failure('The webhook', action, r.status, r.text);
  return r.json;
}

export const webhookAdapter: InjectionAdapter = {
  problems: (_config, hasSecret) =>
    hasSecret ? [] : [{ field: 'secret', message: 'is required to sign the webhook' }],
  async start(c) {
    const j = (await post(c, 'start')) as { ref?: unknown } | null;
    return { externalRef: typeof j?.ref === 'string' ? j.ref.slice(0, 200) : null };
  },
  async rollback(c) {
    await post(c, 'rollback');
  },
};
