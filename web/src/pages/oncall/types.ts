/** The on-call API's shapes (src/http/routes/oncall-schemas.ts); instants are RFC 3339 strings. */

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const DAYS: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const DAY_NAMES: Record<Day, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

export type Turn = { unit: 'hours' | 'days' | 'weeks'; count: number } | { unit: 'duration'; seconds: number };

export interface Restriction {
  /** Days it applies to; empty means every day. */
  days: Day[];
  start: string;
  end: string;
}

export interface Layer {
  id: string;
  name: string;
  position: number;
  participants: string[];
  turn: Turn;
  startDate: string;
  handoffTime: string;
  restrictions: Restriction[];
  endsAt: string | null;
  /** The layer's own IANA zone (follow the sun); null: the schedule's zone. */
  timeZone?: string | null;
}

export interface Schedule {
  id: string;
  teamId: string;
  name: string;
  description: string;
  timezone: string;
  createdAt: string;
  updatedAt: string;
  layers: Layer[];
}

export interface Shift {
  userId: string;
  userName: string | null;
  start: string;
  end: string;
  source: string;
  sourceKind: 'layer' | 'override';
}

export interface Override {
  id: string;
  scheduleId: string;
  userId: string;
  start: string;
  end: string;
  reason: string;
  swapRequestId: string | null;
  createdBy: string;
  createdAt: string;
}

export type SwapStatus = 'pending' | 'accepted' | 'declined' | 'cancelled';

export interface Swap {
  id: string;
  scheduleId: string;
  requesterId: string;
  targetUserId: string;
  start: string;
  end: string;
  note: string;
  status: SwapStatus;
  overrideId: string | null;
  decidedAt: string | null;
  createdAt: string;
}

export interface OnCall {
  scheduleId: string;
  scheduleName: string;
  timezone: string;
  at: string;
  current: Shift | null;
  next: Shift | null;
}

export interface Warning {
  code: string;
  message: string;
  layerId?: string;
}

export interface Interval {
  start: string;
  end: string;
}

export interface ScheduleShifts {
  schedule: Schedule;
  from: string;
  to: string;
  final: Shift[];
  layers: { layer: Layer; shifts: Shift[] }[];
  overrides: Override[];
  gaps: Interval[];
  warnings: Warning[];
  hoursByUser: Record<string, number>;
}

export interface UserShifts {
  userId: string;
  from: string;
  to: string;
  hours: number;
  shifts: (Shift & { scheduleId: string; scheduleName: string })[];
}

export interface FeedLink {
  url: string;
  webcalUrl: string;
}
