/**
 * A Muster server wired to local stand-ins for every notification channel: a real SMTP server, a webhook receiver,
 * and the ntfy, Slack and Twilio stand-ins. Used by the notify integration tests; other domains' tests can use it
 * to see what a page actually sent.
 */
import type { ResolveAll } from '../shared/net.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Engine } from '../db/index.js';
import type { NotifyUserInput } from '../notify/index.js';
import { SmtpSink } from './smtp.js';
import { NtfyStandIn } from './standins/ntfy.js';
import { SlackStandIn } from './standins/slack.js';
import { TwilioStandIn } from './standins/twilio.js';
import { startTestMuster, type TestMuster } from './server.js';

export interface WebhookHit {
  headers: IncomingMessage['headers'];
  body: string;
}

import { closeServer, listenHook } from './listen.js';

export { closeServer, listenHook };

/**
 * A local HTTP receiver for outgoing webhooks; `statuses` are answered in order, then 200, each with the headers at
 * the same place in `responseHeaders` (if any).
 */
export class WebhookReceiver {
  readonly hits: WebhookHit[] = [];
  readonly statuses: number[] = [];
  readonly responseHeaders: Record<string, string>[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const headers = { 'content-type': 'text/plain', ...this.responseHeaders.shift() };
        res.writeHead(this.statuses.shift() ?? 200, headers).end('ok');
      });
    });
    this.url = await listenHook(this.server);
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

export interface NotifyHarness {
  t: TestMuster;
  smtp: SmtpSink;
  webhook: WebhookReceiver;
  ntfy: NtfyStandIn;
  slack: SlackStandIn;
  twilio: TwilioStandIn;
  /** Plan a notification the way a domain does: notifyUser inside a transaction, then wake the runner. */
  notify(input: NotifyUserInput): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startNotifyHarness(
  engine: Engine,
  overrides: Record<string, unknown> = {},
  opts: { resolve?: ResolveAll } = {},
): Promise<NotifyHarness> {
  const smtp = await new SmtpSink().start();
  const webhook = await new WebhookReceiver().start();
  const ntfy = await new NtfyStandIn().start();
  const slack = await new SlackStandIn().start();
  const twilio = await new TwilioStandIn().start();
  const t = await startTestMuster(
    engine,
    {
      'smtp.host': '127.0.0.1',
      'smtp.port': smtp.port,
      'smtp.from': 'muster@example.test',
      'slack.botToken': slack.botToken,
      'slack.apiUrl': slack.url,
      'twilio.accountSid': twilio.accountSid,
      'twilio.authToken': twilio.authToken,
      'twilio.fromNumber': '+15005550006',
      'twilio.apiUrl': twilio.url,
      'notify.ntfyServer': ntfy.url,
      'notify.timeoutMs': 3000,
      ...overrides,
    },
    opts,
  );
  const { services } = t.muster;
  return {
    t,
    smtp,
    webhook,
    ntfy,
    slack,
    twilio,
    async notify(input) {
      const now = services.clock.now();
      const r = await services.db.kysely.transaction().execute((trx) => services.notify.notifyUser(trx, input, now));
      services.runner?.wake();
      return r.deliveryIds;
    },
    async stop() {
      await t.stop();
      await Promise.all([smtp.close(), webhook.close(), ntfy.close(), slack.close(), twilio.close()]);
    },
  };
}
