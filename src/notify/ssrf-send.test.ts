/**
 * Issue 10, defect 5 (SSRF), when a URL is used: a public-only contact (`publicAddressesOnly`) connects only to public
 * addresses, decided on the address actually connected to, so a name re-pointed at 127.0.0.1 after it was given is
 * refused. The failure is permanent and reads the same whether the private port is open or closed: the delivery log
 * is not a port scanner. Real local servers; names are resolved by the test (as `startMuster(config, { resolve })`).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ResolveAll } from '../shared/net.js';
import { WebhookReceiver } from '../testing/notify.js';
import { NtfyStandIn } from '../testing/standins/ntfy.js';
import type { ContactTarget } from './channel.js';
import { DeliveryError } from './errors.js';
import type { OutboundMessage } from './model.js';
import { NtfyChannel } from './ntfy.js';
import { WebhookChannel } from './webhook.js';

const resolve: ResolveAll = (host) =>
  host.endsWith('.rebound.test')
    ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
    : Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));

const message: OutboundMessage = {
  subject: 'Disk full',
  body: 'db-1',
  deliveryId: 'dlv_1',
  urgency: 'high',
  alertId: null,
  links: null,
};

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DeliveryError, String(e));
    return e;
  }
  return assert.fail('the send succeeded');
}

describe('public-only contacts when used', () => {
  let receiver: WebhookReceiver;
  let ntfy: NtfyStandIn;
  let open = 0;
  let closed = 0;
  before(async () => {
    receiver = await new WebhookReceiver().start();
    ntfy = await new NtfyStandIn().start();
    open = Number(new URL(receiver.url).port);
    closed = await closedPort();
  });
  after(async () => {
    await receiver.close();
    await ntfy.close();
  });

  const target = (address: string, extra: Partial<ContactTarget> = {}): ContactTarget => ({
    id: 'cm_1',
    kind: 'webhook',
    address,
    serverUrl: null,
    secret: 'whsec',
    publicAddressesOnly: true,
    ...extra,
  });

  it('refuses a webhook whose name now resolves to a private address, the same whether the port is open or not', async () => {
    const webhook = new WebhookChannel({ timeoutMs: 3000, now: () => Date.now(), resolve });
    const toOpen = await failure(webhook.send(message, target(`http://hook.rebound.test:${open}/hook`)));
    const toClosed = await failure(webhook.send(message, target(`http://hook.rebound.test:${closed}/hook`)));
    for (const e of [toOpen, toClosed]) {
      assert.equal(e.isPermanent, true, e.message);
      assert.doesNotMatch(e.message, /ECONNREFUSED|refused the connection|timed out|HTTP \d/);
    }
    assert.equal(toOpen.message, toClosed.message, 'an open and a closed private port read the same');
    assert.equal(receiver.hits.length, 0, 'nothing reached the private receiver');
  });

  it('refuses private address literals in every spelling before connecting', async () => {
    const webhook = new WebhookChannel({ timeoutMs: 3000, now: () => Date.now(), resolve });
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '127.1', '[::ffff:127.0.0.1]', 'localhost']) {
      for (const port of [open, closed]) {
        const e = await failure(webhook.send(message, target(`http://${host}:${port}/hook`)));
        assert.equal(e.isPermanent, true, host);
        assert.match(e.message, /not a public address; refused/, host);
      }
    }
    assert.equal(receiver.hits.length, 0);
  });

  it('sends to a private address only when the contact is not public-only (an administrator allowed it)', async () => {
    const webhook = new WebhookChannel({ timeoutMs: 3000, now: () => Date.now(), resolve });
    await webhook.send(message, target(receiver.url, { publicAddressesOnly: false }));
    assert.equal(receiver.hits.length, 1);
  });

  it("guards an ntfy contact's own server, not the configured default", async () => {
    const channel = new NtfyChannel({ defaultServer: ntfy.url, timeoutMs: 3000, resolve });
    const own = await failure(
      channel.send(message, target('topic', { kind: 'ntfy', serverUrl: `http://push.rebound.test:${open}` })),
    );
    assert.equal(own.isPermanent, true);
    const literal = await failure(channel.send(message, target('topic', { kind: 'ntfy', serverUrl: ntfy.url })));
    assert.match(literal.message, /not a public address; refused/);
    const before = ntfy.published.length;
    await channel.send(message, target('topic', { kind: 'ntfy', serverUrl: null }));
    assert.equal(ntfy.published.length, before + 1, 'the operator-configured server is trusted');
  });
});
