import { AppError } from '../shared/errors.js';

/** The job was claimed again by someone else (its lease ran out): this run's work is rolled back and dropped. */
export class StaleJobError extends AppError {
  constructor(jobId: string, fence: number) {
    super('job_stale', `Job ${jobId} is no longer held with fence ${fence}; another runner owns it.`, {
      status: 409,
      isPermanent: true,
    });
  }
}

export function unknownJobKind(kind: string): AppError {
  return new AppError('job_kind_unknown', `No handler is registered for job kind ${kind}.`, { isPermanent: true });
}

export function jobNotFound(id: string): AppError {
  return new AppError('job_not_found', `No job with id ${id}.`, { status: 404 });
}
