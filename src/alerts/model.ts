/**
 * Alert rules as pure functions, time passed in: what an incoming event does to the alert it names (dedup), which
 * alert group an alert joins, which links an on-call person sees first. No I/O here.
 */
import { createHash } from 'node:crypto';
import { MINUTE } from '../shared/clock.js';

export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** PagerDuty's four severities: every source is mapped onto them. */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How the person who resolved an alert judged it; feeds alert-quality reports. */
export const CLASSIFICATIONS = ['actionable', 'not_actionable', 'false_positive'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export const ALERT_SOURCES = ['alertmanager', 'pagerduty', 'grafana', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export type AlertEventKind =
  | 'triggered'
  | 're_sent'
  | 're_fired'
  | 'acknowledged'
  | 'resolved'
  | 'classified'
  // 0007: recorded but not paging (silence, maintenance window, flap damping), flapping detected, paging started late.
  | 'silenced'
  | 'in_maintenance'
  | 'flap_damped'
  | 'flapping'
  | 'paging_started'
  // 0035: paged with its group's live escalation run instead of a run of its own (paging groups).
  | 'joined_page'
  // 0010: acknowledged but not resolved within the escalation policy's ack timeout; paging again.
  | 'ack_timeout'
  // 0038: a responder escalated now, reassigned or snoozed the alert; a snooze ran out and paging starts again.
  | 'escalated'
  | 'reassigned'
  | 'snoozed'
  | 'snooze_ended';

export const isAlertStatus = (v: string): v is AlertStatus => (ALERT_STATUSES as readonly string[]).includes(v);
export const isSeverity = (v: string): v is Severity => (SEVERITIES as readonly string[]).includes(v);
export const isClassification = (v: string): v is Classification => (CLASSIFICATIONS as readonly string[]).includes(v);

export type ContextKind = 'runbook' | 'dashboard' | 'deploys' | 'panel' | 'link' | 'image' | 'source' | 'silence';

/** A link shown with an alert: runbook, dashboard and recent deploys first, because those are what a person acts on. */
export interface ContextLink {
  kind: ContextKind;
  title: string;
  url: string;
}

/** One alert-level event, whatever the vendor format it came in. */
export interface IntakeEvent {
  action: 'trigger' | 'acknowledge' | 'resolve';
  dedupKey: string;
  /** The source's start of this alert instance (Alertmanager startsAt); null where the source has none. */
  startsAt: number | null;
  /**
   * false: `startsAt` is only when the alert began (PagerDuty's payload.timestamp), not which instance it is, so
   * dedup ignores it. Default true (Alertmanager: a new startsAt is a new instance).
   */
  startsAtIsInstance?: boolean;
  endsAt: number | null;
  summary: string;
  description: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Links the source sent explicitly (generatorURL, PagerDuty links, Grafana panel URLs). */
  links: ContextLink[];
  /** The source's own grouping (Alertmanager groupKey), if any. */
  groupKey: string | null;
  /** The alert's name, for grouping when the source has no group key. */
  groupName: string;
}

// ---- time ------------------------------------------------------------------------------------------------------

/**
 * RFC 3339 / ISO 8601 to milliseconds. Go's zero time (`0001-01-01T00:00:00Z`, Alertmanager's endsAt while firing)
 * and anything before 1970 mean "not set". PagerDuty's `+0000` offset form is accepted.
 * Returns undefined for text that is not a time at all.
 */
export function parseTimestamp(value: unknown): number | null | undefined {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  return ms <= 0 ? null : ms;
}

// ---- severity --------------------------------------------------------------------------------------------------

const SEVERITY_ALIASES: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  emergency: 'critical',
  fatal: 'critical',
  disaster: 'critical',
  p1: 'critical',
  sev1: 'critical',
  error: 'error',
  err: 'error',
  high: 'error',
  major: 'error',
  p2: 'error',
  sev2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  average: 'warning',
  p3: 'warning',
  sev3: 'warning',
  info: 'info',
  informational: 'info',
  information: 'info',
  low: 'info',
  notice: 'info',
  debug: 'info',
  none: 'info',
  p4: 'info',
  p5: 'info',
  sev4: 'info',
  sev5: 'info',
};

/**
 * Map a source's severity word onto ours. Unknown or missing words become `fallback` (by default `error`, as
 * Alertmanager's PagerDuty notifier does): guessing low would silence a page nobody labelled.
 */
export function normalizeSeverity(raw: string | null | undefined, fallback: Severity = 'error'): Severity {
  if (!raw) return fallback;
  return (
    SEVERITY_ALIASES[
      raw
        .trim()
        .toLowerCase()
        .replace(/[\s_-]/g, '')
    ] ?? fallback
  );
}

/** Critical and error alerts page someone; warning and info are for the dashboard. */
export const isPagingSeverity = (s: Severity): boolean => s === 'critical' || s === 'error';

// ---- context links ---------------------------------------------------------------------------------------------

const KIND_ORDER: Record<ContextKind, number> = {
  runbook: 0,
  dashboard: 1,
  deploys: 2,
  panel: 3,
  link: 4,
  image: 5,
  source: 6,
  silence: 7,
};

const KIND_TITLES: Record<ContextKind, string> = {
  runbook: 'Runbook',
  dashboard: 'Dashboard',
  deploys: 'Recent deploys',
  panel: 'Panel',
  link: 'Link',
  image: 'Image',
  source: 'Source',
  silence: 'Silence',
};

export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value.trim())) return false;
  try {
    new URL(value.trim());
    return true;
  } catch {
    return false;
  }
}

/** Which kind of link an annotation is, by its name (`runbook_url`, `dashboard`, `recent_deploys`, …). */
export function linkKindOf(name: string): ContextKind {
  const n = name.toLowerCase();
  if (/runbook|playbook|run_book|sop/.test(n)) return 'runbook';
  if (/deploy|release|change/.test(n)) return 'deploys';
  if (/panel/.test(n)) return 'panel';
  if (/dashboard|grafana|kibana/.test(n)) return 'dashboard';
  if (/silence/.test(n)) return 'silence';
  if (/image|graph_png|snapshot/.test(n)) return 'image';
  if (/generator|source/.test(n)) return 'source';
  return 'link';
}

/**
 * A link a source sent with its own text (PagerDuty `links[].text`, the generic webhook's `links`): named by its text,
 * so a link called "Runbook" counts as the runbook and "Grafana dashboard" as the dashboard. Only the actionable kinds
 * are taken from free text; anything else stays a plain link under its text.
 */
export function linkFromText(text: string | undefined, url: string): ContextLink {
  const title = text?.trim() || 'Link';
  const kind = linkKindOf(title);
  return {
    kind: kind === 'runbook' || kind === 'dashboard' || kind === 'deploys' || kind === 'panel' ? kind : 'link',
    title,
    url,
  };
}

/**
 * The ordered context list: every link-like annotation (its value an http(s) URL) plus the links the source sent,
 * actionable ones first (runbook, dashboard, recent deploys), duplicates dropped, order otherwise kept.
 */
export function extractContext(annotations: Record<string, string>, links: ContextLink[]): ContextLink[] {
  const found: ContextLink[] = [];
  for (const [name, value] of Object.entries(annotations)) {
    if (!isHttpUrl(value)) continue;
    const kind = linkKindOf(name);
    found.push({ kind, title: kind === 'link' ? name : KIND_TITLES[kind], url: value.trim() });
  }
  found.push(...links.filter((l) => isHttpUrl(l.url)).map((l) => ({ ...l, url: l.url.trim() })));
  const seen = new Set<string>();
  const unique = found.filter((l) => (seen.has(l.url) ? false : (seen.add(l.url), true)));
  return unique
    .map((l, i) => ({ l, i }))
    .sort((a, b) => KIND_ORDER[a.l.kind] - KIND_ORDER[b.l.kind] || a.i - b.i)
    .map(({ l }) => l);
}

export const hasRunbook = (context: ContextLink[]): boolean => context.some((l) => l.kind === 'runbook');

/** A paging alert with no runbook link is flagged: the person woken up has nothing to start from. */
export const isMissingRunbook = (severity: Severity, context: ContextLink[]): boolean =>
  isPagingSeverity(severity) && !hasRunbook(context);

// ---- dedup -----------------------------------------------------------------------------------------------------

/** The alert that currently holds a dedup key (open), or the most recent one that did (for instance identity). */
export interface AlertRef {
  id: string;
  status: AlertStatus;
  sourceStartsAt: number | null;
}

export type DedupDecision =
  | { kind: 'create' }
  | { kind: 'refresh'; alertId: string; isNewInstance: boolean }
  | { kind: 'acknowledge'; alertId: string }
  | { kind: 'resolve'; alertId: string }
  | { kind: 'ignore'; alertId: string | null; reason: string };

/**
 * What an incoming event does, given the open alert with its dedup key (if any) and the latest alert that had it.
 *
 * - trigger: an open alert absorbs it (a re-send, or the same problem firing again before we saw it resolve);
 *   with none open, a new alert opens, unless the latest alert is this very instance (same source start time),
 *   which means a late or repeated delivery of something already resolved: ignored, so re-sends are idempotent.
 *   PagerDuty semantics fall out of the same rule: no start time, so a trigger after resolve opens a new alert.
 * - acknowledge/resolve apply to the open alert only; otherwise they are dropped (PagerDuty does the same).
 *   A resolve for an older instance than the open one arrived late and is dropped too.
 */
export function decideDedup(event: IntakeEvent, open: AlertRef | null, latest: AlertRef | null): DedupDecision {
  if (event.startsAtIsInstance === false && event.startsAt !== null) event = { ...event, startsAt: null };
  switch (event.action) {
    case 'trigger': {
      if (open) {
        const isNewInstance =
          event.startsAt !== null && open.sourceStartsAt !== null && event.startsAt !== open.sourceStartsAt;
        return { kind: 'refresh', alertId: open.id, isNewInstance };
      }
      if (latest && event.startsAt !== null && latest.sourceStartsAt === event.startsAt) {
        return { kind: 'ignore', alertId: latest.id, reason: 'instance_already_resolved' };
      }
      return { kind: 'create' };
    }
    case 'acknowledge':
      if (!open) return { kind: 'ignore', alertId: null, reason: 'no_open_alert' };
      if (open.status === 'acknowledged') return { kind: 'ignore', alertId: open.id, reason: 'already_acknowledged' };
      return { kind: 'acknowledge', alertId: open.id };
    case 'resolve':
      if (!open) return { kind: 'ignore', alertId: latest?.id ?? null, reason: 'no_open_alert' };
      if (event.startsAt !== null && open.sourceStartsAt !== null && event.startsAt < open.sourceStartsAt) {
        return { kind: 'ignore', alertId: open.id, reason: 'stale_resolve' };
      }
      return { kind: 'resolve', alertId: open.id };
  }
}

// ---- grouping --------------------------------------------------------------------------------------------------

/** Alerts with the same group key join one alert group while it has open alerts or saw an alert this recently. */
export const GROUP_WINDOW_MS = 30 * MINUTE;
const MAX_GROUP_KEY = 200;

/**
 * Alertmanager's groupKey when the source has one (it is its own correlation key), else the alert's name: related
 * alerts of one service arrive under one group.
 */
export function groupKeyFor(event: Pick<IntakeEvent, 'groupKey' | 'groupName'>): string {
  const key = event.groupKey ? `key:${event.groupKey}` : `name:${event.groupName.trim().toLowerCase()}`;
  return key.length <= MAX_GROUP_KEY ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export interface GroupRef {
  id: string;
  openCount: number;
  lastAlertAt: number;
}

export function canJoinGroup(group: GroupRef | null, now: number, windowMs = GROUP_WINDOW_MS): group is GroupRef {
  return group !== null && (group.openCount > 0 || now - group.lastAlertAt <= windowMs);
}

// ---- text ------------------------------------------------------------------------------------------------------

export const SUMMARY_MAX = 1024;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Label and annotation maps: string values only (numbers and booleans are kept as text, the rest dropped). */
export function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

// ---- alert quality ---------------------------------------------------------------------------------------------

const RULE_KEY_MAX = 200;

/**
 * The rule an alert came from, for alert-quality reports: the `alertname` label (Prometheus/Alertmanager, Grafana,
 * generic), else PagerDuty's `class`, else the alert's name (PagerDuty component or summary).
 */
export function ruleKeyFor(labels: Record<string, string>, groupName: string): string {
  const key = (labels.alertname || labels.class || groupName).trim();
  return truncate(key, RULE_KEY_MAX);
}

/** "More than 20% of pages false positives or non-actionable: alerting needs work." */
export const NOISE_THRESHOLD = 0.2;

export interface QualitySample {
  ruleKey: string;
  serviceId: string;
  createdAt: number;
  pagedAt: number | null;
  acknowledgedAt: number | null;
  classification: Classification | null;
}

export interface QualityStats {
  key: string;
  alerts: number;
  pages: number;
  classified: number;
  actionable: number;
  notActionable: number;
  falsePositive: number;
  /** (not actionable + false positive) / classified; null when nothing is classified. */
  noiseShare: number | null;
  ttaMedianMs: number | null;
  ttaP90Ms: number | null;
  isNoisy: boolean;
}

/** Nearest-rank percentile (p in 0..1) of unsorted values; null for none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1]!;
}

function statsOf(key: string, xs: QualitySample[], opts: { threshold: number; minClassified: number }): QualityStats {
  const count = (c: Classification) => xs.filter((x) => x.classification === c).length;
  const [actionable, notActionable, falsePositive] = [
    count('actionable'),
    count('not_actionable'),
    count('false_positive'),
  ];
  const classified = actionable + notActionable + falsePositive;
  const noiseShare = classified === 0 ? null : (notActionable + falsePositive) / classified;
  const tta = xs
    .filter((x) => x.pagedAt !== null && x.acknowledgedAt !== null)
    .map((x) => Math.max(0, x.acknowledgedAt! - x.pagedAt!));
  return {
    key,
    alerts: xs.length,
    pages: xs.filter((x) => x.pagedAt !== null).length,
    classified,
    actionable,
    notActionable,
    falsePositive,
    noiseShare,
    ttaMedianMs: percentile(tta, 0.5),
    ttaP90Ms: percentile(tta, 0.9),
    isNoisy: noiseShare !== null && classified >= opts.minClassified && noiseShare > opts.threshold,
  };
}

/**
 * Per-key alert quality, worst first: noisy keys, then by share of noise, then by pages. Time to acknowledge runs
 * from when paging started (a silenced alert is not counted until it paged).
 */
export function computeQuality(
  samples: QualitySample[],
  keyOf: (s: QualitySample) => string,
  opts: { threshold?: number; minClassified?: number } = {},
): QualityStats[] {
  const o = { threshold: opts.threshold ?? NOISE_THRESHOLD, minClassified: opts.minClassified ?? 1 };
  const byKey = new Map<string, QualitySample[]>();
  for (const s of samples) byKey.set(keyOf(s), [...(byKey.get(keyOf(s)) ?? []), s]);
  return [...byKey.entries()]
    .map(([key, xs]) => statsOf(key, xs, o))
    .sort(
      (a, b) =>
        Number(b.isNoisy) - Number(a.isNoisy) ||
        (b.noiseShare ?? -1) - (a.noiseShare ?? -1) ||
        b.pages - a.pages ||
        a.key.localeCompare(b.key),
    );
}

/** `28d`, `4w`, `12h`, `90m` as milliseconds; null for anything else (or beyond a year). */
export function parseWindow(text: string): number | null {
  const found = /^(\d{1,4})([mhdw])$/.exec(text.trim());
  if (!found) return null;
  const unit = { m: MINUTE, h: 60 * MINUTE, d: 24 * 60 * MINUTE, w: 7 * 24 * 60 * MINUTE }[
    found[2] as 'm' | 'h' | 'd' | 'w'
  ];
  const ms = Number(found[1]) * unit;
  return ms > 0 && ms <= 366 * 24 * 60 * MINUTE ? ms : null;
}
