/**
 * One-click acknowledge/resolve links (and, for a page to a responder added from an incident room, a link that
 * acknowledges the responder request: `respond`). A link is a signed, expiring claim — `v1.<payload>.<HMAC-SHA256>` in
 * base64url, keyed by an instance secret generated at first start and kept in instance_settings — so nothing is
 * stored when a notification is sent. Using a link records its id in action_link_uses, which makes it single-use.
 * GET only shows a confirmation page: mail scanners and link previewers fetch URLs, and must not acknowledge pages.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { Actor, User } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { safeEqual } from '../shared/crypto.js';
import { newId, newSecret } from '../shared/ids.js';
import { actionLinkInvalid, actionLinksUnavailable } from './errors.js';
import type { NotificationMessage } from './model.js';
import { deleteLinkUse, ensureInstanceSetting, insertLinkUse, isLinkUsed } from './repo.js';

/** `respond`: acknowledge a responder request from an incident room (the page to a responder), joining the incident. */
export const LINK_ACTIONS = ['acknowledge', 'resolve', 'respond'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

export interface ActionLinkClaim {
  linkId: string;
  action: LinkAction;
  /** The alert acknowledged or resolved; '' for `respond`. */
  alertId: string;
  /** `respond`: the responder request and its incident. */
  responder?: { requestId: string; incidentId: string } | undefined;
  userId: string;
  expiresAt: number;
}

/** What the escalation domain does when a responder link is confirmed (acknowledge the request); src/server.ts. */
export type ResponderLinkHandler = (input: {
  requestId: string;
  incidentId: string;
  userId: string;
  actor: Actor;
}) => Promise<void>;

/** What the alerts domain does when a link is confirmed; injected by src/server.ts. */
export type AlertActionHandler = (input: {
  action: LinkAction;
  alertId: string;
  userId: string;
  actor: Actor;
}) => Promise<void>;

export const LINK_SECRET_SETTING = 'notify.action_link_secret';
const VERSION = 'v1';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

export function signClaim(secret: string, claim: ActionLinkClaim): string {
  const payload = b64(
    JSON.stringify({
      i: claim.linkId,
      a: claim.action,
      al: claim.alertId,
      u: claim.userId,
      e: claim.expiresAt,
      ...(claim.responder ? { r: claim.responder.requestId, n: claim.responder.incidentId } : {}),
    }),
  );
  const mac = createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest('base64url');
  return `${VERSION}.${payload}.${mac}`;
}

/** Check the signature and shape; expiry and use are checked by the caller (they need time and the database). */
export function verifyClaim(secret: string, token: string): ActionLinkClaim {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) throw actionLinkInvalid('malformed');
  const [, payload, mac] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest('base64url');
  if (!safeEqual(mac, expected)) throw actionLinkInvalid('signature');
  let raw: { i?: unknown; a?: unknown; al?: unknown; u?: unknown; e?: unknown; r?: unknown; n?: unknown };
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof raw;
  } catch {
    throw actionLinkInvalid('malformed');
  }
  const { i, a, al, u, e, r, n } = raw;
  if (typeof i !== 'string' || typeof al !== 'string' || typeof u !== 'string' || typeof e !== 'number') {
    throw actionLinkInvalid('malformed');
  }
  if (a === 'respond') {
    if (typeof r !== 'string' || typeof n !== 'string') throw actionLinkInvalid('malformed');
    return { linkId: i, action: a, alertId: '', responder: { requestId: r, incidentId: n }, userId: u, expiresAt: e };
  }
  if (a !== 'acknowledge' && a !== 'resolve') throw actionLinkInvalid('malformed');
  return { linkId: i, action: a, alertId: al, userId: u, expiresAt: e };
}

export class ActionLinkService {
  private secret: string | null = null;
  private handler: AlertActionHandler | null = null;
  private responderHandler: ResponderLinkHandler | null = null;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      getUser: (id: string) => Promise<User>;
      publicUrl: () => string;
      ttlMs: number;
    },
  ) {}

  /** Load the instance secret, generating it on first start. Concurrent first starts settle on one value. */
  async init(): Promise<void> {
    this.secret ??= await ensureInstanceSetting(
      this.deps.db.kysely,
      LINK_SECRET_SETTING,
      () => newSecret(32),
      this.deps.clock.now(),
    );
  }

  private async key(): Promise<string> {
    await this.init();
    return this.secret!;
  }

  /**
   * Seal a short secret (a verification code) for a stored message with the instance secret (AES-256-GCM): the
   * delivery row and the notification log keep a `{{name}}` placeholder and this sealed value, and only the send
   * opens it (openMessage), so reading one's own notification log does not reveal the code.
   */
  async seal(text: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.sealKey(), iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The message as it is sent: each `{{name}}` filled in from its sealed value, the sealed values dropped. */
  async openMessage<M extends NotificationMessage>(message: M): Promise<M> {
    const { sealed, ...rest } = message;
    if (!sealed) return message;
    const key = await this.sealKey();
    const values = new Map<string, string>();
    for (const [name, value] of Object.entries(sealed)) {
      const raw = Buffer.from(value, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      values.set(name, Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
    }
    const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (all, name: string) => values.get(name) ?? all);
    return { ...rest, subject: fill(rest.subject), body: fill(rest.body) } as M;
  }

  private async sealKey(): Promise<Buffer> {
    return createHash('sha256')
      .update(`muster:sealed-message:${await this.key()}`)
      .digest();
  }

  /** Wire the alerts domain in; until then messages carry no links and /a/… answers 503. */
  setHandler(handler: AlertActionHandler | null): void {
    this.handler = handler;
  }

  get isEnabled(): boolean {
    return this.handler !== null;
  }

  /** Wire the responder requests in; until then responder pages carry no link. */
  setResponderHandler(handler: ResponderLinkHandler | null): void {
    this.responderHandler = handler;
  }

  get isResponderEnabled(): boolean {
    return this.responderHandler !== null;
  }

  async create(
    input: {
      action: LinkAction;
      alertId: string;
      userId: string;
      responder?: { requestId: string; incidentId: string } | undefined;
    },
    now: number,
  ): Promise<{ token: string; url: string; expiresAt: number }> {
    const expiresAt = now + this.deps.ttlMs;
    const token = signClaim(await this.key(), { ...input, linkId: newId('lnk', now), expiresAt });
    return { token, url: `${this.deps.publicUrl()}/a/${token}`, expiresAt };
  }

  /**
   * The link for the other action on the same alert, for the same recipient and expiry, so the confirmation page of
   * an acknowledge link can offer Resolve too (and the other way round), and still after the first is used. Its id
   * is derived from the original's (`<original>/<action>`), and the sibling of that is the original again, so an
   * original link and its sibling are the only two: each action works at most once per link sent, and the token is
   * the same on every view. `isUsable` is false once it was used (or the original expired).
   */
  async sibling(claim: ActionLinkClaim): Promise<{ action: LinkAction; token: string; isUsable: boolean } | null> {
    if (claim.action === 'respond') return null; // a responder link has no other action
    const action: LinkAction = claim.action === 'acknowledge' ? 'resolve' : 'acknowledge';
    const [base, suffix] = claim.linkId.split('/');
    const linkId = suffix === undefined ? `${base}/${action}` : base!;
    const token = signClaim(await this.key(), { ...claim, action, linkId });
    const isUsable = await this.inspect(token, this.deps.clock.now()).then(
      () => true,
      () => false,
    );
    return { action, token, isUsable };
  }

  /** A valid, unexpired, unused link's claim; otherwise the reason as an AppError. Changes nothing. */
  async inspect(token: string, now: number): Promise<ActionLinkClaim> {
    const claim = verifyClaim(await this.key(), token);
    if (now >= claim.expiresAt) throw actionLinkInvalid('expired');
    if (await isLinkUsed(this.deps.db.kysely, claim.linkId)) throw actionLinkInvalid('used');
    return claim;
  }

  /**
   * Use a link: mark it used (atomically; a second use fails), then act as the recipient. If the action fails the
   * mark is removed again so the person can retry, and the error is passed on.
   */
  async use(token: string, ip: string | null): Promise<ActionLinkClaim> {
    const now = this.deps.clock.now();
    const claim = await this.inspect(token, now);
    const handler = this.handler;
    const responderHandler = this.responderHandler;
    if (claim.action === 'respond' ? !responderHandler : !handler) throw actionLinksUnavailable();
    const user = await this.deps.getUser(claim.userId);
    if (user.disabledAt !== null) throw actionLinkInvalid('signature');
    const db = this.deps.db.kysely;
    // A responder link's use names the request where an alert link's names the alert.
    const use = {
      linkId: claim.linkId,
      action: claim.action,
      alertId: claim.responder?.requestId ?? claim.alertId,
      userId: claim.userId,
      expiresAt: claim.expiresAt,
      usedAt: now,
    };
    if (!(await insertLinkUse(db, use))) throw actionLinkInvalid('used');
    // The recipient acts, with their own rights; the label tells the audit log it came through a link.
    const actor: Actor = { userId: user.id, tokenId: null, label: `${user.email} (link)`, ip, isAdmin: user.isAdmin };
    try {
      if (claim.action === 'respond' && claim.responder)
        await responderHandler!({ ...claim.responder, userId: user.id, actor });
      else await handler!({ action: claim.action, alertId: claim.alertId, userId: user.id, actor });
    } catch (e) {
      await deleteLinkUse(db, claim.linkId);
      throw e;
    }
    return claim;
  }
}
