/**
 * Prometheus Alertmanager webhook receiver, payload version 4 (notify/webhook/webhook.go). One request carries a
 * whole aggregation group; each alert is keyed by its fingerprint, an instance by (fingerprint, startsAt).
 * Unknown keys are ignored so newer versions (notification_reason, routeLabels) and Grafana's superset parse too.
 */
import type { FieldProblem } from '../shared/errors.js';
import {
  normalizeSeverity,
  parseTimestamp,
  stringMap,
  SUMMARY_MAX,
  truncate,
  type ContextLink,
  type IntakeEvent,
} from './model.js';

/** One item of a message that could not be applied: where it was, the raw item and every problem with it. */
export interface RejectedItem {
  /** Its position in the message's alerts array; null when the message as a whole could not be read. */
  index: number | null;
  item: unknown;
  problems: FieldProblem[];
}

/**
 * A parsed message. `problems` are about the message as a whole (not an object, no alerts array): nothing in it can
 * be applied. `rejected` are single alerts that cannot be: the others still are (Alertmanager does not retry a 4xx,
 * so refusing the message for one bad alert would lose the good ones).
 */
export interface ParsedIntake {
  events: IntakeEvent[];
  problems: FieldProblem[];
  rejected: RejectedItem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const FNV_OFFSET = 14695981039346656037n;
const FNV_PRIME = 1099511628211n;
const MASK64 = (1n << 64n) - 1n;

/**
 * Alertmanager's label-set fingerprint (prometheus/common model/signature.go): FNV-1a 64 over the sorted label
 * names and values, each followed by 0xFF, printed as 16 hex digits. Used when a sender leaves `fingerprint` out.
 */
export function alertFingerprint(labels: Record<string, string>): string {
  let h = FNV_OFFSET;
  const feed = (bytes: Uint8Array): void => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
  };
  const enc = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    feed(enc.encode(name));
    feed(Uint8Array.of(0xff));
    feed(enc.encode(labels[name]));
    feed(Uint8Array.of(0xff));
  }
  return h.toString(16).padStart(16, '0');
}

export interface ParseOptions {
  /** Extra per-alert links a superset format carries (Grafana's dashboardURL, panelURL, silenceURL). */
  extraLinks?: (alert: Record<string, unknown>) => ContextLink[];
  /** Extra description text (Grafana's valueString). */
  extraDescription?: (alert: Record<string, unknown>) => string;
}

export function parseAlertmanagerWebhook(body: unknown, opts: ParseOptions = {}): ParsedIntake {
  if (!isObject(body)) {
    return { events: [], rejected: [], problems: [{ field: 'body', message: 'must be a JSON object' }] };
  }
  if (!Array.isArray(body.alerts)) {
    return { events: [], rejected: [], problems: [{ field: 'alerts', message: 'must be an array' }] };
  }
  const groupKey = typeof body.groupKey === 'string' && body.groupKey ? body.groupKey : null;
  const events: IntakeEvent[] = [];
  const rejected: RejectedItem[] = [];
  body.alerts.forEach((raw: unknown, i) => {
    const at = `alerts[${i}]`;
    if (!isObject(raw)) {
      rejected.push({ index: i, item: raw, problems: [{ field: at, message: 'must be an object' }] });
      return;
    }
    const problems: FieldProblem[] = [];
    const labels = stringMap(raw.labels);
    const annotations = stringMap(raw.annotations);
    if (!isObject(raw.labels) || Object.keys(labels).length === 0) {
      problems.push({ field: `${at}.labels`, message: 'must be an object with at least one label' });
    }
    if (raw.status !== 'firing' && raw.status !== 'resolved') {
      problems.push({ field: `${at}.status`, message: 'must be firing or resolved' });
    }
    const startsAt = parseTimestamp(raw.startsAt);
    if (startsAt === undefined) problems.push({ field: `${at}.startsAt`, message: 'must be an RFC 3339 time' });
    const endsAt = parseTimestamp(raw.endsAt);
    if (endsAt === undefined) problems.push({ field: `${at}.endsAt`, message: 'must be an RFC 3339 time' });
    if (raw.fingerprint !== undefined && (typeof raw.fingerprint !== 'string' || raw.fingerprint.length > 255)) {
      problems.push({ field: `${at}.fingerprint`, message: 'must be a string of at most 255 characters' });
    }
    if (problems.length) {
      rejected.push({ index: i, item: raw, problems });
      return;
    }
    const fingerprint =
      typeof raw.fingerprint === 'string' && raw.fingerprint ? raw.fingerprint : alertFingerprint(labels);
    const name = labels.alertname ?? '';
    const summary = annotations.summary ?? annotations.title ?? annotations.message ?? (name || 'Alert');
    const description = [annotations.description ?? '', opts.extraDescription?.(raw) ?? ''].filter(Boolean).join('\n');
    const links: ContextLink[] = [...(opts.extraLinks?.(raw) ?? [])];
    if (typeof raw.generatorURL === 'string' && raw.generatorURL) {
      links.push({ kind: 'source', title: 'Source', url: raw.generatorURL });
    }
    events.push({
      action: raw.status === 'resolved' ? 'resolve' : 'trigger',
      dedupKey: fingerprint,
      startsAt: startsAt ?? null,
      endsAt: endsAt ?? null,
      summary: truncate(summary, SUMMARY_MAX),
      description,
      severity: normalizeSeverity(labels.severity ?? labels.priority),
      labels,
      annotations,
      links,
      groupKey,
      groupName: name || summary,
    });
  });
  return { events, problems: [], rejected };
}
