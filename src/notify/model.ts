/** Notification rules as pure functions: contact method shapes, rule steps, message text. No I/O; time passed in. */
import type { FieldProblem } from '../shared/errors.js';

export const CONTACT_KINDS = ['email', 'webhook', 'ntfy', 'slack', 'sms', 'voice', 'webpush'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export const URGENCIES = ['high', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** `sending`: claimed and handed to its channel; the outcome is recorded when the send returns (src/notify/jobs.ts). */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
export type AttemptStatus = 'sent' | 'failed' | 'skipped';

export const DEFAULT_NTFY_SERVER = 'https://ntfy.sh';
export const MAX_RULE_DELAY_MINUTES = 24 * 60;

export function isContactKind(v: string): v is ContactKind {
  return (CONTACT_KINDS as readonly string[]).includes(v);
}

/** SMS and voice cost money and reach a stranger when mistyped, so they page only once verified. */
export function needsVerification(kind: ContactKind): boolean {
  return kind === 'sms' || kind === 'voice';
}

export interface ContactMethodInput {
  kind: ContactKind;
  label?: string | undefined;
  address: string;
  serverUrl?: string | null | undefined;
  /** webpush: the subscription's keys (PushSubscription.toJSON().keys), base64url. */
  keys?: PushKeys | undefined;
}

/** A push subscription's keys (RFC 8291 §2): the browser's ECDH P-256 public key and the 16-byte auth secret. */
export interface PushKeys {
  p256dh: string;
  auth: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** Problems with a push subscription's keys: p256dh an uncompressed P-256 point (65 bytes), auth 16 bytes. */
export function pushKeyProblems(keys: PushKeys | undefined): FieldProblem[] {
  if (!keys) return [{ field: 'keys', message: 'are required for a webpush contact method (p256dh and auth)' }];
  const problems: FieldProblem[] = [];
  const p256dh = BASE64URL.test(keys.p256dh) ? Buffer.from(keys.p256dh, 'base64url') : null;
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 0x04) {
    problems.push({ field: 'keys.p256dh', message: 'must be an uncompressed P-256 public key (65 bytes, base64url)' });
  }
  const auth = BASE64URL.test(keys.auth) ? Buffer.from(keys.auth, 'base64url') : null;
  if (!auth || auth.length !== 16) problems.push({ field: 'keys.auth', message: 'must be 16 bytes, base64url' });
  return problems;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const NTFY_TOPIC = /^[A-Za-z0-9_-]{1,64}$/;

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Problems with a contact method's address for its kind; an empty list means it is valid. */
export function contactMethodProblems(input: ContactMethodInput): FieldProblem[] {
  const a = input.address.trim();
  const problems: FieldProblem[] = [];
  const bad = (message: string): void => void problems.push({ field: 'address', message });
  switch (input.kind) {
    case 'email':
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a) || a.length > 320) bad('must be an email address');
      break;
    case 'webhook':
      if (!isHttpUrl(a)) bad('must be an http(s) URL');
      break;
    case 'ntfy':
      if (!NTFY_TOPIC.test(a)) bad('must be an ntfy topic: letters, digits, - and _, at most 64');
      break;
    case 'slack':
      if (!SLACK_USER.test(a)) bad('must be a Slack member id such as U024BE7LH');
      break;
    case 'sms':
    case 'voice':
      if (!E164.test(a)) bad('must be a phone number in E.164 form, such as +14155550100');
      break;
    case 'webpush':
      // The push service's endpoint (PushSubscription.endpoint): https in every browser.
      if (!isHttpUrl(a)) bad('must be the push subscription endpoint, an http(s) URL');
      problems.push(...pushKeyProblems(input.keys));
      break;
  }
  if (input.keys !== undefined && input.kind !== 'webpush') {
    problems.push({ field: 'keys', message: 'are only for webpush contact methods' });
  }
  if (input.serverUrl !== undefined && input.serverUrl !== null) {
    if (input.kind !== 'ntfy') problems.push({ field: 'serverUrl', message: 'is only for ntfy contact methods' });
    else if (!isHttpUrl(input.serverUrl)) problems.push({ field: 'serverUrl', message: 'must be an http(s) URL' });
  }
  problems.push(...labelProblems(input.label));
  return problems;
}

export function labelProblems(label: string | undefined): FieldProblem[] {
  return label !== undefined && label.length > 100
    ? [{ field: 'label', message: 'must be at most 100 characters' }]
    : [];
}

export function ruleProblems(input: { urgency: string; delayMinutes: number }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!(URGENCIES as readonly string[]).includes(input.urgency)) {
    problems.push({ field: 'urgency', message: 'must be high or low' });
  }
  if (!Number.isInteger(input.delayMinutes) || input.delayMinutes < 0 || input.delayMinutes > MAX_RULE_DELAY_MINUTES) {
    problems.push({ field: 'delayMinutes', message: `must be a whole number from 0 to ${MAX_RULE_DELAY_MINUTES}` });
  }
  return problems;
}

export const MINUTE_MS = 60_000;

/** When a rule step is due: the notification moment plus the rule's delay. */
export function stepDueAt(now: number, delayMinutes: number): number {
  return now + delayMinutes * MINUTE_MS;
}

/**
 * Idempotency key of one delivery: the caller's key (e.g. an escalation step id) × the rule. The same notifyUser call
 * repeated (a retried escalation step) enqueues nothing new.
 */
export function deliveryDedupKey(callerKey: string, ruleId: string): string {
  return `notify:${callerKey}:${ruleId}`;
}

/** What the caller wants said. Channels render it; action links are added per recipient at send time. */
export interface NotificationMessage {
  subject: string;
  body: string;
  /** Where to read more (the alert page). */
  url?: string | undefined;
  /**
   * Secrets the stored message must not show (a verification code), sealed with the instance secret
   * (ActionLinkService.seal); the subject and body name them `{{name}}` and only the send fills them in.
   */
  sealed?: Record<string, string> | undefined;
  /** A game day's drill page: every channel labels it DRILL (email "[DRILL]", text "DRILL:", webhook `drill: true`). */
  drill?: boolean | undefined;
  /**
   * An escalation page: the alerts it stands for (paging groups, docs/alerts.md) — its run, how many alerts are
   * triggered and the first ten. Worded again from the run when it is sent (NotifyService.setPageRefresher).
   */
  alerts?: PageAlerts | undefined;
  /**
   * A page to a responder added from an incident room (src/escalation/responders.ts): its request. Wanted while the
   * request is still paging, this person has not said they can't help and the incident is not resolved; its email and
   * push carry a signed link that acknowledges the request.
   */
  responder?: { requestId: string; incidentId: string } | undefined;
}

export interface PageAlerts {
  runId: string;
  count: number;
  listed: { id: string; summary: string; severity: string }[];
}

/** The text prefix a drill's message carries on Slack, SMS, voice and push. */
export const drillPrefix = (m: { drill?: boolean | undefined }): string => (m.drill ? 'DRILL: ' : '');

export interface ActionLinks {
  acknowledge: string;
  /** Absent from a responder page: its one link acknowledges the responder request. */
  resolve?: string | undefined;
}

/** The message as every channel sends it: subject, body, links appended. */
export interface OutboundMessage extends NotificationMessage {
  deliveryId: string;
  urgency: Urgency;
  alertId: string | null;
  links: ActionLinks | null;
}

/** Plain-text rendering shared by email, SMS and ntfy: body, then the links one per line. */
export function renderText(m: OutboundMessage): string {
  const lines = [m.body.trim()];
  if (m.url) lines.push('', `Details: ${m.url}`);
  if (m.links) {
    lines.push('', `Acknowledge: ${m.links.acknowledge}`);
    if (m.links.resolve) lines.push(`Resolve: ${m.links.resolve}`);
  }
  return lines.join('\n');
}

/** SMS bodies stay short: one or two segments, links first after the subject so they survive truncation. */
export function renderSms(m: OutboundMessage, maxChars = 320): string {
  const links = m.links ? `\nAck: ${m.links.acknowledge}` : '';
  const head = drillPrefix(m) + m.subject.trim();
  const room = Math.max(0, maxChars - links.length);
  return `${head.length > room ? `${head.slice(0, Math.max(0, room - 1))}…` : head}${links}`;
}

/** Spoken text for a voice call: the subject only (a URL read aloud helps nobody). */
export function renderVoice(m: OutboundMessage): string {
  return `This is Muster. ${drillPrefix(m)}${m.urgency === 'high' ? 'High urgency. ' : ''}${m.subject.trim()}. Open the Muster app to acknowledge.`;
}
