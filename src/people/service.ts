/**
 * People health (docs/people-health.md): heroes, knowledge held by one person, double-booking, load and recovery, comp time, the anonymous pulse, the service health card.
 */
import type { Db } from '../db/index.js';
import type { TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface PeopleHealthDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

export class PeopleHealthService {
  constructor(protected readonly deps: PeopleHealthDeps) {}
}
