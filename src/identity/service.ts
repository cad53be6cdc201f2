import type { Db, Executor } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { sha256Hex } from '../shared/crypto.js';
import { forbidden, validationError, type FieldProblem } from '../shared/errors.js';
import { newId, newSecret } from '../shared/ids.js';
import { isValidTimeZone } from '../shared/tz.js';
import { recordAudit, type Actor } from './audit.js';
import { emailTaken, invalidCredentials, linkInvalid, signInThrottled, userDisabled, userNotFound } from './errors.js';
import { SIGNIN_WINDOW_MS, isEmail, normalizeEmail, passwordProblem, signInWaitMs } from './model.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { countUsers, findUserRowByEmail, findUserRowById, toUser, type User } from './repo.js';

export interface IdentityDeps {
  db: Db;
  clock: Clock;
  sessionTtlMs: number;
}

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: number;
  user: User;
}

const LINK_TTL_MS = 24 * 60 * 60 * 1000;
const TOUCH_EVERY_MS = 60 * 1000;

export class IdentityService {
  constructor(private readonly deps: IdentityDeps) {}

  private get db(): Executor {
    return this.deps.db.kysely;
  }
  private now(): number {
    return this.deps.clock.now();
  }

  async countUsers(): Promise<number> {
    return countUsers(this.db);
  }

  async getUser(id: string): Promise<User> {
    const row = await findUserRowById(this.db, id);
    if (!row) throw userNotFound(id);
    return toUser(row);
  }

  async findUserByEmail(email: string): Promise<User | null> {
    const row = await findUserRowByEmail(this.db, normalizeEmail(email));
    return row ? toUser(row) : null;
  }

  async listUsers(opts: { includeDisabled?: boolean } = {}): Promise<User[]> {
    let q = this.db.selectFrom('users').selectAll().orderBy('name');
    if (!opts.includeDisabled) q = q.where('disabledAt', 'is', null);
    return (await q.execute()).map(toUser);
  }

  async createUser(
    actor: Actor,
    input: { email: string; name: string; password?: string | undefined; isAdmin?: boolean; timezone?: string },
  ): Promise<User> {
    if (!actor.isAdmin) throw forbidden('Only administrators create users.');
    const email = normalizeEmail(input.email);
    const problems: FieldProblem[] = [];
    if (!isEmail(email)) problems.push({ field: 'email', message: 'must be an email address' });
    if (!input.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
    if (input.password !== undefined) {
      const p = passwordProblem(input.password, email);
      if (p) problems.push({ field: 'password', message: p });
    }
    if (input.timezone && !isValidTimeZone(input.timezone)) {
      problems.push({ field: 'timezone', message: 'must be an IANA time zone such as Europe/London' });
    }
    if (problems.length) throw validationError(problems);
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    const now = this.now();
    const id = newId('usr', now);
    return this.deps.db.kysely.transaction().execute(async (trx) => {
      if (await findUserRowByEmail(trx, email)) throw emailTaken(email);
      await trx
        .insertInto('users')
        .values({
          id,
          email,
          name: input.name.trim(),
          passwordHash,
          isAdmin: input.isAdmin ? 1 : 0,
          timezone: input.timezone ?? 'UTC',
          createdAt: now,
          updatedAt: now,
          disabledAt: null,
        })
        .execute();
      await recordAudit(trx, actor, 'user.created', { type: 'user', id }, { email, isAdmin: !!input.isAdmin }, now);
      return toUser((await findUserRowById(trx, id))!);
    });
  }

  async updateUser(
    actor: Actor,
    id: string,
    patch: { name?: string; email?: string; timezone?: string; isAdmin?: boolean; disabled?: boolean },
  ): Promise<User> {
    const isSelf = actor.userId === id;
    if (!isSelf && !actor.isAdmin) throw forbidden('You can change only your own profile.');
    if ((patch.isAdmin !== undefined || patch.disabled !== undefined) && !actor.isAdmin) {
      throw forbidden('Only administrators change admin rights or disable accounts.');
    }
    if (isSelf && (patch.isAdmin === false || patch.disabled === true)) {
      throw forbidden('You cannot remove your own admin rights or disable yourself.', 'cannot_demote_self');
    }
    const problems: FieldProblem[] = [];
    const email = patch.email === undefined ? undefined : normalizeEmail(patch.email);
    if (email !== undefined && !isEmail(email)) problems.push({ field: 'email', message: 'must be an email address' });
    if (patch.name !== undefined && !patch.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
    if (patch.timezone !== undefined && !isValidTimeZone(patch.timezone)) {
      problems.push({ field: 'timezone', message: 'must be an IANA time zone such as Europe/London' });
    }
    if (problems.length) throw validationError(problems);
    const now = this.now();
    return this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await findUserRowById(trx, id);
      if (!row) throw userNotFound(id);
      if (email && email !== row.email && (await findUserRowByEmail(trx, email))) throw emailTaken(email);
      const changes = {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(email !== undefined ? { email } : {}),
        ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
        ...(patch.isAdmin !== undefined ? { isAdmin: patch.isAdmin ? (1 as const) : (0 as const) } : {}),
        ...(patch.disabled !== undefined ? { disabledAt: patch.disabled ? now : null } : {}),
      };
      await trx
        .updateTable('users')
        .set({ ...changes, updatedAt: now })
        .where('id', '=', id)
        .execute();
      if (patch.disabled) {
        await trx.deleteFrom('sessions').where('userId', '=', id).execute();
        await trx
          .updateTable('apiTokens')
          .set({ revokedAt: now })
          .where('userId', '=', id)
          .where('revokedAt', 'is', null)
          .execute();
      }
      await recordAudit(trx, actor, 'user.updated', { type: 'user', id }, { changes: Object.keys(changes) }, now);
      return toUser((await findUserRowById(trx, id))!);
    });
  }

  /** Set a password. Changing an existing one needs the current password unless an admin does it for another user. */
  async setPassword(
    actor: Actor,
    id: string,
    input: { password: string; currentPassword?: string | undefined },
  ): Promise<void> {
    const row = await findUserRowById(this.db, id);
    if (!row) throw userNotFound(id);
    const isSelf = actor.userId === id;
    if (!isSelf && !actor.isAdmin) throw forbidden('You can change only your own password.');
    const problem = passwordProblem(input.password, row.email);
    if (problem) throw validationError([{ field: 'password', message: problem }]);
    if (isSelf && row.passwordHash !== null) {
      if (!input.currentPassword || !(await verifyPassword(row.passwordHash, input.currentPassword))) {
        throw validationError([{ field: 'currentPassword', message: 'is not right' }]);
      }
    }
    const passwordHash = await hashPassword(input.password);
    const now = this.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ passwordHash, updatedAt: now }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'user.password_set', { type: 'user', id }, {}, now);
    });
  }

  /**
   * Email and password sign-in, throttled per account and client address together, with looser ceilings per account
   * and per address (signInWaitMs; shared by every process).
   */
  async signIn(input: { email: string; password: string; ip: string; userAgent: string }): Promise<NewSession> {
    const email = normalizeEmail(input.email);
    const now = this.now();
    const since = now - SIGNIN_WINDOW_MS;
    const [byEmail, byIp] = await Promise.all([
      this.db
        .selectFrom('signInFailures')
        .select(['at', 'ip'])
        .where('email', '=', email)
        .where('at', '>', since)
        .execute(),
      this.db.selectFrom('signInFailures').select('at').where('ip', '=', input.ip).where('at', '>', since).execute(),
    ]);
    const wait = signInWaitMs(
      byEmail.map((r) => ({ at: Number(r.at), ip: r.ip })),
      byIp.map((r) => Number(r.at)),
      input.ip,
      now,
    );
    if (wait > 0) throw signInThrottled(wait);
    const row = await findUserRowByEmail(this.db, email);
    const ok = await verifyPassword(row?.passwordHash ?? null, input.password);
    if (!row || !ok) {
      await this.deps.db.kysely.transaction().execute(async (trx) => {
        await trx
          .insertInto('signInFailures')
          .values({ id: newId('sif', now), email, ip: input.ip, at: now })
          .execute();
        await trx
          .deleteFrom('signInFailures')
          .where('at', '<', now - 24 * 60 * 60 * 1000)
          .execute();
        await recordAudit(
          trx,
          { userId: row?.id ?? null, tokenId: null, label: email, ip: input.ip, isAdmin: false },
          'session.sign_in_failed',
          { type: 'user', id: row?.id ?? null },
          { email },
          now,
        );
      });
      throw invalidCredentials();
    }
    if (row.disabledAt !== null) throw userDisabled();
    return this.startSession(toUser(row), input.ip, input.userAgent, 'password');
  }

  private async startSession(user: User, ip: string, userAgent: string, method: string): Promise<NewSession> {
    const now = this.now();
    const token = newSecret();
    const csrfToken = newSecret();
    const expiresAt = now + this.deps.sessionTtlMs;
    const id = newId('ses', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id,
          tokenHash: sha256Hex(token),
          userId: user.id,
          csrfToken,
          createdAt: now,
          expiresAt,
          lastSeenAt: now,
          ip,
          userAgent: userAgent.slice(0, 512),
        })
        .execute();
      await trx.deleteFrom('sessions').where('expiresAt', '<', now).execute();
      await recordAudit(
        trx,
        { userId: user.id, tokenId: null, label: user.email, ip, isAdmin: user.isAdmin },
        'session.signed_in',
        { type: 'session', id },
        { method },
        now,
      );
    });
    return { token, csrfToken, expiresAt, user };
  }

  /** The session behind a cookie, sliding its last-seen time at most once a minute. */
  async authenticateSession(token: string): Promise<{ user: User; sessionId: string; csrfToken: string } | null> {
    const now = this.now();
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.userId')
      .selectAll('users')
      .select(['sessions.id as sessionId', 'sessions.csrfToken', 'sessions.expiresAt', 'sessions.lastSeenAt'])
      .where('sessions.tokenHash', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row || row.expiresAt <= now || row.disabledAt !== null) return null;
    if (now - row.lastSeenAt > TOUCH_EVERY_MS) {
      await this.db.updateTable('sessions').set({ lastSeenAt: now }).where('id', '=', row.sessionId).execute();
    }
    return { user: toUser(row), sessionId: row.sessionId, csrfToken: row.csrfToken };
  }

  async signOut(actor: Actor, sessionId: string): Promise<void> {
    const now = this.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('sessions').where('id', '=', sessionId).execute();
      await recordAudit(trx, actor, 'session.signed_out', { type: 'session', id: sessionId }, {}, now);
    });
  }

  /** A one-time sign-in link token (first-admin bootstrap, account recovery). Only its hash is stored. */
  async createSignInLink(
    actor: Actor,
    userId: string,
    ttlMs = LINK_TTL_MS,
  ): Promise<{ token: string; expiresAt: number }> {
    if (!actor.isAdmin && actor.userId !== userId)
      throw forbidden('Only administrators create sign-in links for others.');
    const user = await this.getUser(userId);
    const now = this.now();
    const token = newSecret();
    const expiresAt = now + ttlMs;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const id = newId('lnk', now);
      await trx
        .insertInto('signInLinks')
        .values({
          id,
          tokenHash: sha256Hex(token),
          userId: user.id,
          purpose: 'sign_in',
          createdAt: now,
          expiresAt,
          usedAt: null,
        })
        .execute();
      await recordAudit(trx, actor, 'sign_in_link.created', { type: 'user', id: user.id }, { expiresAt }, now);
    });
    return { token, expiresAt };
  }

  async consumeSignInLink(input: { token: string; ip: string; userAgent: string }): Promise<NewSession> {
    const now = this.now();
    const hash = sha256Hex(input.token);
    const userId = await this.deps.db.kysely.transaction().execute(async (trx) => {
      // Single use even under a race: only the update that flips used_at from null wins.
      const r = await trx
        .updateTable('signInLinks')
        .set({ usedAt: now })
        .where('tokenHash', '=', hash)
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      const link = await trx
        .selectFrom('signInLinks')
        .select('userId')
        .where('tokenHash', '=', hash)
        .executeTakeFirstOrThrow();
      return link.userId;
    });
    if (!userId) throw linkInvalid();
    const user = await this.getUser(userId);
    if (user.disabledAt !== null) throw userDisabled();
    return this.startSession(user, input.ip, input.userAgent, 'link');
  }
}
