/**
 * Grafana OnCall stand-in: the OSS engine's public API under `/api/v1/` as its docs describe it (docs/sources/
 * oncall-api-reference in grafana/oncall): `Authorization: <token>` (401 otherwise), lists paginated with `count`,
 * `next` (the absolute URL of the next page, or null), `previous` and `results`, and a 429 with `Retry-After` on every
 * `rateLimitEvery`-th API request. Objects: users, teams, schedules (types web, calendar, ical), on_call_shifts
 * (`?schedule_id=`), escalation_chains, escalation_policies (`?escalation_chain_id=`), integrations, and
 * `schedules/{id}/final_shifts?start_date&end_date` — rendered here by this file's OWN reading of the documented
 * semantics (never Muster's code): recurrence in the shift's zone (RFC 5545 FREQ/INTERVAL/BYDAY/WKST/UNTIL),
 * `rolling_users` advancing one group per frame of the frequency (a day, a WKST week, an hour, a month) counted from
 * the shift's start, and at each instant the events of the highest `level` win (their users together). An ical
 * schedule's events come from its iCal feed (served at `/ical/<name>.ics`, no auth, like an external calendar),
 * parsed by this file's own small reader: SUMMARY names the users (username or email), `[L<n>]` in it the level.
 */
import { StandIn, type RecordedRequest, type Reply } from './base.js';

export interface GoUser {
  id: string;
  email: string;
  username: string;
  name?: string;
  timezone?: string | null;
  role?: string;
}
export interface GoTeam {
  id: string;
  name: string;
  email?: string | null;
}
export interface GoSchedule {
  id: string;
  name: string;
  type: 'web' | 'calendar' | 'ical';
  team_id: string | null;
  time_zone?: string | null;
  ical_url_primary?: string | null;
  ical_url_overrides?: string | null;
  shifts?: string[];
}
export interface GoShift {
  id: string;
  /** Not part of the API's object: which schedule lists it (the `schedule_id` filter). */
  schedule: string;
  name: string;
  type: 'single_event' | 'recurrent_event' | 'rolling_users' | 'override';
  team_id: string | null;
  time_zone: string | null;
  level: number;
  start: string;
  duration: number;
  frequency?: 'hourly' | 'daily' | 'weekly' | 'monthly' | null;
  interval?: number | null;
  until?: string | null;
  week_start?: string | null;
  by_day?: string[] | null;
  by_month?: number[] | null;
  by_monthday?: number[] | null;
  users?: string[];
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
  duration?: number;
  persons_to_notify?: string[];
  notify_on_call_from_schedule?: string;
  group_to_notify?: string;
  important?: boolean;
}
export interface GoIntegration {
  id: string;
  name: string;
  team_id: string | null;
  type: string;
  link: string;
  default_route: { id: string; escalation_chain_id: string | null };
}

export interface GoAlertGroup {
  id: string;
  integration_id: string;
  route_id: string | null;
  alerts_count: number;
  state: 'new' | 'acknowledged' | 'resolved' | 'silenced';
  created_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  acknowledged_by: string | null;
  resolved_by: string | null;
  title: string;
  permalinks: Record<string, string>;
}

export interface GrafanaOnCallData {
  users: GoUser[];
  teams: GoTeam[];
  schedules: GoSchedule[];
  shifts: GoShift[];
  chains: GoChain[];
  policies: GoPolicy[];
  integrations: GoIntegration[];
  /** Listed newest first, as OnCall lists them; `?state=` filters. */
  alertGroups: GoAlertGroup[];
  /** iCal feeds by name, served at /ical/<name>.ics. `{{URL}}` in schedules' URLs becomes the stand-in's URL. */
  icals: Record<string, string>;
}

export interface GrafanaOnCallOptions {
  token: string;
  data: GrafanaOnCallData;
  /** Results per page (default 50, as the API). */
  pageSize?: number;
  /** Results per page of final_shifts (default: pageSize). */
  finalShiftsPageSize?: number;
  /** Answer every n-th API request with 429 and Retry-After: 1 (0: never). */
  rateLimitEvery?: number;
}

export class GrafanaOnCallStandIn extends StandIn {
  private apiRequests = 0;

  constructor(private readonly opts: GrafanaOnCallOptions) {
    super((req) => this.answer(req));
  }

  private answer(req: RecordedRequest): Reply {
    const u = new URL(req.path, 'http://x');
    const path = u.pathname;
    const ical = /^\/ical\/([a-z0-9-]+)\.ics$/.exec(path);
    if (ical) {
      const text = this.opts.data.icals[ical[1]!];
      return text === undefined ? { status: 404, body: 'not found' } : { status: 200, body: text };
    }
    if (!path.startsWith('/api/v1/')) return { status: 404, body: { detail: 'Not found.' } };
    if (req.method !== 'GET') return { status: 405, body: { detail: `Method "${req.method}" not allowed.` } };
    if (req.headers.authorization !== this.opts.token) {
      return { status: 401, body: { detail: 'Invalid token.' } };
    }
    this.apiRequests++;
    const every = this.opts.rateLimitEvery ?? 0;
    if (every > 0 && this.apiRequests % every === 0) {
      return { status: 429, headers: { 'retry-after': '1' }, body: { detail: 'Request was throttled.' } };
    }
    const d = this.opts.data;
    const q = u.searchParams;
    const rest = path.slice('/api/v1/'.length).replace(/\/$/, '');
    switch (rest) {
      case 'users':
        return this.page(u, d.users);
      case 'teams':
        return this.page(u, d.teams);
      case 'schedules':
        return this.page(
          u,
          d.schedules.map((s) => ({
            ...s,
            ical_url_primary: s.ical_url_primary ? s.ical_url_primary.replace('{{URL}}', this.url) : null,
          })),
        );
      case 'on_call_shifts': {
        const sid = q.get('schedule_id');
        const list = d.shifts.filter((s) => sid === null || s.schedule === sid);
        return this.page(
          u,
          list.map(({ schedule: _s, ...rest }) => rest),
        );
      }
      case 'escalation_chains':
        return this.page(u, d.chains);
      case 'escalation_policies': {
        const cid = q.get('escalation_chain_id');
        const list = d.policies
          .filter((p) => cid === null || p.escalation_chain_id === cid)
          .sort((a, b) => a.escalation_chain_id.localeCompare(b.escalation_chain_id) || a.position - b.position);
        return this.page(u, list);
      }
      case 'integrations':
        return this.page(u, d.integrations);
      case 'alert_groups': {
        const state = q.get('state');
        const list = d.alertGroups
          .filter((g) => state === null || g.state === state)
          .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
        return this.page(u, list);
      }
    }
    const fs = /^schedules\/([A-Z0-9]+)\/final_shifts$/.exec(rest);
    if (fs) {
      const schedule = d.schedules.find((s) => s.id === fs[1]);
      if (!schedule) return { status: 404, body: { detail: 'Not found.' } };
      const startDate = q.get('start_date');
      const endDate = q.get('end_date');
      const from = startDate ? Date.parse(`${startDate}T00:00:00Z`) : NaN;
      const toIncl = endDate ? Date.parse(`${endDate}T00:00:00Z`) : NaN;
      if (!Number.isFinite(from) || !Number.isFinite(toIncl) || toIncl < from) {
        return { status: 400, body: { detail: 'start_date and end_date are required ISO dates, end after start' } };
      }
      if (toIncl - from > 365 * DAY_MS) return { status: 400, body: { detail: 'range longer than 365 days' } };
      return this.page(u, this.finalShifts(schedule, from, toIncl + DAY_MS), this.opts.finalShiftsPageSize);
    }
    return { status: 404, body: { detail: 'Not found.' } };
  }

  private page(u: URL, all: unknown[], size = this.opts.pageSize ?? 50): Reply {
    const n = Math.max(1, Number(u.searchParams.get('page') ?? '1') || 1);
    const results = all.slice((n - 1) * size, n * size);
    const link = (p: number) => {
      const next = new URL(u.pathname + u.search, this.url);
      next.searchParams.set('page', String(p));
      return next.toString();
    };
    const totalPages = Math.max(1, Math.ceil(all.length / size));
    return {
      status: 200,
      body: {
        count: all.length,
        next: n < totalPages ? link(n + 1) : null,
        previous: n > 1 ? link(n - 1) : null,
        results,
        current_page_number: n,
        page_size: size,
        total_pages: totalPages,
      },
    };
  }

  /** The schedule's final shifts over [from, to), per user, as the endpoint returns them. */
  finalShifts(schedule: GoSchedule, from: number, to: number): Record<string, string>[] {
    const users = new Map(this.opts.data.users.map((u) => [u.id, u]));
    const events: Ev[] = [];
    if (schedule.type === 'ical') {
      const name = /\/ical\/([a-z0-9-]+)\.ics$/.exec(schedule.ical_url_primary ?? '')?.[1];
      const text = name ? this.opts.data.icals[name] : undefined;
      if (text) {
        for (const s of icalShifts(text, this.opts.data.users)) events.push(...occurrences(s, 'UTC', from, to));
      }
    } else {
      const zone = schedule.time_zone ?? 'UTC';
      for (const s of this.opts.data.shifts.filter((x) => x.schedule === schedule.id)) {
        events.push(...occurrences(s, zone, from, to));
      }
    }
    return resolveFinal(events, from, to).map((f) => {
      const user = users.get(f.user)!;
      return {
        user_pk: user.id,
        user_email: user.email,
        user_username: user.username,
        shift_start: iso(f.start),
        shift_end: iso(f.end),
      };
    });
  }
}

const DAY_MS = 86_400_000;
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

interface Ev {
  start: number;
  end: number;
  users: string[];
  level: number;
}

/** A shift as this file reads it; `untilMs` an instant (iCal gives UNTIL in UTC), `count` iCal's COUNT. */
type ShiftLike = Omit<GoShift, 'id' | 'schedule' | 'name' | 'team_id'> & { untilMs?: number; count?: number };

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** The zone's offset (ms, local minus UTC) at the instant `ms`, read through Intl. */
function zoneOffset(zone: string, ms: number): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** Local day number (days since 1970-01-01) and second of the day in `zone` → the instant. */
function localToInstant(zone: string, day: number, second: number): number {
  const naive = day * DAY_MS + second * 1000;
  let t = naive - zoneOffset(zone, naive);
  t = naive - zoneOffset(zone, t);
  return t;
}

function parseLocal(s: string): { day: number; second: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
  if (!m) throw new Error(`bad local date-time ${s}`);
  return {
    day: Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) / DAY_MS,
    second: +m[4]! * 3600 + +m[5]! * 60 + +(m[6] ?? 0),
  };
}

const weekday = (day: number) => new Date(day * DAY_MS).getUTCDay();

/** The shift's events overlapping [from, to). */
function occurrences(s: ShiftLike, scheduleZone: string, from: number, to: number): Ev[] {
  const zone = s.time_zone ?? scheduleZone;
  const { day: day0, second: sec0 } = parseLocal(s.start);
  const until =
    s.untilMs ?? (s.until ? localToInstant(zone, parseLocal(s.until).day, parseLocal(s.until).second) : Infinity);
  const groups = s.type === 'rolling_users' ? (s.rolling_users ?? []) : [s.users ?? []];
  const offset = s.start_rotation_from_user_index ?? 0;
  const level = s.level ?? 0;
  const out: Ev[] = [];
  // An event ends `duration` later on the wall clock (Python's aware datetime + timedelta), so a 22:00 + 10 h night
  // ends at 08:00 local on the night the clocks change too.
  const push = (day: number, second: number, frame: number) => {
    const start = localToInstant(zone, day, second);
    const endSecond = second + s.duration;
    const end = localToInstant(zone, day + Math.floor(endSecond / 86_400), endSecond % 86_400);
    if (end > from && start < to && groups.length > 0) {
      out.push({ start, end, users: groups[(frame + offset) % groups.length]!, level });
    }
  };
  if (s.type === 'single_event' || s.type === 'override' || !s.frequency) {
    push(day0, sec0, 0);
    return out;
  }
  const interval = s.interval ?? 1;
  const byDay = s.by_day && s.by_day.length > 0 ? s.by_day.map((d) => WEEKDAYS.indexOf(d)) : null;
  let count = 0;
  const limit = s.count ?? Infinity;
  if (s.frequency === 'hourly') {
    for (let k = 0; ; k++) {
      const minute = sec0 / 60 + k * interval * 60;
      const day = day0 + Math.floor(minute / 1440);
      const start = localToInstant(zone, day, (minute % 1440) * 60);
      if (start >= until || start >= to || count >= limit) break;
      if (byDay && !byDay.includes(weekday(day))) continue;
      count++;
      push(day, (minute % 1440) * 60, k);
    }
    return out;
  }
  const wkst = WEEKDAYS.indexOf(s.week_start ?? 'SU');
  const weekOf = (day: number) => day - ((weekday(day) - wkst + 7) % 7);
  const week0 = weekOf(day0);
  for (let day = day0; ; day++) {
    const start = localToInstant(zone, day, sec0);
    if (start >= until || start >= to || count >= limit) break;
    let frame: number;
    if (s.frequency === 'daily') {
      if ((day - day0) % interval !== 0) continue;
      if (byDay && !byDay.includes(weekday(day))) continue;
      frame = (day - day0) / interval;
    } else if (s.frequency === 'weekly') {
      const w = (weekOf(day) - week0) / 7;
      if (w % interval !== 0) continue;
      if (!(byDay ?? [weekday(day0)]).includes(weekday(day))) continue;
      frame = w / interval;
    } else {
      const a = new Date(day0 * DAY_MS);
      const b = new Date(day * DAY_MS);
      if (b.getUTCDate() !== a.getUTCDate()) continue;
      const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
      if (months % interval !== 0) continue;
      frame = months / interval;
    }
    count++;
    push(day, sec0, frame);
  }
  return out;
}

/** At each instant the highest level among the events covering it wins, its users together; per user, merged. */
function resolveFinal(events: Ev[], from: number, to: number): { user: string; start: number; end: number }[] {
  const cuts = [...new Set([from, to, ...events.flatMap((e) => [e.start, e.end])])]
    .filter((t) => t >= from && t <= to)
    .sort((a, b) => a - b);
  const open = new Map<string, number>();
  const out: { user: string; start: number; end: number }[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    const active = events.filter((e) => e.start <= a && e.end >= b);
    const top = Math.max(-Infinity, ...active.map((e) => e.level));
    const now = new Set(active.filter((e) => e.level === top).flatMap((e) => e.users));
    for (const [user, since] of open) {
      if (!now.has(user)) {
        out.push({ user, start: since, end: a });
        open.delete(user);
      }
    }
    for (const user of now) if (!open.has(user)) open.set(user, a);
  }
  for (const [user, since] of open) out.push({ user, start: since, end: to });
  return out.sort((x, y) => x.start - y.start || x.user.localeCompare(y.user));
}

/** This file's own small iCal reader: VEVENTs with DTSTART/DTEND (TZID or UTC), RRULE and SUMMARY. */
function icalShifts(text: string, users: GoUser[]): ShiftLike[] {
  const lines = text.replace(/\r\n[ \t]/g, '').split(/\r?\n/);
  const out: ShiftLike[] = [];
  let ev: Record<string, { params: Record<string, string>; value: string }> | null = null;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') ev = {};
    else if (line === 'END:VEVENT' && ev) {
      const start = ev.DTSTART!;
      const end = ev.DTEND!;
      const zone = start.params.TZID ?? 'UTC';
      const local = (v: string) => {
        const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(v)!;
        return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
      };
      const a = parseLocal(local(start.value));
      const b = parseLocal(local(end.value));
      const duration = (b.day - a.day) * 86400 + b.second - a.second;
      const summary = ev.SUMMARY?.value ?? '';
      const level = Number(/\[L(\d+)\]/.exec(summary)?.[1] ?? 0);
      const names = summary
        .replace(/\[L\d+\]/, '')
        .split(/[\s,]+/)
        .filter(Boolean);
      const ids = users.filter((u) => names.includes(u.username) || names.includes(u.email)).map((u) => u.id);
      const shift: ShiftLike = {
        type: 'recurrent_event',
        time_zone: zone,
        level,
        start: local(start.value),
        duration,
        users: ids,
      };
      const rrule = ev.RRULE?.value;
      if (rrule) {
        const r = Object.fromEntries(rrule.split(';').map((p) => p.split('=') as [string, string]));
        shift.frequency = r.FREQ!.toLowerCase() as GoShift['frequency'];
        shift.interval = r.INTERVAL ? Number(r.INTERVAL) : 1;
        shift.by_day = r.BYDAY ? r.BYDAY.split(',') : null;
        shift.week_start = r.WKST ?? 'MO';
        if (r.UNTIL) {
          const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?/.exec(r.UNTIL)!;
          shift.untilMs = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
        }
        if (r.COUNT) shift.count = Number(r.COUNT);
      } else {
        shift.type = 'single_event';
      }
      out.push(shift);
      ev = null;
    } else if (ev) {
      const colon = line.indexOf(':');
      const [name, ...params] = line.slice(0, colon).split(';');
      ev[name!.toUpperCase()] = {
        params: Object.fromEntries(params.map((p) => p.split('=') as [string, string])),
        value: line.slice(colon + 1),
      };
    }
  }
  return out;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Fixtures                                                                                                       */

const pad = (n: number) => String(n).padStart(2, '0');
function dayString(day: number): string {
  const d = new Date(day * DAY_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
const icsDate = (day: number, hhmm: string) => `${dayString(day).replace(/-/g, '')}T${hhmm.replace(':', '')}00`;

/**
 * The fixture organisation, relative to `now`: rotations that started weeks ago and one-off events ahead.
 * - Primary (web, Europe/Berlin): a weekly rolling_users shift on weekdays 09:00–17:00 (by_day MO–FR, alice/bob),
 *   a single_event for carol at level 5 in three days (override-like), and a monthly shift that has ended.
 * - Nights (calendar, America/New_York): a daily rolling_users shift 22:00–08:00 across midnight (carol/dave), and
 *   a recurrent_event at level 1 on Saturdays and Sundays 10:00–18:00 in its own zone America/Chicago (alice).
 * - Follow ical (ical): weekly RRULE events 08:00–20:00 MO/WE/FR (alice) and 20:00–08:00 TU/TH (bob, by email), and a
 *   monthly event that ended.
 * - Chains: waits of 60, 420 and 1020 seconds, a repeat_escalation and a Slack channel step (primary); a wait of 90
 *   seconds and a user group step (odd).
 * - Integrations: alertmanager, grafana_alerting, webhook and zabbix.
 */
export function grafanaOnCallFixture(now: number): GrafanaOnCallData {
  const today = Math.floor(now / DAY_MS);
  const monday = today - ((weekday(today) + 6) % 7) - 21; // a Monday three weeks ago
  const users: GoUser[] = [
    { id: 'UALICE', email: 'alice@example.com', username: 'alice', name: 'Alice Archer', timezone: 'Europe/Berlin' },
    { id: 'UBOB', email: 'bob@example.com', username: 'bob', name: 'Bob Baker', timezone: null },
    { id: 'UCAROL', email: 'carol@example.com', username: 'carol', timezone: 'America/New_York' },
    { id: 'UDAVE', email: 'dave@example.com', username: 'dave', name: 'Dave Diaz' },
    { id: 'UERIN', email: 'erin@example.com', username: 'erin', name: 'Erin Evans' },
  ];
  const teams: GoTeam[] = [
    { id: 'TSRE', name: 'SRE', email: 'sre@example.com' },
    { id: 'TPLAT', name: 'Platform Team', email: null },
  ];
  const schedules: GoSchedule[] = [
    { id: 'SPRIMARY', name: 'Primary', type: 'web', team_id: 'TSRE', time_zone: 'Europe/Berlin' },
    {
      id: 'SNIGHTS',
      name: 'Nights',
      type: 'calendar',
      team_id: 'TSRE',
      time_zone: 'America/New_York',
      shifts: ['ONIGHTLY', 'OWEEKEND'],
    },
    {
      id: 'SICAL',
      name: 'Follow ical',
      type: 'ical',
      team_id: null,
      ical_url_primary: '{{URL}}/ical/follow.ics',
    },
  ];
  const shifts: GoShift[] = [
    {
      id: 'OWEEKDAYS',
      schedule: 'SPRIMARY',
      name: 'Weekdays',
      type: 'rolling_users',
      team_id: 'TSRE',
      time_zone: null,
      level: 0,
      start: `${dayString(monday)}T09:00:00`,
      duration: 8 * 3600,
      frequency: 'weekly',
      interval: 1,
      week_start: 'MO',
      by_day: ['MO', 'TU', 'WE', 'TH', 'FR'],
      rolling_users: [['UALICE'], ['UBOB']],
      start_rotation_from_user_index: 0,
      until: null,
    },
    {
      id: 'OCAROL',
      schedule: 'SPRIMARY',
      name: 'Carol covers',
      type: 'single_event',
      team_id: 'TSRE',
      time_zone: null,
      level: 5,
      start: `${dayString(today + 3)}T12:00:00`,
      duration: 6 * 3600,
      users: ['UCAROL'],
    },
    {
      id: 'OMONTHLY',
      schedule: 'SPRIMARY',
      name: 'Old monthly review',
      type: 'recurrent_event',
      team_id: 'TSRE',
      time_zone: null,
      level: 1,
      start: `${dayString(today - 200)}T10:00:00`,
      duration: 3600,
      frequency: 'monthly',
      interval: 1,
      until: `${dayString(today - 30)}T00:00:00`,
      users: ['UERIN'],
    },
    {
      id: 'ONIGHTLY',
      schedule: 'SNIGHTS',
      name: 'Nightly',
      type: 'rolling_users',
      team_id: 'TSRE',
      time_zone: null,
      level: 0,
      start: `${dayString(monday + 1)}T22:00:00`,
      duration: 10 * 3600,
      frequency: 'daily',
      interval: 1,
      rolling_users: [['UCAROL'], ['UDAVE']],
      start_rotation_from_user_index: 1,
      until: null,
    },
    {
      id: 'OWEEKEND',
      schedule: 'SNIGHTS',
      name: 'Weekend days',
      type: 'recurrent_event',
      team_id: 'TSRE',
      time_zone: 'America/Chicago',
      level: 1,
      start: `${dayString(monday + 5)}T10:00:00`,
      duration: 8 * 3600,
      frequency: 'weekly',
      interval: 1,
      week_start: 'SU',
      by_day: ['SA', 'SU'],
      users: ['UALICE'],
      until: null,
    },
  ];
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Example//Rota//EN',
    'BEGIN:VEVENT',
    'UID:day-alice@example.com',
    `DTSTART;TZID=Europe/London:${icsDate(monday, '08:00')}`,
    `DTEND;TZID=Europe/London:${icsDate(monday, '20:00')}`,
    'RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;WKST=MO',
    'SUMMARY:alice',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:night-bob@example.com',
    `DTSTART;TZID=Europe/London:${icsDate(monday + 1, '20:00')}`,
    `DTEND;TZID=Europe/London:${icsDate(monday + 2, '08:00')}`,
    'RRULE:FREQ=WEEKLY;BYDAY=TU,TH;WKST=MO',
    'SUMMARY:bob@example.com',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:old-monthly@example.com',
    `DTSTART;TZID=Europe/London:${icsDate(today - 300, '09:00')}`,
    `DTEND;TZID=Europe/London:${icsDate(today - 300, '10:00')}`,
    `RRULE:FREQ=MONTHLY;UNTIL=${icsDate(today - 60, '00:00')}Z`,
    'SUMMARY:dave',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  const chains: GoChain[] = [
    { id: 'FPRIMARY', name: 'Primary chain', team_id: 'TSRE' },
    { id: 'FODD', name: 'Odd chain', team_id: null },
  ];
  const policies: GoPolicy[] = [
    {
      id: 'E1',
      escalation_chain_id: 'FPRIMARY',
      position: 0,
      type: 'notify_on_call_from_schedule',
      notify_on_call_from_schedule: 'SPRIMARY',
    },
    { id: 'E2', escalation_chain_id: 'FPRIMARY', position: 1, type: 'wait', duration: 60 },
    {
      id: 'E3',
      escalation_chain_id: 'FPRIMARY',
      position: 2,
      type: 'notify_persons',
      persons_to_notify: ['UALICE', 'UBOB'],
      important: true,
    },
    { id: 'E4', escalation_chain_id: 'FPRIMARY', position: 3, type: 'wait', duration: 420 },
    {
      id: 'E5',
      escalation_chain_id: 'FPRIMARY',
      position: 4,
      type: 'notify_on_call_from_schedule',
      notify_on_call_from_schedule: 'SNIGHTS',
    },
    { id: 'E6', escalation_chain_id: 'FPRIMARY', position: 5, type: 'wait', duration: 1020 },
    { id: 'E7', escalation_chain_id: 'FPRIMARY', position: 6, type: 'notify_whole_channel' },
    { id: 'E8', escalation_chain_id: 'FPRIMARY', position: 7, type: 'repeat_escalation' },
    { id: 'E9', escalation_chain_id: 'FODD', position: 0, type: 'notify_persons', persons_to_notify: ['UDAVE'] },
    { id: 'E10', escalation_chain_id: 'FODD', position: 1, type: 'wait', duration: 90 },
    {
      id: 'E11',
      escalation_chain_id: 'FODD',
      position: 2,
      type: 'notify_on_call_from_schedule',
      notify_on_call_from_schedule: 'SICAL',
    },
    { id: 'E12', escalation_chain_id: 'FODD', position: 3, type: 'notify_user_group', group_to_notify: 'GOPS' },
    { id: 'E13', escalation_chain_id: 'FODD', position: 4, type: 'wait', duration: 300 },
  ];
  const link = (kind: string, key: string) => `{{URL}}/integrations/v1/${kind}/${key}/`;
  const integrations: GoIntegration[] = [
    {
      id: 'CPROM',
      name: 'Prometheus',
      team_id: 'TSRE',
      type: 'alertmanager',
      link: link('alertmanager', 'k1'),
      default_route: { id: 'R1', escalation_chain_id: 'FPRIMARY' },
    },
    {
      id: 'CGRAF',
      name: 'Grafana Alerting',
      team_id: 'TSRE',
      type: 'grafana_alerting',
      link: link('grafana_alerting', 'k2'),
      default_route: { id: 'R2', escalation_chain_id: 'FPRIMARY' },
    },
    {
      id: 'CHOOK',
      name: 'Deploy hook',
      team_id: 'TPLAT',
      type: 'webhook',
      link: link('webhook', 'k3'),
      default_route: { id: 'R3', escalation_chain_id: null },
    },
    {
      id: 'CZBX',
      name: 'Zabbix',
      team_id: null,
      type: 'zabbix',
      link: link('zabbix', 'k4'),
      default_route: { id: 'R4', escalation_chain_id: 'FODD' },
    },
  ];
  const at = (daysAgo: number, minutes = 0) => iso(now - daysAgo * DAY_MS + minutes * 60_000);
  const group = (
    id: string,
    integration: string,
    daysAgo: number,
    ackMin: number | null,
    resolveMin: number | null,
  ) => ({
    id,
    integration_id: integration,
    route_id: null,
    alerts_count: 2,
    state: resolveMin === null ? ('acknowledged' as const) : ('resolved' as const),
    created_at: at(daysAgo),
    acknowledged_at: ackMin === null ? null : at(daysAgo, ackMin),
    resolved_at: resolveMin === null ? null : at(daysAgo, resolveMin),
    acknowledged_by: ackMin === null ? null : 'UALICE',
    resolved_by: resolveMin === null ? null : 'UBOB',
    title: `Disk filling on db-${id.toLowerCase()}`,
    permalinks: { web: `https://oncall.example.com/alert-groups/${id}` },
  });
  // Resolved 3, 20 and 50 days ago (one never acknowledged), one 150 days ago, one still open.
  const alertGroups: GoAlertGroup[] = [
    group('IG1', 'CPROM', 3, 4, 42),
    group('IG2', 'CZBX', 20, null, 15),
    group('IG3', 'CGRAF', 50, 9, 180),
    group('IG4', 'CPROM', 150, 2, 30),
    group('IG5', 'CPROM', 1, 5, null),
  ];
  return { users, teams, schedules, shifts, chains, policies, integrations, alertGroups, icals: { follow: ics } };
}
