/**
 * PagerDuty Events API v2 (developer.pagerduty.com docs/events-API-v2, PagerDuty/api-schema events-v2), so any
 * PagerDuty client, Alertmanager's pagerduty_config included, can send to Muster. Errors are PagerDuty's wording
 * and envelope, not Muster's: clients log `message: errors…` (Alertmanager does exactly that on 400).
 */
import {
  linkFromText,
  normalizeSeverity,
  parseTimestamp,
  SUMMARY_MAX,
  truncate,
  type ContextLink,
  type IntakeEvent,
} from './model.js';

export const PD_BODY_LIMIT = 512 * 1024;
export const DEDUP_KEY_MAX = 255;

export interface PdResponse {
  status: string;
  message: string;
  dedup_key?: string;
  errors?: string[];
}

export const pdSuccess = (dedupKey?: string): PdResponse => ({
  status: 'success',
  message: 'Event processed',
  ...(dedupKey !== undefined ? { dedup_key: dedupKey } : {}),
});
export const pdInvalid = (errors: string[]): PdResponse => ({
  status: 'invalid event',
  message: 'Event object is invalid',
  errors,
});
export const pdUnrecognized = (error: string): PdResponse => ({
  status: 'Unrecognized object',
  message: 'Event object format is unrecognized',
  errors: [error],
});

export type PdEventAction = 'trigger' | 'acknowledge' | 'resolve';

export interface PdAlertEvent {
  routingKey: string;
  action: PdEventAction;
  /** Null on a trigger that did not send one: the caller generates it and returns it. */
  dedupKey: string | null;
  /** Everything but the dedup key, for a trigger; null for acknowledge/resolve. */
  alert: Omit<IntakeEvent, 'dedupKey' | 'action'> | null;
}

export interface PdChangeEvent {
  routingKey: string;
  summary: string;
  source: string;
  at: number | null;
  links: ContextLink[];
  details: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const blank = (v: unknown): boolean => typeof v !== 'string' || v.trim() === '';

/** `routing_key` problems, shared by alert and change events. */
function routingKeyErrors(body: Record<string, unknown>): string[] {
  return blank(body.routing_key) ? ["'routing_key' is missing or blank"] : [];
}

function parseLinks(value: unknown, images: unknown): ContextLink[] {
  const links: ContextLink[] = [];
  if (Array.isArray(value)) {
    for (const l of value) {
      if (isObject(l) && typeof l.href === 'string' && l.href) {
        links.push(linkFromText(typeof l.text === 'string' ? l.text : undefined, l.href));
      }
    }
  }
  if (Array.isArray(images)) {
    for (const img of images) {
      if (isObject(img) && typeof img.src === 'string' && img.src) {
        links.push({ kind: 'image', title: typeof img.alt === 'string' && img.alt ? img.alt : 'Image', url: img.src });
      }
    }
  }
  return links;
}

/** custom_details values are any JSON; annotations are text, so non-strings are kept as JSON text. */
function detailsAsAnnotations(details: unknown): Record<string, string> {
  if (!isObject(details)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(details)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

export function parsePagerDutyEvent(body: unknown): { event: PdAlertEvent } | { errors: string[] } {
  if (!isObject(body)) return { errors: ['Event object must be a JSON object'] };
  const errors = routingKeyErrors(body);
  const action = body.event_action;
  if (blank(action)) errors.push("'event_action' is missing or blank");
  else if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') {
    errors.push("'event_action' must be one of trigger, acknowledge, resolve");
  }
  const dedupKey = body.dedup_key;
  if (dedupKey !== undefined && dedupKey !== null && typeof dedupKey !== 'string') {
    errors.push("'dedup_key' must be a string");
  } else if (typeof dedupKey === 'string' && dedupKey.length > DEDUP_KEY_MAX) {
    errors.push(`'dedup_key' is too long (maximum is ${DEDUP_KEY_MAX} characters)`);
  } else if ((action === 'acknowledge' || action === 'resolve') && blank(dedupKey)) {
    errors.push("'dedup_key' is missing or blank");
  }
  let alert: PdAlertEvent['alert'] = null;
  if (action === 'trigger') {
    const payload = body.payload;
    if (!isObject(payload)) errors.push("'payload' is missing or blank");
    else {
      if (blank(payload.summary)) errors.push("'payload.summary' is missing or blank");
      if (blank(payload.source)) errors.push("'payload.source' is missing or blank");
      // PagerDuty refuses a trigger without a severity (400 naming the field). One a template rendered empty or
      // outside the enum (Alertmanager's `severity: '{{ .CommonLabels.severity }}'`) is mapped, not refused.
      if (typeof payload.severity !== 'string') errors.push("'payload.severity' is missing or blank");
      if (payload.timestamp !== undefined && parseTimestamp(payload.timestamp) === undefined) {
        errors.push("'payload.timestamp' must be an ISO 8601 time");
      }
      if (!errors.length) alert = triggerAlert(body, payload);
    }
  }
  if (errors.length) return { errors };
  return {
    event: {
      routingKey: (body.routing_key as string).trim(),
      action: action as PdEventAction,
      dedupKey: typeof dedupKey === 'string' && dedupKey.trim() ? dedupKey : null,
      alert,
    },
  };
}

function triggerAlert(
  body: Record<string, unknown>,
  payload: Record<string, unknown>,
): NonNullable<PdAlertEvent['alert']> {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const summary = truncate((payload.summary as string).trim(), SUMMARY_MAX);
  const labels: Record<string, string> = { source: (payload.source as string).trim() };
  for (const key of ['component', 'group', 'class'] as const) {
    const v = str(payload[key]);
    if (v) labels[key] = v;
  }
  const links = parseLinks(body.links, body.images);
  const clientUrl = str(body.client_url);
  if (clientUrl) links.push({ kind: 'source', title: str(body.client) ?? 'Client', url: clientUrl });
  return {
    // The alert's start as the sender saw it (shown as the alert's source start); not its identity: a re-trigger with
    // another timestamp is the same alert, and a trigger after a resolve opens a new one, as PagerDuty does.
    startsAt: parseTimestamp(payload.timestamp) ?? null,
    startsAtIsInstance: false,
    endsAt: null,
    summary,
    description: '',
    // Out-of-enum severities are mapped, not refused: a 400 makes Alertmanager resend the same event forever.
    severity: normalizeSeverity(str(payload.severity)),
    labels,
    annotations: detailsAsAnnotations(payload.custom_details),
    links,
    groupKey: null,
    groupName: labels.class ?? labels.component ?? summary,
  };
}

/** Change events (docs/events-API-v2/03-Change-Events.md): a summary, optional source, time, details and links. */
export function parsePagerDutyChange(body: unknown): { event: PdChangeEvent } | { errors: string[] } {
  if (!isObject(body)) return { errors: ['Event object must be a JSON object'] };
  const errors = routingKeyErrors(body);
  const payload = body.payload;
  let at: number | null | undefined = null;
  if (!isObject(payload)) errors.push("'payload' is missing or blank");
  else {
    if (blank(payload.summary)) errors.push("'payload.summary' is missing or blank");
    at = parseTimestamp(payload.timestamp);
    if (at === undefined) errors.push("'payload.timestamp' must be an ISO 8601 time");
  }
  if (errors.length || !isObject(payload)) return { errors };
  return {
    event: {
      routingKey: (body.routing_key as string).trim(),
      summary: truncate((payload.summary as string).trim(), SUMMARY_MAX),
      source: typeof payload.source === 'string' ? payload.source : '',
      at: at ?? null,
      links: parseLinks(body.links, body.images),
      details: isObject(payload.custom_details) ? payload.custom_details : {},
    },
  };
}
