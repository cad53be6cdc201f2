/**
 * The Grafana OnCall importer (issue 16, docs/import.md "Grafana OnCall"): reads the public API (`<base>/api/v1/`,
 * `Authorization: <token>`, lists followed by their `next` URL) — users, teams, schedules with their shifts (and the
 * iCal feed of an ical schedule), escalation chains and their steps, integrations — and each imported schedule's
 * own `final_shifts` over the fidelity range. The translation is in `map.ts`; history is not read (see docs).
 */
import type {
  ConfigFileDoc,
  EscalationPolicyDoc,
  ScheduleDoc,
  ServiceDoc,
  TeamDoc,
  UserDoc,
} from '../../config-as-code/schema.js';
import { AppError } from '../../shared/errors.js';
import { isValidTimeZone } from '../../shared/tz.js';
import type { ImportedIncident, Importer, ReadOptions, RenderedSchedule, SourceSnapshot, Unmapped } from '../model.js';
import { readIcalSchedule } from './ical.js';
import {
  assignSlugs,
  buildSchedule,
  mapChain,
  mapService,
  mapShift,
  mapTeam,
  mapUser,
  renderedEntries,
  type GoChain,
  type GoFinalShift,
  type GoIntegration,
  type GoPolicy,
  type GoSchedule,
  type GoShift,
  type GoTeam,
  type GoUser,
  type ShiftInput,
  type ShiftOutcome,
} from './map.js';

/** The team of objects that have none in Grafana OnCall. */
export const DEFAULT_TEAM = { slug: 'grafana-oncall', name: 'Grafana OnCall' } as const;

interface Page<T> {
  next: string | null;
  results: T[];
}

/** `https://oncall.example.com` or a URL already ending in `/api/v1` (the plugin's `…/resources/api/v1` too). */
export function apiBase(baseUrl: string): string {
  const b = baseUrl.replace(/\/+$/, '');
  return /\/api\/v1$/.test(b) ? b : `${b}/api/v1`;
}

const MAX_PAGES = 1000;
const DAY_MS = 86_400_000;
/** A month of history is 30 days. */
const MONTH_DAYS = 30;
/** Alert groups carry no severity or urgency: imported as P3 (docs/import-grafana-oncall.md). */
export const HISTORY_SEVERITY = 'P3' as const;

interface GoAlertGroup {
  id: string;
  integration_id: string | null;
  state: string;
  created_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  title: string | null;
  permalinks?: { web?: string | null } | null;
}

/**
 * The next page's address as the source gave it, kept on the base URL's origin: its path and query only, so a `next`
 * naming another host never receives the token.
 */
export function onBase(opts: Pick<ReadOptions, 'baseUrl'>, next: string | null | undefined): string | null {
  if (!next) return null;
  const u = new URL(next, opts.baseUrl);
  return new URL(`${u.pathname}${u.search}`, new URL(opts.baseUrl).origin).toString();
}

async function list<T>(opts: ReadOptions, firstUrl: string): Promise<T[]> {
  const headers = { Authorization: opts.token };
  const out: T[] = [];
  let url: string | null = firstUrl;
  for (let n = 0; url && n < MAX_PAGES; n++) {
    const page: Page<T> = await opts.http.getJson<Page<T>>(url, headers);
    out.push(...(page?.results ?? []));
    url = onBase(opts, page?.next);
  }
  return out;
}

const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function readGrafanaOnCall(opts: ReadOptions): Promise<SourceSnapshot> {
  const base = apiBase(opts.baseUrl);
  const unmapped: Unmapped[] = [];

  // Read (network only; nothing written).
  const users = await list<GoUser>(opts, `${base}/users/`);
  const teams = await list<GoTeam>(opts, `${base}/teams/`);
  const schedules = await list<GoSchedule>(opts, `${base}/schedules/`);
  const shiftsBySchedule = new Map<string, GoShift[]>();
  const icalText = new Map<string, string>();
  const icalFailed = new Map<string, string>();
  for (const s of schedules) {
    if (s.type === 'ical') {
      if (!s.ical_url_primary) continue;
      if (!opts.http.getText) continue;
      try {
        icalText.set(s.id, await opts.http.getText(s.ical_url_primary, {}));
      } catch (e) {
        // A private feed's URL holds its secret in the path: the reason names neither the URL nor the path.
        const status = e instanceof AppError ? (e.details as { status?: number } | undefined)?.status : undefined;
        icalFailed.set(s.id, status ? `the feed answered ${status}` : 'the feed could not be reached');
      }
    } else {
      shiftsBySchedule.set(
        s.id,
        await list<GoShift>(opts, `${base}/on_call_shifts/?schedule_id=${encodeURIComponent(s.id)}`),
      );
    }
  }
  const chains = await list<GoChain>(opts, `${base}/escalation_chains/`);
  const steps = await list<GoPolicy>(opts, `${base}/escalation_policies/`);
  const integrations = await list<GoIntegration>(opts, `${base}/integrations/`);

  // Users.
  const userDocs: UserDoc[] = [];
  const emailOf = new Map<string, string>();
  for (const u of users) {
    const doc = mapUser(u);
    if (!doc) {
      unmapped.push({
        object: `user ${u.username} (${u.id})`,
        reason: 'no email address: Muster names people by email',
        outcome: 'dropped',
      });
      continue;
    }
    if (userDocs.some((d) => d.email === doc.email)) continue;
    userDocs.push(doc);
    emailOf.set(u.id, doc.email);
  }
  if (userDocs.length > 0) {
    unmapped.push({
      object: 'personal notification rules',
      reason:
        "not imported: Grafana OnCall's API does not give the phone numbers and addresses; each person adds their contact methods and rules in Muster",
      outcome: 'dropped',
    });
  }

  // Teams (only those something belongs to), and the default team for objects without one.
  const teamSlug = assignSlugs(teams, new Set([DEFAULT_TEAM.slug]));
  const usedTeams = new Set<string>();
  const teamOf = (id: string | null): string => {
    const slug = id ? teamSlug.get(id) : undefined;
    const s = slug ?? DEFAULT_TEAM.slug;
    usedTeams.add(s);
    return s;
  };

  // Schedules.
  const scheduleSlug = assignSlugs(schedules);
  const scheduleDocs: ScheduleDoc[] = [];
  const importedSchedules: GoSchedule[] = [];
  for (const s of schedules) {
    const object = `schedule "${s.name}" (${s.id})`;
    let shifts: ShiftInput[];
    let zone = s.time_zone && isValidTimeZone(s.time_zone) ? s.time_zone : null;
    if (s.type === 'ical') {
      if (!s.ical_url_primary) {
        unmapped.push({ object, reason: 'an iCal schedule without a feed URL', outcome: 'dropped' });
        continue;
      }
      const text = icalText.get(s.id);
      if (text === undefined) {
        const why = icalFailed.get(s.id) ?? 'this import client cannot fetch it';
        unmapped.push({
          object,
          field: 'ical_url_primary',
          reason: `the iCal feed was not read: ${why}`,
          outcome: 'dropped',
        });
        continue;
      }
      const read = readIcalSchedule(text, users, object);
      unmapped.push(...read.unmapped);
      shifts = read.shifts;
      zone = zone ?? (read.zone && isValidTimeZone(read.zone) ? read.zone : null);
    } else {
      shifts = shiftsBySchedule.get(s.id) ?? [];
    }
    if (s.ical_url_overrides) {
      unmapped.push({
        object,
        field: 'ical_url_overrides',
        reason: 'overrides from an iCal feed are not imported: add them in Muster',
        outcome: 'dropped',
      });
    }
    const scheduleZone = zone ?? 'UTC';
    const live = (x: ShiftInput) => {
      const ended = mapShift(x, { scheduleZone, now: opts.now, emailOf, object, topOtherLevel: Infinity });
      return ended.layer !== undefined || ended.override !== undefined;
    };
    const liveShifts = shifts.filter(live);
    const outcomes: ShiftOutcome[] = shifts.map((x) =>
      mapShift(x, {
        scheduleZone,
        now: opts.now,
        emailOf,
        object,
        topOtherLevel: Math.max(-Infinity, ...liveShifts.filter((o) => o !== x).map((o) => o.level ?? 0)),
      }),
    );
    for (const o of outcomes) unmapped.push(...o.unmapped);
    let doc = buildSchedule(
      {
        slug: scheduleSlug.get(s.id)!,
        name: s.name.slice(0, 200) || s.id,
        team: teamOf(s.team_id),
        timezone: scheduleZone,
      },
      outcomes,
    );
    if ((doc.layers?.length ?? 0) > 50) {
      unmapped.push({
        object,
        field: 'layers',
        reason: 'more than 50 layers: the 50 highest kept',
        outcome: 'approximated',
      });
      doc = { ...doc, layers: doc.layers!.slice(-50) };
    }
    scheduleDocs.push(doc);
    importedSchedules.push(s);
  }

  // Escalation chains.
  const chainSlug = assignSlugs(chains);
  const importedScheduleSlug = new Map(importedSchedules.map((s) => [s.id, scheduleSlug.get(s.id)!]));
  const policyDocs: EscalationPolicyDoc[] = [];
  for (const c of chains) {
    const { policy, unmapped: u } = mapChain(
      c,
      steps.filter((p) => p.escalation_chain_id === c.id),
      { slug: chainSlug.get(c.id)!, team: teamOf(c.team_id), emailOf, scheduleSlug: importedScheduleSlug },
    );
    unmapped.push(...u);
    if (policy) policyDocs.push(policy);
  }
  // A schedule paged by another team's policy is shared (Grafana OnCall lets any chain page any schedule).
  for (const p of policyDocs) {
    for (const l of p.levels) {
      for (const t of l.targets) {
        if (!('schedule' in t)) continue;
        const s = scheduleDocs.find((d) => d.slug === t.schedule);
        if (s && s.team !== p.team) s.shared = true;
      }
    }
  }

  // Integrations → services.
  const serviceSlug = assignSlugs(integrations);
  const serviceDocs: ServiceDoc[] = [];
  const policyBySlug = new Map(policyDocs.map((p) => [p.slug, p]));
  for (const i of integrations) {
    const chainId = i.default_route?.escalation_chain_id ?? null;
    const policySlug = chainId ? chainSlug.get(chainId) : undefined;
    const team = teamOf(i.team_id);
    const policy = policySlug && policyBySlug.has(policySlug) ? policySlug : null;
    if (chainId && !policy) {
      unmapped.push({
        object: `integration "${i.name}" (${i.id})`,
        field: 'default_route',
        reason: `its escalation chain ${chainId} is not imported: the service has no policy`,
        outcome: 'approximated',
      });
    }
    if (policy) {
      const p = policyBySlug.get(policy)!;
      if (p.team !== team) p.shared = true;
    }
    const { service, unmapped: u } = mapService(i, { slug: serviceSlug.get(i.id)!, team, policy });
    unmapped.push(...u);
    serviceDocs.push(service);
  }
  if (integrations.length > 0) {
    unmapped.push({
      object: 'integration routes',
      reason:
        "only each integration's default route is imported (its escalation chain); other routes and templates are not",
      outcome: 'approximated',
    });
  }

  const teamDocs: TeamDoc[] = teams
    .filter((t) => usedTeams.has(teamSlug.get(t.id)!))
    .map((t) => mapTeam(teamSlug.get(t.id)!, t.name));
  if (usedTeams.has(DEFAULT_TEAM.slug)) teamDocs.push(mapTeam(DEFAULT_TEAM.slug, DEFAULT_TEAM.name));

  // The source's own rendering of each imported schedule.
  const rendered: RenderedSchedule[] = [];
  for (const s of importedSchedules) {
    const url =
      `${base}/schedules/${encodeURIComponent(s.id)}/final_shifts` +
      `?start_date=${utcDate(opts.renderedFrom)}&end_date=${utcDate(opts.renderedTo - 1)}`;
    const final = await list<GoFinalShift>(opts, url);
    const entries = renderedEntries(final, opts.renderedFrom, opts.renderedTo);
    if (entries.some((e) => e.users.length > 1)) {
      unmapped.push({
        object: `schedule "${s.name}" (${s.id})`,
        reason:
          'at times several people are on call together in Grafana OnCall (a group, or shifts of one level overlapping); Muster has one per layer at a time',
        outcome: 'approximated',
      });
    }
    rendered.push({ slug: scheduleSlug.get(s.id)!, source: `${s.name} (${s.id})`, entries });
  }

  // History: resolved alert groups of the last N months (newest first, as OnCall lists them).
  const history: ImportedIncident[] = [];
  if (opts.historyMonths > 0) {
    const since = opts.now - opts.historyMonths * MONTH_DAYS * DAY_MS;
    const headers = { Authorization: opts.token };
    let url: string | null = `${base}/alert_groups/?state=resolved`;
    for (let n = 0; url && n < MAX_PAGES; n++) {
      const page: Page<GoAlertGroup> = await opts.http.getJson<Page<GoAlertGroup>>(url, headers);
      const groups = page?.results ?? [];
      for (const g of groups) {
        const createdAt = Date.parse(g.created_at);
        const resolvedAt = g.resolved_at ? Date.parse(g.resolved_at) : NaN;
        if (!Number.isFinite(createdAt) || createdAt < since || createdAt > opts.now || !Number.isFinite(resolvedAt)) {
          continue;
        }
        const ackAt = g.acknowledged_at ? Date.parse(g.acknowledged_at) : NaN;
        history.push({
          externalId: g.id,
          title: (g.title ?? '').trim().slice(0, 500) || `Alert group ${g.id}`,
          service: g.integration_id ? (serviceSlug.get(g.integration_id) ?? null) : null,
          severity: HISTORY_SEVERITY,
          createdAt,
          acknowledgedAt: Number.isFinite(ackAt) ? ackAt : null,
          resolvedAt,
          url: g.permalinks?.web ?? null,
        });
      }
      // Newest first: a page that ends before the range ends the reading.
      const oldest = Math.min(...groups.map((g) => Date.parse(g.created_at)).filter(Number.isFinite));
      url = groups.length > 0 && oldest < since ? null : onBase(opts, page?.next);
    }
  }

  const doc: ConfigFileDoc = {
    users: userDocs,
    teams: teamDocs,
    schedules: scheduleDocs,
    escalationPolicies: policyDocs,
    services: serviceDocs,
  };
  return {
    source: 'grafana-oncall',
    doc,
    unmapped,
    rendered,
    history,
    requests: { total: opts.http.stats.total, rateLimited: opts.http.stats.rateLimited },
  };
}

export const grafanaOnCallImporter: Importer = { source: 'grafana-oncall', read: readGrafanaOnCall };
