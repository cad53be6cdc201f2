/** Checks of schedule definitions that a JSON schema cannot express; each problem names its field. */
import type { FieldProblem } from '../shared/errors.js';
import type { LayerDef, Restriction, TurnLength } from './layers.js';
import { DAYS_OF_WEEK, isValidTimeZone, parseLocalDate, parseTimeOfDay } from '../shared/tz.js';

export const MAX_PARTICIPANTS = 100;
export const MAX_RESTRICTIONS = 28;

export function timezoneProblems(tz: string, field = 'timezone'): FieldProblem[] {
  return isValidTimeZone(tz) ? [] : [{ field, message: 'must be an IANA time zone such as Europe/London' }];
}

function turnProblems(turn: TurnLength): FieldProblem[] {
  if (turn.unit === 'duration') {
    return Number.isInteger(turn.seconds) && turn.seconds >= 60 && turn.seconds <= 366 * 86400
      ? []
      : [{ field: 'turn.seconds', message: 'must be a whole number of seconds from 60 to a year' }];
  }
  const max = { hours: 24 * 366, days: 366, weeks: 52 }[turn.unit];
  return Number.isInteger(turn.count) && turn.count >= 1 && turn.count <= max
    ? []
    : [{ field: 'turn.count', message: `must be a whole number from 1 to ${max}` }];
}

function restrictionProblems(rs: Restriction[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (rs.length > MAX_RESTRICTIONS) problems.push({ field: 'restrictions', message: `at most ${MAX_RESTRICTIONS}` });
  rs.forEach((r, i) => {
    if (parseTimeOfDay(r.start) === null || r.start === '24:00') {
      problems.push({ field: `restrictions.${i}.start`, message: 'must be HH:MM from 00:00 to 23:59' });
    }
    if (parseTimeOfDay(r.end) === null) {
      problems.push({ field: `restrictions.${i}.end`, message: 'must be HH:MM from 00:00 to 24:00' });
    }
    if (r.days.some((d) => !(DAYS_OF_WEEK as readonly string[]).includes(d))) {
      problems.push({ field: `restrictions.${i}.days`, message: 'must be days mon … sun' });
    }
  });
  return problems;
}

/** Problems with a layer definition (ids of participants are checked against users by the service). */
export function layerProblems(layer: Omit<LayerDef, 'id'>, startsAt: number | null): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!layer.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
  if (layer.participants.length > MAX_PARTICIPANTS) {
    problems.push({ field: 'participants', message: `at most ${MAX_PARTICIPANTS}` });
  }
  if (parseLocalDate(layer.startDate) === null) problems.push({ field: 'startDate', message: 'must be YYYY-MM-DD' });
  const handoff = parseTimeOfDay(layer.handoffTime);
  if (handoff === null || handoff === 1440) {
    problems.push({ field: 'handoffTime', message: 'must be HH:MM from 00:00 to 23:59' });
  }
  problems.push(...turnProblems(layer.turn), ...restrictionProblems(layer.restrictions));
  if (layer.endsAt !== null && startsAt !== null && layer.endsAt <= startsAt) {
    problems.push({ field: 'endsAt', message: 'must be after the first hand-off' });
  }
  return problems;
}

export function intervalProblems(start: number, end: number): FieldProblem[] {
  if (!Number.isFinite(start)) return [{ field: 'start', message: 'must be an RFC 3339 date-time' }];
  if (!Number.isFinite(end)) return [{ field: 'end', message: 'must be an RFC 3339 date-time' }];
  if (end <= start) return [{ field: 'end', message: 'must be after start' }];
  if (end - start > 366 * 86400_000) return [{ field: 'end', message: 'must be at most a year after start' }];
  return [];
}
