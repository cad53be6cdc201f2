/**
 * Remediation actions (docs/runbooks.md): HTTP and agent actions, their runs, approvals, automatic runs with a rate limit and the kill switch, agents.
 */
import type { Db } from '../db/index.js';
import type { TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface RemediationDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

export class RemediationService {
  constructor(protected readonly deps: RemediationDeps) {}

  /** The owning team of an action; null when there is none. */
  async teamOfAction(id: string): Promise<string | null> {
    const row = await this.deps.db.kysely
      .selectFrom('remediationActions')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.teamId ?? null;
  }

  /** The team of a run (its action's); null when there is none. */
  async teamOfRun(id: string): Promise<string | null> {
    const row = await this.deps.db.kysely
      .selectFrom('remediationRuns')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.teamId ?? null;
  }

  /** The team of an agent; null when there is none. */
  async teamOfAgent(id: string): Promise<string | null> {
    const row = await this.deps.db.kysely
      .selectFrom('remediationAgents')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.teamId ?? null;
  }
}
