/**
 * Live incident rooms: who is watching which incident in this process, and a nudge whenever its timeline grows.
 * Nudges come from this process after a commit (poke) and, on PostgreSQL, from every process through LISTEN on
 * INCIDENTS_CHANNEL (appendEvent NOTIFYs in the writer's transaction, delivered at commit). The mechanism is the
 * shared LiveChannel (src/db/live.ts), also used by the alert list's stream.
 */
import type { Db } from '../db/index.js';
import { LiveChannel } from '../db/live.js';
import type { Logger } from '../shared/logger.js';
import { INCIDENTS_CHANNEL } from './repo.js';

export class LiveTimeline extends LiveChannel {
  constructor(deps: { db: Db; log: Logger }) {
    super({ ...deps, channel: INCIDENTS_CHANNEL, label: 'incident rooms' });
  }
}
