/**
 * Contact methods and notification rules: who can be reached how, and when each step fires. A user manages their
 * own; administrators manage anyone's. Every change is audited in its own transaction.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { sha256Hex } from '../shared/crypto.js';
import { AppError, forbidden, validationError } from '../shared/errors.js';
import { outboundUrlProblem, type ResolveAll } from '../shared/net.js';
import { newId, newSecret } from '../shared/ids.js';
import type { BreakerState } from './bulkhead.js';
import {
  contactMethodNotFound,
  notificationRuleExists,
  notificationRuleNotFound,
  verificationNotNeeded,
} from './errors.js';
import {
  contactMethodProblems,
  labelProblems,
  needsVerification,
  ruleProblems,
  type ContactKind,
  type PushKeys,
  type Urgency,
} from './model.js';
import {
  deleteContactMethod,
  deleteRule,
  findContactMethodRow,
  findRule,
  findRuleByStep,
  insertContactMethod,
  insertRule,
  isTeamAdminOf,
  latestTriedDeliveries,
  listContactMethods,
  listRules,
  toContactMethod,
  updateContactMethod,
  type ContactHealth,
  type ContactMethod,
  type NotificationRule,
} from './repo.js';

export interface CreateContactMethodInput {
  kind: ContactKind;
  label?: string | undefined;
  address: string;
  serverUrl?: string | null | undefined;
  /** ntfy: an access token for a protected topic. Webhooks get a generated signing secret instead. */
  accessToken?: string | undefined;
  isVerified?: boolean | undefined;
  /** Organisation administrators only: the webhook URL or ntfy server may be a private address (see `outboundGuard`). */
  allowPrivateAddress?: boolean | undefined;
  /** webpush: the subscription's keys; the address is its endpoint. */
  keys?: PushKeys | undefined;
}

export interface UpdateContactMethodInput {
  label?: string | undefined;
  address?: string | undefined;
  serverUrl?: string | null | undefined;
  isVerified?: boolean | undefined;
  /** Webhooks: issue a new signing secret (returned once). */
  rotateSecret?: boolean | undefined;
  /** Organisation administrators only (see `outboundGuard`). */
  allowPrivateAddress?: boolean | undefined;
}

export interface ContactMethodWithSecret {
  contactMethod: ContactMethod;
  /** The webhook signing secret: returned when created or rotated, never again. */
  secret?: string;
}

/** A URL a contact method makes Muster call, and the field it came from. */
interface OutboundUrl {
  field: string;
  url: string;
}

/** Webhooks and push subscriptions call their address; ntfy contact methods their own server, when they name one. */
function outboundUrlOf(kind: ContactKind, address: string, serverUrl: string | null): OutboundUrl | null {
  if (kind === 'webhook' || kind === 'webpush') return { field: 'address', url: address };
  if (kind === 'ntfy' && serverUrl !== null) return { field: 'serverUrl', url: serverUrl };
  return null; // no URL, or the server's configured default ntfy server (the operator's choice)
}

export class ContactService {
  /** `resolve`: how host names in URLs people give are resolved (node:dns unless a test passes one). */
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      resolve?: ResolveAll | undefined;
      /** This process's circuit breaker for a contact method's destination (src/notify/bulkhead.ts). */
      breakerOf?: ((c: ContactMethod) => BreakerState) | undefined;
    },
  ) {}

  /**
   * SSRF: a webhook URL or ntfy server must resolve to public addresses only (src/shared/net.ts), checked here when
   * given and again on the address connected to when used. An organisation administrator may allow a private target:
   * explicitly (`allowPrivateAddress: true`), or by giving one (an administrator who enters an internal URL means it;
   * the audit event records it). Anyone else asking to is refused; a non-administrator who changes the URL of a
   * contact method an administrator allowed makes it public-only again. Returns whether private addresses are
   * allowed, for the row.
   */
  private async outboundGuard(
    actor: Actor,
    target: OutboundUrl | null,
    opts: { requested: boolean | undefined; current: boolean; isUrlChanged: boolean },
  ): Promise<boolean> {
    if (opts.requested === true && !actor.isAdmin) {
      throw forbidden('Only organisation administrators may allow a contact method to reach private addresses.');
    }
    if (!target) return false;
    const needsCheck = opts.isUrlChanged || opts.requested !== undefined;
    if (!needsCheck) return opts.current;
    const problem = await outboundUrlProblem(target.url, this.deps.resolve);
    if (!problem) return actor.isAdmin && opts.requested === true;
    if (actor.isAdmin && opts.requested !== false) return true;
    throw validationError([{ field: target.field, message: problem }]);
  }

  /** People manage their own contact methods and rules; administrators manage everyone's. */
  requireSelfOrAdmin(actor: Actor, userId: string): void {
    if (actor.userId !== userId && !actor.isAdmin) {
      throw forbidden('You can manage only your own contact methods and notification rules.');
    }
  }

  /**
   * A user's contact methods, each with its health (is it reaching them?). The person, organisation administrators
   * and the administrators of the person's teams may look (team administrators see a failing contact method of
   * someone they page); only the first two may change them.
   */
  async listContactMethods(actor: Actor, userId: string): Promise<ContactMethod[]> {
    const db = this.deps.db.kysely;
    if (
      actor.userId !== userId &&
      !actor.isAdmin &&
      !(actor.userId && (await isTeamAdminOf(db, actor.userId, userId)))
    ) {
      this.requireSelfOrAdmin(actor, userId);
    }
    const methods = await listContactMethods(db, userId);
    for (const c of methods) c.health = await this.healthOf(c);
    return methods;
  }

  private async healthOf(c: ContactMethod): Promise<ContactHealth> {
    const latest = await latestTriedDeliveries(this.deps.db.kysely, c.id);
    const isFailed = (d: (typeof latest)[number]) => d.status === 'failed' || (d.status !== 'sent' && !!d.lastError);
    let failedInARow = 0;
    while (failedInARow < latest.length && isFailed(latest[failedInARow]!)) failedInARow++;
    const lastFailed = latest.find(isFailed);
    const breaker = this.deps.breakerOf?.(c) ?? null;
    const isBreakerOpen = breaker !== null && breaker.state !== 'closed';
    return {
      status: failedInARow > 0 || isBreakerOpen ? 'failing' : latest.length ? 'ok' : 'unknown',
      failedInARow,
      lastError: lastFailed?.lastError ?? null,
      lastFailedAt: lastFailed?.updatedAt ?? null,
      breaker: breaker?.state ?? 'closed',
      breakerRetryAt: isBreakerOpen ? breaker.retryAt : null,
    };
  }

  private async ownedContactRow(userId: string, id: string) {
    const row = await findContactMethodRow(this.deps.db.kysely, id);
    if (!row || row.userId !== userId) throw contactMethodNotFound(id);
    return row;
  }

  async createContactMethod(
    actor: Actor,
    userId: string,
    input: CreateContactMethodInput,
  ): Promise<ContactMethodWithSecret> {
    this.requireSelfOrAdmin(actor, userId);
    const address = input.address.trim();
    const problems = contactMethodProblems({ ...input, address });
    if (problems.length) throw validationError(problems);
    if (input.isVerified && !actor.isAdmin) throw forbidden('Only administrators mark contact methods verified.');
    const serverUrl = input.kind === 'ntfy' ? (input.serverUrl ?? null) : null;
    const allowPrivateAddress = await this.outboundGuard(actor, outboundUrlOf(input.kind, address, serverUrl), {
      requested: input.allowPrivateAddress,
      current: false,
      isUrlChanged: true,
    });
    const now = this.deps.clock.now();
    if (input.kind === 'webpush') return this.savePushSubscription(actor, userId, input, allowPrivateAddress, now);
    const id = newId('cm', now);
    const secret = input.kind === 'webhook' ? newSecret(32) : (input.accessToken ?? null);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      // The user must exist: a foreign key would also refuse, but with a less helpful error.
      await trx
        .selectFrom('users')
        .select('id')
        .where('id', '=', userId)
        .executeTakeFirstOrThrow(() => new AppError('user_not_found', `No user with id ${userId}.`, { status: 404 }));
      await insertContactMethod(trx, {
        id,
        userId,
        kind: input.kind,
        label: input.label?.trim() || input.kind,
        address,
        serverUrl,
        secret,
        isVerified: input.isVerified ? 1 : 0,
        allowPrivateAddress: allowPrivateAddress ? 1 : 0,
        verifyCodeHash: null,
        verifyExpiresAt: null,
        expiredAt: null,
        createdAt: now,
        updatedAt: now,
      });
      await recordAudit(
        trx,
        actor,
        'contact_method.created',
        { type: 'user', id: userId },
        { id, kind: input.kind, ...(allowPrivateAddress ? { allowPrivateAddress } : {}) },
        now,
      );
    });
    const contactMethod = toContactMethod((await findContactMethodRow(this.deps.db.kysely, id))!);
    return input.kind === 'webhook' && secret ? { contactMethod, secret } : { contactMethod };
  }

  /**
   * A browser's push subscription: a new contact method, or (the same device enabling push again) the person's method
   * with that endpoint renewed: its keys replaced and no longer expired. It needs no verification: the subscription
   * itself came from the person's browser.
   */
  private async savePushSubscription(
    actor: Actor,
    userId: string,
    input: CreateContactMethodInput,
    allowPrivateAddress: boolean,
    now: number,
  ): Promise<ContactMethodWithSecret> {
    const address = input.address.trim();
    const secret = JSON.stringify({ p256dh: input.keys!.p256dh, auth: input.keys!.auth });
    const id = await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .selectFrom('users')
        .select('id')
        .where('id', '=', userId)
        .executeTakeFirstOrThrow(() => new AppError('user_not_found', `No user with id ${userId}.`, { status: 404 }));
      const existing = await trx
        .selectFrom('contactMethods')
        .select('id')
        .where('userId', '=', userId)
        .where('kind', '=', 'webpush')
        .where('address', '=', address)
        .executeTakeFirst();
      const details = { kind: 'webpush', ...(allowPrivateAddress ? { allowPrivateAddress } : {}) };
      if (existing) {
        await updateContactMethod(trx, existing.id, {
          ...(input.label?.trim() ? { label: input.label.trim() } : {}),
          secret,
          allowPrivateAddress: allowPrivateAddress ? 1 : 0,
          expiredAt: null,
          updatedAt: now,
        });
        const changed = ['keys'];
        await recordAudit(
          trx,
          actor,
          'contact_method.updated',
          { type: 'user', id: userId },
          { id: existing.id, changed, ...details },
          now,
        );
        return existing.id;
      }
      const created = newId('cm', now);
      await insertContactMethod(trx, {
        id: created,
        userId,
        kind: 'webpush',
        label: input.label?.trim() || 'Push on this device',
        address,
        serverUrl: null,
        secret,
        isVerified: 1,
        allowPrivateAddress: allowPrivateAddress ? 1 : 0,
        verifyCodeHash: null,
        verifyExpiresAt: null,
        expiredAt: null,
        createdAt: now,
        updatedAt: now,
      });
      await recordAudit(
        trx,
        actor,
        'contact_method.created',
        { type: 'user', id: userId },
        { id: created, ...details },
        now,
      );
      return created;
    });
    return { contactMethod: toContactMethod((await findContactMethodRow(this.deps.db.kysely, id))!) };
  }

  async updateContactMethod(
    actor: Actor,
    userId: string,
    id: string,
    patch: UpdateContactMethodInput,
  ): Promise<ContactMethodWithSecret> {
    this.requireSelfOrAdmin(actor, userId);
    const row = await this.ownedContactRow(userId, id);
    const kind = row.kind as ContactKind;
    const address = patch.address?.trim() ?? row.address;
    const problems =
      kind === 'webpush'
        ? labelProblems(patch.label) // the endpoint and keys come from the browser: only the label changes
        : contactMethodProblems({ kind, address, label: patch.label, serverUrl: patch.serverUrl });
    if (kind === 'webpush' && address !== row.address) {
      problems.push({
        field: 'address',
        message: 'a push subscription cannot be changed: enable push on the device again',
      });
    }
    if (kind === 'webpush' && patch.serverUrl !== undefined && patch.serverUrl !== null) {
      problems.push({ field: 'serverUrl', message: 'is only for ntfy contact methods' });
    }
    if (patch.rotateSecret && kind !== 'webhook') {
      problems.push({ field: 'rotateSecret', message: 'only webhooks have a signing secret' });
    }
    if (problems.length) throw validationError(problems);
    if (patch.isVerified && !actor.isAdmin) throw forbidden('Only administrators mark contact methods verified.');
    const serverUrl = patch.serverUrl !== undefined ? patch.serverUrl : row.serverUrl;
    const allowPrivateAddress = await this.outboundGuard(actor, outboundUrlOf(kind, address, serverUrl), {
      requested: patch.allowPrivateAddress,
      current: row.allowPrivateAddress === 1,
      isUrlChanged: address !== row.address || serverUrl !== row.serverUrl,
    });
    const now = this.deps.clock.now();
    const secret = patch.rotateSecret ? newSecret(32) : undefined;
    const isAddressChanged = address !== row.address;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await updateContactMethod(trx, id, {
        ...(patch.label !== undefined ? { label: patch.label.trim() || kind } : {}),
        address,
        ...(patch.serverUrl !== undefined ? { serverUrl: patch.serverUrl } : {}),
        ...(secret ? { secret } : {}),
        allowPrivateAddress: allowPrivateAddress ? 1 : 0,
        // A new number or address has to be verified again.
        isVerified: patch.isVerified !== undefined ? (patch.isVerified ? 1 : 0) : isAddressChanged ? 0 : row.isVerified,
        updatedAt: now,
      });
      const changed = Object.keys(patch).filter((k) => patch[k as keyof UpdateContactMethodInput] !== undefined);
      const details = { id, changed, ...(allowPrivateAddress ? { allowPrivateAddress } : {}) };
      await recordAudit(trx, actor, 'contact_method.updated', { type: 'user', id: userId }, details, now);
    });
    const contactMethod = toContactMethod((await findContactMethodRow(this.deps.db.kysely, id))!);
    return secret ? { contactMethod, secret } : { contactMethod };
  }

  async deleteContactMethod(actor: Actor, userId: string, id: string): Promise<void> {
    this.requireSelfOrAdmin(actor, userId);
    const row = await this.ownedContactRow(userId, id);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await deleteContactMethod(trx, id); // its rules go with it (on delete cascade)
      await recordAudit(
        trx,
        actor,
        'contact_method.deleted',
        { type: 'user', id: userId },
        { id, kind: row.kind },
        now,
      );
    });
  }

  async listRules(actor: Actor, userId: string): Promise<NotificationRule[]> {
    this.requireSelfOrAdmin(actor, userId);
    return listRules(this.deps.db.kysely, userId);
  }

  async createRule(
    actor: Actor,
    userId: string,
    input: { contactMethodId: string; urgency: Urgency; delayMinutes: number },
  ): Promise<NotificationRule> {
    this.requireSelfOrAdmin(actor, userId);
    const problems = ruleProblems(input);
    if (problems.length) throw validationError(problems);
    await this.ownedContactRow(userId, input.contactMethodId);
    const now = this.deps.clock.now();
    const id = newId('nr', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (await findRuleByStep(trx, input)) {
        throw notificationRuleExists(input.contactMethodId, input.urgency, input.delayMinutes);
      }
      // Named fields only: the rule belongs to the path's user, whatever else the body carried.
      const { contactMethodId, urgency, delayMinutes } = input;
      await insertRule(trx, { id, userId, contactMethodId, urgency, delayMinutes, createdAt: now });
      await recordAudit(
        trx,
        actor,
        'notification_rule.created',
        { type: 'user', id: userId },
        { id, contactMethodId, urgency, delayMinutes },
        now,
      );
    });
    return (await findRule(this.deps.db.kysely, id))!;
  }

  async deleteRule(actor: Actor, userId: string, id: string): Promise<void> {
    this.requireSelfOrAdmin(actor, userId);
    const rule = await findRule(this.deps.db.kysely, id);
    if (!rule || rule.userId !== userId) throw notificationRuleNotFound(id);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await deleteRule(trx, id);
      await recordAudit(trx, actor, 'notification_rule.deleted', { type: 'user', id: userId }, { id }, now);
    });
  }

  /**
   * Start verifying a contact method: a six-digit code valid for 15 minutes, returned to the caller to send (the
   * delivery service sends it through the contact method itself).
   */
  async startVerification(actor: Actor, userId: string, id: string): Promise<{ code: string; expiresAt: number }> {
    this.requireSelfOrAdmin(actor, userId);
    const row = await this.ownedContactRow(userId, id);
    if (!needsVerification(row.kind as ContactKind)) throw verificationNotNeeded(row.kind);
    const now = this.deps.clock.now();
    const code = String(randomInt(100000, 1000000));
    const expiresAt = now + 15 * 60_000;
    await updateContactMethod(this.deps.db.kysely, id, {
      verifyCodeHash: sha256Hex(`${id}:${code}`),
      verifyExpiresAt: expiresAt,
      updatedAt: now,
    });
    return { code, expiresAt };
  }

  async confirmVerification(actor: Actor, userId: string, id: string, code: string): Promise<ContactMethod> {
    this.requireSelfOrAdmin(actor, userId);
    const row = await this.ownedContactRow(userId, id);
    if (!needsVerification(row.kind as ContactKind)) throw verificationNotNeeded(row.kind);
    const now = this.deps.clock.now();
    const isValid =
      row.verifyCodeHash !== null &&
      row.verifyExpiresAt !== null &&
      now < row.verifyExpiresAt &&
      row.verifyCodeHash === sha256Hex(`${id}:${code.trim()}`);
    if (!isValid) {
      throw new AppError('verification_code_invalid', 'The code is wrong or expired. Ask for a new one.', {
        status: 400,
      });
    }
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await updateContactMethod(trx, id, {
        isVerified: 1,
        verifyCodeHash: null,
        verifyExpiresAt: null,
        updatedAt: now,
      });
      await recordAudit(trx, actor, 'contact_method.verified', { type: 'user', id: userId }, { id }, now);
    });
    return toContactMethod((await findContactMethodRow(this.deps.db.kysely, id))!);
  }
}
