/**
 * SMS and voice calls behind a small provider interface, so Vonage, MessageBird or a local modem can follow Twilio.
 *
 * Twilio (https://www.twilio.com/docs/usage/api): form-encoded POSTs with HTTP basic auth (Account SID, Auth Token)
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json   To, From, Body
 *   POST /2010-04-01/Accounts/{AccountSid}/Calls.json      To, From, Twiml
 * Errors come back as 4xx with `{ code, message }` (e.g. 21211 invalid 'To' number): permanent; 429 and 5xx are
 * transient.
 */
import { httpRequest, requireOk, type Channel, type ContactTarget, type SendResult } from './channel.js';
import { renderSms, renderVoice, type OutboundMessage } from './model.js';

export interface PhoneProvider {
  readonly name: string;
  /** The provider account (for the bulkhead and breaker shared by SMS and voice). */
  readonly account: string;
  sendSms(to: string, body: string): Promise<SendResult>;
  /** Call `to` and speak `text` (repeated once). */
  call(to: string, text: string): Promise<SendResult>;
}

export const TWILIO_API_URL = 'https://api.twilio.com';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  apiUrl?: string | undefined;
  timeoutMs: number;
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** TwiML that says the text twice with a pause, so someone woken by the call hears it whole. */
export function sayTwiml(text: string): string {
  const say = `<Say voice="alice">${escapeXml(text)}</Say>`;
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${say}<Pause length="1"/>${say}</Response>`;
}

export class TwilioProvider implements PhoneProvider {
  readonly name = 'twilio';

  constructor(private readonly opts: TwilioOptions) {}

  get account(): string {
    return `twilio:${this.opts.accountSid}`;
  }

  private async post(channel: 'sms' | 'voice', resource: string, form: Record<string, string>): Promise<SendResult> {
    const base = (this.opts.apiUrl ?? TWILIO_API_URL).replace(/\/+$/, '');
    const sid = encodeURIComponent(this.opts.accountSid);
    const auth = Buffer.from(`${this.opts.accountSid}:${this.opts.authToken}`).toString('base64');
    const r = await httpRequest(channel, `${base}/2010-04-01/Accounts/${sid}/${resource}.json`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${auth}` },
      body: new URLSearchParams(form).toString(),
      timeoutMs: this.opts.timeoutMs,
    });
    requireOk(channel, r, (res) => {
      const j = res.json as { code?: number | string; message?: unknown } | null;
      if (!j || typeof j.message !== 'string') return res.text.slice(0, 200);
      return j.code === undefined ? j.message : `${j.code} ${j.message}`;
    });
    const id = (r.json as { sid?: unknown } | null)?.sid;
    return { providerMessageId: typeof id === 'string' ? id : undefined };
  }

  sendSms(to: string, body: string): Promise<SendResult> {
    return this.post('sms', 'Messages', { To: to, From: this.opts.fromNumber, Body: body });
  }

  call(to: string, text: string): Promise<SendResult> {
    return this.post('voice', 'Calls', { To: to, From: this.opts.fromNumber, Twiml: sayTwiml(text) });
  }
}

export class SmsChannel implements Channel {
  readonly kind = 'sms' as const;
  constructor(private readonly provider: PhoneProvider) {}
  destination(): string {
    return this.provider.account;
  }
  send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult> {
    return this.provider.sendSms(contact.address, renderSms(message));
  }
}

export class VoiceChannel implements Channel {
  readonly kind = 'voice' as const;
  constructor(private readonly provider: PhoneProvider) {}
  destination(): string {
    return this.provider.account;
  }
  send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult> {
    return this.provider.call(contact.address, renderVoice(message));
  }
}
