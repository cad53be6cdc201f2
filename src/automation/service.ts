/**
 * Automation rules (docs/runbooks.md): when an alert triggers, an incident is declared or a milestone is reached, suggest a runbook, run an action, page or post an update; once per incident.
 */
import type { Db } from '../db/index.js';
import type { TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface AutomationDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

export class AutomationService {
  constructor(protected readonly deps: AutomationDeps) {}

  /** The team of an automation rule; null when there is none. */
  async teamOfRule(id: string): Promise<string | null> {
    const row = await this.deps.db.kysely
      .selectFrom('automationRules')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.teamId ?? null;
  }
}
