/**
 * Outbound requests to addresses given by anyone but an administrator (contact-method webhooks and ntfy servers,
 * public status-page webhook subscriptions) must not point Muster at its own network (SSRF). Address ranges come
 * from ipaddr.js, not hand-written tables: only its `unicast` range is public. These decide what counts as private,
 * check a URL when it is given (`outboundUrlProblem`), and
 * guard the connection itself when it is used: `publicOnlyLookup` is the resolver a request connects through, so the
 * address checked is the address connected to (a name re-pointed after the check, DNS rebinding, is refused too).
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
// The one exception to "shared imports nothing above it": tx-context has no imports and marks open transactions.
import { assertNoTransaction } from '../db/tx-context.js';
import ipaddr from 'ipaddr.js';

/**
 * Is this URL's host private? True for an address literal that is not public (`isPrivateAddress`), for `localhost`
 * and its subdomains, and for a URL that does not parse. A host name is not decided here: what it resolves to is
 * (`resolvesToPrivateHost` when given, `publicOnlyLookup` when used).
 */
export function isPrivateWebhookHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return true;
  }
  return isPrivateAddress(host);
}

/**
 * An address literal as the WHATWG URL parser and getaddrinfo read it, or null for a host name. `2130706433`,
 * `0x7f.1`, `0177.0.0.1`, `127.1` and `127.0.0.1.` are all 127.0.0.1 to both, so they are to this; IPv6 may be
 * bracketed, and `::127.0.0.1` is read as ::7f00:1 (ipaddr.js alone would read it as IPv4-mapped).
 */
export function parseAddress(hostOrIp: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  let host = hostOrIp.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!host) return null;
  let normalised: string;
  try {
    normalised = new URL(`http://${host.includes(':') ? `[${host}]` : host}/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    // Not a valid URL host: an IPv6 literal with a zone (fe80::1%eth0) is the one address form left.
    return ipaddr.IPv6.isValid(host) ? ipaddr.IPv6.parse(host) : null;
  }
  if (normalised.includes(':')) return ipaddr.IPv6.isValid(normalised) ? ipaddr.IPv6.parse(normalised) : null;
  return ipaddr.IPv4.isValidFourPartDecimal(normalised) ? ipaddr.IPv4.parse(normalised) : null;
}

/**
 * Is this address one Muster may reach for a non-administrator? Only ipaddr.js's `unicast` range is: everything it
 * names otherwise — loopback, private, link-local, unique-local, carrier-grade NAT, unspecified, broadcast,
 * multicast, reserved (documentation, 198.18.0.0/15 benchmarking, 240/4), NAT64 (64:ff9b::/96 and /48), 6to4,
 * Teredo, discard, ORCHID, AS112 — is refused. IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d)
 * addresses are decided by the IPv4 address inside them.
 */
export function isPublicAddress(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (ip instanceof ipaddr.IPv6) {
    if (ip.isIPv4MappedAddress()) return isPublicAddress(ip.toIPv4Address());
    const p = ip.parts;
    if (p.slice(0, 6).every((x) => x === 0)) {
      // :: and ::1 are unspecified and loopback; any other ::/96 address carries an IPv4 address (RFC 4291 2.5.5.1).
      if (p[6] === 0 && (p[7] ?? 0) <= 1) return false;
      return isPublicAddress(ipaddr.fromByteArray([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]));
    }
  }
  return ip.range() === 'unicast';
}

/**
 * A host that must not be reached for a non-administrator: an address literal that is not public
 * (`isPublicAddress`), `localhost` and its subdomains, or an empty host. A host name otherwise is false: it is decided
 * by the addresses it resolves to.
 */
export function isPrivateAddress(hostOrIp: string): boolean {
  const host = hostOrIp
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (!host) return true;
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const ip = parseAddress(host);
  return ip !== null && !isPublicAddress(ip);
}

/** How long a URL's host name may take to resolve when the URL is given; slower counts as not resolving. */
export const GIVEN_URL_LOOKUP_TIMEOUT_MS = 5000;

/**
 * The URL's host is private, or is a name any of whose addresses is (or that does not resolve at all, or not within
 * `GIVEN_URL_LOOKUP_TIMEOUT_MS`: a slow resolver cannot hold the request). `lookup` is the resolver (node:dns
 * `lookup` with `all: true`), passed in so the decision stays testable. A name that resolves to a public address now
 * could be re-pointed later (DNS rebinding): sending checks again, on the address it connects to
 * (`publicOnlyLookup`).
 */
export async function resolvesToPrivateHost(
  url: string,
  lookup: (host: string) => Promise<{ address: string }[]>,
): Promise<boolean> {
  if (isPrivateWebhookHost(url)) return true;
  const host = new URL(url).hostname;
  if (parseAddress(host)) return false; // a public address literal
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`lookup of ${host} timed out`)), GIVEN_URL_LOOKUP_TIMEOUT_MS);
  });
  try {
    const addresses = await Promise.race([lookup(host), late]);
    return addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address));
  } catch {
    return true;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why a URL a user gives for Muster to call is refused, or null when it is accepted: it must be http(s), and its host
 * must be a public address or a name whose every address is public (`resolvesToPrivateHost`, with `resolve`). The
 * message follows the field name in a 400; it says what is wrong without echoing what the name resolved to.
 */
export async function outboundUrlProblem(url: string, resolve: ResolveAll = resolveAll): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'must be an http(s) URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http(s) URL';
  if (await resolvesToPrivateHost(url, resolve)) {
    return (
      'must be a public address: loopback, private, link-local and other non-public addresses (and names that ' +
      'resolve to them, or do not resolve) are refused; an administrator may allow a private target'
    );
  }
  return null;
}

/** The resolver: every address of a host name (node:dns `lookup` with `all: true`). */
export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

export const resolveAll: ResolveAll = (host) => {
  // A lookup can take seconds: never while holding a database transaction.
  assertNoTransaction(`A DNS lookup of ${host}`);
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
};

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
