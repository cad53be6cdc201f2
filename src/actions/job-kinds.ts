/** The durable job kinds of action items and their payloads (handlers in jobs.ts). */
export const REMIND_JOB = 'actions.remind';
export const TRACKER_JOB = 'actions.createTrackerIssue';
export const DIGEST_JOB = 'actions.overdueDigest';

export interface RemindPayload {
  itemId: string;
  /** The due date this reminder is for: a moved date makes it exit quietly (the new date has its own). */
  dueAt: number;
  which: 'before' | 'due';
}

export interface TrackerPayload {
  itemId: string;
  provider: string;
}

export interface DigestPayload {
  /** The digest's instant (daily, DIGEST_HOUR_UTC). */
  at: number;
}
