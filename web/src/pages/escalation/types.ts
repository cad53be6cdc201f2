/** The escalation API's shapes (src/http/routes/escalation.ts). Weekdays are ISO numbers, 1 = Monday. */

export type Target = { type: 'user'; id: string } | { type: 'schedule'; id: string };

export type Condition =
  | { kind: 'always' }
  | { kind: 'working_hours' }
  | { kind: 'outside_working_hours' }
  | { kind: 'days_of_week'; days: number[] };

export interface Level {
  delayMinutes: number;
  targets: Target[];
  condition?: Condition;
}

export interface WorkingHours {
  timezone: string;
  days: number[];
  start: string;
  end: string;
}

export interface Policy {
  id: string;
  teamId: string;
  name: string;
  description: string;
  repeat: number;
  levels: Level[];
  workingHours: WorkingHours;
  createdAt: string;
  updatedAt: string;
  ackTimeoutMinutes: number | null;
}

export const ISO_DAYS = [1, 2, 3, 4, 5, 6, 7] as const;
export const ISO_DAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
