/**
 * The PagerDuty importer (issue 16, docs/import.md "PagerDuty"): reads an account over the REST API v2 (every list
 * paged with `limit`/`offset` until `more` is false) and translates it into the config-as-code format.
 *
 * - users (by email; `owner`/`admin` → organisation administrators) — their contact methods and notification rules are
 *   reported, not imported: Muster's people add their own contact methods, and a rule naming one they lack is refused;
 * - teams and members (`manager` → admin, `responder` → responder, `observer` → viewer);
 * - schedules: layers in priority order (PagerDuty lists the top layer first; Muster's later layers sit above), turns,
 *   the rotation's start, restrictions split per day, layer ends, overrides that have not ended; ended layers skipped;
 * - escalation policies: rules → levels with the delay kept to the minute, targets users and schedules, `num_loops`
 *   → `repeat`;
 * - services with their escalation policy and integrations → integration keys of the matching intake;
 * - the final schedule PagerDuty renders (`final_schedule.rendered_schedule_entries`) over the fidelity range;
 * - resolved incidents of the last N months with their acknowledge and resolve log entries.
 * Objects without a team go to the team of what uses them, else to one "PagerDuty" team made for them.
 */
import type {
  ConfigFileDoc,
  EscalationPolicyDoc,
  LayerDoc,
  ScheduleDoc,
  ServiceDoc,
  TeamDoc,
  UserDoc,
} from '../../config-as-code/schema.js';
import { AppError } from '../../shared/errors.js';
import { isValidTimeZone } from '../../shared/tz.js';
import type {
  ImportedIncident,
  Importer,
  ReadOptions,
  RenderedEntry,
  RenderedSchedule,
  SourceSnapshot,
  Unmapped,
} from '../model.js';
import { assignSlugs, integrationSource, restrictionsOf, rotationStart, turnOf } from './mapping.js';

// ------------------------------------------------------------------------------------------------- API shapes

interface Ref {
  id: string;
  type?: string;
  summary?: string;
}
interface ApiContactMethod {
  id: string;
  type: string;
  address?: string;
  label?: string;
  country_code?: number;
}
interface ApiUser {
  id: string;
  name: string;
  email: string;
  time_zone?: string;
  role?: string;
  contact_methods?: ApiContactMethod[];
  notification_rules?: {
    id: string;
    urgency?: string;
    start_delay_in_minutes?: number;
    contact_method?: ApiContactMethod;
  }[];
}
interface ApiTeam {
  id: string;
  name: string;
  description?: string | null;
}
interface ApiMember {
  user: Ref;
  role?: string;
}
interface ApiLayer {
  id: string;
  name?: string;
  start: string;
  end?: string | null;
  rotation_virtual_start: string;
  rotation_turn_length_seconds: number;
  users: { user: Ref }[];
  restrictions?: {
    type: string;
    start_time_of_day: string;
    duration_seconds: number;
    start_day_of_week?: number | null;
  }[];
}
interface ApiSchedule {
  id: string;
  name: string;
  description?: string | null;
  time_zone: string;
  teams?: Ref[];
  schedule_layers?: ApiLayer[];
  final_schedule?: { rendered_schedule_entries?: { start: string; end: string; user?: Ref | null }[] };
}
interface ApiOverride {
  id: string;
  start: string;
  end: string;
  user: Ref;
}
interface ApiPolicy {
  id: string;
  name: string;
  description?: string | null;
  num_loops?: number;
  teams?: Ref[];
  escalation_rules: { id: string; escalation_delay_in_minutes: number; targets: Ref[] }[];
}
interface ApiIntegration {
  id: string;
  type: string;
  name?: string;
  summary?: string;
  vendor?: Ref | null;
}
interface ApiService {
  id: string;
  name: string;
  description?: string | null;
  escalation_policy?: Ref | null;
  teams?: Ref[];
  integrations?: ApiIntegration[];
}
interface ApiIncident {
  id: string;
  incident_number?: number;
  title?: string;
  summary?: string;
  created_at: string;
  urgency?: string;
  priority?: { summary?: string; name?: string } | null;
  service?: Ref | null;
  html_url?: string;
}
interface ApiLogEntry {
  type: string;
  created_at: string;
}

/** PagerDuty's page size (its maximum). */
const PAGE = 100;
const DEFAULT_TEAM_SLUG = 'pagerduty';
const MONTH_DAYS = 30;

// ------------------------------------------------------------------------------------------------- the client

class PdClient {
  constructor(
    private readonly opts: ReadOptions,
    private readonly headers: Record<string, string>,
  ) {}

  url(path: string, query: [string, string][] = []): string {
    const base = this.opts.baseUrl.replace(/\/+$/, '');
    const q = new URLSearchParams(query).toString();
    return `${base}${path}${q ? `?${q}` : ''}`;
  }

  get<T>(path: string, query: [string, string][] = []): Promise<T> {
    return this.opts.http.getJson<T>(this.url(path, query), this.headers);
  }

  /** Every item of a list: pages of `limit` from `offset` 0 until `more` is false. */
  async list<T>(path: string, key: string, query: [string, string][] = []): Promise<T[]> {
    const out: T[] = [];
    for (let offset = 0; ;) {
      const body = await this.get<Record<string, unknown>>(path, [
        ...query,
        ['limit', String(PAGE)],
        ['offset', String(offset)],
      ]);
      const items = body[key];
      if (!Array.isArray(items)) {
        throw new AppError('import_source_error', `PagerDuty's answer to GET ${path} has no "${key}" list.`, {
          status: 502,
        });
      }
      out.push(...(items as T[]));
      if (body.more !== true || items.length === 0) return out;
      offset += items.length;
    }
  }
}

// ------------------------------------------------------------------------------------------------- the importer

const named = (kind: string, name: string, id: string) => `${kind} "${name}" (${id})`;

const TEAM_ROLE: Record<string, 'admin' | 'responder' | 'viewer'> = {
  manager: 'admin',
  responder: 'responder',
  observer: 'viewer',
};

const CONTACT_KIND: Record<string, string> = {
  email_contact_method: 'email',
  phone_contact_method: 'voice',
  sms_contact_method: 'sms',
  push_notification_contact_method: 'push',
};

export async function readPagerDuty(opts: ReadOptions): Promise<SourceSnapshot> {
  const pd = new PdClient(opts, {
    authorization: `Token token=${opts.token}`,
    accept: 'application/vnd.pagerduty+json;version=2',
  });
  const unmapped: Unmapped[] = [];
  const drop = (object: string, reason: string, field?: string) =>
    unmapped.push({ object, reason, outcome: 'dropped', ...(field ? { field } : {}) });
  const approx = (object: string, reason: string, field?: string) =>
    unmapped.push({ object, reason, outcome: 'approximated', ...(field ? { field } : {}) });

  // Users first: a wrong token fails here, before anything else is asked.
  const apiUsers = await pd.list<ApiUser>('/users', 'users', [
    ['include[]', 'contact_methods'],
    ['include[]', 'notification_rules'],
  ]);
  const apiTeams = await pd.list<ApiTeam>('/teams', 'teams');
  const members = new Map<string, ApiMember[]>();
  for (const t of apiTeams) members.set(t.id, await pd.list<ApiMember>(`/teams/${t.id}/members`, 'members'));
  const apiSchedules = await pd.list<ApiSchedule>('/schedules', 'schedules', [['include[]', 'schedule_layers']]);
  const apiPolicies = await pd.list<ApiPolicy>('/escalation_policies', 'escalation_policies');
  const apiServices = await pd.list<ApiService>('/services', 'services', [['include[]', 'integrations']]);

  // ---- users
  const emailOf = new Map<string, string>();
  const users: UserDoc[] = [];
  for (const u of apiUsers) {
    const who = `user ${u.email}`;
    const email = u.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      drop(named('user', u.name, u.id), 'has no usable email address (Muster names people by email)');
      continue;
    }
    if (emailOf.has(u.id)) continue;
    if ([...emailOf.values()].includes(email)) {
      drop(named('user', u.name, u.id), `has the same email as another user (${email}): imported once`);
      continue;
    }
    emailOf.set(u.id, email);
    const doc: UserDoc = { email, name: u.name.trim().slice(0, 200) || email };
    if (u.time_zone && isValidTimeZone(u.time_zone)) doc.timezone = u.time_zone;
    else if (u.time_zone) approx(who, `time zone "${u.time_zone}" is not an IANA zone; UTC is used`, 'time_zone');
    if (u.role === 'owner' || u.role === 'admin') doc.admin = true;
    users.push(doc);
    const methods = (u.contact_methods ?? []).map((c) =>
      `${CONTACT_KIND[c.type] ?? c.type} ${c.country_code && !c.type.startsWith('email') ? `+${c.country_code} ` : ''}${c.address ?? ''}`.trim(),
    );
    const rules = u.notification_rules ?? [];
    if (methods.length > 0 || rules.length > 0) {
      drop(
        who,
        `contact methods (${methods.join(', ') || 'none'}) and ${rules.length} notification rule${rules.length === 1 ? '' : 's'} ` +
          'not imported: people add their own contact methods in Muster (they are verified there), then set their rules',
        'contact_methods, notification_rules',
      );
    }
  }

  // ---- teams
  const teamSlug = assignSlugs(
    apiTeams,
    (t) => t.name,
    (t) => t.id,
  );
  const teamSlugById = new Map(apiTeams.map((t) => [t.id, teamSlug.get(t)!]));
  const teams: TeamDoc[] = apiTeams.map((t) => {
    const doc: TeamDoc = { slug: teamSlug.get(t)!, name: t.name.trim().slice(0, 100) || t.id };
    if (t.description) doc.description = t.description.slice(0, 2000);
    const seen = new Set<string>();
    doc.members = [];
    for (const m of members.get(t.id) ?? []) {
      const email = emailOf.get(m.user.id);
      if (!email) {
        drop(named('team', t.name, t.id), `member ${m.user.summary ?? m.user.id} is not an imported user`, 'members');
        continue;
      }
      if (seen.has(email)) continue;
      seen.add(email);
      const role = TEAM_ROLE[m.role ?? 'responder'];
      if (!role) approx(named('team', t.name, t.id), `member ${email}'s role "${m.role}" becomes responder`, 'members');
      doc.members.push({ user: email, role: role ?? 'responder' });
    }
    return doc;
  });
  let defaultTeamUsed = false;
  const defaultTeam = () => {
    defaultTeamUsed = true;
    return DEFAULT_TEAM_SLUG;
  };
  const firstTeam = (object: string, refs: Ref[] | undefined): string | null => {
    const known = (refs ?? []).filter((r) => teamSlugById.has(r.id));
    if (known.length > 1) {
      approx(
        object,
        `belongs to ${known.length} teams; Muster gives it one, the first (${teamSlugById.get(known[0]!.id)})`,
        'teams',
      );
    }
    return known[0] ? teamSlugById.get(known[0].id)! : null;
  };

  // ---- escalation policies (teams first: schedules without a team take their policy's)
  const policySlug = assignSlugs(
    apiPolicies,
    (p) => p.name,
    (p) => p.id,
  );
  const policyTeam = new Map<string, string>();
  for (const p of apiPolicies) {
    const t = firstTeam(named('escalation policy', p.name, p.id), p.teams);
    if (t) policyTeam.set(p.id, t);
  }
  const scheduleSlug = assignSlugs(
    apiSchedules,
    (s) => s.name,
    (s) => s.id,
  );
  const scheduleSlugById = new Map(apiSchedules.map((s) => [s.id, scheduleSlug.get(s)!]));
  const scheduleTeam = new Map<string, string>();
  for (const s of apiSchedules) {
    const t = firstTeam(named('schedule', s.name, s.id), s.teams);
    if (t) scheduleTeam.set(s.id, t);
  }
  // A schedule without a team: the team of the first policy (by id) that pages it.
  for (const p of [...apiPolicies].sort((a, b) => a.id.localeCompare(b.id))) {
    const t = policyTeam.get(p.id);
    if (!t) continue;
    for (const r of p.escalation_rules)
      for (const target of r.targets)
        if (target.type === 'schedule_reference' && !scheduleTeam.has(target.id)) scheduleTeam.set(target.id, t);
  }
  const serviceTeamOf = (s: ApiService): string | null =>
    firstTeam(named('service', s.name, s.id), s.teams) ??
    (s.escalation_policy ? (policyTeam.get(s.escalation_policy.id) ?? null) : null);
  // A policy without a team: the team of the first service (by id) that uses it.
  for (const s of [...apiServices].sort((a, b) => a.id.localeCompare(b.id))) {
    const p = s.escalation_policy?.id;
    if (p && !policyTeam.has(p)) {
      const t = (s.teams ?? []).map((r) => teamSlugById.get(r.id)).find(Boolean);
      if (t) policyTeam.set(p, t);
    }
  }

  // ---- schedules
  const schedules: ScheduleDoc[] = [];
  const sharedSchedules = new Set<string>();
  // PagerDuty writes times to the second: ask for whole seconds around the range, then clip to it.
  const renderedRange: [string, string][] = [
    ['since', new Date(Math.floor(opts.renderedFrom / 1000) * 1000).toISOString()],
    ['until', new Date(Math.ceil(opts.renderedTo / 1000) * 1000).toISOString()],
  ];
  const rendered: RenderedSchedule[] = [];
  for (const s of apiSchedules) {
    const object = named('schedule', s.name, s.id);
    const zone = isValidTimeZone(s.time_zone) ? s.time_zone : 'UTC';
    if (zone !== s.time_zone)
      approx(object, `time zone "${s.time_zone}" is not an IANA zone; UTC is used`, 'time_zone');
    let team = scheduleTeam.get(s.id);
    if (!team) {
      team = defaultTeam();
      approx(
        object,
        `has no team and no team's escalation policy pages it; put in team "${DEFAULT_TEAM_SLUG}"`,
        'teams',
      );
    }
    const doc: ScheduleDoc = {
      slug: scheduleSlug.get(s)!,
      name: s.name.trim().slice(0, 200) || s.id,
      team,
      timezone: zone,
      layers: [],
    };
    if (s.description) doc.description = s.description.slice(0, 2000);
    // PagerDuty lists layers in reverse order of priority (the top one first); Muster's later layers sit above.
    const apiLayers = [...(s.schedule_layers ?? [])].reverse();
    const base = apiLayers.length - 1;
    apiLayers.forEach((l, i) => {
      const field = `schedule_layers[${base - i}]`;
      const layerName = (l.name ?? '').trim() || `Layer ${i + 1}`;
      const end = l.end ? Date.parse(l.end) : null;
      if (end !== null && end <= opts.now) {
        drop(
          object,
          `layer "${layerName}" ended at ${l.end}: nobody of it can be on call again, so it is not imported`,
          field,
        );
        return;
      }
      const participants: string[] = [];
      for (const u of l.users) {
        const email = emailOf.get(u.user.id);
        if (email) participants.push(email);
        else drop(object, `layer "${layerName}": user ${u.user.summary ?? u.user.id} is not an imported user`, field);
      }
      const start = Date.parse(l.start);
      const virtualStart = Date.parse(l.rotation_virtual_start);
      const turnSeconds = l.rotation_turn_length_seconds;
      if (!Number.isFinite(start) || !Number.isFinite(virtualStart) || !(turnSeconds >= 60)) {
        drop(object, `layer "${layerName}" has no usable start or turn length`, field);
        return;
      }
      const rot = rotationStart(zone, virtualStart, start, turnSeconds, participants.length);
      if (rot.offMinute) approx(object, `layer "${layerName}": its hand-off is cut to the whole minute`, field);
      if (start > opts.now && start > virtualStart) {
        approx(
          object,
          `layer "${layerName}" starts at ${l.start}, after its rotation began: Muster's layer has someone on call from the rotation's start`,
          field,
        );
      }
      const { restrictions, problems } = restrictionsOf(l.restrictions ?? []);
      for (const p of problems) approx(object, `layer "${layerName}": ${p}`, field);
      if (restrictions.length > 28) {
        drop(object, `layer "${layerName}" needs ${restrictions.length} restrictions; Muster allows 28`, field);
        return;
      }
      const layer: LayerDoc = {
        name: layerName.slice(0, 100),
        participants,
        turn: turnOf(turnSeconds),
        startDate: rot.startDate,
        handoffTime: rot.handoffTime,
      };
      if (restrictions.length > 0) layer.restrictions = restrictions;
      if (end !== null) layer.endsAt = new Date(end).toISOString();
      doc.layers!.push(layer);
    });
    // Overrides that have not ended (ended ones are history).
    const overrides = await pd.list<ApiOverride>(`/schedules/${s.id}/overrides`, 'overrides', [
      ['since', new Date(opts.now).toISOString()],
      ['until', new Date(Math.max(opts.renderedTo, opts.now + 366 * 86_400_000)).toISOString()],
    ]);
    doc.overrides = [];
    for (const o of overrides) {
      const email = emailOf.get(o.user.id);
      if (Date.parse(o.end) <= opts.now) continue;
      if (!email) {
        drop(object, `override ${o.id}: user ${o.user.summary ?? o.user.id} is not an imported user`, 'overrides');
        continue;
      }
      doc.overrides.push({ user: email, start: new Date(o.start).toISOString(), end: new Date(o.end).toISOString() });
    }
    schedules.push(doc);
    // PagerDuty's own final schedule over the fidelity range.
    const one = await pd.get<{ schedule: ApiSchedule }>(`/schedules/${s.id}`, renderedRange);
    rendered.push({
      slug: doc.slug,
      source: `${s.name} (${s.id})`,
      entries: renderedEntries(one.schedule.final_schedule?.rendered_schedule_entries ?? [], emailOf, opts),
    });
  }

  // ---- escalation policies
  const policies: EscalationPolicyDoc[] = [];
  const sharedPolicies = new Set<string>();
  for (const p of apiPolicies) {
    const object = named('escalation policy', p.name, p.id);
    let team = policyTeam.get(p.id);
    if (!team) {
      team = defaultTeam();
      approx(object, `has no team and no team's service uses it; put in team "${DEFAULT_TEAM_SLUG}"`, 'teams');
    }
    const levels: EscalationPolicyDoc['levels'] = [];
    p.escalation_rules.forEach((r, i) => {
      const field = `escalation_rules[${i}]`;
      const targets: EscalationPolicyDoc['levels'][number]['targets'] = [];
      for (const t of r.targets) {
        if (t.type === 'user_reference' || t.type === 'user') {
          const email = emailOf.get(t.id);
          if (email) targets.push({ user: email });
          else drop(object, `target user ${t.summary ?? t.id} is not an imported user`, field);
        } else if (t.type === 'schedule_reference' || t.type === 'schedule') {
          const slug = scheduleSlugById.get(t.id);
          if (!slug) {
            drop(object, `target schedule ${t.summary ?? t.id} is not an imported schedule`, field);
            continue;
          }
          targets.push({ schedule: slug });
          const owner = schedules.find((x) => x.slug === slug)?.team;
          if (owner !== team) sharedSchedules.add(slug);
        } else {
          drop(object, `target of type "${t.type}" is not supported (users and schedules are)`, field);
        }
      }
      let delay = Math.round(r.escalation_delay_in_minutes);
      if (delay < 1 || delay > 1440) {
        const kept = Math.min(1440, Math.max(1, delay));
        approx(object, `delay of ${r.escalation_delay_in_minutes} minutes is outside 1–1440; ${kept} is used`, field);
        delay = kept;
      }
      if (targets.length === 0) {
        drop(object, 'rule has no target Muster can page; left out', field);
        return;
      }
      levels.push({ delayMinutes: delay, targets });
    });
    if (levels.length === 0) {
      drop(object, 'no rule with a target Muster can page: the policy is not imported');
      continue;
    }
    if (levels.length > 20) {
      approx(object, `${levels.length} rules; Muster keeps the first 20`, 'escalation_rules');
      levels.length = 20;
    }
    const doc: EscalationPolicyDoc = {
      slug: policySlug.get(p)!,
      name: p.name.trim().slice(0, 200) || p.id,
      team,
      levels,
    };
    if (p.description) doc.description = p.description.slice(0, 2000);
    const loops = p.num_loops ?? 0;
    if (loops > 9)
      approx(object, `num_loops ${loops}: Muster repeats a policy at most 9 times after the first pass`, 'num_loops');
    if (loops > 0) doc.repeat = Math.min(9, loops);
    policies.push(doc);
  }
  const policySlugById = new Map(apiPolicies.map((p) => [p.id, policySlug.get(p)!]));
  const importedPolicies = new Set(policies.map((p) => p.slug));

  // ---- services
  const serviceSlug = assignSlugs(
    apiServices,
    (s) => s.name,
    (s) => s.id,
  );
  const serviceSlugById = new Map<string, string>();
  const services: ServiceDoc[] = [];
  for (const s of apiServices) {
    const object = named('service', s.name, s.id);
    let team = serviceTeamOf(s);
    if (!team) {
      team = defaultTeam();
      approx(object, `has no team; put in team "${DEFAULT_TEAM_SLUG}"`, 'teams');
    }
    const doc: ServiceDoc = { slug: serviceSlug.get(s)!, name: s.name.trim().slice(0, 100) || s.id, team };
    if (s.description) doc.description = s.description.slice(0, 2000);
    const policy = s.escalation_policy ? policySlugById.get(s.escalation_policy.id) : undefined;
    if (policy && importedPolicies.has(policy)) {
      doc.escalationPolicy = policy;
      if (policies.find((p) => p.slug === policy)?.team !== team) sharedPolicies.add(policy);
    } else if (s.escalation_policy) {
      drop(
        object,
        `escalation policy ${s.escalation_policy.summary ?? s.escalation_policy.id} was not imported`,
        'escalation_policy',
      );
    }
    const keys: NonNullable<ServiceDoc['integrationKeys']> = [];
    const usedNames = new Set<string>();
    for (const i of s.integrations ?? []) {
      const label = (i.name ?? i.summary ?? i.type).trim() || i.type;
      const vendor = i.vendor?.summary ?? null;
      const m = integrationSource(i.type, vendor);
      const field = `integrations (${label})`;
      if (m.source === null) {
        drop(object, `integration "${label}" (${i.type}): ${m.why}`, field);
        continue;
      }
      if (!m.exact) {
        approx(
          object,
          `integration "${label}" (${vendor ? `vendor ${vendor}` : i.type}) has no Muster intake of its own: it becomes a generic integration key; point the tool at Muster's generic endpoint`,
          field,
        );
      }
      let name = label.slice(0, 100);
      if (usedNames.has(name.toLowerCase())) name = `${label.slice(0, 90)} (${i.id})`.slice(0, 100);
      usedNames.add(name.toLowerCase());
      keys.push({ name, source: m.source });
    }
    doc.integrationKeys = keys;
    services.push(doc);
    serviceSlugById.set(s.id, doc.slug);
  }

  for (const s of schedules) if (sharedSchedules.has(s.slug)) s.shared = true;
  for (const p of policies) if (sharedPolicies.has(p.slug)) p.shared = true;
  if (defaultTeamUsed && !teams.some((t) => t.slug === DEFAULT_TEAM_SLUG)) {
    teams.push({
      slug: DEFAULT_TEAM_SLUG,
      name: 'PagerDuty',
      description: 'Imported from PagerDuty: objects without a team',
    });
  }

  // ---- history
  const history: ImportedIncident[] = [];
  if (opts.historyMonths > 0) {
    const since = opts.now - opts.historyMonths * MONTH_DAYS * 86_400_000;
    const incidents = await pd.list<ApiIncident>('/incidents', 'incidents', [
      ['since', new Date(since).toISOString()],
      ['until', new Date(opts.now).toISOString()],
      ['statuses[]', 'resolved'],
      ['time_zone', 'UTC'],
    ]);
    for (const inc of incidents) {
      const created = Date.parse(inc.created_at);
      if (!Number.isFinite(created)) continue;
      const log = await pd.list<ApiLogEntry>(`/incidents/${inc.id}/log_entries`, 'log_entries');
      const times = (type: string) =>
        log
          .filter((e) => e.type === type)
          .map((e) => Date.parse(e.created_at))
          .filter(Number.isFinite)
          .sort((a, b) => a - b);
      const acks = times('acknowledge_log_entry');
      const resolves = times('resolve_log_entry');
      const priority = inc.priority?.summary ?? inc.priority?.name ?? null;
      history.push({
        externalId: inc.id,
        title: (inc.title ?? inc.summary ?? inc.id).slice(0, 500),
        service: inc.service ? (serviceSlugById.get(inc.service.id) ?? null) : null,
        severity: severityOf(priority, inc.urgency),
        createdAt: created,
        acknowledgedAt: acks[0] ?? null,
        resolvedAt: resolves[resolves.length - 1] ?? null,
        url: inc.html_url ?? null,
      });
    }
  }

  const doc: ConfigFileDoc = { users, teams, schedules, escalationPolicies: policies, services };
  return {
    source: 'pagerduty',
    doc,
    unmapped,
    rendered,
    history,
    requests: { total: opts.http.stats.total, rateLimited: opts.http.stats.rateLimited },
  };
}

/** PagerDuty's priority P1–P4 when it has one (P5 and lower → P4); else high urgency → P2, low → P4. */
export function severityOf(priority: string | null, urgency: string | undefined): ImportedIncident['severity'] {
  const m = priority ? /^P([1-9])$/i.exec(priority.trim()) : null;
  if (m) return `P${Math.min(4, Number(m[1]))}` as ImportedIncident['severity'];
  return urgency === 'low' ? 'P4' : 'P2';
}

/** The rendered entries as emails over [from, to), with the gaps between them as entries with nobody. */
function renderedEntries(
  raw: { start: string; end: string; user?: Ref | null }[],
  emailOf: Map<string, string>,
  opts: ReadOptions,
): RenderedEntry[] {
  const entries = raw
    .map((e) => ({
      start: Math.max(Date.parse(e.start), opts.renderedFrom),
      end: Math.min(Date.parse(e.end), opts.renderedTo),
      users: e.user ? [emailOf.get(e.user.id) ?? `unknown:${e.user.id}`] : [],
    }))
    .filter((e) => Number.isFinite(e.start) && Number.isFinite(e.end) && e.end > e.start)
    .sort((a, b) => a.start - b.start);
  const out: RenderedEntry[] = [];
  let at = opts.renderedFrom;
  for (const e of entries) {
    if (e.start > at) out.push({ start: at, end: e.start, users: [] });
    out.push(e);
    at = Math.max(at, e.end);
  }
  if (at < opts.renderedTo) out.push({ start: at, end: opts.renderedTo, users: [] });
  return out;
}

export const pagerdutyImporter: Importer = { source: 'pagerduty', read: readPagerDuty };
