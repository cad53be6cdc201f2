/**
 * PagerDuty REST API v2 stand-in (developer.pagerduty.com/api-reference; /work/shared/reference/import-apis.md), for
 * the importer's tests (issue 16). A real local HTTP server that speaks the documented protocol:
 * - `Authorization: Token token=<key>` (401 with PagerDuty's error envelope otherwise); the `Accept` header is recorded;
 * - classic offset pagination on every list: `limit` (capped at `maxLimit`), `offset`, answered with `limit`,
 *   `offset`, `more` and `total` (null unless `total=true`);
 * - a 429 with `Retry-After` on every `rateLimitEvery`-th request (0: never), so a client's waiting is exercised;
 * - users (`include[]=contact_methods`, `include[]=notification_rules`), teams and `/teams/{id}/members`, schedules
 *   (`include[]=schedule_layers`; layers in reverse order of priority, as PagerDuty returns them), `GET
 *   /schedules/{id}?since&until` with the rendered `final_schedule.rendered_schedule_entries`,
 *   `/schedules/{id}/overrides`, escalation policies, services (`include[]=integrations`), incidents (`since`,
 *   `until`, `statuses[]`) and `/incidents/{id}/log_entries`.
 *
 * The final schedule is rendered by this file's OWN implementation of PagerDuty's documented layer semantics (never
 * Muster's code, which is what it checks): each layer's turns follow one another from `rotation_virtual_start`, each
 * `rotation_turn_length_seconds` long, the layer's users in order (hand-offs keep their wall-clock time in the
 * schedule's zone when the turn is a whole number of hours; otherwise elapsed time); restrictions
 * (`daily_restriction`: from a time of day for `duration_seconds`, every day; `weekly_restriction`: from a day of the
 * week and a time for `duration_seconds`) limit when the turn's user is on call without changing whose turn it is;
 * nobody is on call outside the layer's `start`–`end`; a layer earlier in the list (higher priority) wins over later
 * ones, and overrides sit on top of everything.
 */
import { StandIn, type RecordedRequest, type Reply } from './base.js';

// ---------------------------------------------------------------------------------------------- fixture types

export interface PdRef {
  id: string;
  type: string;
  summary?: string;
}

export interface PdContactMethod {
  id: string;
  type: 'email_contact_method' | 'phone_contact_method' | 'sms_contact_method' | 'push_notification_contact_method';
  label: string;
  address: string;
  country_code?: number;
}

export interface PdNotificationRule {
  id: string;
  type: 'assignment_notification_rule';
  start_delay_in_minutes: number;
  urgency: 'high' | 'low';
  contact_method: PdRef;
}

export interface PdUser {
  id: string;
  name: string;
  email: string;
  time_zone: string;
  role: string;
  contact_methods: PdContactMethod[];
  notification_rules: PdNotificationRule[];
}

export interface PdTeam {
  id: string;
  name: string;
  description: string | null;
  members: { user: string; role: 'manager' | 'responder' | 'observer' }[];
}

export interface PdRestriction {
  type: 'daily_restriction' | 'weekly_restriction';
  start_time_of_day: string; // HH:MM:SS
  duration_seconds: number;
  start_day_of_week?: number; // 1 = Monday … 7 = Sunday (weekly only)
}

export interface PdLayer {
  id: string;
  name: string;
  start: string;
  end: string | null;
  rotation_virtual_start: string;
  rotation_turn_length_seconds: number;
  users: string[]; // user ids, in order
  restrictions: PdRestriction[];
}

export interface PdOverride {
  id: string;
  start: string;
  end: string;
  user: string;
}

export interface PdSchedule {
  id: string;
  name: string;
  description: string | null;
  time_zone: string;
  teams: string[];
  /** In reverse order of priority, as PagerDuty returns them: the first layer is the top one. */
  schedule_layers: PdLayer[];
  overrides: PdOverride[];
}

export interface PdEscalationPolicy {
  id: string;
  name: string;
  description: string | null;
  num_loops: number;
  teams: string[];
  escalation_rules: {
    id: string;
    escalation_delay_in_minutes: number;
    targets: { id: string; type: 'user_reference' | 'schedule_reference' }[];
  }[];
}

export interface PdIntegration {
  id: string;
  type: string;
  name: string;
  vendor: { id: string; type: 'vendor_reference'; summary: string } | null;
}

export interface PdService {
  id: string;
  name: string;
  description: string | null;
  escalation_policy: string;
  teams: string[];
  integrations: PdIntegration[];
}

export interface PdIncident {
  id: string;
  incident_number: number;
  title: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  urgency: 'high' | 'low';
  priority: string | null; // P1…P5 summary
  service: string;
  created_at: string;
  log_entries: { id: string; type: string; created_at: string }[];
}

export interface PdFixtures {
  users: PdUser[];
  teams: PdTeam[];
  schedules: PdSchedule[];
  escalation_policies: PdEscalationPolicy[];
  services: PdService[];
  incidents: PdIncident[];
}

// ---------------------------------------------------------------------------------------------- time (own code)

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function fmt(zone: string): Intl.DateTimeFormat {
  let f = fmtCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    fmtCache.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at `utc`, as a "naive" epoch (the local fields read as if they were UTC). */
export function naiveLocal(zone: string, utc: number): number {
  const parts: Record<string, number> = {};
  for (const p of fmt(zone).formatToParts(new Date(utc))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return (
    Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour! % 24, parts.minute, parts.second) + (utc % 1000)
  );
}

/** The instant whose wall clock in `zone` reads `naive` (a time skipped by a DST change moves forward). */
export function fromNaiveLocal(zone: string, naive: number): number {
  let t = naive - (naiveLocal(zone, naive) - naive);
  const off = naiveLocal(zone, t) - t;
  t = naive - off;
  if (naiveLocal(zone, t) !== naive) {
    const off2 = naiveLocal(zone, t) - t;
    t = naive - off2;
  }
  return t;
}

/** RFC 3339 with the zone's offset, as PagerDuty writes times (`2026-12-07T09:00:00+00:00`). */
export function pdTime(zone: string, utc: number): string {
  const naive = naiveLocal(zone, utc);
  const off = Math.round((naive - utc) / MIN);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  const mm = String(a % 60).padStart(2, '0');
  return `${new Date(naive).toISOString().slice(0, 19)}${sign}${hh}:${mm}`;
}

interface Span {
  start: number;
  end: number;
}

function secondsOfDay(hms: string): number {
  const [h, m, s] = hms.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
}

/** The restriction windows of a layer overlapping [from, to), in the schedule's zone. */
function restrictionSpans(zone: string, restrictions: PdRestriction[], from: number, to: number): Span[] | null {
  if (restrictions.length === 0) return null;
  const out: Span[] = [];
  const firstDay = Math.floor(naiveLocal(zone, from) / DAY) - 8;
  const lastDay = Math.floor(naiveLocal(zone, to) / DAY) + 1;
  for (let d = firstDay; d <= lastDay; d++) {
    const isoDow = ((new Date(d * DAY).getUTCDay() + 6) % 7) + 1;
    for (const r of restrictions) {
      if (r.type === 'weekly_restriction' && r.start_day_of_week !== isoDow) continue;
      const naiveStart = d * DAY + secondsOfDay(r.start_time_of_day) * 1000;
      const start = fromNaiveLocal(zone, naiveStart);
      const end = fromNaiveLocal(zone, naiveStart + r.duration_seconds * 1000);
      if (end > from && start < to) out.push({ start: Math.max(start, from), end: Math.min(end, to) });
    }
  }
  return out;
}

/** One layer's on-call spans in [from, to): the user of each turn, cut to the restrictions and the layer's life. */
export function layerSpans(zone: string, layer: PdLayer, from: number, to: number): (Span & { user: string })[] {
  const n = layer.users.length;
  if (n === 0) return [];
  const lo = Math.max(from, Date.parse(layer.start));
  const hi = Math.min(to, layer.end ? Date.parse(layer.end) : Infinity);
  if (hi <= lo) return [];
  const turnMs = layer.rotation_turn_length_seconds * 1000;
  const virtualStart = Date.parse(layer.rotation_virtual_start);
  const wallClock = layer.rotation_turn_length_seconds % 3600 === 0;
  const naive0 = naiveLocal(zone, virtualStart);
  const boundary = (k: number) => (wallClock ? fromNaiveLocal(zone, naive0 + k * turnMs) : virtualStart + k * turnMs);
  let k = Math.floor((lo - virtualStart) / turnMs) - 1;
  while (boundary(k + 1) <= lo) k++;
  const turns: (Span & { user: string })[] = [];
  for (; boundary(k) < hi; k++) {
    const s = Math.max(boundary(k), lo);
    const e = Math.min(boundary(k + 1), hi);
    if (e > s) turns.push({ start: s, end: e, user: layer.users[((k % n) + n) % n]! });
  }
  const windows = restrictionSpans(zone, layer.restrictions, lo, hi);
  if (!windows) return turns;
  const out: (Span & { user: string })[] = [];
  for (const t of turns) {
    for (const w of windows) {
      const s = Math.max(t.start, w.start);
      const e = Math.min(t.end, w.end);
      if (e > s) out.push({ start: s, end: e, user: t.user });
    }
  }
  return out;
}

/** The final schedule over [from, to): overrides on top, then the layers in their listed (priority) order. */
export function renderFinal(schedule: PdSchedule, from: number, to: number): (Span & { user: string })[] {
  const zone = schedule.time_zone;
  const sources: (Span & { user: string })[][] = [
    schedule.overrides
      .map((o) => ({ start: Math.max(Date.parse(o.start), from), end: Math.min(Date.parse(o.end), to), user: o.user }))
      .filter((o) => o.end > o.start),
    ...schedule.schedule_layers.map((l) => layerSpans(zone, l, from, to)),
  ];
  const cuts = new Set<number>([from, to]);
  for (const list of sources)
    for (const s of list) {
      cuts.add(s.start);
      cuts.add(s.end);
    }
  const points = [...cuts].sort((a, b) => a - b);
  const out: (Span & { user: string })[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    let user: string | null = null;
    for (const list of sources) {
      // The last override listed wins among overlapping overrides; within a layer spans never overlap.
      const hits = list.filter((s) => s.start <= a && s.end >= b);
      if (hits.length > 0) {
        user = hits[hits.length - 1]!.user;
        break;
      }
    }
    if (user === null) continue;
    const last = out[out.length - 1];
    if (last && last.user === user && last.end === a) last.end = b;
    else out.push({ start: a, end: b, user });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- the server

export interface PagerDutyStandInOptions {
  token?: string;
  fixtures?: PdFixtures;
  /** Largest page a list answers (PagerDuty: 100); small in tests so pagination is exercised. */
  maxLimit?: number;
  /** Answer every Nth request with 429 (0: never). */
  rateLimitEvery?: number;
  /** The Retry-After of those 429s, in seconds. */
  retryAfterSeconds?: number;
  /** "Now" for the default fixtures (epoch ms). */
  now?: number;
}

export class PagerDutyStandIn extends StandIn {
  readonly token: string;
  readonly fixtures: PdFixtures;
  maxLimit: number;
  rateLimitEvery: number;
  retryAfterSeconds: number;
  /** Requests answered 429 so far. */
  rateLimited = 0;
  private count = 0;

  constructor(opts: PagerDutyStandInOptions = {}) {
    super((req) => this.answer(req));
    this.token = opts.token ?? 'pd-test-token';
    this.fixtures = opts.fixtures ?? defaultPagerDutyFixtures(opts.now ?? Date.now());
    this.maxLimit = opts.maxLimit ?? 100;
    this.rateLimitEvery = opts.rateLimitEvery ?? 0;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 1;
  }

  private userRef(id: string): Record<string, unknown> {
    const u = this.fixtures.users.find((x) => x.id === id);
    return { id, type: 'user_reference', summary: u?.name ?? id, self: `${this.url}/users/${id}` };
  }
  private teamRefs(ids: string[]) {
    return ids.map((id) => ({
      id,
      type: 'team_reference',
      summary: this.fixtures.teams.find((t) => t.id === id)?.name ?? id,
    }));
  }

  private answer(req: RecordedRequest): Reply {
    this.count++;
    if (this.rateLimitEvery > 0 && this.count % this.rateLimitEvery === 0) {
      this.rateLimited++;
      return {
        status: 429,
        headers: { 'retry-after': String(this.retryAfterSeconds) },
        body: { error: { message: 'Rate Limit Exceeded', code: 2020 } },
      };
    }
    if (req.headers.authorization !== `Token token=${this.token}`) {
      return { status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } };
    }
    if (req.method !== 'GET') return { status: 405, body: { error: { message: 'Method Not Allowed', code: 2000 } } };
    const url = new URL(req.path, 'http://standin');
    const q = url.searchParams;
    const parts = url.pathname.split('/').filter(Boolean);
    const include = q.getAll('include[]');
    const f = this.fixtures;
    const notFound: Reply = { status: 404, body: { error: { message: 'Not Found', code: 2100 } } };

    if (parts[0] === 'users' && parts.length === 1) {
      return this.page(
        q,
        'users',
        f.users.map((u) => ({
          id: u.id,
          type: 'user',
          summary: u.name,
          name: u.name,
          email: u.email,
          time_zone: u.time_zone,
          role: u.role,
          html_url: `https://example.pagerduty.com/users/${u.id}`,
          contact_methods: include.includes('contact_methods')
            ? u.contact_methods
            : u.contact_methods.map((c) => ({ id: c.id, type: `${c.type}_reference` })),
          notification_rules: include.includes('notification_rules')
            ? u.notification_rules
            : u.notification_rules.map((r) => ({ id: r.id, type: `${r.type}_reference` })),
        })),
      );
    }
    if (parts[0] === 'teams' && parts.length === 1) {
      return this.page(
        q,
        'teams',
        f.teams.map((t) => ({ id: t.id, type: 'team', summary: t.name, name: t.name, description: t.description })),
      );
    }
    if (parts[0] === 'teams' && parts.length === 3 && parts[2] === 'members') {
      const team = f.teams.find((t) => t.id === parts[1]);
      if (!team) return notFound;
      return this.page(
        q,
        'members',
        team.members.map((m) => ({ user: this.userRef(m.user), role: m.role })),
      );
    }
    if (parts[0] === 'schedules' && parts.length === 1) {
      return this.page(
        q,
        'schedules',
        f.schedules.map((s) => this.schedule(s, include.includes('schedule_layers'), null)),
      );
    }
    if (parts[0] === 'schedules' && parts.length === 2) {
      const s = f.schedules.find((x) => x.id === parts[1]);
      if (!s) return notFound;
      const since = q.get('since');
      const until = q.get('until');
      const from = since ? Date.parse(since) : Date.now();
      const to = until ? Date.parse(until) : from + 7 * DAY;
      if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from)
        return { status: 400, body: { error: { message: 'Invalid Input Provided', code: 2001, errors: ['since'] } } };
      return { status: 200, body: { schedule: this.schedule(s, true, { from, to }) } };
    }
    if (parts[0] === 'schedules' && parts.length === 3 && parts[2] === 'overrides') {
      const s = f.schedules.find((x) => x.id === parts[1]);
      if (!s) return notFound;
      const since = Date.parse(q.get('since') ?? '');
      const until = Date.parse(q.get('until') ?? '');
      if (!Number.isFinite(since) || !Number.isFinite(until))
        return {
          status: 400,
          body: { error: { message: 'Invalid Input Provided', code: 2001, errors: ['since and until are required'] } },
        };
      return this.page(
        q,
        'overrides',
        s.overrides
          .filter((o) => Date.parse(o.end) > since && Date.parse(o.start) < until)
          .map((o) => ({ id: o.id, type: 'override', start: o.start, end: o.end, user: this.userRef(o.user) })),
      );
    }
    if (parts[0] === 'escalation_policies' && parts.length === 1) {
      return this.page(
        q,
        'escalation_policies',
        f.escalation_policies.map((p) => ({
          id: p.id,
          type: 'escalation_policy',
          summary: p.name,
          name: p.name,
          description: p.description,
          num_loops: p.num_loops,
          teams: this.teamRefs(p.teams),
          escalation_rules: p.escalation_rules.map((r) => ({
            id: r.id,
            escalation_delay_in_minutes: r.escalation_delay_in_minutes,
            targets: r.targets.map((t) => ({
              id: t.id,
              type: t.type,
              summary:
                t.type === 'user_reference'
                  ? (f.users.find((u) => u.id === t.id)?.name ?? t.id)
                  : (f.schedules.find((s) => s.id === t.id)?.name ?? t.id),
            })),
          })),
        })),
      );
    }
    if (parts[0] === 'services' && parts.length === 1) {
      return this.page(
        q,
        'services',
        f.services.map((s) => ({
          id: s.id,
          type: 'service',
          summary: s.name,
          name: s.name,
          description: s.description,
          status: 'active',
          escalation_policy: {
            id: s.escalation_policy,
            type: 'escalation_policy_reference',
            summary: f.escalation_policies.find((p) => p.id === s.escalation_policy)?.name ?? s.escalation_policy,
          },
          teams: this.teamRefs(s.teams),
          integrations: include.includes('integrations')
            ? s.integrations.map((i) => ({ ...i, summary: i.name, service: { id: s.id, type: 'service_reference' } }))
            : s.integrations.map((i) => ({ id: i.id, type: `${i.type}_reference`, summary: i.name })),
        })),
      );
    }
    if (parts[0] === 'incidents' && parts.length === 1) {
      const since = q.get('since') ? Date.parse(q.get('since')!) : -Infinity;
      const until = q.get('until') ? Date.parse(q.get('until')!) : Infinity;
      const statuses = q.getAll('statuses[]');
      return this.page(
        q,
        'incidents',
        f.incidents
          .filter((i) => {
            const c = Date.parse(i.created_at);
            return c >= since && c < until && (statuses.length === 0 || statuses.includes(i.status));
          })
          .map((i) => ({
            id: i.id,
            type: 'incident',
            summary: `[#${i.incident_number}] ${i.title}`,
            incident_number: i.incident_number,
            title: i.title,
            status: i.status,
            urgency: i.urgency,
            created_at: i.created_at,
            html_url: `https://example.pagerduty.com/incidents/${i.id}`,
            priority: i.priority
              ? { id: `PRI${i.priority}`, type: 'priority_reference', summary: i.priority, name: i.priority }
              : null,
            service: {
              id: i.service,
              type: 'service_reference',
              summary: f.services.find((s) => s.id === i.service)?.name ?? i.service,
            },
          })),
      );
    }
    if (parts[0] === 'incidents' && parts.length === 3 && parts[2] === 'log_entries') {
      const inc = f.incidents.find((i) => i.id === parts[1]);
      if (!inc) return notFound;
      return this.page(
        q,
        'log_entries',
        inc.log_entries.map((e) => ({
          id: e.id,
          type: e.type,
          summary: e.type.replace(/_log_entry$/, ''),
          created_at: e.created_at,
          incident: { id: inc.id, type: 'incident_reference' },
        })),
      );
    }
    return notFound;
  }

  private schedule(s: PdSchedule, withLayers: boolean, range: { from: number; to: number } | null) {
    const zone = s.time_zone;
    const body: Record<string, unknown> = {
      id: s.id,
      type: 'schedule',
      summary: s.name,
      name: s.name,
      description: s.description,
      time_zone: zone,
      html_url: `https://example.pagerduty.com/schedules/${s.id}`,
      teams: this.teamRefs(s.teams),
      users: [...new Set(s.schedule_layers.flatMap((l) => l.users))].map((id) => this.userRef(id)),
    };
    if (withLayers) {
      body.schedule_layers = s.schedule_layers.map((l) => ({
        id: l.id,
        name: l.name,
        start: l.start,
        end: l.end,
        rotation_virtual_start: l.rotation_virtual_start,
        rotation_turn_length_seconds: l.rotation_turn_length_seconds,
        users: l.users.map((u) => ({ user: this.userRef(u) })),
        restrictions: l.restrictions,
        ...(range
          ? {
              rendered_schedule_entries: layerSpans(zone, l, range.from, range.to).map((e) => ({
                start: pdTime(zone, e.start),
                end: pdTime(zone, e.end),
                user: this.userRef(e.user),
              })),
            }
          : {}),
      }));
    }
    if (range) {
      body.final_schedule = {
        name: 'Final Schedule',
        rendered_coverage_percentage: null,
        rendered_schedule_entries: renderFinal(s, range.from, range.to).map((e) => ({
          start: pdTime(zone, e.start),
          end: pdTime(zone, e.end),
          user: this.userRef(e.user),
        })),
      };
    }
    return body;
  }

  private page(q: URLSearchParams, key: string, all: unknown[]): Reply {
    const asked = Number(q.get('limit') ?? 25);
    const limit = Math.max(1, Math.min(Number.isFinite(asked) ? asked : 25, this.maxLimit));
    const offset = Math.max(0, Number(q.get('offset') ?? 0) || 0);
    const items = all.slice(offset, offset + limit);
    return {
      status: 200,
      body: {
        [key]: items,
        limit,
        offset,
        more: offset + items.length < all.length,
        total: q.get('total') === 'true' ? all.length : null,
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------- default fixtures

/**
 * The default organisation, relative to `now` (so its layers are always running): two teams, six users with contact
 * methods and notification rules, three schedules (a two-layer one with weekday business hours and a weekend night
 * restriction past midnight over 12-hour turns; a New York one with a daily restriction past midnight, 3-day turns
 * and an ended layer; one with a daily restriction inside the day and 90-minute turns), an override (and an ended
 * one), two escalation policies (3 rules of 7, 13 and 30 minutes, num_loops 2), four services (Events API v2,
 * Prometheus, an odd vendor, an email integration; two services both named "API"), and six incidents (five resolved
 * in the last two months, one still triggered), plus one resolved ten months ago.
 */
export function defaultPagerDutyFixtures(now: number): PdFixtures {
  const london = 'Europe/London';
  const ny = 'America/New_York';
  const today = Math.floor(now / DAY) * DAY;
  // The Monday at least four weeks ago, 09:00 London.
  const dow = (new Date(today).getUTCDay() + 6) % 7; // 0 = Monday
  const monday4 = today - dow * DAY - 28 * DAY;
  const at = (zone: string, naive: number) => pdTime(zone, fromNaiveLocal(zone, naive));
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const weekday = (day: number): PdRestriction => ({
    type: 'weekly_restriction',
    start_day_of_week: day,
    start_time_of_day: '09:00:00',
    duration_seconds: 9 * 3600,
  });
  const user = (id: string, name: string, email: string, role: string, zone: string, phone: string): PdUser => ({
    id,
    name,
    email,
    time_zone: zone,
    role,
    contact_methods: [
      { id: `${id}E`, type: 'email_contact_method', label: 'Work', address: email },
      { id: `${id}P`, type: 'phone_contact_method', label: 'Mobile', address: phone, country_code: 44 },
      { id: `${id}S`, type: 'sms_contact_method', label: 'Mobile', address: phone, country_code: 44 },
    ],
    notification_rules: [
      {
        id: `${id}R1`,
        type: 'assignment_notification_rule',
        start_delay_in_minutes: 0,
        urgency: 'high',
        contact_method: { id: `${id}S`, type: 'sms_contact_method' },
      },
      {
        id: `${id}R2`,
        type: 'assignment_notification_rule',
        start_delay_in_minutes: 3,
        urgency: 'high',
        contact_method: { id: `${id}P`, type: 'phone_contact_method' },
      },
      {
        id: `${id}R3`,
        type: 'assignment_notification_rule',
        start_delay_in_minutes: 0,
        urgency: 'low',
        contact_method: { id: `${id}E`, type: 'email_contact_method' },
      },
    ],
  });
  const users: PdUser[] = [
    user('PUANA01', 'Ana Lima', 'ana@example.com', 'admin', london, '7700900001'),
    user('PUBEN02', 'Ben Okafor', 'ben@example.com', 'user', london, '7700900002'),
    user('PUCHE03', 'Chen Wei', 'chen@example.com', 'user', london, '7700900003'),
    user('PUDAR04', 'Dara Singh', 'dara@example.com', 'user', ny, '7700900004'),
    user('PUELI05', 'Eli Novak', 'eli@example.com', 'user', ny, '7700900005'),
    user('PUFAY06', 'Fay Moreau', 'fay@example.com', 'observer', london, '7700900006'),
  ];
  const teams: PdTeam[] = [
    {
      id: 'PTPAY01',
      name: 'Payments',
      description: 'Card payments',
      members: [
        { user: 'PUANA01', role: 'manager' },
        { user: 'PUBEN02', role: 'responder' },
        { user: 'PUCHE03', role: 'responder' },
        { user: 'PUDAR04', role: 'responder' },
      ],
    },
    {
      id: 'PTPLA02',
      name: 'Platform',
      description: null,
      members: [
        { user: 'PUBEN02', role: 'manager' },
        { user: 'PUCHE03', role: 'responder' },
        { user: 'PUELI05', role: 'responder' },
        { user: 'PUFAY06', role: 'observer' },
      ],
    },
  ];
  const schedules: PdSchedule[] = [
    {
      id: 'PSPRI01',
      name: 'Payments Primary',
      description: 'Business hours on top of a 12-hour follow-the-clock rotation',
      time_zone: london,
      teams: ['PTPAY01'],
      schedule_layers: [
        {
          // Top layer (listed first): weekday business hours, and Saturday 20:00 → Sunday 04:00.
          id: 'PLBUS02',
          name: 'Business hours',
          start: at(london, monday4 + 9 * HOUR),
          end: null,
          rotation_virtual_start: at(london, monday4 + 9 * HOUR),
          rotation_turn_length_seconds: 7 * 24 * 3600,
          users: ['PUCHE03', 'PUDAR04'],
          restrictions: [
            weekday(1),
            weekday(2),
            weekday(3),
            weekday(4),
            weekday(5),
            {
              type: 'weekly_restriction',
              start_day_of_week: 6,
              start_time_of_day: '20:00:00',
              duration_seconds: 8 * 3600,
            },
          ],
        },
        {
          id: 'PLCLK01',
          name: 'Around the clock',
          start: at(london, monday4 - 7 * DAY + 8 * HOUR),
          end: null,
          rotation_virtual_start: at(london, monday4 - 7 * DAY + 8 * HOUR),
          rotation_turn_length_seconds: 12 * 3600,
          users: ['PUANA01', 'PUBEN02', 'PUELI05'],
          restrictions: [],
        },
      ],
      overrides: [
        {
          id: 'POVR001',
          start: at(london, today + 2 * DAY + 10 * HOUR),
          end: at(london, today + 2 * DAY + 18 * HOUR + 30 * MIN),
          user: 'PUBEN02',
        },
        {
          id: 'POVR002',
          start: at(london, today - 5 * DAY + 10 * HOUR),
          end: at(london, today - 5 * DAY + 12 * HOUR),
          user: 'PUANA01',
        },
      ],
    },
    {
      id: 'PSNIG02',
      name: 'Platform Nights',
      description: null,
      time_zone: ny,
      teams: [],
      schedule_layers: [
        {
          id: 'PLNIG01',
          name: 'Nights',
          start: at(ny, monday4 + 2 * DAY + 22 * HOUR),
          end: null,
          rotation_virtual_start: at(ny, monday4 + 2 * DAY + 22 * HOUR),
          rotation_turn_length_seconds: 3 * 24 * 3600,
          users: ['PUBEN02', 'PUCHE03', 'PUELI05'],
          restrictions: [{ type: 'daily_restriction', start_time_of_day: '22:00:00', duration_seconds: 10 * 3600 }],
        },
        {
          id: 'PLOLD00',
          name: 'Old rotation',
          start: at(ny, monday4 - 56 * DAY),
          end: at(ny, monday4 - 14 * DAY),
          rotation_virtual_start: at(ny, monday4 - 56 * DAY),
          rotation_turn_length_seconds: 7 * 24 * 3600,
          users: ['PUDAR04'],
          restrictions: [],
        },
      ],
      overrides: [
        {
          id: 'POVR003',
          start: at(ny, today + 9 * DAY + 23 * HOUR),
          end: at(ny, today + 10 * DAY + 3 * HOUR),
          user: 'PUDAR04',
        },
      ],
    },
    {
      id: 'PSDAY03',
      name: 'Support days',
      description: 'Short turns inside the working day',
      time_zone: london,
      teams: ['PTPLA02'],
      schedule_layers: [
        {
          id: 'PLDAY01',
          name: 'Daytime',
          start: at(london, monday4 + 8 * HOUR),
          end: null,
          rotation_virtual_start: at(london, monday4 + 8 * HOUR),
          rotation_turn_length_seconds: 90 * 60,
          users: ['PUFAY06', 'PUELI05'],
          restrictions: [{ type: 'daily_restriction', start_time_of_day: '08:30:00', duration_seconds: 8 * 3600 }],
        },
      ],
      overrides: [],
    },
  ];
  const escalation_policies: PdEscalationPolicy[] = [
    {
      id: 'PEPAY01',
      name: 'Payments escalation',
      description: 'Primary, then the leads, then nights',
      num_loops: 2,
      teams: ['PTPAY01'],
      escalation_rules: [
        { id: 'PR1', escalation_delay_in_minutes: 7, targets: [{ id: 'PSPRI01', type: 'schedule_reference' }] },
        {
          id: 'PR2',
          escalation_delay_in_minutes: 13,
          targets: [
            { id: 'PUANA01', type: 'user_reference' },
            { id: 'PUBEN02', type: 'user_reference' },
          ],
        },
        {
          id: 'PR3',
          escalation_delay_in_minutes: 30,
          targets: [
            { id: 'PSNIG02', type: 'schedule_reference' },
            { id: 'PUELI05', type: 'user_reference' },
          ],
        },
      ],
    },
    {
      id: 'PEPLA02',
      name: 'Platform escalation',
      description: null,
      num_loops: 0,
      teams: ['PTPLA02'],
      escalation_rules: [
        {
          id: 'PR4',
          escalation_delay_in_minutes: 15,
          targets: [
            { id: 'PSNIG02', type: 'schedule_reference' },
            { id: 'PSDAY03', type: 'schedule_reference' },
          ],
        },
      ],
    },
  ];
  const vendor = (id: string, summary: string) => ({ id, type: 'vendor_reference' as const, summary });
  const services: PdService[] = [
    {
      id: 'PSVCHK1',
      name: 'Checkout',
      description: 'The checkout API',
      escalation_policy: 'PEPAY01',
      teams: ['PTPAY01'],
      integrations: [
        { id: 'PIEV201', type: 'events_api_v2_inbound_integration', name: 'Events API v2', vendor: null },
        {
          id: 'PIPRO02',
          type: 'generic_events_api_inbound_integration',
          name: 'Prometheus',
          vendor: vendor('PVPROM1', 'Prometheus'),
        },
        {
          id: 'PIZAB03',
          type: 'generic_events_api_inbound_integration',
          name: 'Zabbix',
          vendor: vendor('PVZABX1', 'Zabbix'),
        },
        { id: 'PIEML04', type: 'generic_email_inbound_integration', name: 'Email', vendor: null },
      ],
    },
    {
      id: 'PSVAPI2',
      name: 'API',
      description: null,
      escalation_policy: 'PEPAY01',
      teams: ['PTPAY01'],
      integrations: [
        {
          id: 'PIGRF05',
          type: 'generic_events_api_inbound_integration',
          name: 'Grafana',
          vendor: vendor('PVGRAF1', 'Grafana'),
        },
      ],
    },
    {
      id: 'PSVAPI3',
      name: 'API',
      description: 'The platform API',
      escalation_policy: 'PEPLA02',
      teams: [],
      integrations: [{ id: 'PIEV206', type: 'events_api_v2_inbound_integration', name: 'Events API v2', vendor: null }],
    },
  ];
  const incident = (
    n: number,
    daysAgo: number,
    service: string,
    urgency: 'high' | 'low',
    priority: string | null,
    ackMin: number | null,
    resolveMin: number | null,
  ): PdIncident => {
    const created = today - daysAgo * DAY + 3 * HOUR + n * MIN;
    const log: PdIncident['log_entries'] = [{ id: `PL${n}T`, type: 'trigger_log_entry', created_at: iso(created) }];
    if (ackMin !== null)
      log.push({ id: `PL${n}A`, type: 'acknowledge_log_entry', created_at: iso(created + ackMin * MIN) });
    if (resolveMin !== null)
      log.push({ id: `PL${n}R`, type: 'resolve_log_entry', created_at: iso(created + resolveMin * MIN) });
    return {
      id: `PIN${String(n).padStart(4, '0')}`,
      incident_number: n,
      title: `Incident ${n} on ${service}`,
      status: resolveMin !== null ? 'resolved' : ackMin !== null ? 'acknowledged' : 'triggered',
      urgency,
      priority,
      service,
      created_at: iso(created),
      log_entries: log,
    };
  };
  const incidents: PdIncident[] = [
    incident(1, 300, 'PSVCHK1', 'high', 'P1', 4, 60),
    incident(2, 50, 'PSVCHK1', 'high', 'P1', 3, 45),
    incident(3, 40, 'PSVAPI2', 'high', null, 9, 120),
    incident(4, 30, 'PSVAPI3', 'low', null, null, 240),
    incident(5, 20, 'PSVCHK1', 'high', 'P3', 2, 30),
    incident(6, 10, 'PSVAPI3', 'low', 'P5', 15, 90),
    incident(7, 1, 'PSVCHK1', 'high', null, null, null),
  ];
  return { users, teams, schedules, escalation_policies, services, incidents };
}
