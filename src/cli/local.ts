/** Commands that work on the database directly (no server needed): serve, migrate, first users and tokens. */
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { DataDirLockedError, migrateToLatest, openDb, type Db } from '../db/index.js';
import { signInUrl } from '../http/routes/auth.js';
import { IdentityService, TokenService, systemActor } from '../identity/index.js';
import { systemClock } from '../shared/clock.js';
import { startMuster } from '../server.js';

export function readConfig(file?: string, overrides: Record<string, unknown> = {}): Config {
  try {
    return loadConfig({ ...(file ? { file } : {}), overrides });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

export async function withDb<T>(
  config: Config,
  fn: (db: Db) => Promise<T>,
  opts: { migrate?: boolean } = {},
): Promise<T> {
  let db: Db;
  try {
    db = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      throw new Error(
        `${e.message}\nWhile the server runs, work through its API instead: \`muster login --url URL --email EMAIL\` ` +
          'signs you in with your password and stores an API token for the other commands (or pass --url and ' +
          '--token). Or stop the server and run this command again.',
        { cause: e },
      );
    }
    throw e;
  }
  try {
    if (opts.migrate !== false) await migrateToLatest(db.kysely);
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function serve(config: Config): Promise<void> {
  const muster = await startMuster(config, {
    printBanner: (lines) => process.stdout.write(`\n${lines.join('\n')}\n\n`),
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    muster.services.log.info({ signal }, 'shutting down');
    muster
      .stop()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        process.stderr.write(`shutdown failed: ${String(e)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

export async function migrate(config: Config): Promise<string[]> {
  return withDb(config, async (db) => migrateToLatest(db.kysely), { migrate: false });
}

export async function createUserLocal(
  config: Config,
  input: { email: string; name: string; password?: string; isAdmin: boolean },
): Promise<{ user: unknown; signInUrl?: string }> {
  return withDb(config, async (db) => {
    const identity = new IdentityService({ db, clock: systemClock, sessionTtlMs: config.sessionTtlHours * 3600e3 });
    const actor = systemActor('cli');
    const user = await identity.createUser(actor, input);
    if (input.password) return { user };
    const link = await identity.createSignInLink(actor, user.id);
    return { user, signInUrl: signInUrlFor(config, link.token) };
  });
}

export async function signInLinkLocal(config: Config, email: string): Promise<string> {
  return withDb(config, async (db) => {
    const identity = new IdentityService({ db, clock: systemClock, sessionTtlMs: config.sessionTtlHours * 3600e3 });
    const user = await identity.findUserByEmail(email);
    if (!user) throw new Error(`No user with email ${email}.`);
    const link = await identity.createSignInLink(systemActor('cli'), user.id);
    return signInUrlFor(config, link.token);
  });
}

export async function createTokenLocal(
  config: Config,
  email: string,
  name: string,
): Promise<{ token: string; id: string }> {
  return withDb(config, async (db) => {
    const identity = new IdentityService({ db, clock: systemClock, sessionTtlMs: config.sessionTtlHours * 3600e3 });
    const user = await identity.findUserByEmail(email);
    if (!user) throw new Error(`No user with email ${email}.`);
    const tokens = new TokenService({ db, clock: systemClock });
    const { token, apiToken } = await tokens.create(systemActor('cli'), { userId: user.id, name });
    return { token, id: apiToken.id };
  });
}

function signInUrlFor(config: Config, token: string): string {
  return signInUrl({ config } as Parameters<typeof signInUrl>[0], token);
}
