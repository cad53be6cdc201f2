/**
 * Runbooks (docs/runbooks.md): Markdown documents owned by a team, versions and diffs, links to services and alert rules, freshness.
 */
import type { Db } from '../db/index.js';
import type { TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface RunbookDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

export class RunbookService {
  constructor(protected readonly deps: RunbookDeps) {}

  /** The owning team of a runbook; null when there is none (the route answers 404). */
  async teamOf(id: string): Promise<string | null> {
    const row = await this.deps.db.kysely
      .selectFrom('runbooks')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.teamId ?? null;
  }
}
