import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { isDatabaseUnavailable } from './health.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export function migrationNames(): string[] {
  return Object.keys(migrations).sort();
}

/**
 * Apply pending migrations; Kysely's lock table makes concurrent starts on one PostgreSQL safe. The lock is taken on
 * a connection from the database's pool, like every other (src/db/pg-pool.ts), so losing it is an error, not a crash;
 * migrations run in one transaction, so a lost connection leaves none half-applied. `waitForDatabaseMs`: while the
 * database is unavailable (still starting, restarting), try again with backoff for up to this long.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  opts: { waitForDatabaseMs?: number } = {},
): Promise<string[]> {
  const deadline = Date.now() + (opts.waitForDatabaseMs ?? 0);
  for (let delay = 250; ; delay = Math.min(delay * 2, 4000)) {
    try {
      return await migrateOnce(db);
    } catch (e) {
      if (!isDatabaseUnavailable(e) || Date.now() + delay > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function migrateOnce(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    // A number assigned earlier can land after later ones ran (0026 after 0027/0028): run it rather than refuse.
    allowUnorderedMigrations: true,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(
      `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${result.error instanceof Error ? result.error.message : JSON.stringify(result.error)}`,
      {
        cause: result.error,
      },
    );
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
