/**
 * Escalation as pure functions: which level pages whom at `now`, which levels are skipped and why, when the next
 * step is due. The policy is snapshotted when paging starts, so edits never change a page in flight. Time is passed
 * in; who is on call is asked through `resolveTarget`, so this file needs no database.
 */
import { isWithinWorkingHours, nextWorkingHoursStart, type WorkingHours } from '../shared/time.js';

export type EscalationTarget = { type: 'user'; id: string } | { type: 'schedule'; id: string };

export type LevelCondition =
  | { kind: 'always' }
  | { kind: 'working_hours' }
  | { kind: 'outside_working_hours' }
  | { kind: 'days_of_week'; days: number[] };

export interface EscalationLevel {
  /** Minutes to wait after this level pages before the next level. */
  delayMinutes: number;
  targets: EscalationTarget[];
  condition?: LevelCondition;
}

export interface PolicySnapshot {
  policyId: string;
  name: string;
  /** How many more times to run the levels after the first pass. */
  repeat: number;
  levels: EscalationLevel[];
  /** Working hours in an explicit time zone: conditions and low-urgency holds read it. */
  workingHours: WorkingHours;
  /** Re-page from level 1 when an acknowledged alert is not resolved within this many minutes; null: never. */
  ackTimeoutMinutes?: number | null;
}

export type Urgency = 'high' | 'low';

export interface EscalationPosition {
  levelIndex: number;
  /** 0 for the first pass, 1 for the first repeat, … */
  pass: number;
}

export interface PlannedPage {
  levelIndex: number;
  pass: number;
  userIds: string[];
}

export interface SkippedLevel {
  levelIndex: number;
  pass: number;
  reason: 'condition_not_met' | 'nobody_on_call';
}

export type StepPlan =
  | {
      kind: 'page';
      page: PlannedPage;
      skipped: SkippedLevel[];
      next: { position: EscalationPosition; at: number } | null;
    }
  | { kind: 'hold'; until: number; reason: 'low_urgency_outside_working_hours' }
  | { kind: 'exhausted'; skipped: SkippedLevel[] };

export function conditionHolds(condition: LevelCondition | undefined, now: number, wh: WorkingHours): boolean {
  if (!condition || condition.kind === 'always') return true;
  if (condition.kind === 'working_hours') return isWithinWorkingHours(now, wh);
  if (condition.kind === 'outside_working_hours') return !isWithinWorkingHours(now, wh);
  const weekday = isoWeekdayIn(now, wh.timezone);
  return condition.days.includes(weekday);
}

function isoWeekdayIn(now: number, tz: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short' }).format(new Date(now));
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(name) + 1;
}

function advance(pos: EscalationPosition, snapshot: PolicySnapshot): EscalationPosition | null {
  if (pos.levelIndex + 1 < snapshot.levels.length) return { levelIndex: pos.levelIndex + 1, pass: pos.pass };
  if (pos.pass < snapshot.repeat) return { levelIndex: 0, pass: pos.pass + 1 };
  return null;
}

/**
 * Plan the step at `position`. Levels whose condition fails or that resolve to nobody are skipped at once (and
 * reported), so an empty level never delays a page. A whole pass of skips ends the escalation as exhausted.
 */
export function planStep(
  snapshot: PolicySnapshot,
  position: EscalationPosition,
  now: number,
  urgency: Urgency,
  resolveTarget: (target: EscalationTarget, at: number) => string[],
): StepPlan {
  if (urgency === 'low' && !isWithinWorkingHours(now, snapshot.workingHours)) {
    const until = nextWorkingHoursStart(now, snapshot.workingHours);
    if (until !== null) return { kind: 'hold', until, reason: 'low_urgency_outside_working_hours' };
  }
  const skipped: SkippedLevel[] = [];
  let pos: EscalationPosition | null = position;
  let consecutiveSkips = 0;
  while (pos && consecutiveSkips < snapshot.levels.length) {
    const level = snapshot.levels[pos.levelIndex];
    if (!level) break;
    if (!conditionHolds(level.condition, now, snapshot.workingHours)) {
      skipped.push({ ...pos, reason: 'condition_not_met' });
    } else {
      const userIds = [...new Set(level.targets.flatMap((t) => resolveTarget(t, now)))];
      if (userIds.length > 0) {
        const nextPos = advance(pos, snapshot);
        return {
          kind: 'page',
          page: { ...pos, userIds },
          skipped,
          next: nextPos ? { position: nextPos, at: now + Math.max(0, level.delayMinutes) * 60_000 } : null,
        };
      }
      skipped.push({ ...pos, reason: 'nobody_on_call' });
    }
    consecutiveSkips++;
    pos = advance(pos, snapshot);
  }
  return { kind: 'exhausted', skipped };
}

export interface PolicyProblem {
  field: string;
  message: string;
}

export function validatePolicy(p: {
  repeat: number;
  levels: EscalationLevel[];
  ackTimeoutMinutes?: number | null;
}): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const t = p.ackTimeoutMinutes;
  if (t !== undefined && t !== null && (!Number.isInteger(t) || t < 5 || t > 10080)) {
    problems.push({ field: 'ackTimeoutMinutes', message: 'must be 5 to 10080 minutes, or null for no timeout' });
  }
  if (!Number.isInteger(p.repeat) || p.repeat < 0 || p.repeat > 9)
    problems.push({ field: 'repeat', message: 'must be 0 to 9' });
  if (p.levels.length === 0) problems.push({ field: 'levels', message: 'must have at least one level' });
  if (p.levels.length > 20) problems.push({ field: 'levels', message: 'must have at most 20 levels' });
  p.levels.forEach((l, i) => {
    if (!Number.isInteger(l.delayMinutes) || l.delayMinutes < 1 || l.delayMinutes > 1440) {
      problems.push({ field: `levels.${i}.delayMinutes`, message: 'must be 1 to 1440 minutes' });
    }
    if (l.targets.length === 0)
      problems.push({ field: `levels.${i}.targets`, message: 'must name at least one user or schedule' });
    if (l.condition?.kind === 'days_of_week' && l.condition.days.some((d) => d < 1 || d > 7)) {
      problems.push({ field: `levels.${i}.condition.days`, message: 'must be ISO weekdays 1 (Monday) to 7 (Sunday)' });
    }
  });
  return problems;
}

/** Paging urgency from an alert's severity: critical and error page at once; warning and info can wait for the day. */
export function urgencyForSeverity(severity: string): Urgency {
  return severity === 'critical' || severity === 'error' ? 'high' : 'low';
}
