export {
  GamedayService,
  noHooks,
  presentScenario,
  type GamedayHooks,
  type GamedayDetail,
  type Measures,
} from './service.js';
export { gamedayJobs, INJECT_JOB, REMIND_JOB, SERIES_JOB, deliverInject, skipDrills } from './jobs.js';
export { findByIncident as findGamedayByIncident, canActOnGameday, lockGameday, findGameday } from './repo.js';
export * from './model.js';
