/**
 * Opsgenie REST API v2 stand-in (https://docs.opsgenie.com/docs/api-overview): the read side an import uses.
 *
 * - `Authorization: GenieKey <key>` on every request (401 with Opsgenie's error envelope otherwise).
 * - Answers wrapped as Opsgenie wraps them: `{ data, took, requestId }`, lists of users also `totalCount` and
 *   `paging: { first, next?, last }`; `limit` (at most 100, here at most `maxPageSize` so tests exercise paging) and
 *   `offset`.
 * - 429 with `Retry-After` on every `rateLimitEvery`-th request (0: never), so the client's waiting is exercised.
 * - `GET /v2/schedules/{id}/timeline` is rendered by this file's OWN reading of Opsgenie's documented rotation
 *   semantics (never by Muster's code): a rotation's turns are `length` hours, days or weeks counted on the schedule
 *   zone's wall clock from its `startDate`, participants in order (`none` is a turn with nobody), each turn cut to the
 *   rotation's time restrictions (`time-of-day` every day, `weekday-and-time-of-day` from a day and time to a day and
 *   time, either running past midnight or the week's end when it ends at or before its start) and to its `endDate`.
 *   Rotations are independent: everyone on call in any rotation is on call ("When a schedule is being used to determine
 *   who is notified, all on-call users from different rotations are notified"). An override replaces every rotation's
 *   recipient for its whole window (type `override` in the final timeline).
 */
import { randomUUID } from 'node:crypto';
import { StandIn, type RecordedRequest, type Reply } from './base.js';

export interface OgUserRef {
  id: string;
  username: string;
}

export interface OgUser {
  id: string;
  username: string;
  fullName: string;
  role: { id: string; name: string };
  timeZone: string;
  blocked?: boolean;
}

export interface OgStep {
  contact: { method: 'sms' | 'voice' | 'email' | 'mobile'; to: string };
  sendAfter: { timeAmount: number; timeUnit?: 'minutes' };
  enabled: boolean;
}

export interface OgNotificationRule {
  id: string;
  name: string;
  actionType: 'create-alert' | 'acknowledged-alert' | 'closed-alert' | 'schedule-start' | 'schedule-end';
  order: number;
  enabled: boolean;
  steps: OgStep[];
}

export interface OgTeam {
  id: string;
  name: string;
  description: string;
  members: { user: OgUserRef; role: 'admin' | 'user' }[];
}

export type OgParticipant =
  | { type: 'user'; id: string; username: string }
  | { type: 'team'; id: string; name: string }
  | { type: 'escalation'; id: string; name: string }
  | { type: 'none' };

export type OgDay = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

export type OgTimeRestriction =
  | { type: 'time-of-day'; restriction: { startHour: number; startMin: number; endHour: number; endMin: number } }
  | {
      type: 'weekday-and-time-of-day';
      restrictions: {
        startDay: OgDay;
        startHour: number;
        startMin: number;
        endDay: OgDay;
        endHour: number;
        endMin: number;
      }[];
    };

export interface OgRotation {
  id: string;
  name: string;
  startDate: string;
  endDate?: string;
  type: 'hourly' | 'daily' | 'weekly';
  length: number;
  participants: OgParticipant[];
  timeRestriction?: OgTimeRestriction;
}

export interface OgSchedule {
  id: string;
  name: string;
  description: string;
  timezone: string;
  enabled: boolean;
  ownerTeam?: { id: string; name: string };
  rotations: OgRotation[];
}

export interface OgOverride {
  alias: string;
  user: { type: 'user'; id: string; username: string };
  startDate: string;
  endDate: string;
  rotations: { id: string; name: string }[];
}

export interface OgEscalationRule {
  condition: 'if-not-acked' | 'if-not-closed';
  notifyType: 'default' | 'next' | 'previous' | 'users' | 'admins' | 'all';
  delay: { timeAmount: number; timeUnit?: 'minutes' | 'hours' | 'days' };
  recipient:
    | { type: 'user'; id: string; username: string }
    | { type: 'team'; id: string; name: string }
    | { type: 'schedule'; id: string; name: string };
}

export interface OgEscalation {
  id: string;
  name: string;
  description: string;
  ownerTeam?: { id: string; name: string };
  rules: OgEscalationRule[];
  repeat?: { waitInterval: number; count: number; resetRecipientStates: boolean; closeAlertAfterAll: boolean };
}

export interface OgIntegration {
  id: string;
  name: string;
  enabled: boolean;
  type: string;
  teamId?: string;
  version?: string;
}

export interface OgFixture {
  users: OgUser[];
  notificationRules: Record<string, OgNotificationRule[]>;
  teams: OgTeam[];
  schedules: OgSchedule[];
  overrides: Record<string, OgOverride[]>;
  escalations: OgEscalation[];
  integrations: OgIntegration[];
  /** `GET /v2/teams/{id}/routing-rules`, by team id. */
  routingRules?: Record<string, OgRoutingRule[]>;
}

export interface OgRoutingRule {
  id: string;
  name: string;
  isDefault: boolean;
  order: number;
  criteria: { type: 'match-all' | 'match-any-condition' | 'match-all-conditions'; conditions?: unknown[] };
  notify: { type: 'escalation' | 'schedule' | 'none'; id?: string; name?: string };
}

export interface OpsgenieStandInOptions {
  apiKey: string;
  /** Opsgenie's cap is 100; a smaller cap makes tests page. */
  maxPageSize?: number;
  /** Answer every n-th request with 429 and Retry-After (0: never). */
  rateLimitEvery?: number;
  retryAfterSeconds?: number;
}

const DAY_NAMES: OgDay[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const MIN = 60_000;
const WEEK_MIN = 7 * 1440;

// ---- wall-clock arithmetic of the stand-in's own (Intl only) ----

interface Wall {
  /** Days since 1970-01-01 of the local date. */
  day: number;
  /** Minute of the local day. */
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

function toWall(zone: string, ms: number): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const day = Math.floor(Date.UTC(parts.year!, parts.month! - 1, parts.day) / 86_400_000);
  return { day, minute: parts.hour! * 60 + parts.minute! };
}

/** The instant of a local wall-clock time (the earlier one in a repeated hour, the shifted one in a skipped hour). */
function fromWall(zone: string, day: number, minute: number): number {
  const naive = day * 86_400_000 + minute * MIN;
  let guess = naive;
  for (let i = 0; i < 3; i++) {
    const w = toWall(zone, guess);
    const shown = w.day * 86_400_000 + w.minute * MIN;
    const diff = shown - naive;
    if (diff === 0) break;
    guess -= diff;
  }
  return guess;
}

/** Monday = 0. */
function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

interface Span {
  start: number;
  end: number;
}

/** The restriction windows of a rotation over [from, to), as instants; null: no restriction. */
function restrictionSpans(zone: string, tr: OgTimeRestriction | undefined, from: number, to: number): Span[] | null {
  if (!tr) return null;
  const first = toWall(zone, from).day - 8;
  const last = toWall(zone, to).day + 1;
  const out: Span[] = [];
  if (tr.type === 'time-of-day') {
    const r = tr.restriction;
    const s = r.startHour * 60 + r.startMin;
    const e = r.endHour * 60 + r.endMin;
    for (let d = first; d <= last; d++) {
      out.push({ start: fromWall(zone, d, s), end: fromWall(zone, e <= s ? d + 1 : d, e) });
    }
  } else {
    for (let d = first; d <= last; d++) {
      if (weekday(d) !== 0) continue; // one pass per week, from each Monday
      for (const r of tr.restrictions) {
        const s = DAY_NAMES.indexOf(r.startDay) * 1440 + r.startHour * 60 + r.startMin;
        let e = DAY_NAMES.indexOf(r.endDay) * 1440 + r.endHour * 60 + r.endMin;
        if (e <= s) e += WEEK_MIN;
        out.push({
          start: fromWall(zone, d + Math.floor(s / 1440), s % 1440),
          end: fromWall(zone, d + Math.floor(e / 1440), e % 1440),
        });
      }
    }
  }
  return out.filter((w) => w.end > from && w.start < to).sort((a, b) => a.start - b.start);
}

export interface Period {
  start: number;
  end: number;
  recipient: OgParticipant;
  type: 'default' | 'override';
}

/** One rotation's on-call periods over [from, to) before overrides (a `none` turn yields no period). */
export function rotationPeriods(zone: string, rot: OgRotation, from: number, to: number): Period[] {
  const n = rot.participants.length;
  const startMs = Date.parse(rot.startDate);
  const endMs = rot.endDate ? Date.parse(rot.endDate) : Infinity;
  const lo = Math.max(from, startMs);
  const hi = Math.min(to, endMs);
  if (n === 0 || hi <= lo) return [];
  const w0 = toWall(zone, startMs);
  const boundary = (k: number): number => {
    if (rot.type === 'hourly') {
      const m = w0.minute + k * rot.length * 60;
      const d = Math.floor(m / 1440);
      return fromWall(zone, w0.day + d, m - d * 1440);
    }
    const days = rot.length * (rot.type === 'weekly' ? 7 : 1);
    return fromWall(zone, w0.day + k * days, w0.minute);
  };
  const windows = restrictionSpans(zone, rot.timeRestriction, lo, hi);
  const out: Period[] = [];
  let k = 0;
  while (boundary(k + 1) <= lo) k++;
  for (; boundary(k) < hi; k++) {
    const p = rot.participants[k % n]!;
    if (p.type === 'none') continue;
    const ts = Math.max(boundary(k), lo);
    const te = Math.min(boundary(k + 1), hi);
    if (te <= ts) continue;
    if (!windows) {
      out.push({ start: ts, end: te, recipient: p, type: 'default' });
      continue;
    }
    for (const w of windows) {
      const s = Math.max(ts, w.start);
      const e = Math.min(te, w.end);
      if (e > s) out.push({ start: s, end: e, recipient: p, type: 'default' });
    }
  }
  return mergeSame(out);
}

function sameRecipient(a: OgParticipant, b: OgParticipant): boolean {
  return a.type === b.type && (a.type === 'none' || (a as { id: string }).id === (b as { id: string }).id);
}

function mergeSame(periods: Period[]): Period[] {
  const out: Period[] = [];
  for (const p of periods) {
    const last = out[out.length - 1];
    if (last && last.end === p.start && last.type === p.type && sameRecipient(last.recipient, p.recipient)) {
      last.end = p.end;
    } else out.push({ ...p });
  }
  return out;
}

/** A rotation's final periods: overrides (for all rotations, or the ones they name) replace its recipient. */
export function finalRotationPeriods(
  zone: string,
  rot: OgRotation,
  overrides: OgOverride[],
  from: number,
  to: number,
): Period[] {
  let periods = rotationPeriods(zone, rot, from, to);
  const mine = overrides
    .filter((o) => o.rotations.length === 0 || o.rotations.some((r) => r.id === rot.id))
    .map((o) => ({ start: Math.max(from, Date.parse(o.startDate)), end: Math.min(to, Date.parse(o.endDate)), o }))
    .filter((o) => o.end > o.start);
  for (const { start, end, o } of mine) {
    const cut: Period[] = [];
    for (const p of periods) {
      if (p.end <= start || p.start >= end) cut.push(p);
      else {
        if (p.start < start) cut.push({ ...p, end: start });
        if (p.end > end) cut.push({ ...p, start: end });
      }
    }
    cut.push({ start, end, recipient: o.user, type: 'override' });
    periods = cut.sort((a, b) => a.start - b.start);
  }
  return periods;
}

export class OpsgenieStandIn extends StandIn {
  private count = 0;
  readonly opts: Required<OpsgenieStandInOptions>;

  constructor(
    readonly fixture: OgFixture,
    opts: OpsgenieStandInOptions,
  ) {
    super((req) => this.answer(req));
    this.opts = { maxPageSize: 100, rateLimitEvery: 0, retryAfterSeconds: 1, ...opts };
  }

  /** How many 429s were answered. */
  rateLimited = 0;

  private wrap(data: unknown, extra: Record<string, unknown> = {}): Reply {
    return { status: 200, body: { ...extra, data, took: 0.01, requestId: randomUUID() } };
  }

  private error(status: number, message: string): Reply {
    return { status, body: { message, took: 0.0, requestId: randomUUID() } };
  }

  private answer(req: RecordedRequest): Reply {
    if (req.method !== 'GET') return this.error(405, 'Method not allowed');
    if (req.headers.authorization !== `GenieKey ${this.opts.apiKey}`) {
      return this.error(401, 'Could not authenticate');
    }
    this.count++;
    if (this.opts.rateLimitEvery > 0 && this.count % this.opts.rateLimitEvery === 0) {
      this.rateLimited++;
      return {
        status: 429,
        body: { message: 'You are making too many requests! To avoid errors, we recommend you limit requests.' },
        headers: { 'retry-after': String(this.opts.retryAfterSeconds) },
      };
    }
    const url = new URL(req.path, this.url);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v2') return this.error(404, 'Not found');
    const f = this.fixture;
    const [, kind, id, sub, subId] = parts;
    const notFound = (what: string) => this.error(404, `${what} with identifier [${id}] doesn't exist`);
    switch (kind) {
      case 'users': {
        if (!id) return this.page(url, f.users, '/v2/users');
        const user = f.users.find((u) => u.id === id || u.username === id);
        if (!user) return notFound('User');
        if (!sub) return this.wrap(user);
        if (sub === 'teams') {
          return this.wrap(
            f.teams
              .filter((t) => t.members.some((m) => m.user.id === user.id))
              .map((t) => ({ id: t.id, name: t.name })),
          );
        }
        if (sub === 'notification-rules') {
          const rules = f.notificationRules[user.id] ?? [];
          if (!subId) {
            return this.wrap(
              rules.map(({ id: ruleId, name, actionType, order, enabled }) => ({
                id: ruleId,
                name,
                actionType,
                order,
                enabled,
              })),
            );
          }
          const rule = rules.find((r) => r.id === subId);
          if (!rule) return this.error(404, `Notification rule with identifier [${subId}] doesn't exist`);
          return this.wrap({ ...rule, steps: rule.steps.map((s) => ({ ...s, sendAfter: { ...s.sendAfter } })) });
        }
        return this.error(404, 'Not found');
      }
      case 'teams': {
        if (!id)
          return this.wrap(f.teams.map(({ id: teamId, name, description }) => ({ id: teamId, name, description })));
        const team = f.teams.find((t) => t.id === id || t.name === id);
        if (!team) return notFound('Team');
        if (sub === 'routing-rules') return this.wrap(f.routingRules?.[team.id] ?? []);
        return sub ? this.error(404, 'Not found') : this.wrap(team);
      }
      case 'schedules': {
        if (!id) {
          const expand = (url.searchParams.get('expand') ?? '').split(',').includes('rotation');
          return this.wrap(
            f.schedules.map((s) => (expand ? s : { ...s, rotations: undefined })),
            { expandable: ['rotation'] },
          );
        }
        const schedule = f.schedules.find((s) => s.id === id || s.name === id);
        if (!schedule) return notFound('Schedule');
        if (!sub) return this.wrap(schedule);
        const overrides = f.overrides[schedule.id] ?? [];
        if (sub === 'overrides') {
          return this.wrap(overrides.map((o) => ({ _parent: { id: schedule.id, name: schedule.name }, ...o })));
        }
        if (sub === 'timeline') return this.timeline(url, schedule, overrides);
        return this.error(404, 'Not found');
      }
      case 'escalations': {
        if (!id) return this.wrap(f.escalations);
        const e = f.escalations.find((x) => x.id === id || x.name === id);
        return e ? this.wrap(e) : notFound('Escalation');
      }
      case 'integrations':
        if (!id) {
          return this.wrap(
            f.integrations.map(({ id: iid, name, enabled, type, teamId, version }) => ({
              id: iid,
              name,
              enabled,
              type,
              ...(teamId ? { teamId } : {}),
              ...(version ? { version } : {}),
            })),
          );
        }
        return this.error(404, 'Not found');
      default:
        return this.error(404, 'Not found');
    }
  }

  private page<T>(url: URL, all: T[], path: string): Reply {
    const asked = Number(url.searchParams.get('limit') ?? '20');
    const offset = Math.max(0, Number(url.searchParams.get('offset') ?? '0'));
    if (!Number.isInteger(asked) || asked < 1 || asked > 100) return this.error(422, 'limit must be between 1 and 100');
    const limit = Math.min(asked, this.opts.maxPageSize);
    const link = (o: number) => `${this.url}${path}?limit=${limit}&offset=${o}`;
    const lastOffset = Math.max(0, Math.floor((all.length - 1) / limit) * limit);
    const paging: Record<string, string> = { first: link(0), last: link(lastOffset) };
    if (offset + limit < all.length) paging.next = link(offset + limit);
    if (offset > 0) paging.prev = link(Math.max(0, offset - limit));
    return this.wrap(all.slice(offset, offset + limit), { totalCount: all.length, paging });
  }

  private timeline(url: URL, schedule: OgSchedule, overrides: OgOverride[]): Reply {
    const date = url.searchParams.get('date');
    const from = date ? Date.parse(date) : Date.now();
    if (!Number.isFinite(from)) return this.error(422, 'date is not valid');
    const interval = Number(url.searchParams.get('interval') ?? '1');
    const unit = url.searchParams.get('intervalUnit') ?? 'weeks';
    const unitMs = unit === 'days' ? 86_400_000 : unit === 'weeks' ? 7 * 86_400_000 : unit === 'months' ? 0 : -1;
    if (unitMs < 0 || !Number.isInteger(interval) || interval < 1) {
      return this.error(422, 'interval and intervalUnit are not valid');
    }
    let to: number;
    if (unitMs === 0) {
      const d = new Date(from);
      d.setUTCMonth(d.getUTCMonth() + interval);
      to = d.getTime();
    } else to = from + interval * unitMs;
    const iso = (ms: number) => new Date(ms).toISOString();
    const rotations = schedule.rotations.map((rot, order) => ({
      id: rot.id,
      name: rot.name,
      order,
      periods: finalRotationPeriods(schedule.timezone, rot, overrides, from, to).map((p) => ({
        startDate: iso(p.start),
        endDate: iso(p.end),
        type: p.type,
        recipient:
          p.recipient.type === 'user'
            ? { type: 'user', id: p.recipient.id, name: p.recipient.username }
            : p.recipient.type === 'none'
              ? { type: 'none' }
              : { type: p.recipient.type, id: p.recipient.id, name: p.recipient.name },
      })),
    }));
    return this.wrap(
      {
        _parent: { id: schedule.id, name: schedule.name, enabled: schedule.enabled },
        startDate: iso(from),
        endDate: iso(to),
        finalTimeline: { rotations },
      },
      { expandable: ['base', 'forwarding', 'override'] },
    );
  }
}
