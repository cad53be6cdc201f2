/** Build one adapter per channel from config; a channel whose provider is not configured fails with a clear reason. */
import type { Config } from '../config/index.js';
import type { Clock } from '../shared/clock.js';
import type { ResolveAll } from '../shared/net.js';
import { unconfiguredChannel, type Channel } from './channel.js';
import { EmailChannel } from './email.js';
import type { ContactKind } from './model.js';
import { NtfyChannel } from './ntfy.js';
import { SlackChannel } from './slack.js';
import { SmsChannel, TwilioProvider, VoiceChannel } from './sms.js';
import { WebhookChannel } from './webhook.js';
import { WebPushChannel, type VapidKeyStore } from './webpush.js';

export type Channels = Record<ContactKind, Channel>;

/**
 * The contact a push service may reach about this server's pushes (RFC 8292 §2.1): `notify.webPushSubject`, else the
 * public URL when it is https, else a mailto: of the mail sender.
 */
export function vapidSubject(config: Config): string {
  if (config.notify.webPushSubject) return config.notify.webPushSubject;
  if (config.publicUrl.startsWith('https://')) return config.publicUrl;
  return `mailto:${config.smtp?.from ?? 'muster@localhost'}`;
}

/**
 * `resolve`: the DNS resolver for addresses given by the public (node:dns unless a test passes one); `vapid`: this
 * server's VAPID keys (Web Push is unavailable without them).
 */
export function buildChannels(config: Config, clock: Clock, resolve?: ResolveAll, vapid?: VapidKeyStore): Channels {
  const timeoutMs = config.notify.timeoutMs;
  const phone = config.twilio ? new TwilioProvider({ ...config.twilio, timeoutMs }) : null;
  return {
    email: config.smtp ? new EmailChannel(config.smtp, timeoutMs) : unconfiguredChannel('email', 'MUSTER_SMTP_HOST'),
    webhook: new WebhookChannel({ timeoutMs, now: () => clock.now(), resolve }),
    ntfy: new NtfyChannel({ defaultServer: config.notify.ntfyServer, timeoutMs, resolve }),
    slack: config.slack
      ? new SlackChannel({
          botToken: config.slack.botToken,
          apiUrl: config.slack.apiUrl,
          timeoutMs,
          isInteractive: config.slack.interactivity && !!config.slack.signingSecret,
        })
      : unconfiguredChannel('slack', 'MUSTER_SLACK_BOT_TOKEN'),
    sms: phone ? new SmsChannel(phone) : unconfiguredChannel('sms', 'MUSTER_TWILIO_ACCOUNT_SID'),
    voice: phone ? new VoiceChannel(phone) : unconfiguredChannel('voice', 'MUSTER_TWILIO_ACCOUNT_SID'),
    webpush: vapid
      ? new WebPushChannel({ vapid, subject: () => vapidSubject(config), timeoutMs, resolve })
      : unconfiguredChannel('webpush', 'the VAPID keys'),
  };
}
