/**
 * Grafana OnCall → Muster (docs/import.md, "Grafana OnCall"): the pure translation of the public API's objects into
 * the config-as-code format. No I/O here; `index.ts` reads the API and calls these.
 *
 * Shifts (`on_call_shifts`, and an iCal schedule's recurring events read into the same shape by `ical.ts`):
 * - `rolling_users` / `recurrent_event` with frequency daily, weekly or hourly → one layer. The turn is the frequency
 *   times `interval`; the rotation's frames are counted from the shift's start (a weekly frame is the `week_start`
 *   week, so the layer hands off on that weekday at the shift's time of day); an occurrence shorter than the frame
 *   becomes restrictions (`by_day`, the start time and the start plus `duration`, past midnight when it ends the next
 *   day). Monthly shifts cannot be a Muster rotation: reported, dropped.
 * - A group of several users on call together cannot be one layer's participant (Muster has one person per layer at
 *   a time): the group's first user is kept, reported as approximated.
 * - `single_event` / `override` → an override when its level is above every other shift of the schedule (Muster's
 *   overrides sit above every layer), else a one-turn layer (`duration` turn, ending at the event's end).
 * - Levels order the layers: a higher level sits above (Muster's later layers sit above earlier ones).
 * - Shifts that have ended (`until` or the event's end in the past) are not imported (they cannot be on call again)
 *   and are listed as such.
 * Escalation chains → policies: consecutive notify steps make one level; the `wait` steps after them are its delay,
 * in whole minutes (a wait that is not a whole number of minutes is rounded up, reported approximated);
 * `repeat_escalation` → repeat 5 (Grafana OnCall repeats a chain at most five times); steps Muster has no equal for
 * (Slack channel, user group, webhook, resolve, time-of-day conditions, "next person each time") are reported.
 * Integrations → one service each, its integration key of the matching source.
 */
import type {
  EscalationPolicyDoc,
  LayerDoc,
  ScheduleDoc,
  ServiceDoc,
  TeamDoc,
  UserDoc,
} from '../../config-as-code/schema.js';
import { DAYS_OF_WEEK, isValidTimeZone, localToUtc, parseLocalDate, type DayOfWeek } from '../../shared/tz.js';
import type { RenderedEntry, Unmapped } from '../model.js';

/* The API's objects, as the public API documents them (only the fields the import reads). */
export interface GoUser {
  id: string;
  email: string | null;
  username: string;
  name?: string | null;
  timezone?: string | null;
}
export interface GoTeam {
  id: string;
  name: string;
}
export interface GoSchedule {
  id: string;
  name: string;
  /** `web`, `calendar` or `ical`. */
  type: string;
  team_id: string | null;
  time_zone?: string | null;
  ical_url_primary?: string | null;
  ical_url_overrides?: string | null;
}
export interface GoShift {
  id: string;
  name: string;
  /** `single_event`, `recurrent_event`, `rolling_users` or `override`. */
  type: string;
  time_zone?: string | null;
  level?: number | null;
  start: string;
  duration: number;
  frequency?: string | null;
  interval?: number | null;
  until?: string | null;
  week_start?: string | null;
  by_day?: string[] | null;
  by_month?: number[] | null;
  by_monthday?: number[] | null;
  users?: string[] | null;
  rolling_users?: string[][] | null;
  start_rotation_from_user_index?: number | null;
}
export interface GoChain {
  id: string;
  name: string;
  team_id: string | null;
}
export interface GoPolicy {
  id: string;
  escalation_chain_id: string;
  position: number;
  type: string;
  duration?: number | null;
  persons_to_notify?: string[] | null;
  notify_on_call_from_schedule?: string | null;
}
export interface GoIntegration {
  id: string;
  name: string;
  team_id: string | null;
  type: string;
  default_route?: { escalation_chain_id?: string | null } | null;
}

/** A shift as the mapping reads it: the API's fields, and for iCal events the instant UNTIL names and notes. */
export interface ShiftInput extends GoShift {
  /** The end of the recurrence as an instant (iCal's UNTIL is in UTC); else `until` is read in the shift's zone. */
  untilMs?: number | null;
  /** iCal's COUNT: the number of occurrences. */
  count?: number | null;
}

const DAY_SEC = 86_400;
const ICAL_DAY: Record<string, DayOfWeek> = {
  MO: 'mon',
  TU: 'tue',
  WE: 'wed',
  TH: 'thu',
  FR: 'fri',
  SA: 'sat',
  SU: 'sun',
};

/* ------------------------------------------------------------------------------------------------------------ */
/* Slugs                                                                                                          */

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/**
 * Deterministic slugs for a list of named objects: the slugified name, or, when two names give the same slug (or
 * the name gives none), the slug and a short suffix from the object's id, so every import gives the same slugs.
 */
export function assignSlugs<T extends { id: string; name: string }>(
  items: T[],
  taken: Set<string> = new Set(),
): Map<string, string> {
  const base = new Map(items.map((i) => [i.id, slugify(i.name)]));
  const counts = new Map<string, number>();
  for (const s of base.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const i of items) {
    const b = base.get(i.id)!;
    const suffix = i.id
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(-6);
    const unique = b !== '' && counts.get(b) === 1 && !taken.has(b);
    out.set(i.id, unique ? b : `${b || 'x'}-${suffix || 'id'}`.slice(0, 48));
  }
  return out;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Shifts → layers and overrides                                                                                  */

export interface ShiftContext {
  scheduleZone: string;
  now: number;
  /** Grafana user id → email (users without an email are not imported). */
  emailOf: Map<string, string>;
  /** For notes: `schedule "Primary" (SPRIMARY)`. */
  object: string;
  /** The highest level of the schedule's other live shifts (an event above it becomes an override). */
  topOtherLevel: number;
}

export interface ShiftOutcome {
  layer?: LayerDoc & { level: number };
  override?: { user: string; start: string; end: string; reason?: string };
  unmapped: Unmapped[];
}

function parseStart(s: string): { day: number; second: number } | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
  if (!m) return null;
  const day = parseLocalDate(m[1]!);
  if (day === null) return null;
  return { day, second: Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0) };
}

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const dateOf = (day: number) => new Date(day * DAY_SEC * 1000).toISOString().slice(0, 10);
const isoOf = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
const dowOf = (day: number): DayOfWeek => DAYS_OF_WEEK[(((day + 3) % 7) + 7) % 7]!;

/** The local span [startMinute, startMinute + minutes) from `day` as per-day restrictions (weekly pattern). */
function spanRestrictions(
  day: DayOfWeek,
  startMinute: number,
  minutes: number,
): { days: DayOfWeek[]; start: string; end: string }[] {
  if (minutes <= 1440) {
    // An end at or before the start runs past midnight (a whole day when they are equal).
    return [{ days: [day], start: hhmm(startMinute), end: hhmm((startMinute + minutes) % 1440) }];
  }
  const out: { days: DayOfWeek[]; start: string; end: string }[] = [];
  let d = DAYS_OF_WEEK.indexOf(day);
  let at = startMinute;
  let left = minutes;
  while (left > 0) {
    const take = Math.min(left, 1440 - at);
    out.push({ days: [DAYS_OF_WEEK[d % 7]!], start: hhmm(at), end: at + take === 1440 ? '24:00' : hhmm(at + take) });
    left -= take;
    at = 0;
    d++;
  }
  return out;
}

/** One shift → a layer or an override, or nothing (with the reason). */
export function mapShift(shift: ShiftInput, ctx: ShiftContext): ShiftOutcome {
  const object = `${ctx.object} shift "${shift.name}" (${shift.id})`;
  const unmapped: Unmapped[] = [];
  const note = (reason: string, outcome: Unmapped['outcome'] = 'approximated', field?: string) =>
    unmapped.push({ object, ...(field ? { field } : {}), reason, outcome });
  const zone = shift.time_zone && isValidTimeZone(shift.time_zone) ? shift.time_zone : ctx.scheduleZone;
  if (shift.time_zone && zone !== shift.time_zone)
    note(`unknown time zone ${shift.time_zone}: read in ${zone}`, 'approximated', 'time_zone');
  const start = parseStart(shift.start);
  if (!start || !(shift.duration > 0)) {
    note('no readable start or duration', 'dropped');
    return { unmapped };
  }
  const startMs = localToUtc(zone, start.day, Math.floor(start.second / 60)) + (start.second % 60) * 1000;
  const durSec = Math.round(shift.duration);
  const level = shift.level ?? 0;

  const toEmails = (ids: string[], field: string): string[] => {
    const emails: string[] = [];
    for (const id of ids) {
      const e = ctx.emailOf.get(id);
      if (e) emails.push(e);
      else note(`user ${id} is not imported (no email)`, 'dropped', field);
    }
    return emails;
  };
  const firstOf = (emails: string[], field: string): string | null => {
    if (emails.length > 1) {
      note(
        `${emails.join(', ')} are on call together; Muster has one person per layer at a time: ${emails[0]} kept`,
        'approximated',
        field,
      );
    }
    return emails[0] ?? null;
  };

  const isEvent = shift.type === 'single_event' || shift.type === 'override' || !shift.frequency;
  if (isEvent) {
    // The event ends `duration` later on the wall clock, as Grafana OnCall (Python's aware datetime arithmetic) does.
    const endSecond = start.second + durSec;
    const endMs =
      localToUtc(zone, start.day + Math.floor(endSecond / DAY_SEC), Math.floor((endSecond % DAY_SEC) / 60)) +
      (endSecond % 60) * 1000;
    if (endMs <= ctx.now) {
      note('ended before the import: nothing to carry over', 'dropped');
      return { unmapped };
    }
    const user = firstOf(toEmails(shift.users ?? [], 'users'), 'users');
    if (!user) {
      note('nobody on call in it', 'dropped', 'users');
      return { unmapped };
    }
    if (level > ctx.topOtherLevel) {
      return {
        override: {
          user,
          start: isoOf(startMs),
          end: isoOf(endMs),
          reason: `Grafana OnCall: ${shift.name}`.slice(0, 500),
        },
        unmapped,
      };
    }
    if (start.second % 60 !== 0 || durSec < 60)
      note('starts or lasts less than a whole minute: to the minute', 'approximated');
    return {
      layer: {
        name: shift.name.slice(0, 100) || shift.id,
        ...(zone !== ctx.scheduleZone ? { timeZone: zone } : {}),
        participants: [user],
        turn: { unit: 'duration', seconds: Math.max(60, Math.round((endMs - startMs) / 1000)) },
        startDate: dateOf(start.day),
        handoffTime: hhmm(Math.floor(start.second / 60)),
        endsAt: isoOf(endMs),
        level,
      },
      unmapped,
    };
  }

  // Recurring.
  const until =
    shift.untilMs ??
    (shift.until
      ? (() => {
          const u = parseStart(shift.until);
          return u ? localToUtc(zone, u.day, Math.floor(u.second / 60)) : null;
        })()
      : null);
  if (until !== null && until <= ctx.now) {
    note('ended before the import (until in the past): nothing to carry over', 'dropped');
    return { unmapped };
  }
  const freq = shift.frequency!;
  if (freq !== 'daily' && freq !== 'weekly' && freq !== 'hourly') {
    note(`a ${freq} recurrence cannot be a Muster rotation (turns are hours, days or weeks)`, 'dropped', 'frequency');
    return { unmapped };
  }
  if (shift.count)
    note(`COUNT=${shift.count}: imported without an end (Muster layers end at an instant)`, 'approximated');
  if ((shift.by_month?.length ?? 0) > 0 || (shift.by_monthday?.length ?? 0) > 0) {
    note('by_month / by_monthday are not carried over: Muster restrictions are weekly', 'approximated');
  }
  const interval = Math.max(1, shift.interval ?? 1);
  const groups = shift.type === 'rolling_users' ? (shift.rolling_users ?? []) : [shift.users ?? []];
  const from =
    (((shift.start_rotation_from_user_index ?? 0) % Math.max(1, groups.length)) + groups.length) %
    Math.max(1, groups.length);
  const participants: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[(i + from) % groups.length]!;
    const u = firstOf(
      toEmails(g, `rolling_users[${(i + from) % groups.length}]`),
      `rolling_users[${(i + from) % groups.length}]`,
    );
    if (u) participants.push(u);
    else if (groups.length > 1) {
      note(
        'an empty group in the rotation: Muster skips nobody, so the rotation is shorter',
        'approximated',
        'rolling_users',
      );
    }
  }
  if (participants.length === 0) {
    note('nobody on call in it', 'dropped', 'users');
    return { unmapped };
  }
  const byDay = (shift.by_day ?? []).map((d) => ICAL_DAY[d]).filter((d): d is DayOfWeek => !!d);
  const startMinute = Math.floor(start.second / 60);
  if (start.second % 60 !== 0 || durSec % 60 !== 0) note('times are kept to the minute', 'approximated');
  const durMin = Math.round(durSec / 60);
  const unitSec = freq === 'hourly' ? 3600 : freq === 'daily' ? DAY_SEC : 7 * DAY_SEC;
  const periodSec = unitSec * interval;
  if (durSec > periodSec)
    note(
      'occurrences overlap (duration longer than the recurrence): each is cut at the next',
      'approximated',
      'duration',
    );

  let startDay = start.day;
  let restrictions: { days?: DayOfWeek[]; start: string; end: string }[] | undefined;
  if (freq === 'hourly') {
    if (durSec < periodSec || byDay.length > 0) {
      note(
        'an hourly recurrence shorter than its interval or limited to days cannot be restricted in Muster: on call for the whole turn',
        'approximated',
      );
    }
  } else if (freq === 'daily') {
    const allDays = byDay.length === 0 || byDay.length === 7;
    if (!(allDays && durSec >= periodSec)) {
      if (interval > 1)
        note(`every ${interval} days with gaps: Muster restrictions repeat every day`, 'approximated', 'interval');
      if (durMin <= 1440) {
        const r = spanRestrictions('mon', startMinute, durMin)[0]!;
        restrictions = [{ ...(allDays ? {} : { days: sortDays(byDay) }), start: r.start, end: r.end }];
      }
    }
  } else {
    // weekly: frames are week_start weeks, so the layer hands off on that weekday at the shift's time of day.
    const wkst = ICAL_DAY[shift.week_start ?? 'SU'] ?? 'sun';
    const back = (DAYS_OF_WEEK.indexOf(dowOf(start.day)) - DAYS_OF_WEEK.indexOf(wkst) + 7) % 7;
    const days = byDay.length > 0 ? sortDays(byDay) : [dowOf(start.day)];
    if (byDay.length > 0) {
      startDay = start.day - back;
      if (back > 0 && startMs > ctx.now) {
        note(
          'starts later in its first week: Muster also has the days of that week before the start',
          'approximated',
          'start',
        );
      }
    }
    const continuous = byDay.length === 0 && durSec >= periodSec;
    if (!continuous) {
      if (interval > 1)
        note(`every ${interval} weeks with gaps: Muster restrictions repeat every week`, 'approximated', 'interval');
      if (durMin <= 1440) {
        restrictions = days.flatMap((d) => spanRestrictions(d, startMinute, durMin));
      } else if (days.length === 1) {
        restrictions = spanRestrictions(days[0]!, startMinute, Math.min(durMin, 7 * 1440));
      } else {
        note('several days of occurrences longer than a day: on call for the whole turn', 'approximated', 'duration');
      }
      restrictions = mergeDays(restrictions);
    }
  }
  if (until !== null)
    note('ends at its until instant (Grafana OnCall lets the last occurrence run to its end)', 'approximated', 'until');
  return {
    layer: {
      name: shift.name.slice(0, 100) || shift.id,
      ...(zone !== ctx.scheduleZone ? { timeZone: zone } : {}),
      participants,
      turn: { unit: freq === 'hourly' ? 'hours' : freq === 'daily' ? 'days' : 'weeks', count: interval },
      startDate: dateOf(startDay),
      handoffTime: hhmm(startMinute),
      ...(restrictions && restrictions.length > 0 ? { restrictions } : {}),
      ...(until !== null ? { endsAt: isoOf(until) } : {}),
      level,
    },
    unmapped,
  };
}

function sortDays(days: DayOfWeek[]): DayOfWeek[] {
  return [...new Set(days)].sort((a, b) => DAYS_OF_WEEK.indexOf(a) - DAYS_OF_WEEK.indexOf(b));
}

/** Restrictions with the same times become one with their days together. */
function mergeDays(
  rs: { days?: DayOfWeek[]; start: string; end: string }[] | undefined,
): { days?: DayOfWeek[]; start: string; end: string }[] | undefined {
  if (!rs) return rs;
  const byTime = new Map<string, { days?: DayOfWeek[]; start: string; end: string }>();
  for (const r of rs) {
    const k = `${r.start}-${r.end}`;
    const had = byTime.get(k);
    if (had) had.days = sortDays([...(had.days ?? []), ...(r.days ?? [])]);
    else byTime.set(k, { ...r, ...(r.days ? { days: [...r.days] } : {}) });
  }
  return [...byTime.values()];
}

/** The schedule from its mapped shifts: layers ordered by level (higher above), overrides. */
export function buildSchedule(base: Omit<ScheduleDoc, 'layers' | 'overrides'>, outcomes: ShiftOutcome[]): ScheduleDoc {
  const layers = outcomes
    .map((o, i) => ({ o, i }))
    .filter((x) => x.o.layer)
    .sort((a, b) => a.o.layer!.level - b.o.layer!.level || a.i - b.i)
    .map((x) => {
      const { level: _level, ...layer } = x.o.layer!;
      return layer;
    });
  const overrides = outcomes.flatMap((o) => (o.override ? [o.override] : []));
  return { ...base, layers, overrides };
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Escalation chains → policies                                                                                   */

export const GRAFANA_MAX_REPEATS = 5;

export function mapChain(
  chain: GoChain,
  steps: GoPolicy[],
  ctx: { slug: string; team: string; emailOf: Map<string, string>; scheduleSlug: Map<string, string> },
): { policy: EscalationPolicyDoc | null; unmapped: Unmapped[] } {
  const object = `escalation chain "${chain.name}" (${chain.id})`;
  const unmapped: Unmapped[] = [];
  const note = (field: string, reason: string, outcome: Unmapped['outcome']) =>
    unmapped.push({ object, field, reason, outcome });
  const levels: { delaySeconds: number; targets: ({ user: string } | { schedule: string })[] }[] = [];
  let current: (typeof levels)[number] | null = null;
  let leadingWait = 0;
  let repeat = 0;
  const ordered = [...steps].sort((a, b) => a.position - b.position);
  ordered.forEach((step, i) => {
    const field = `steps[${i}] ${step.type}`;
    switch (step.type) {
      case 'wait': {
        const sec = Math.max(0, step.duration ?? 0);
        if (current) current.delaySeconds += sec;
        else leadingWait += sec;
        return;
      }
      case 'notify_persons':
      case 'notify_on_call_from_schedule': {
        const targets: ({ user: string } | { schedule: string })[] = [];
        if (step.type === 'notify_persons') {
          for (const id of step.persons_to_notify ?? []) {
            const e = ctx.emailOf.get(id);
            if (e) targets.push({ user: e });
            else note(field, `user ${id} is not imported`, 'dropped');
          }
        } else {
          const s = step.notify_on_call_from_schedule
            ? ctx.scheduleSlug.get(step.notify_on_call_from_schedule)
            : undefined;
          if (s) targets.push({ schedule: s });
          else note(field, `schedule ${step.notify_on_call_from_schedule ?? '(none)'} is not imported`, 'dropped');
        }
        if (targets.length === 0) return;
        if (current && current.delaySeconds === 0) {
          current.targets.push(
            ...targets.filter((t) => !current!.targets.some((c) => JSON.stringify(c) === JSON.stringify(t))),
          );
        } else {
          current = { delaySeconds: 0, targets };
          levels.push(current);
        }
        return;
      }
      case 'repeat_escalation':
        repeat = GRAFANA_MAX_REPEATS;
        if (i !== ordered.length - 1)
          note(field, 'steps after a repeat never run in Grafana OnCall: not imported', 'dropped');
        return;
      default:
        note(field, `Muster has no equal of a ${step.type} step: not imported`, 'dropped');
    }
  });
  if (leadingWait > 0) {
    note(
      'steps[0] wait',
      `the first ${leadingWait} s wait before anyone is paged is not carried over: Muster pages the first level at once`,
      'approximated',
    );
  }
  if (levels.length === 0) {
    unmapped.push({ object, reason: 'no step that pages a person or a schedule: no policy made', outcome: 'dropped' });
    return { policy: null, unmapped };
  }
  const out = levels.slice(0, 20).map((l, i) => {
    let minutes = Math.ceil(l.delaySeconds / 60);
    if (l.delaySeconds % 60 !== 0) {
      note(
        `levels[${i}]`,
        `a wait of ${l.delaySeconds} s is not a whole number of minutes: ${minutes} min (never sooner)`,
        'approximated',
      );
    }
    if (minutes < 1) {
      if (i < levels.length - 1 || repeat > 0) {
        note(`levels[${i}]`, 'no wait before the next step: 1 min (the shortest Muster delay)', 'approximated');
      }
      minutes = 1;
    }
    if (minutes > 1440) {
      note(`levels[${i}]`, `a wait of ${minutes} min is longer than Muster's 1,440: 1,440 min`, 'approximated');
      minutes = 1440;
    }
    return { delayMinutes: minutes, targets: l.targets };
  });
  if (levels.length > 20) note('levels', 'more than 20 levels: the first 20 kept', 'approximated');
  return {
    policy: { slug: ctx.slug, name: chain.name.slice(0, 200) || chain.id, team: ctx.team, repeat, levels: out },
    unmapped,
  };
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Integrations, users, teams                                                                                     */

/** Grafana OnCall integration type → Muster intake source; `exact` false for a generic approximation. */
export function integrationSource(type: string): { source: 'alertmanager' | 'grafana' | 'generic'; exact: boolean } {
  const t = type.toLowerCase();
  if (t === 'alertmanager' || t === 'legacy_alertmanager' || t === 'prometheus')
    return { source: 'alertmanager', exact: true };
  if (t === 'grafana' || t === 'grafana_alerting' || t === 'legacy_grafana_alerting')
    return { source: 'grafana', exact: true };
  return { source: 'generic', exact: false };
}

export function mapUser(u: GoUser): UserDoc | null {
  if (!u.email || !/^[^\s@]+@[^\s@]+$/.test(u.email)) return null;
  const name = (u.name?.trim() || u.username || u.email).slice(0, 200);
  return {
    email: u.email.toLowerCase(),
    name,
    ...(u.timezone && isValidTimeZone(u.timezone) ? { timezone: u.timezone } : {}),
  };
}

export function mapTeam(slug: string, name: string): TeamDoc {
  return { slug, name: name.slice(0, 100) };
}

export function mapService(
  integration: GoIntegration,
  ctx: { slug: string; team: string; policy: string | null },
): { service: ServiceDoc; unmapped: Unmapped[] } {
  const object = `integration "${integration.name}" (${integration.id})`;
  const { source, exact } = integrationSource(integration.type);
  const unmapped: Unmapped[] = exact
    ? []
    : [
        {
          object,
          field: 'type',
          reason: `a ${integration.type} integration has no Muster source of its own: a generic webhook key (its payload format differs; point the sender at Muster's generic intake)`,
          outcome: 'approximated',
        },
      ];
  return {
    service: {
      slug: ctx.slug,
      name: integration.name.slice(0, 100) || integration.id,
      team: ctx.team,
      escalationPolicy: ctx.policy,
      integrationKeys: [{ name: integration.name.slice(0, 100) || integration.id, source }],
    },
    unmapped,
  };
}

/* ------------------------------------------------------------------------------------------------------------ */
/* final_shifts → rendered entries                                                                                */

export interface GoFinalShift {
  user_email: string;
  shift_start: string;
  shift_end: string;
}

/** The source's final shifts over [from, to) as an ordered partition: who is on call (emails), gaps empty. */
export function renderedEntries(shifts: GoFinalShift[], from: number, to: number): RenderedEntry[] {
  const spans = shifts
    .map((s) => ({
      user: s.user_email.toLowerCase(),
      start: Math.max(from, Date.parse(s.shift_start)),
      end: Math.min(to, Date.parse(s.shift_end)),
    }))
    .filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end) && s.end > s.start);
  const cuts = [...new Set([from, to, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const out: RenderedEntry[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    const users = [...new Set(spans.filter((s) => s.start <= a && s.end >= b).map((s) => s.user))].sort();
    const last = out[out.length - 1];
    if (last && last.end === a && last.users.join() === users.join()) last.end = b;
    else out.push({ start: a, end: b, users });
  }
  return out;
}
