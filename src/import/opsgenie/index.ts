/**
 * The Opsgenie importer (issue 16, docs/import.md "Opsgenie"): reads an organisation over Opsgenie's REST API v2
 * (`Authorization: GenieKey <key>`, lists paged with limit/offset following `paging.next`) and translates it into the
 * config-as-code format. What cannot be carried over exactly is reported in `unmapped`, object by object.
 *
 * - Users (username = email) → invited users; Owner and Admin roles → organisation administrators. Their notification
 *   rules are reported, not imported: the contact methods are the person's own to add in Muster.
 * - Teams and members (team admin → admin, user → responder).
 * - Schedules → schedules in the same zone, each rotation a layer in the same order (later layers above earlier
 *   ones). Turn: `length` hours, days or weeks from the rotation's `startDate` on the schedule's wall clock; restrictions
 *   `time-of-day` → one every-day restriction, `weekday-and-time-of-day` → one restriction per day the span covers.
 *   A rotation with `none` turns (or team/escalation participants, which Opsgenie pages through the team's or the
 *   escalation's own rules, not as a person) becomes one layer per person when the rotation repeats within a week,
 *   each restricted to that person's turns: exact, the empty turns stay empty. Otherwise the empty turns are dropped
 *   (approximated). Opsgenie pages everyone on call in every rotation at once, Muster's upper layer replaces the lower
 *   ones: overlapping rotations are reported when the timeline shows an overlap.
 * - Overrides (not ended) → overrides; one limited to some of several rotations is approximated (Muster's override
 *   covers the whole schedule).
 * - Escalations → policies: a rule's delay is the time after the alert at which it fires, Muster's level delay the time
 *   before the next level, so delays are the differences between consecutive rule times (exact, to the minute); rules at
 *   the same time are one level with their targets merged; the last level waits `repeat.waitInterval` before the next
 *   pass and `repeat.count` → `repeat`.
 * - Integrations → integration keys on one service per owner team (Prometheus → alertmanager, Grafana → grafana, others
 *   → generic, approximated).
 * - No history: Opsgenie's API v2 has alerts, not incidents in this scope (docs/import.md).
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
import { formatLocalDate, formatTimeOfDay, isValidTimeZone, utcToLocal } from '../../shared/tz.js';
import type { Importer, ReadOptions, RenderedEntry, RenderedSchedule, SourceSnapshot, Unmapped } from '../model.js';
import {
  intersectSpans,
  restrictionSpans,
  slotSpans,
  spansToRestrictions,
  timeOfDayRestriction,
  WEEK_MINUTES,
  type OgTimeRestriction,
  type Span,
} from './week.js';

// ---- Opsgenie's shapes, as much as the import reads ----

interface Envelope<T> {
  data: T;
  paging?: { next?: string };
}
interface OgUser {
  id: string;
  username: string;
  fullName?: string;
  role?: { name?: string };
  timeZone?: string;
}
interface OgRuleSummary {
  id: string;
  name: string;
  actionType: string;
  enabled?: boolean;
}
interface OgRule extends OgRuleSummary {
  steps?: { contact?: { method?: string; to?: string }; sendAfter?: { timeAmount?: number }; enabled?: boolean }[];
}
interface OgTeam {
  id: string;
  name: string;
  description?: string;
  members?: { user: { id: string; username: string }; role?: string }[];
}
type OgParticipant = { type: string; id?: string; username?: string; name?: string };
interface OgRotation {
  id: string;
  name: string;
  startDate: string;
  endDate?: string;
  type: string;
  length?: number;
  participants?: OgParticipant[];
  timeRestriction?: OgTimeRestriction | null;
}
interface OgSchedule {
  id: string;
  name: string;
  description?: string;
  timezone?: string;
  enabled?: boolean;
  ownerTeam?: { id: string; name: string } | null;
  rotations?: OgRotation[];
}
interface OgOverride {
  alias: string;
  user: { type: string; id?: string; username?: string };
  startDate: string;
  endDate: string;
  rotations?: { id: string; name: string }[];
}
interface OgTimeline {
  finalTimeline?: {
    rotations?: {
      id: string;
      name: string;
      periods?: { startDate: string; endDate: string; type?: string; recipient?: { type?: string; name?: string } }[];
    }[];
  };
}
interface OgEscalation {
  id: string;
  name: string;
  description?: string;
  ownerTeam?: { id: string; name: string } | null;
  rules?: {
    condition?: string;
    notifyType?: string;
    delay?: { timeAmount?: number; timeUnit?: string };
    recipient?: { type?: string; id?: string; username?: string; name?: string };
  }[];
  repeat?: {
    waitInterval?: number;
    count?: number;
    resetRecipientStates?: boolean;
    closeAlertAfterAll?: boolean;
  } | null;
}
interface OgRoutingRule {
  id: string;
  name: string;
  isDefault?: boolean;
  notify?: { type?: string; id?: string; name?: string };
}
interface OgIntegration {
  id: string;
  name: string;
  enabled?: boolean;
  type: string;
  teamId?: string | null;
}

/** The team given to objects Opsgenie keeps without an owner team (Muster's schedules, policies and services have one). */
export const UNOWNED_TEAM = { slug: 'opsgenie', name: 'Opsgenie (no owner team)' };

const INTEGRATION_SOURCES: Record<string, 'alertmanager' | 'grafana' | 'pagerduty'> = {
  prometheus: 'alertmanager',
  alertmanager: 'alertmanager',
  grafana: 'grafana',
  pagerduty: 'pagerduty',
};

/** A slug from a name: lower-case letters, digits and dashes. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return s || 'x';
}

/** Slugs for a kind of object: from the name; when names collide, all but the first by id get a suffix of their id. */
export function assignSlugs<T extends { id: string; name: string }>(
  items: T[],
  taken: Set<string> = new Set(),
): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set(taken);
  for (const item of [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    let slug = slugify(item.name);
    if (used.has(slug)) {
      const suffix =
        item.id
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '')
          .slice(0, 6) || 'x';
      slug = `${slug.slice(0, 40)}-${suffix}`;
      for (let i = 2; used.has(slug); i++) slug = `${slugify(item.name).slice(0, 38)}-${suffix}-${i}`;
    }
    used.add(slug);
    out.set(item.id, slug);
  }
  return out;
}

const minutesOf = (d: { timeAmount?: number; timeUnit?: string } | undefined): number => {
  const n = d?.timeAmount ?? 0;
  const unit = d?.timeUnit ?? 'minutes';
  return unit === 'days' ? n * 1440 : unit === 'hours' ? n * 60 : n;
};

function sourceError(message: string): AppError {
  return new AppError('import_source_error', message, { status: 502 });
}

export const opsgenieImporter: Importer = {
  source: 'opsgenie',
  async read(opts: ReadOptions): Promise<SourceSnapshot> {
    const base = opts.baseUrl.replace(/\/+$/, '');
    const headers = { Authorization: `GenieKey ${opts.token}`, Accept: 'application/json' };
    const get = <T>(path: string) => opts.http.getJson<Envelope<T>>(`${base}${path}`, headers);

    /** A paged list: follows `paging.next` (its path and query only, on our base URL: never another host). */
    async function all<T>(path: string): Promise<T[]> {
      const out: T[] = [];
      let next: string | undefined = path;
      for (let pages = 0; next; pages++) {
        if (pages >= 1000) throw sourceError(`Opsgenie kept paging ${path.split('?')[0]} past 1000 pages.`);
        const page: Envelope<T[]> = await get<T[]>(next);
        if (!Array.isArray(page.data)) throw sourceError(`Opsgenie answered ${path.split('?')[0]} without a list.`);
        out.push(...page.data);
        const link = page.paging?.next;
        if (!link || page.data.length === 0) break;
        const u = new URL(link, 'https://api.opsgenie.com');
        next = `${u.pathname}${u.search}`;
      }
      return out;
    }

    const unmapped: Unmapped[] = [];
    const note = (object: string, reason: string, outcome: Unmapped['outcome'], field?: string) =>
      unmapped.push({ object, reason, outcome, ...(field !== undefined ? { field } : {}) });

    // ---- users ----
    const ogUsers = await all<OgUser>('/v2/users?limit=100&offset=0');
    const emailOf = new Map<string, string>();
    const users: UserDoc[] = [];
    for (const u of ogUsers) {
      const email = u.username.trim().toLowerCase();
      if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) {
        note(
          `user "${u.username}"`,
          'the username is not an email address, which Muster names people by: not imported (nor their turns and rules)',
          'dropped',
        );
        continue;
      }
      emailOf.set(u.id, email);
      const doc: UserDoc = { email, name: ((u.fullName ?? '').trim() || email).slice(0, 200) };
      if (u.timeZone && isValidTimeZone(u.timeZone)) doc.timezone = u.timeZone;
      else if (u.timeZone)
        note(`user ${email}`, `time zone "${u.timeZone}" is not an IANA zone: UTC is used`, 'approximated', 'timeZone');
      const role = (u.role?.name ?? '').toLowerCase();
      if (role === 'owner' || role === 'admin') doc.admin = true;
      users.push(doc);
      const rules = (await get<OgRuleSummary[]>(`/v2/users/${encodeURIComponent(u.id)}/notification-rules`)).data ?? [];
      for (const r of rules) {
        if (r.enabled === false || r.actionType !== 'create-alert') continue;
        const full = (
          await get<OgRule>(`/v2/users/${encodeURIComponent(u.id)}/notification-rules/${encodeURIComponent(r.id)}`)
        ).data;
        const steps = (full.steps ?? []).filter((s) => s.enabled !== false);
        const how = steps
          .map((s) =>
            `${s.contact?.method ?? '?'} ${s.contact?.to ?? ''} after ${s.sendAfter?.timeAmount ?? 0} min`.replace(
              /\s+/g,
              ' ',
            ),
          )
          .join(', ');
        note(
          `user ${email}`,
          `notification rule "${r.name}" (${how || 'no steps'}) not imported: contact methods are the person's own, they add them in Muster and then their rules (a rule naming a method they do not have cannot be applied)`,
          'dropped',
          'notificationRules',
        );
      }
    }

    // ---- teams ----
    const ogTeamsList = (await get<OgTeam[]>('/v2/teams')).data ?? [];
    const teamSlug = assignSlugs(ogTeamsList, new Set([UNOWNED_TEAM.slug]));
    const teams: TeamDoc[] = [];
    for (const t of ogTeamsList) {
      const full = (await get<OgTeam>(`/v2/teams/${encodeURIComponent(t.id)}`)).data;
      const members: NonNullable<TeamDoc['members']> = [];
      for (const m of full.members ?? []) {
        const email = emailOf.get(m.user.id) ?? m.user.username.toLowerCase();
        if (!emailOf.has(m.user.id)) {
          note(`team "${t.name}"`, `member ${email} is not among Opsgenie's users: left out`, 'dropped', 'members');
          continue;
        }
        members.push({ user: email, role: m.role === 'admin' ? 'admin' : 'responder' });
      }
      teams.push({
        slug: teamSlug.get(t.id)!,
        name: t.name.slice(0, 100),
        ...(t.description ? { description: t.description.slice(0, 2000) } : {}),
        members,
      });
    }
    let needUnowned = false;
    const ownerSlug = (owner: { id: string } | null | undefined, object: string): string => {
      const slug = owner ? teamSlug.get(owner.id) : undefined;
      if (slug) return slug;
      needUnowned = true;
      note(
        object,
        `no owner team in Opsgenie: given to the team "${UNOWNED_TEAM.name}" (${UNOWNED_TEAM.slug})`,
        'approximated',
        'ownerTeam',
      );
      return UNOWNED_TEAM.slug;
    };

    // ---- schedules ----
    const ogSchedules = (await get<OgSchedule[]>('/v2/schedules?expand=rotation')).data ?? [];
    const scheduleSlug = assignSlugs(ogSchedules);
    const schedules: ScheduleDoc[] = [];
    const rendered: RenderedSchedule[] = [];
    // The timeline from a day before the range to a day after it (Opsgenie may align the start to a day), clipped.
    const timelineFrom = new Date(opts.renderedFrom - 86_400_000).toISOString();
    const days = Math.max(1, Math.ceil((opts.renderedTo - opts.renderedFrom) / 86_400_000)) + 2;
    for (const s of ogSchedules) {
      const object = `schedule "${s.name}" (${s.id})`;
      const slug = scheduleSlug.get(s.id)!;
      let zone = s.timezone && isValidTimeZone(s.timezone) ? s.timezone : 'UTC';
      if (zone !== s.timezone) {
        note(object, `time zone "${s.timezone ?? ''}" is not an IANA zone: UTC is used`, 'approximated', 'timezone');
        zone = 'UTC';
      }
      if (s.enabled === false)
        note(
          object,
          'disabled in Opsgenie; Muster has no disabled schedule: imported as is',
          'approximated',
          'enabled',
        );
      const layers: LayerDoc[] = [];
      (s.rotations ?? []).forEach((rot, i) => {
        layers.push(
          ...rotationLayers(rot, i, zone, emailOf, opts.now, (reason, outcome) =>
            note(object, reason, outcome, `rotations[${i}] "${rot.name}"`),
          ),
        );
      });
      const overrides: NonNullable<ScheduleDoc['overrides']> = [];
      const ogOverrides = (await get<OgOverride[]>(`/v2/schedules/${encodeURIComponent(s.id)}/overrides`)).data ?? [];
      const rotationCount = (s.rotations ?? []).length;
      for (const o of ogOverrides) {
        const end = Date.parse(o.endDate);
        if (!(end > opts.now)) continue;
        const email = o.user.id ? emailOf.get(o.user.id) : undefined;
        if (o.user.type !== 'user' || !email) {
          note(
            object,
            o.user.type === 'user'
              ? `override "${o.alias}" is for ${o.user.username ?? o.user.id ?? 'a user'}, who is not imported`
              : `override "${o.alias}" is for a ${o.user.type}, not a person: Muster's overrides name a person`,
            'dropped',
            'overrides',
          );
          continue;
        }
        const limited = (o.rotations ?? []).length > 0 && (o.rotations ?? []).length < rotationCount;
        if (limited) {
          note(
            object,
            `override "${o.alias}" covers only rotation(s) ${(o.rotations ?? []).map((r) => `"${r.name}"`).join(', ')}; Muster's override covers the whole schedule`,
            'approximated',
            'overrides',
          );
        }
        overrides.push({
          user: email,
          start: new Date(Date.parse(o.startDate)).toISOString(),
          end: new Date(end).toISOString(),
          reason: `Opsgenie override ${o.alias}`.slice(0, 500),
        });
      }
      const timeline = (
        await get<OgTimeline>(
          `/v2/schedules/${encodeURIComponent(s.id)}/timeline?date=${encodeURIComponent(timelineFrom)}&interval=${days}&intervalUnit=days`,
        )
      ).data;
      const entries = renderTimeline(timeline, opts.renderedFrom, opts.renderedTo);
      const overlap = entries.find((e) => e.users.length > 1);
      if (overlap) {
        note(
          object,
          `rotations overlap (first at ${new Date(overlap.start).toISOString()}: ${overlap.users.join(', ')}): Opsgenie pages everyone on call in every rotation, Muster's later layer replaces the earlier ones`,
          'approximated',
          'rotations',
        );
      }
      rendered.push({ slug, source: `${s.name} (${s.id})`, entries });
      schedules.push({
        slug,
        name: s.name.slice(0, 200),
        team: ownerSlug(s.ownerTeam, object),
        ...(s.description ? { description: s.description.slice(0, 2000) } : {}),
        timezone: zone,
        layers,
        overrides,
      });
    }

    // ---- escalations ----
    const ogEscalations = (await get<OgEscalation[]>('/v2/escalations')).data ?? [];
    const escalationSlug = assignSlugs(ogEscalations);
    const policies: EscalationPolicyDoc[] = [];
    const policyOfTeam = new Map<string, string[]>();
    for (const e of ogEscalations) {
      const object = `escalation "${e.name}" (${e.id})`;
      const policy = escalationPolicy(e, escalationSlug.get(e.id)!, emailOf, scheduleSlug, (reason, outcome, field) =>
        note(object, reason, outcome, field),
      );
      if (!policy) continue;
      policy.team = ownerSlug(e.ownerTeam, object);
      policies.push(policy);
      policyOfTeam.set(policy.team, [...(policyOfTeam.get(policy.team) ?? []), policy.slug]);
    }

    // ---- integrations → one service per owner team ----
    const importedPolicies = new Set(policies.map((p) => p.slug));
    /** The service's policy: where the team's default routing rule sends alerts, else the team's only escalation. */
    async function servicePolicy(team: string): Promise<{ policy: string | null; notes: string[] }> {
      const notes: string[] = [];
      const ogTeam = ogTeamsList.find((t) => teamSlug.get(t.id) === team);
      if (ogTeam) {
        const rules =
          (await get<OgRoutingRule[]>(`/v2/teams/${encodeURIComponent(ogTeam.id)}/routing-rules`)).data ?? [];
        const others = rules.filter((r) => !r.isDefault);
        if (others.length > 0) {
          notes.push(
            `the team's routing rules by alert conditions (${others.map((r) => `"${r.name}"`).join(', ')}) are not carried: every alert of the service goes to one policy`,
          );
        }
        const def = rules.find((r) => r.isDefault);
        if (def?.notify?.type === 'escalation' && def.notify.id) {
          const slug = escalationSlug.get(def.notify.id);
          if (slug && importedPolicies.has(slug)) return { policy: slug, notes };
        }
        if (def?.notify?.type === 'schedule') {
          notes.push(
            `the team's default routing rule notifies schedule "${def.notify.name ?? def.notify.id}" directly; Muster's services page through a policy: choose one in Muster`,
          );
          return { policy: null, notes };
        }
      }
      const teamPolicies = policyOfTeam.get(team) ?? [];
      if (teamPolicies.length === 1) return { policy: teamPolicies[0]!, notes };
      notes.push(
        teamPolicies.length === 0
          ? 'no imported escalation to route to: the service pages nobody until a policy is chosen'
          : `the team owns ${teamPolicies.length} escalations and no default routing rule names one: choose the service's policy in Muster`,
      );
      return { policy: null, notes };
    }
    const ogIntegrations = (await get<OgIntegration[]>('/v2/integrations')).data ?? [];
    const services = new Map<string, ServiceDoc>();
    for (const i of ogIntegrations) {
      const object = `integration "${i.name}" (${i.id})`;
      const team = ownerSlug(i.teamId ? { id: i.teamId } : null, object);
      let service = services.get(team);
      if (!service) {
        const teamName = team === UNOWNED_TEAM.slug ? 'Opsgenie' : (teams.find((t) => t.slug === team)?.name ?? team);
        const choice = await servicePolicy(team);
        service = {
          slug: `${team.slice(0, 40)}-alerts`,
          name: `${teamName} alerts`.slice(0, 100),
          team,
          description: 'Imported from Opsgenie: the integrations of this team',
          escalationPolicy: choice.policy,
          integrationKeys: [],
        };
        for (const reason of choice.notes) {
          note(`service "${service.name}"`, reason, 'approximated', 'escalationPolicy');
        }
        services.set(team, service);
      }
      const vendor = INTEGRATION_SOURCES[i.type.toLowerCase()];
      if (!vendor) {
        note(
          object,
          `type ${i.type}: Muster has no intake of that kind, a generic key is made (send Muster's generic alert format)`,
          'approximated',
          'type',
        );
      }
      if (i.enabled === false)
        note(object, 'disabled in Opsgenie; imported as an active key', 'approximated', 'enabled');
      const names = new Set(service.integrationKeys!.map((k) => k.name));
      let name = i.name.slice(0, 100);
      if (names.has(name)) name = `${i.name.slice(0, 90)} ${i.id.slice(0, 6)}`;
      service.integrationKeys!.push({ name, source: vendor ?? 'generic' });
    }

    if (needUnowned) teams.push({ slug: UNOWNED_TEAM.slug, name: UNOWNED_TEAM.name, members: [] });
    const doc: ConfigFileDoc = {
      users,
      teams,
      schedules,
      escalationPolicies: policies,
      services: [...services.values()],
    };
    if (opts.historyMonths > 0) {
      note(
        'history',
        "Opsgenie's API v2 has alerts, not incidents with acknowledge and resolve times in this import: no history is imported",
        'dropped',
      );
    }
    return { source: 'opsgenie', doc, unmapped, rendered, history: [], requests: { ...opts.http.stats } };
  },
};

/** One rotation → Muster layers (usually one), reporting what is not exact. */
export function rotationLayers(
  rot: OgRotation,
  index: number,
  zone: string,
  emailOf: Map<string, string>,
  now: number,
  report: (reason: string, outcome: Unmapped['outcome']) => void,
): LayerDoc[] {
  const start = Date.parse(rot.startDate);
  const end = rot.endDate ? Date.parse(rot.endDate) : null;
  if (!Number.isFinite(start)) {
    report(`start date "${rot.startDate}" cannot be read: rotation not imported`, 'dropped');
    return [];
  }
  if (end !== null && end <= now) {
    report('ended: nobody can be on call in it any more, not imported', 'dropped');
    return [];
  }
  const unit = rot.type === 'hourly' ? 'hours' : rot.type === 'daily' ? 'days' : rot.type === 'weekly' ? 'weeks' : null;
  const length = rot.length ?? 1;
  if (!unit || !Number.isInteger(length) || length < 1) {
    report(`rotation type "${rot.type}" of length ${length} cannot be read: not imported`, 'dropped');
    return [];
  }
  // Who takes each turn: a person, or nobody (none; a team or an escalation, which Muster's layers cannot hold).
  const slots: (string | null)[] = (rot.participants ?? []).map((p) => {
    if (p.type === 'user' && p.id && emailOf.has(p.id)) return emailOf.get(p.id)!;
    if (p.type === 'none') return null;
    if (p.type === 'team' || p.type === 'escalation') {
      report(
        `participant ${p.type} "${p.name ?? p.id}": Opsgenie pages a ${p.type} participant through the ${p.type}'s own rules (its routing, escalations and schedules), not as a person in the rotation; Muster's layers hold people: that participant's turns have nobody on call`,
        'dropped',
      );
      return null;
    }
    report(
      `participant ${p.type} "${p.username ?? p.name ?? p.id}" is not an Opsgenie user: that turn has nobody on call`,
      'dropped',
    );
    return null;
  });
  if (!slots.some((s) => s !== null)) {
    report('no person in the rotation: not imported', 'dropped');
    return [];
  }
  // Restrictions as minutes of the week.
  let allowed: Span[] | null = null;
  if (rot.timeRestriction) {
    const spans = restrictionSpans(rot.timeRestriction);
    if (typeof spans === 'string') {
      report(`${spans} cannot be read: imported without its restriction`, 'approximated');
    } else allowed = spans;
  }
  const local = utcToLocal(zone, start);
  const base = {
    startDate: formatLocalDate(local.day),
    handoffTime: formatTimeOfDay(local.minute),
    ...(end !== null ? { endsAt: new Date(end).toISOString() } : {}),
  };
  const name = (rot.name || `Rotation ${index + 1}`).slice(0, 100);
  const restrictionsOf = (spans: Span[] | null) => {
    if (spans === null) return {};
    if (rot.timeRestriction?.type === 'time-of-day' && spans === allowed) {
      return { restrictions: [timeOfDayRestriction(rot.timeRestriction)] };
    }
    return { restrictions: spansToRestrictions(spans) };
  };
  if (slots.every((s) => s !== null)) {
    const layer: LayerDoc = {
      name,
      participants: slots,
      turn: { unit, count: length },
      ...base,
      ...restrictionsOf(allowed),
    };
    return [checkRestrictions(layer, report)];
  }
  // Empty turns: one layer per person, restricted to that person's turns, when the rotation repeats within a week.
  const turnMinutes = length * (unit === 'hours' ? 60 : unit === 'days' ? 1440 : WEEK_MINUTES);
  const weekStart = ((((local.day + 3) % 7) + 7) % 7) * 1440 + local.minute; // Monday 00:00 = 0
  const layers: LayerDoc[] = [];
  let exact = true;
  slots.forEach((email, j) => {
    if (email === null || !exact) return;
    const mine = slotSpans(weekStart, turnMinutes, slots.length, j);
    if (!mine) {
      exact = false;
      return;
    }
    const spans = allowed ? intersectSpans(mine, allowed) : mine;
    if (spans.length === 0) return;
    layers.push(
      checkRestrictions(
        {
          name: `${name} (${email})`.slice(0, 100),
          participants: [email],
          turn: { unit: 'weeks', count: 1 },
          ...base,
          restrictions: spansToRestrictions(spans),
        },
        report,
      ),
    );
  });
  if (exact && layers.length > 0) return layers;
  report(
    "its turns with nobody on call repeat less often than weekly, which Muster's layers cannot express: imported without them, so the people's turns come round sooner than in Opsgenie",
    'approximated',
  );
  return [
    checkRestrictions(
      {
        name,
        participants: slots.filter((s): s is string => s !== null),
        turn: { unit, count: length },
        ...base,
        ...restrictionsOf(allowed),
      },
      report,
    ),
  ];
}

function checkRestrictions(layer: LayerDoc, report: (reason: string, outcome: Unmapped['outcome']) => void): LayerDoc {
  if ((layer.restrictions?.length ?? 0) > 28) {
    report(`needs ${layer.restrictions!.length} restrictions, Muster allows 28: imported without them`, 'approximated');
    const { restrictions: _dropped, ...rest } = layer;
    return rest;
  }
  return layer;
}

/** The timeline's final periods → on-call sets over [from, to): everyone on call in any rotation (users by email). */
export function renderTimeline(t: OgTimeline, from: number, to: number): RenderedEntry[] {
  const periods: { start: number; end: number; who: string }[] = [];
  for (const rot of t.finalTimeline?.rotations ?? []) {
    for (const p of rot.periods ?? []) {
      const type = p.recipient?.type ?? 'none';
      if (type === 'none') continue;
      const who = type === 'user' ? (p.recipient?.name ?? '').toLowerCase() : `${type}:${p.recipient?.name ?? ''}`;
      const start = Math.max(from, Date.parse(p.startDate));
      const end = Math.min(to, Date.parse(p.endDate));
      if (end > start) periods.push({ start, end, who });
    }
  }
  const cuts = [...new Set([from, to, ...periods.flatMap((p) => [p.start, p.end])])].sort((a, b) => a - b);
  const entries: RenderedEntry[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [s, e] = [cuts[i]!, cuts[i + 1]!];
    const users = [...new Set(periods.filter((p) => p.start <= s && p.end >= e).map((p) => p.who))].sort();
    const last = entries[entries.length - 1];
    if (last && last.end === s && last.users.join('\n') === users.join('\n')) last.end = e;
    else entries.push({ start: s, end: e, users });
  }
  return entries;
}

/** One escalation → a policy, or null when nothing in it can be paged in Muster. */
export function escalationPolicy(
  e: OgEscalation,
  slug: string,
  emailOf: Map<string, string>,
  scheduleSlug: Map<string, string>,
  report: (reason: string, outcome: Unmapped['outcome'], field?: string) => void,
): EscalationPolicyDoc | null {
  type Target = EscalationPolicyDoc['levels'][number]['targets'][number];
  const byTime = new Map<number, Target[]>();
  (e.rules ?? []).forEach((r, i) => {
    const field = `rules[${i}]`;
    const at = minutesOf(r.delay);
    const rec = r.recipient ?? {};
    let target: Target | null = null;
    if (rec.type === 'user' && rec.id && emailOf.has(rec.id)) target = { user: emailOf.get(rec.id)! };
    else if (rec.type === 'schedule' && rec.id && scheduleSlug.has(rec.id))
      target = { schedule: scheduleSlug.get(rec.id)! };
    if (!target) {
      report(
        rec.type === 'team'
          ? `notifies team "${rec.name ?? rec.id}", which Opsgenie pages through the team's own routing and escalation; Muster's levels page people and schedules: rule left out`
          : `notifies ${rec.type ?? 'an unknown recipient'} "${rec.name ?? rec.username ?? rec.id ?? ''}", which is not imported: rule left out`,
        'dropped',
        field,
      );
      return;
    }
    if (r.condition === 'if-not-closed') {
      report(
        "fires unless the alert is closed (if-not-closed); Muster's levels stop at the acknowledgement",
        'approximated',
        field,
      );
    }
    const notify = r.notifyType ?? 'default';
    if ('schedule' in target && notify !== 'default') {
      report(
        `notifies the schedule's ${notify === 'all' ? 'every participant' : `${notify} on-call person`}; Muster pages whoever is on call now`,
        'approximated',
        field,
      );
    }
    const list = byTime.get(at) ?? [];
    if (!list.some((t) => JSON.stringify(t) === JSON.stringify(target))) list.push(target);
    byTime.set(at, list);
  });
  const times = [...byTime.keys()].sort((a, b) => a - b);
  if (times.length === 0) {
    report('no rule can be imported: escalation not imported', 'dropped');
    return null;
  }
  if (times[0]! > 0) {
    report(
      `the first rule fires ${times[0]} minutes after the alert; Muster's first level pages at once`,
      'approximated',
      'rules[0].delay',
    );
  }
  const repeat = e.repeat && (e.repeat.count ?? 0) > 0 ? e.repeat : null;
  const levels: EscalationPolicyDoc['levels'] = times.map((at, i) => {
    let delay: number;
    if (i + 1 < times.length) delay = times[i + 1]! - at;
    else delay = repeat ? (repeat.waitInterval ?? 0) : 1;
    if (delay < 1 || delay > 1440) {
      report(
        i + 1 < times.length
          ? `${delay} minutes between rules; Muster's level delays are 1 to 1440 minutes`
          : `waits ${delay} minutes before repeating; Muster's level delays are 1 to 1440 minutes`,
        'approximated',
        i + 1 < times.length ? 'rules' : 'repeat.waitInterval',
      );
      delay = Math.min(1440, Math.max(1, delay));
    }
    return { delayMinutes: delay, targets: byTime.get(at)! };
  });
  if (levels.length > 20) {
    report(
      `${levels.length} distinct rule times; Muster allows 20 levels: the later ones are left out`,
      'approximated',
      'rules',
    );
    levels.length = 20;
  }
  let passes = repeat ? (repeat.count ?? 0) : 0;
  if (passes > 9) {
    report(`repeats ${passes} times; Muster repeats at most 9 times`, 'approximated', 'repeat.count');
    passes = 9;
  }
  if (repeat?.closeAlertAfterAll) {
    report(
      'closes the alert after the last repeat; Muster leaves it open',
      'approximated',
      'repeat.closeAlertAfterAll',
    );
  }
  return {
    slug,
    name: e.name.slice(0, 200),
    team: '',
    ...(e.description ? { description: e.description.slice(0, 2000) } : {}),
    ...(passes > 0 ? { repeat: passes } : {}),
    levels,
  };
}
