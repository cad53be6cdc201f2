/**
 * Slack direct messages through the Web API with a bot token: conversations.open (users=<member id>) gives the DM
 * channel, chat.postMessage posts to it (https://api.slack.com/methods/chat.postMessage). Slack answers HTTP 200
 * with `{ ok: false, error }` for most failures, so the error code decides whether to retry; rate limits come back
 * as HTTP 429 with Retry-After (https://api.slack.com/apis/rate-limits).
 */
import { hostOf, httpRequest, requireOk, type Channel, type ContactTarget, type SendResult } from './channel.js';
import { DeliveryError } from './errors.js';
import { drillPrefix, type OutboundMessage } from './model.js';

export const SLACK_API_URL = 'https://slack.com/api';

/** Slack errors that mean "try again later"; every other error code needs a person to fix something. */
const TRANSIENT_SLACK_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** The signed token at the end of an action link (`…/a/<token>`), which a Slack button carries as its value. */
const linkToken = (url: string): string => url.slice(url.lastIndexOf('/a/') + 3);

/**
 * With interactivity on, Acknowledge / Resolve are action buttons: Slack posts the click (with the signed one-use
 * token as the value) to /integrations/slack/interactions and it acts in place. Without it they open the link page.
 */
export function slackBlocks(m: OutboundMessage, isInteractive = false): unknown[] {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: (drillPrefix(m) + m.subject).slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: m.body.slice(0, 2900) || ' ' } },
  ];
  const buttons: unknown[] = [];
  if (m.links) {
    const button = (action: 'acknowledge' | 'resolve', text: string, url: string) => ({
      type: 'button',
      text: { type: 'plain_text', text },
      action_id: `muster_${action}`,
      ...(isInteractive ? { value: linkToken(url) } : { url }),
      ...(action === 'acknowledge' ? { style: 'primary' } : {}),
    });
    buttons.push(
      button('acknowledge', 'Acknowledge', m.links.acknowledge),
      ...(m.links.resolve ? [button('resolve', 'Resolve', m.links.resolve)] : []),
    );
  }
  if (m.url) buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Details' }, url: m.url });
  if (buttons.length) blocks.push({ type: 'actions', elements: buttons });
  return blocks;
}

export class SlackChannel implements Channel {
  readonly kind = 'slack' as const;

  constructor(
    private readonly opts: {
      botToken: string;
      apiUrl?: string | undefined;
      timeoutMs: number;
      isInteractive?: boolean;
    },
  ) {}

  private async call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const base = (this.opts.apiUrl ?? SLACK_API_URL).replace(/\/+$/, '');
    const r = await httpRequest('slack', `${base}/${method}`, {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Bearer ${this.opts.botToken}`,
      },
      body: JSON.stringify(body),
      timeoutMs: this.opts.timeoutMs,
    });
    requireOk('slack', r);
    const json = (r.json ?? {}) as Record<string, unknown>;
    if (json.ok !== true) {
      const code = typeof json.error === 'string' ? json.error : 'unknown_error';
      throw new DeliveryError('slack', `${method} failed: ${code}`, {
        isPermanent: !TRANSIENT_SLACK_ERRORS.has(code),
        providerStatus: code,
      });
    }
    return json;
  }

  /** One bot token, one Slack workspace: one bulkhead and breaker for every Slack DM. */
  destination(): string {
    return `slack:${hostOf(this.opts.apiUrl ?? SLACK_API_URL)}`;
  }

  async send(message: OutboundMessage, contact: ContactTarget): Promise<SendResult> {
    const opened = await this.call('conversations.open', { users: contact.address });
    const channel = (opened.channel as { id?: string } | undefined)?.id;
    if (!channel) throw new DeliveryError('slack', 'conversations.open returned no channel', { isPermanent: false });
    const posted = await this.call('chat.postMessage', {
      channel,
      text: `${drillPrefix(message)}${message.urgency === 'high' ? ':rotating_light: ' : ''}${message.subject}`,
      blocks: slackBlocks(message, this.opts.isInteractive),
      unfurl_links: false,
    });
    const ts = typeof posted.ts === 'string' ? posted.ts : undefined;
    return { providerMessageId: ts ? `${channel}:${ts}` : undefined };
  }
}
