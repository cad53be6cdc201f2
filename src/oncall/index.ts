/** The oncall domain's public face: the only file other domains import. */
import type { Db } from '../db/index.js';
import type { TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { FeedService } from './feeds.js';
import { OverrideService, type OverrideDeps } from './overrides.js';
import { ScheduleService } from './service.js';
import { ShiftService } from './shifts.js';

export { ScheduleService, type LayerInput, type ScheduleInput, type ScheduleWithLayers } from './service.js';
export { ShiftService, onCallUserIds, type OnCallNow, type People, type ScheduleShifts } from './shifts.js';
export { OverrideService, type OverrideInput } from './overrides.js';
export { FeedService, type FeedKind, type FeedLink } from './feeds.js';
export type { Layer, Override, Schedule, Swap } from './repo.js';
export type { SwapAction, SwapStatus } from './swaps.js';
export * from './model.js';
export { SustainabilityService, type PagesBetween } from './sustainability-service.js';
export {
  HANDOFF_JOB,
  ensureHandoffJobs,
  handoffHandler,
  type HandoffDeps,
  type HandoffPayload,
} from './handoff-jobs.js';

export interface OncallServices {
  schedules: ScheduleService;
  shifts: ShiftService;
  overrides: OverrideService;
  feeds: FeedService;
}

export function createOncallServices(deps: {
  db: Db;
  clock: Clock;
  teams: TeamService;
  publicUrl: () => string;
  /** Swap requests and their answers notify the people concerned (src/oncall/overrides.ts). */
  notify?: OverrideDeps['notify'];
  onEnqueued?: () => void;
}): OncallServices {
  return {
    schedules: new ScheduleService(deps),
    shifts: new ShiftService(deps),
    overrides: new OverrideService(deps),
    feeds: new FeedService(deps),
  };
}
