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
import { newId, newSecret } from '../shared/ids.js';
import { contactMethodNotFound, notificationRuleExists, notificationRuleNotFound } from './errors.js';
import { contactMethodProblems, ruleProblems, type ContactKind, type Urgency } from './model.js';
import {
  deleteContactMethod,
  deleteRule,
  findContactMethodRow,
  findRule,
  findRuleByStep,
  insertContactMethod,
  insertRule,
  listContactMethods,
  listRules,
  toContactMethod,
  updateContactMethod,
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
}

export interface UpdateContactMethodInput {
  label?: string | undefined;
  address?: string | undefined;
  serverUrl?: string | null | undefined;
  isVerified?: boolean | undefined;
  /** Webhooks: issue a new signing secret (returned once). */
  rotateSecret?: boolean | undefined;
}

export interface ContactMethodWithSecret {
  contactMethod: ContactMethod;
  /** The webhook signing secret: returned when created or rotated, never again. */
  secret?: string;
}

export class ContactService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  /** People manage their own contact methods and rules; administrators manage everyone's. */
  requireSelfOrAdmin(actor: Actor, userId: string): void {
    if (actor.userId !== userId && !actor.isAdmin) {
      throw forbidden('You can manage only your own contact methods and notification rules.');
    }
  }

  async listContactMethods(actor: Actor, userId: string): Promise<ContactMethod[]> {
    this.requireSelfOrAdmin(actor, userId);
    return listContactMethods(this.deps.db.kysely, userId);
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
    const now = this.deps.clock.now();
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
        serverUrl: input.kind === 'ntfy' ? (input.serverUrl ?? null) : null,
        secret,
        isVerified: input.isVerified ? 1 : 0,
        verifyCodeHash: null,
        verifyExpiresAt: null,
        createdAt: now,
        updatedAt: now,
      });
      await recordAudit(
        trx,
        actor,
        'contact_method.created',
        { type: 'user', id: userId },
        { id, kind: input.kind },
        now,
      );
    });
    const contactMethod = toContactMethod((await findContactMethodRow(this.deps.db.kysely, id))!);
    return input.kind === 'webhook' && secret ? { contactMethod, secret } : { contactMethod };
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
    const problems = contactMethodProblems({ kind, address, label: patch.label, serverUrl: patch.serverUrl });
    if (patch.rotateSecret && kind !== 'webhook') {
      problems.push({ field: 'rotateSecret', message: 'only webhooks have a signing secret' });
    }
    if (problems.length) throw validationError(problems);
    if (patch.isVerified && !actor.isAdmin) throw forbidden('Only administrators mark contact methods verified.');
    const now = this.deps.clock.now();
    const secret = patch.rotateSecret ? newSecret(32) : undefined;
    const isAddressChanged = address !== row.address;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await updateContactMethod(trx, id, {
        ...(patch.label !== undefined ? { label: patch.label.trim() || kind } : {}),
        address,
        ...(patch.serverUrl !== undefined ? { serverUrl: patch.serverUrl } : {}),
        ...(secret ? { secret } : {}),
        // A new number or address has to be verified again.
        isVerified: patch.isVerified !== undefined ? (patch.isVerified ? 1 : 0) : isAddressChanged ? 0 : row.isVerified,
        updatedAt: now,
      });
      const changed = Object.keys(patch).filter((k) => patch[k as keyof UpdateContactMethodInput] !== undefined);
      await recordAudit(trx, actor, 'contact_method.updated', { type: 'user', id: userId }, { id, changed }, now);
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
    await this.ownedContactRow(userId, id);
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
