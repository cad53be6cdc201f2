export { JobRunner, completeJobsIn, type JobContext, type JobHandler, type JobRunnerOptions } from './runner.js';
export {
  enqueueJob,
  enqueueJobDeferred,
  deferRunnerNotify,
  flushRunnerNotify,
  activeJobPayloads,
  findJob,
  listJobs,
  countJobsByStatus,
  retryDeadJob,
  jobBacklog,
  type JobBacklog,
} from './repo.js';
export { backoffMs, nextAfterFailure, type Job, type JobStatus, type EnqueueOptions } from './model.js';
export { StaleJobError, jobNotFound } from './errors.js';
export { probeHandler, type ProbePayload } from './diagnostics.js';
export { JobService } from './service.js';
