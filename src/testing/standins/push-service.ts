/**
 * A Web Push service stand-in, written from the RFCs (not with the `web-push` library Muster sends with, so a sender
 * that gets the protocol wrong fails here):
 * - RFC 8030 (Generic Event Delivery Using HTTP Push) §5: a push message is a POST to the subscription's endpoint
 *   with a `TTL` header (required: 400 without it), an optional `Urgency` (very-low, low, normal, high) and `Topic`
 *   (at most 32 base64url characters); accepted with 201 Created and a `Location` naming the message.
 * - RFC 8292 (VAPID): `Authorization: vapid t=<JWT>, k=<public key>`; the JWT is ES256 (P-256, SHA-256, the signature
 *   as r || s), signed by the key `k` names, with `aud` the endpoint's origin, `exp` in the future and at most 24 hours
 *   away, and `sub` a mailto: or https: contact. A bad token answers 401; a key other than the subscription's
 *   `applicationServerKey` answers 403 (§4.2).
 * - RFC 8291 (Message Encryption for Web Push) with RFC 8188's `aes128gcm` content coding: the stand-in plays the
 *   browser too, holding each subscription's ECDH P-256 key pair and 16-byte auth secret, and decrypts every message.
 *
 * Endpoints are `<url>/push/<id>`; an unknown or removed subscription answers 410 Gone (RFC 8030 §7.3).
 */
import { createDecipheriv, createECDH, createHmac, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { StandIn, type RecordedRequest, type Reply } from './base.js';

export interface BrowserSubscription {
  id: string;
  endpoint: string;
  /** As PushSubscription.toJSON().keys: base64url. */
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  subscriptionId: string;
  ttl: number;
  urgency: string;
  topic: string | null;
  /** The verified VAPID claims. */
  claims: { aud: string; exp: number; sub: string };
  vapidKey: string;
  /** The decrypted payload. */
  text: string;
}

interface Held {
  ecdh: ECDH;
  auth: Buffer;
  applicationServerKey: string | null;
  isRemoved: boolean;
}

const b64u = (b: Buffer): string => b.toString('base64url');

const hmac = (key: Buffer, ...data: Buffer[]): Buffer => {
  const h = createHmac('sha256', key);
  for (const d of data) h.update(d);
  return h.digest();
};

/** RFC 5869 HKDF with SHA-256, one block of output (all RFC 8291 needs): extract, then expand to `length` bytes. */
const hkdf = (salt: Buffer, ikm: Buffer, info: Buffer, length: number): Buffer =>
  hmac(hmac(salt, ikm), info, Buffer.from([1])).subarray(0, length);

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 8292 §2: verify the ES256 JWT with the raw public key `k`; returns the claims. */
function verifyVapid(authorization: string | undefined, origin: string): { claims: ReceivedPush['claims']; k: string } {
  const m = /^vapid\s+(.+)$/i.exec(authorization ?? '');
  if (!m) throw new Refusal(401, 'Authorization is not a vapid scheme');
  const params = new Map<string, string>();
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const t = params.get('t');
  const k = params.get('k');
  if (!t || !k) throw new Refusal(401, 'vapid needs t and k');
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Refusal(401, 'k is not an uncompressed P-256 point');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) },
    format: 'jwk',
  });
  const parts = t.split('.');
  if (parts.length !== 3) throw new Refusal(401, 'the token is not a JWS compact serialisation');
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string; typ?: string };
  if (header.alg !== 'ES256') throw new Refusal(401, `alg ${header.alg} is not ES256`);
  const signature = Buffer.from(s, 'base64url');
  const isValid = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!isValid) throw new Refusal(401, 'the token signature does not verify with k');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Partial<ReceivedPush['claims']>;
  if (claims.aud !== origin) throw new Refusal(401, `aud ${claims.aud} is not ${origin}`);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new Refusal(401, 'exp is missing or past');
  if (claims.exp > now + 24 * 3600) throw new Refusal(401, 'exp is more than 24 hours away');
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) {
    throw new Refusal(401, 'sub is not a mailto: or https: contact');
  }
  return { claims: { aud: claims.aud, exp: claims.exp, sub: claims.sub }, k };
}

/**
 * RFC 8291 §3.4 and RFC 8188 §2: decrypt an aes128gcm body as the browser holding the ECDH key pair `held.ecdh` and
 * the auth secret `held.auth` (exported for the RFC 8291 Appendix A test vector).
 */
export function decryptPushMessage(body: Buffer, held: { ecdh: ECDH; auth: Buffer }): string {
  if (body.length < 21) throw new Refusal(400, 'the body is shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  if (rs < 18) throw new Refusal(400, 'record size below 18');
  if (asPublic.length !== 65 || asPublic[0] !== 4) throw new Refusal(400, 'keyid is not the sender’s P-256 key');
  const uaPublic = held.ecdh.getPublicKey();
  const ecdhSecret = held.ecdh.computeSecret(asPublic);
  // RFC 8291 §3.3 and §3.4: IKM from the ECDH secret and the auth secret, then RFC 8188's key and nonce.
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = hkdf(held.auth, ecdhSecret, keyInfo, 32);
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const baseNonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  const records = body.subarray(21 + idlen);
  const out: Buffer[] = [];
  for (let seq = 0, at = 0; at < records.length; seq++, at += rs) {
    const record = records.subarray(at, at + rs);
    const nonce = Buffer.from(baseNonce);
    // The record's sequence number XORed into the nonce's low bits (a 32-bit XOR covers any message here).
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    } catch {
      throw new Refusal(400, `record ${seq} does not decrypt (wrong keys or a tampered body)`);
    }
    // RFC 8188 §2: data, a delimiter (2 in the last record, 1 before), then zero padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    const isLast = at + rs >= records.length;
    if (plain[end] !== (isLast ? 2 : 1)) throw new Refusal(400, `record ${seq} has no valid padding delimiter`);
    out.push(plain.subarray(0, end));
  }
  return Buffer.concat(out).toString('utf8');
}

export class PushServiceStandIn extends StandIn {
  readonly received: ReceivedPush[] = [];
  /** Refused messages and why (for a failing test's message). */
  readonly refusals: string[] = [];
  private readonly subscriptions = new Map<string, Held>();

  constructor() {
    super((req) => this.answer(req));
  }

  /**
   * What `PushManager.subscribe()` does in the browser: a new ECDH P-256 key pair and auth secret, and an endpoint at
   * this push service. With `applicationServerKey`, only messages signed with that VAPID key are accepted.
   */
  subscribe(applicationServerKey: string | null = null): BrowserSubscription {
    const id = randomBytes(9).toString('base64url');
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.subscriptions.set(id, { ecdh, auth, applicationServerKey, isRemoved: false });
    return {
      id,
      endpoint: `${this.url}/push/${id}`,
      keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) },
    };
  }

  /** The browser unsubscribed (or the app was removed): the push service answers 410 Gone from now on. */
  unsubscribe(id: string): void {
    const held = this.subscriptions.get(id);
    if (held) held.isRemoved = true;
  }

  /** The decrypted payloads for one subscription, as JSON. */
  payloadsFor<T = unknown>(id: string): T[] {
    return this.received.filter((r) => r.subscriptionId === id).map((r) => JSON.parse(r.text) as T);
  }

  private answer(req: RecordedRequest): Reply {
    const m = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.path);
    if (!m) return { status: 404, body: 'no such resource' };
    if (req.method !== 'POST') return { status: 405, body: 'POST a push message' };
    const held = this.subscriptions.get(m[1]!);
    if (!held || held.isRemoved) return { status: 410, body: 'the subscription has expired or was removed' };
    try {
      const ttl = String(req.headers.ttl ?? '');
      if (!/^\d+$/.test(ttl)) throw new Refusal(400, 'TTL is required (RFC 8030 §5.2)');
      const urgency = String(req.headers.urgency ?? 'normal');
      if (!['very-low', 'low', 'normal', 'high'].includes(urgency)) throw new Refusal(400, `bad Urgency ${urgency}`);
      const topic = typeof req.headers.topic === 'string' ? req.headers.topic : null;
      if (topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) throw new Refusal(400, 'bad Topic');
      const { claims, k } = verifyVapid(req.headers.authorization, this.url);
      if (held.applicationServerKey !== null && k !== held.applicationServerKey) {
        throw new Refusal(403, 'the VAPID key is not the subscription’s applicationServerKey');
      }
      if (req.headers['content-encoding'] !== 'aes128gcm') throw new Refusal(415, 'Content-Encoding must be aes128gcm');
      const text = decryptPushMessage(req.raw, held);
      const id = randomBytes(9).toString('base64url');
      this.received.push({ subscriptionId: m[1]!, ttl: Number(ttl), urgency, topic, claims, vapidKey: k, text });
      return { status: 201, body: '', headers: { location: `${this.url}/message/${id}` } };
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      this.refusals.push(`${e.status}: ${e.message}`);
      return { status: e.status, body: e.message };
    }
  }
}
