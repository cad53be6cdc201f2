import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../shared/errors.js';
import { publicOnlyLookup, type ResolveAll } from '../shared/net.js';
import { WebhookReceiver } from '../testing/notify.js';
import { httpRequest, requestThrough } from './channel.js';

const table =
  (entries: Record<string, string[]>): ResolveAll =>
  (host) => {
    const addresses = entries[host];
    if (!addresses) return Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

function lookupOnce(
  lookup: ReturnType<typeof publicOnlyLookup>,
  host: string,
  all: boolean,
): Promise<{ err: NodeJS.ErrnoException | null; address: unknown }> {
  return new Promise((resolve) => lookup(host, { all }, (err, address) => resolve({ err, address })));
}

describe('publicOnlyLookup', () => {
  const lookup = publicOnlyLookup(
    table({
      'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
      'mixed.example.com': ['93.184.215.14', '10.0.0.7'],
      'inside.example.com': ['127.0.0.1'],
      'v6-inside.example.com': ['fd00::1'],
      'empty.example.com': [],
    }),
  );

  it('answers with the public addresses, one or all', async () => {
    const one = await lookupOnce(lookup, 'hooks.example.com', false);
    assert.equal(one.err, null);
    assert.equal(one.address, '93.184.215.14');
    const all = await lookupOnce(lookup, 'hooks.example.com', true);
    assert.equal((all.address as unknown[]).length, 2);
  });

  it('refuses a name with any private, loopback or unique-local address, or none', async () => {
    for (const host of ['mixed.example.com', 'inside.example.com', 'v6-inside.example.com', 'empty.example.com']) {
      const r = await lookupOnce(lookup, host, false);
      assert.equal(r.err?.code, 'EPRIVATEADDRESS', host);
    }
  });

  it('passes a resolver failure on as it is', async () => {
    const r = await lookupOnce(lookup, 'nowhere.example.com', false);
    assert.equal(r.err?.code, 'ENOTFOUND');
  });
});

describe('requests to public-only addresses', () => {
  let receiver: WebhookReceiver;
  let port = '';
  before(async () => {
    receiver = await new WebhookReceiver().start();
    port = new URL(receiver.url).port;
  });
  after(() => receiver.close());

  it('sends through the given lookup and reads the answer (the transport itself, to a local receiver)', async () => {
    // The transport connects wherever its lookup says (net.connect asks for one address or, with autoSelectFamily,
    // all of them); the guard is publicOnlyLookup, tested above.
    const toLoopback = ((_host: string, opts: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) =>
      opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as unknown as ReturnType<
      typeof publicOnlyLookup
    >;
    receiver.responseHeaders.push({ 'x-request-id': 'rcv-1' });
    const r = await requestThrough(
      'webhook',
      `http://receiver.test:${port}/hook`,
      { headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}' },
      toLoopback,
    );
    assert.equal(r.status, 200);
    assert.equal(r.text, 'ok');
    assert.equal(r.headers.get('x-request-id'), 'rcv-1');
    const hit = receiver.hits.at(-1)!;
    assert.equal(hit.body, '{"hello":"world"}');
    assert.equal(hit.headers.host, `receiver.test:${port}`);
  });

  it('refuses a private literal and a name re-pointed at loopback, as permanent failures, sending nothing', async () => {
    const before = receiver.hits.length;
    const resolve = table({ 'rebind.example.com': ['127.0.0.1'] });
    for (const url of [receiver.url, `http://rebind.example.com:${port}/hook`, `http://[::1]:${port}/hook`]) {
      await assert.rejects(
        httpRequest('webhook', url, { body: '{}', publicOnly: { resolve } }),
        (e: unknown) => isAppError(e) && e.isPermanent && /refused/.test(e.message),
        url,
      );
    }
    assert.equal(receiver.hits.length, before, 'the receiver got nothing');
  });
});
