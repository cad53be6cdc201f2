/**
 * Outbound requests to addresses given by anyone on the internet (public status-page webhook subscriptions) must not
 * point Muster at its own network (SSRF). These decide what counts as private, check a URL when it is given, and
 * guard the connection itself when it is used: `publicOnlyLookup` is the resolver a request connects through, so the
 * address checked is the address connected to (a name re-pointed after the check, DNS rebinding, is refused too).
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';

/**
 * Webhook URLs given by anyone on the internet must not point Muster at its own network (SSRF): loopback, private,
 * link-local and unique-local literals and `localhost` are refused for public subscriptions (administrators may add
 * them). Host names are checked by what they resolve to (`resolvesToPrivateHost`); see docs/status-page.md.
 */
export function isPrivateWebhookHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return true;
  }
  return isPrivateAddress(host);
}

/** A host name or address literal that is loopback, private, link-local, unique-local, CGNAT or unspecified. */
export function isPrivateAddress(hostOrIp: string): boolean {
  const host = hostOrIp.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '0.0.0.0' || host === '::' || host === '::1') {
    return true;
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host)?.slice(1).map(Number);
  if (v4) {
    const [a, b] = v4 as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  return /^(fc|fd|fe8|fe9|fea|feb)/.test(host) || host.startsWith('::ffff:');
}

/**
 * The URL's host is private, or is a name any of whose addresses is (or that does not resolve at all). `lookup` is
 * the resolver (node:dns `lookup` with `all: true`), passed in so the decision stays testable. A name that resolves
 * to a public address now could be re-pointed later (DNS rebinding): sending checks again, on the address it
 * connects to (`publicOnlyLookup`).
 */
export async function resolvesToPrivateHost(
  url: string,
  lookup: (host: string) => Promise<{ address: string }[]>,
): Promise<boolean> {
  if (isPrivateWebhookHost(url)) return true;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(host) || host.includes(':')) return false; // a public address literal
  try {
    const addresses = await lookup(host);
    return addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address));
  } catch {
    return true;
  }
}

/** The resolver: every address of a host name (node:dns `lookup` with `all: true`). */
export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

export const resolveAll: ResolveAll = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** Raised (as the connection error) when a guarded request's host resolves to a private address. */
export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
  constructor(host: string) {
    super(`${host} resolves to a private, loopback or link-local address; refused`);
    this.name = 'PrivateAddressError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) `request` (and net.connect) that resolves every address of the name and refuses the
 * connection if any of them is private or there are none. Address literals never reach a lookup: check the URL
 * with `isPrivateWebhookHost` first.
 */
export function publicOnlyLookup(resolve: ResolveAll = resolveAll) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        if (!addresses.length || addresses.some((a) => isPrivateAddress(a.address))) {
          callback(new PrivateAddressError(hostname), '');
          return;
        }
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const wanted = family ? addresses.filter((a) => a.family === family) : addresses;
        if (!wanted.length) {
          callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '');
          return;
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
