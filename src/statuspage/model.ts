/**
 * The public status page as pure data and functions, time passed in: component statuses and which one wins,
 * maintenance phases, update templates and their placeholders, the 90-day history, and the signed tokens in
 * subscriber links. No I/O here.
 */
import { hmacSha256Hex, safeEqual } from '../shared/crypto.js';
import { DAY, MINUTE } from '../shared/clock.js';

/** Worst last: a component shows the worst status anything currently says about it. */
export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
export const isComponentStatus = (v: string): v is ComponentStatus =>
  (COMPONENT_STATUSES as readonly string[]).includes(v);

export const COMPONENT_STATUS_LABELS: Record<ComponentStatus, string> = {
  operational: 'Operational',
  under_maintenance: 'Under maintenance',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export function worstStatus(statuses: ComponentStatus[]): ComponentStatus {
  let worst = 0;
  for (const s of statuses) worst = Math.max(worst, COMPONENT_STATUSES.indexOf(s));
  return COMPONENT_STATUSES[worst]!;
}

/** Public incident statuses: the same words as the incident's own, posted separately by the Communications Lead. */
export const PUBLIC_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type PublicStatus = (typeof PUBLIC_STATUSES)[number];
export const PUBLIC_STATUS_LABELS: Record<PublicStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'completed', 'cancelled'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export function maintenancePhase(
  m: { startsAt: number; endsAt: number; cancelledAt: number | null },
  now: number,
): MaintenanceStatus {
  if (m.cancelledAt !== null) return 'cancelled';
  if (now < m.startsAt) return 'scheduled';
  return now < m.endsAt ? 'in_progress' : 'completed';
}

export interface AffectedComponent {
  componentId: string;
  status: ComponentStatus;
}

/**
 * A component's status on the page: the worst of what open public incidents say about it; otherwise under
 * maintenance while a window is in progress; otherwise what an administrator set.
 */
export function effectiveStatus(
  componentId: string,
  manual: ComponentStatus,
  openIncidents: { components: AffectedComponent[] }[],
  maintenanceInProgress: { componentIds: string[] }[],
): ComponentStatus {
  const fromIncidents = openIncidents.flatMap((i) =>
    i.components.filter((c) => c.componentId === componentId).map((c) => c.status),
  );
  if (fromIncidents.length) return worstStatus([manual, ...fromIncidents]);
  if (maintenanceInProgress.some((m) => m.componentIds.includes(componentId))) {
    return worstStatus([manual, 'under_maintenance']);
  }
  return manual;
}

/** One line for the whole page, like every status page's banner. */
export function overallStatus(statuses: ComponentStatus[]): { status: ComponentStatus; text: string } {
  const status = worstStatus(statuses);
  const text: Record<ComponentStatus, string> = {
    operational: 'All systems operational',
    under_maintenance: 'Scheduled maintenance in progress',
    degraded_performance: 'Some systems are degraded',
    partial_outage: 'Partial outage',
    major_outage: 'Major outage',
  };
  return { status, text: text[status] };
}

// ---- templates --------------------------------------------------------------------------------------------------

export const PLACEHOLDERS = ['title', 'severity', 'impact', 'next_update', 'components', 'status'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string>;

export interface Template {
  id: string;
  name: string;
  status: PublicStatus;
  publicText: string;
  internalText: string;
  isBuiltIn: boolean;
}

export const BUILT_IN_TEMPLATES: Template[] = [
  {
    id: 'builtin:investigating',
    name: 'Investigating',
    status: 'investigating',
    publicText:
      'We are investigating reports of problems with {{components}}: {{impact}}. We will post an update {{next_update}}.',
    internalText: '[{{severity}}] Investigating "{{title}}". Impact: {{impact}}. Next update {{next_update}}.',
    isBuiltIn: true,
  },
  {
    id: 'builtin:identified',
    name: 'Identified',
    status: 'identified',
    publicText: 'We have identified the cause of the problems with {{components}} and are working on a fix.',
    internalText: '[{{severity}}] Cause identified for "{{title}}"; fix in progress. Next update {{next_update}}.',
    isBuiltIn: true,
  },
  {
    id: 'builtin:monitoring',
    name: 'Monitoring',
    status: 'monitoring',
    publicText: 'A fix has been applied and we are monitoring {{components}} to make sure it holds.',
    internalText: '[{{severity}}] Mitigated "{{title}}"; monitoring. Next update {{next_update}}.',
    isBuiltIn: true,
  },
  {
    id: 'builtin:resolved',
    name: 'Resolved',
    status: 'resolved',
    publicText: 'This incident has been resolved. {{components}} are operating normally. Thank you for your patience.',
    internalText: '[{{severity}}] Resolved "{{title}}". Post-mortem to follow.',
    isBuiltIn: true,
  },
];

/** Fill {{placeholder}}s; unknown ones stay as written, so a typo shows instead of vanishing. */
export function renderTemplate(text: string, values: Partial<TemplateValues>): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => {
    const v = values[name as Placeholder];
    return v === undefined ? whole : v;
  });
}

/** Placeholders a template uses that are not known: returned as validation problems when it is saved. */
export function unknownPlaceholders(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) out.add(m[1]!);
  }
  return [...out];
}

/** "in 30 minutes (by 14:30 UTC)" — or "when we know more" without a promise. */
export function nextUpdateText(now: number, minutes: number | undefined): string {
  if (!minutes) return 'when we know more';
  const at = new Date(now + minutes * MINUTE).toISOString().slice(11, 16);
  return `in ${minutes} minutes (by ${at} UTC)`;
}

export function componentList(names: string[]): string {
  if (names.length === 0) return 'our services';
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
}

// ---- history ----------------------------------------------------------------------------------------------------

export const HISTORY_DAYS = 90;

export interface HistoryDay {
  /** YYYY-MM-DD (UTC). */
  date: string;
  status: ComponentStatus;
  incidentIds: string[];
}

/** One entry per UTC day for the last `days` days, oldest first: the worst impact of the incidents open that day. */
export function historyDays(
  incidents: { id: string; publishedAt: number; resolvedAt: number | null; components: AffectedComponent[] }[],
  now: number,
  days = HISTORY_DAYS,
): HistoryDay[] {
  const today = Math.floor(now / DAY) * DAY;
  const out: HistoryDay[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const start = today - i * DAY;
    const end = start + DAY;
    const open = incidents.filter((x) => x.publishedAt < end && (x.resolvedAt ?? now) >= start);
    out.push({
      date: new Date(start).toISOString().slice(0, 10),
      status: worstStatus(open.flatMap((x) => x.components.map((c) => c.status))),
      incidentIds: open.map((x) => x.id),
    });
  }
  return out;
}

/** How many of the days had an incident open: the bar's accessible label says the same as its colours. */
export const daysWithIncidents = (days: HistoryDay[]): number =>
  days.filter((d) => d.incidentIds.length > 0 || d.status !== 'operational').length;

/**
 * The sentence under the history bar, from the same days the bar is drawn from, so the two always agree: a day
 * counts when any incident was open on it. `listed` is how many past (resolved) incidents the page lists under it;
 * the ones still open are under Current incidents instead (an unresolved incident is open today).
 */
export function historySummary(days: HistoryDay[], listed: number): string {
  const n = daysWithIncidents(days);
  if (n === 0) return `No incidents in the last ${days.length} days.`;
  const on = `Incidents on ${n} of the last ${days.length} days.`;
  if (listed > 0) return on;
  const open = days.at(-1)?.incidentIds.length ?? 0;
  return open > 1
    ? `${on} The incidents still open are under Current incidents above.`
    : `${on} The incident still open is under Current incidents above.`;
}

// ---- subscriber links -------------------------------------------------------------------------------------------

export const CONFIRM_TTL_MS = 7 * DAY;
export type LinkPurpose = 'confirm' | 'unsubscribe';

/** HMAC over purpose and subscriber id with the page's signing secret: links need no stored token. */
export function linkToken(secret: string, purpose: LinkPurpose, subscriberId: string): string {
  return hmacSha256Hex(secret, `status-page:${purpose}:${subscriberId}`);
}

export function isValidLinkToken(secret: string, purpose: LinkPurpose, subscriberId: string, token: string): boolean {
  return safeEqual(token, linkToken(secret, purpose, subscriberId));
}

/** Where a subscriber's link points: the HTML page that asks to confirm or unsubscribe with one button. */
export function subscriberLink(publicUrl: string, secret: string, purpose: LinkPurpose, id: string): string {
  const path = purpose === 'confirm' ? 'confirm' : 'unsubscribe';
  return `${publicUrl}/status/subscribers/${id}/${path}?token=${linkToken(secret, purpose, id)}`;
}

// The SSRF checks for public webhook subscriptions live in src/shared/net.ts (notify uses them at send time too).
export { isPrivateAddress, isPrivateWebhookHost, resolvesToPrivateHost } from '../shared/net.js';

/**
 * Whether a subscriber following `followed` (none: every component) gets an update about `affected` components. An
 * update that names no component (a general notice) goes to everyone.
 */
export function followsUpdate(followed: readonly string[], affected: readonly string[]): boolean {
  return followed.length === 0 || affected.length === 0 || affected.some((id) => followed.includes(id));
}

export const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
