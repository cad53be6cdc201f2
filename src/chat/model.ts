/** Pure parts of the chat integration: channel names, what each timeline event says, Slack request signatures. */
import { hmacSha256Hex, safeEqual } from '../shared/crypto.js';

/** Slack rejects requests whose timestamp is more than five minutes off (replay protection). */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** Timeline kinds mirrored to the channel; everything else (checklist ticks, joins, reminders) stays in Muster. */
const MIRRORED = new Set([
  'severity_changed',
  'severity_confirmed',
  'status_changed',
  'reopened',
  'role_assigned',
  'role_unassigned',
  'status_update',
  'note',
  'acknowledged',
  'details_updated',
  // The room's typed entries (src/incidents/entries.ts) and changes made while it is open (issue 22): the people in the
  // channel need them as much as the people in the room.
  'hypothesis',
  'ruled_out',
  'finding',
  'decision',
  'change_during_incident',
]);

export interface MirrorableEvent {
  seq: number;
  kind: string;
  actorLabel: string;
  body: string;
  details: Record<string, unknown>;
}

/** Slack channel names: lowercase letters, digits, hyphens and underscores, at most 80 characters. */
export function channelName(number: number, title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const base = `inc-${number}`;
  return (slug ? `${base}-${slug}` : base).slice(0, 80).replace(/-+$/, '');
}

/** Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Events that came from the channel itself are not posted back: that would loop. */
export const isFromChat = (e: Pick<MirrorableEvent, 'details'>): boolean => e.details.source === 'slack';

/** A typed room entry's evidence link, on its own line. */
const evidence = (e: MirrorableEvent): string =>
  typeof e.details.evidenceUrl === 'string' && e.details.evidenceUrl
    ? `\nEvidence: ${escapeMrkdwn(e.details.evidenceUrl)}`
    : '';

/** The channel message for a timeline event, or null when the event is not mirrored. */
export function renderEvent(e: MirrorableEvent): string | null {
  if (!MIRRORED.has(e.kind) || isFromChat(e)) return null;
  const who = escapeMrkdwn(e.actorLabel);
  const body = escapeMrkdwn(e.body);
  switch (e.kind) {
    case 'note':
      return `:memo: *${who}*: ${body}`;
    case 'status_update':
      return `:loudspeaker: *Status update* from ${who}: ${body}`;
    case 'severity_changed':
    case 'severity_confirmed':
      return `:rotating_light: *Severity* ${body} (${who})`;
    case 'status_changed':
    case 'reopened':
      return `:arrows_counterclockwise: *Status* ${body} (${who})`;
    case 'role_assigned':
    case 'role_unassigned':
      return `:busts_in_silhouette: ${body} (${who})`;
    case 'acknowledged':
      return `:white_check_mark: ${body}`;
    case 'hypothesis': {
      const owner = typeof e.details.ownerName === 'string' ? ` (on it: ${escapeMrkdwn(e.details.ownerName)})` : '';
      return `:mag: *Hypothesis* from ${who}: ${body}${owner}${evidence(e)}`;
    }
    case 'ruled_out':
      return `:x: *Ruled out* by ${who}: ${body}${evidence(e)}`;
    case 'finding':
      return `:bulb: *Finding* from ${who}: ${body}${evidence(e)}`;
    case 'decision':
      return `:scales: *Decision* by ${who}: ${body}${evidence(e)}`;
    case 'change_during_incident':
      return `:warning: ${body}`;
    default:
      return `:pencil2: *Details updated* by ${who}${body ? `: ${body}` : ''}`;
  }
}

export interface HeaderInput {
  number: number;
  title: string;
  summary: string;
  severity: string;
  status: string;
  commander: string | null;
  url: string;
  /** The incident's bridge call (src/incidents/bridge.ts), shown with a Join button. */
  bridge?: { url: string; dialIn: string } | null;
}

export function headerText(h: HeaderInput): string {
  return `Incident #${h.number} [${h.severity}] ${h.title}`;
}

export function headerBlocks(h: HeaderInput): unknown[] {
  const fields = [
    `*Severity*\n${h.severity}`,
    `*Status*\n${h.status}`,
    `*Incident Commander*\n${h.commander ? escapeMrkdwn(h.commander) : 'unassigned'}`,
  ];
  const bridge = h.bridge ?? null;
  return [
    { type: 'header', text: { type: 'plain_text', text: headerText(h).slice(0, 150) } },
    ...(h.summary ? [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(h.summary).slice(0, 2900) } }] : []),
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    ...(bridge
      ? [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `*Bridge call*\n${escapeMrkdwn(bridge.url)}${bridge.dialIn ? `\nDial-in: ${escapeMrkdwn(bridge.dialIn)}` : ''}`.slice(
                0,
                2900,
              ),
            },
          },
        ]
      : []),
    {
      type: 'actions',
      elements: [
        ...(bridge
          ? [{ type: 'button', text: { type: 'plain_text', text: 'Join the bridge' }, url: bridge.url.slice(0, 3000) }]
          : []),
        { type: 'button', text: { type: 'plain_text', text: 'Open in Muster' }, url: h.url },
      ],
    },
  ];
}

export type SignatureProblem = 'missing' | 'stale' | 'mismatch';

/**
 * https://api.slack.com/authentication/verifying-requests-from-slack: `v0=` + hex HMAC-SHA256 of
 * `v0:{timestamp}:{raw body}` keyed by the app's signing secret; a timestamp more than five minutes away is refused.
 */
export function checkSlackSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  now: number;
}): SignatureProblem | null {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return 'missing';
  if (Math.abs(input.now - Number(timestamp) * 1000) > MAX_SIGNATURE_AGE_MS) return 'stale';
  const expected = `v0=${hmacSha256Hex(input.secret, `v0:${timestamp}:${input.rawBody}`)}`;
  return safeEqual(signature, expected) ? null : 'mismatch';
}
