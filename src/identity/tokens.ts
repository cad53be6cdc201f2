import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { sha256Hex } from '../shared/crypto.js';
import { forbidden, validationError } from '../shared/errors.js';
import { newId, newSecret } from '../shared/ids.js';
import { recordAudit, type Actor } from './audit.js';
import { tokenNotFound } from './errors.js';
import { TOKEN_PREFIX, tokenDisplayPrefix } from './model.js';
import { findUserRowById, toUser, type User } from './repo.js';

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

const TOUCH_EVERY_MS = 60 * 1000;

/** Personal API tokens: the plaintext is returned once at creation; only its SHA-256 is stored. */
export class TokenService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  async create(
    actor: Actor,
    input: { userId?: string; name: string; expiresAt?: number | null },
  ): Promise<{ token: string; apiToken: ApiToken }> {
    const userId = input.userId ?? actor.userId;
    if (!userId) throw validationError([{ field: 'userId', message: 'is required' }]);
    if (userId !== actor.userId && !actor.isAdmin) throw forbidden('You can create tokens only for yourself.');
    const name = input.name.trim();
    const now = this.deps.clock.now();
    const problems = [];
    if (!name || name.length > 100) problems.push({ field: 'name', message: 'must be 1 to 100 characters' });
    if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt <= now) {
      problems.push({ field: 'expiresAt', message: 'must be in the future' });
    }
    if (problems.length) throw validationError(problems);
    const token = `${TOKEN_PREFIX}${newSecret()}`;
    const row = {
      id: newId('tok', now),
      userId,
      name,
      tokenHash: sha256Hex(token),
      prefix: tokenDisplayPrefix(token),
      createdAt: now,
      lastUsedAt: null,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
    };
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await findUserRowById(trx, userId))) {
        throw validationError([{ field: 'userId', message: `no user with id ${userId}` }]);
      }
      await trx.insertInto('apiTokens').values(row).execute();
      await recordAudit(trx, actor, 'api_token.created', { type: 'api_token', id: row.id }, { userId, name }, now);
    });
    const { tokenHash: _h, ...apiToken } = row;
    return { token, apiToken };
  }

  async list(actor: Actor, userId?: string): Promise<ApiToken[]> {
    const target = userId ?? actor.userId;
    if (!target) return [];
    if (target !== actor.userId && !actor.isAdmin) throw forbidden('You can list only your own tokens.');
    return this.deps.db.kysely
      .selectFrom('apiTokens')
      .select(['id', 'userId', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'expiresAt', 'revokedAt'])
      .where('userId', '=', target)
      .orderBy('id', 'desc')
      .execute();
  }

  async revoke(actor: Actor, id: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('apiTokens')
        .select(['id', 'userId', 'revokedAt'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row || (row.userId !== actor.userId && !actor.isAdmin)) throw tokenNotFound(id);
      if (row.revokedAt !== null) return;
      await trx.updateTable('apiTokens').set({ revokedAt: now }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'api_token.revoked', { type: 'api_token', id }, { userId: row.userId }, now);
    });
  }

  async authenticate(token: string): Promise<{ user: User; tokenId: string } | null> {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const now = this.deps.clock.now();
    const row = await this.deps.db.kysely
      .selectFrom('apiTokens')
      .innerJoin('users', 'users.id', 'apiTokens.userId')
      .selectAll('users')
      .select(['apiTokens.id as tokenId', 'apiTokens.revokedAt', 'apiTokens.expiresAt', 'apiTokens.lastUsedAt'])
      .where('apiTokens.tokenHash', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row || row.revokedAt !== null || row.disabledAt !== null) return null;
    if (row.expiresAt !== null && row.expiresAt <= now) return null;
    if (row.lastUsedAt === null || now - row.lastUsedAt > TOUCH_EVERY_MS) {
      await this.deps.db.kysely
        .updateTable('apiTokens')
        .set({ lastUsedAt: now })
        .where('id', '=', row.tokenId)
        .execute();
    }
    return { user: toUser(row), tokenId: row.tokenId };
  }
}
