import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GIVEN_URL_LOOKUP_TIMEOUT_MS,
  isPrivateAddress,
  isPrivateWebhookHost,
  outboundUrlProblem,
  parseAddress,
  resolvesToPrivateHost,
  type ResolveAll,
} from './net.js';

/** Every spelling a security review tried, and the ranges the issue names: none may be reached. */
const PRIVATE_HOSTS = [
  // loopback, in the spellings the WHATWG URL parser and getaddrinfo both read as 127.0.0.1
  '127.0.0.1',
  '127.255.255.254',
  '2130706433',
  '0x7f.1',
  '0x7f000001',
  '0177.0.0.1',
  '017700000001',
  '127.1',
  '127.0.0.1.',
  'localhost',
  'LOCALHOST',
  'localhost.',
  'api.localhost',
  '::1',
  '[::1]',
  '0:0:0:0:0:0:0:1',
  // IPv4-mapped and IPv4-compatible IPv6: the embedded address decides
  '::ffff:127.0.0.1',
  '[::ffff:127.0.0.1]',
  '::ffff:7f00:1',
  '::ffff:10.0.0.1',
  '::127.0.0.1',
  '::7f00:1',
  '::a00:1',
  // unspecified
  '0.0.0.0',
  '0',
  '::',
  '0.1.2.3',
  // private, shared (CGNAT), link-local, unique-local
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '100.64.0.1',
  '100.127.255.254',
  '169.254.169.254',
  'fe80::1',
  'fc00::1',
  'fd12:3456:789a::1',
  // broadcast, multicast, benchmarking, documentation, reserved
  '255.255.255.255',
  '224.0.0.1',
  '239.255.255.250',
  'ff02::1',
  'ff0e::1',
  '198.18.0.1',
  '198.19.255.254',
  '192.0.2.1',
  '198.51.100.1',
  '203.0.113.1',
  '192.0.0.8',
  '240.0.0.1',
  '2001:db8::1',
  '2001:2::1',
  // NAT64 (RFC 6052, both prefixes), 6to4, Teredo, discard, site-local
  '64:ff9b::7f00:1',
  '64:ff9b::808:808',
  '64:ff9b::127.0.0.1',
  '64:ff9b:1::1',
  '2002:7f00:1::1',
  '2001:0:4136:e378:8000:63bf:3fff:fdd2',
  '100::1',
  'fec0::1',
];

const PUBLIC_HOSTS = [
  '8.8.8.8',
  '93.184.215.14',
  '1.1.1.1',
  '172.32.0.1',
  '100.128.0.1',
  '198.20.0.1',
  '169.255.0.1',
  '2606:4700:4700::1111',
  '[2a00:1450:4001:80b::200e]',
  '::ffff:8.8.8.8',
  '::808:808',
  'hooks.example.com',
  'ntfy.sh',
  'localhost.example.com',
];

describe('the private-address classifier', () => {
  for (const host of PRIVATE_HOSTS) {
    it(`refuses ${host}`, () => {
      assert.equal(isPrivateAddress(host), true, host);
      const url = host.includes(':') && !host.startsWith('[') ? `http://[${host}]:6379/x` : `http://${host}:6379/x`;
      assert.equal(isPrivateWebhookHost(url), true, url);
    });
  }
  for (const host of PUBLIC_HOSTS) {
    it(`accepts ${host}`, () => {
      assert.equal(isPrivateAddress(host), false, host);
      const url = host.includes(':') && !host.startsWith('[') ? `https://[${host}]/hook` : `https://${host}/hook`;
      assert.equal(isPrivateWebhookHost(url), false, url);
    });
  }

  it('reads odd IPv4 spellings as the URL parser does', () => {
    for (const host of ['2130706433', '0x7f.1', '127.1', '0177.0.0.1', '127.0.0.1.']) {
      assert.equal(parseAddress(host)?.toString(), '127.0.0.1', host);
    }
    assert.equal(parseAddress('[::ffff:127.0.0.1]')?.toString(), '::ffff:7f00:1');
    assert.equal(parseAddress('::127.0.0.1')?.toString(), '::7f00:1');
    assert.equal(parseAddress('hooks.example.com'), null);
    assert.equal(parseAddress('1.2.3.4.example'), null);
  });

  it('refuses a URL that does not parse', () => {
    assert.equal(isPrivateWebhookHost('not a url'), true);
    assert.equal(isPrivateWebhookHost('http://[::1/'), true);
  });
});

const table =
  (entries: Record<string, string[]>): ResolveAll =>
  (host) => {
    const addresses = entries[host];
    if (!addresses) return Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

describe('URLs given for Muster to call', () => {
  const resolve = table({
    'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'rebind.example.com': ['93.184.215.14', '127.0.0.1'],
    'nat64.example.com': ['64:ff9b::a00:1'],
    'mapped.example.com': ['::ffff:192.168.0.1'],
    'empty.example.com': [],
  });

  it('accept public addresses and names whose every address is public', async () => {
    assert.equal(await outboundUrlProblem('https://hooks.example.com/x', resolve), null);
    assert.equal(await outboundUrlProblem('http://93.184.215.14:8080/x', resolve), null);
    assert.equal(await outboundUrlProblem('https://[2606:4700:4700::1111]/x', resolve), null);
  });

  it('refuse private literals in every spelling, names with any private address, and names that do not resolve', async () => {
    for (const url of [
      'http://127.0.0.1:6379/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://127.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[64:ff9b::7f00:1]/',
      'http://localhost:8080/',
      'https://rebind.example.com/',
      'https://nat64.example.com/',
      'https://mapped.example.com/',
      'https://empty.example.com/',
      'https://nowhere.example.com/',
    ]) {
      assert.match((await outboundUrlProblem(url, resolve)) ?? '', /must be a public address/, url);
      assert.equal(await resolvesToPrivateHost(url, resolve), true, url);
    }
  });

  it('count a name that takes too long to resolve as not resolving', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const never: ResolveAll = () => new Promise(() => undefined);
    const answer = outboundUrlProblem('https://slow.example.com/', never);
    t.mock.timers.tick(GIVEN_URL_LOOKUP_TIMEOUT_MS);
    assert.match((await answer) ?? '', /must be a public address/);
  });

  it('refuse anything but http(s)', async () => {
    for (const url of ['ftp://hooks.example.com/', 'file:///etc/passwd', 'gopher://hooks.example.com/', 'hooks']) {
      assert.equal(await outboundUrlProblem(url, resolve), 'must be an http(s) URL', url);
    }
  });
});
