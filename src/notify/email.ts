/** Email over SMTP with nodemailer (config.smtp). */
import nodemailer, { type Transporter } from 'nodemailer';
import { assertNoTransaction } from '../db/tx-context.js';
import type { Config } from '../config/index.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type Channel,
  type ContactTarget,
  type SendResult,
} from './channel.js';
import { DeliveryError, permanentFailure, transientFailure, unreachableFailure } from './errors.js';
import { renderText, type OutboundMessage } from './model.js';

type SmtpConfig = NonNullable<Config['smtp']>;

const NETWORK_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET']);

/**
 * SMTP reply codes say themselves whether to retry (RFC 5321 §4.2.1): 4yz is a transient negative completion, 5yz
 * permanent. Connection trouble is transient; a bad envelope or failed login is permanent until someone fixes it.
 */
export function classifySmtpError(e: unknown): DeliveryError {
  const err = e as { code?: string; responseCode?: number; message?: string };
  const message = err.message ?? String(e);
  if (typeof err.responseCode === 'number') {
    const isPermanent = err.responseCode >= 500;
    return new DeliveryError('email', `SMTP ${err.responseCode}: ${message}`, {
      isPermanent,
      cause: e,
      providerStatus: err.responseCode,
    });
  }
  if (err.code && NETWORK_CODES.has(err.code)) return unreachableFailure('email', `${err.code}: ${message}`, e);
  if (err.code === 'EENVELOPE' || err.code === 'EAUTH' || err.code === 'EMESSAGE') {
    return permanentFailure('email', `${err.code}: ${message}`, e);
  }
  return transientFailure('email', message, e);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderEmailHtml(m: OutboundMessage): string {
  const parts = [`<p style="white-space:pre-wrap">${escapeHtml(m.body.trim())}</p>`];
  if (m.url) parts.push(`<p><a href="${escapeHtml(m.url)}">Details</a></p>`);
  if (m.links) {
    parts.push(
      `<p><a href="${escapeHtml(m.links.acknowledge)}">Acknowledge</a>` +
        (m.links.resolve ? ` · <a href="${escapeHtml(m.links.resolve)}">Resolve</a>` : '') +
        '</p>',
      '<p style="color:#666;font-size:12px">Each link asks you to confirm, works once and expires.</p>',
    );
  }
  return `<!doctype html><html><body>${parts.join('')}</body></html>`;
}

/**
 * The email subject: "[Muster] " (high urgency) or "[Muster, low] " once, after "[DRILL] " for a drill. What the
 * page, hand-off, commander or automation wrote may already start with "[Muster]" (SMS, ntfy and Slack show the
 * subject as written, and the prefix names the sender there); that prefix is replaced here, not repeated.
 */
export function emailSubject(m: Pick<OutboundMessage, 'subject' | 'urgency' | 'drill'>): string {
  let bare = m.subject.trim();
  let drill = !!m.drill;
  for (;;) {
    const next = bare.replace(/^\[(muster(?:,\s*low)?|drill)\]\s*/i, (_, tag: string) => {
      if (tag.toLowerCase() === 'drill') drill = true;
      return '';
    });
    if (next === bare) break;
    bare = next;
  }
  const prefix = m.urgency === 'high' ? '[Muster] ' : '[Muster, low] ';
  return (drill ? '[DRILL] ' : '') + prefix + bare;
}

export class EmailChannel implements Channel {
  readonly kind = 'email' as const;
  private readonly transport: Transporter;

  constructor(
    private readonly smtp: SmtpConfig,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
      // Connecting alone gets the short time-out: a relay that drops packets fails in seconds.
      connectionTimeout: Math.min(timeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  /** One SMTP relay for everyone: one bulkhead and breaker. */
  destination(): string {
    return `smtp:${this.smtp.host}:${this.smtp.port}`;
  }

  async send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult> {
    assertNoTransaction(`An email to ${this.smtp.host}`);
    try {
      const info = (await this.transport.sendMail({
        from: this.smtp.from,
        to: contact.address,
        subject: emailSubject(message),
        text: renderText(message),
        html: renderEmailHtml(message),
        headers: { 'X-Muster-Delivery-Id': message.deliveryId },
      })) as { messageId?: string };
      return { providerMessageId: info.messageId };
    } catch (e) {
      throw classifySmtpError(e);
    }
  }
}
