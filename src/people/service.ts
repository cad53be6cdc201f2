/**
 * People health (docs/people-health.md): heroes, knowledge held by one person, load and recovery, the service health
 * card and its team ranking, and each team's settings. The double-booking, role separation, comp time and pulse parts
 * live in src/people/ledger/. Every read is a few set-based queries (src/people/loaders.ts) and the pure figures of
 * src/people/model.ts; windows and kinds are insights' (src/insights/filters.ts), working hours and sleep on-call
 * health's (src/oncall/sustainability.ts) with the team's own hours, in each person's zone.
 */
import { CLASSIFICATIONS } from '../alerts/model.js';
import type { Db } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import { resolveInsightFilter } from '../insights/filters.js';
import { durationOf, stats, type Stats } from '../insights/model.js';
import { timingOf } from '../insights/paging.js';
import { ResponseTimeInsights } from '../insights/response-times.js';
import type { Shift } from '../oncall/model.js';
import type { OverrideService } from '../oncall/overrides.js';
import { finalShifts } from '../oncall/sustainability-service.js';
import { completionOf, loadCompletionHistory } from '../postmortems/analysis.js';
import type { Clock } from '../shared/clock.js';
import { notFound, validationError } from '../shared/errors.js';
import { toJsonText } from '../shared/json.js';
import type { Logger } from '../shared/logger.js';
import {
  chunks,
  loadCardHistory,
  loadAlertDetails,
  loadHeroHistory,
  loadIncidentServices,
  loadKnowledgeHistory,
  loadMembers,
  loadPages,
  loadPeople,
  loadRuleRunbooks,
  loadServiceRunbooks,
  loadServiceSchedules,
  loadServices,
  loadTeamSchedules,
  type HeroHistory,
  type PersonRow,
  type Scope,
  type ServiceRow,
} from './loaders.js';
import {
  backToBack,
  cardScore,
  coverProposal,
  heroFigures,
  knowledgeFigure,
  knowledgeRemedies,
  monthlyLoad,
  monthsOf,
  offHoursPageHours,
  recoveries,
  type BackToBack,
  type HeroFigures,
  type HeroMeasure,
  type KnowledgeFigure,
  type MonthLoad,
  type Recovery,
  type RemedyKind,
} from './model.js';
import {
  loadSettings,
  loadSettingsOf,
  settingsProblems,
  windowsOf,
  type PeopleSettings,
  type SettingsInput,
} from './settings.js';

export interface PeopleHealthDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** At most this many items behind a figure. */
export const DRILL_LIMIT = 500;

export interface WindowQuery {
  from?: number | undefined;
  to?: number | undefined;
  includeKinds?: string | undefined;
}

export interface HeroReport extends HeroFigures {
  team: { id: string; name: string };
  window: { from: number; to: number; kinds: string[] };
  thresholds: { medianFactor: number; shareOfTeam: number; minCount: number };
}

export interface HeroItem {
  kind: 'page' | 'incident' | 'role' | 'off_hours_page';
  at: number;
  incidentId: string | null;
  incidentTitle: string | null;
  alertId: string | null;
  alertTitle: string | null;
  serviceName: string | null;
  detail: string;
}

export interface KnowledgeService extends KnowledgeFigure {
  serviceId: string;
  name: string;
  team: { id: string; name: string };
  remedies: { kind: RemedyKind; href: string; text: string }[];
}

export interface RecoveryEntry extends Recovery {
  name: string;
  cover: {
    scheduleId: string;
    scheduleName: string;
    proposal: { start: number; end: number; userId: string | null; userName: string | null };
  } | null;
}

export interface LoadReport {
  team: { id: string; name: string };
  window: { from: number; to: number };
  timeZone: string;
  loadShare: number;
  people: { userId: string; name: string; months: MonthLoad[]; flagged: boolean }[];
  backToBack: (BackToBack & { name: string })[];
  recovery: RecoveryEntry[];
}

export interface HealthCard {
  serviceId: string;
  name: string;
  slug: string;
  owningTeam: { id: string; name: string; slug: string };
  window: { from: number; to: number };
  openIncidents: number;
  pages: number;
  pagesPerWeek: number;
  noisyShare: number | null;
  mtta: Stats;
  mttr: Stats;
  postmortemCompletion: number | null;
  overdueActionItems: number;
  runbookCoverage: { hasRunbook: boolean; runbookCount: number; alertRulesCovered: number | null };
  knowledgeFlag: boolean;
  knowledgeHolder: { userId: string; name: string; share: number } | null;
  score: number;
}

/** The noisy-rules view's judgements (src/alerts/model.ts statsOf): noisy = judged anything but actionable. */
const JUDGED: readonly string[] = CLASSIFICATIONS;
const NOISY: readonly string[] = CLASSIFICATIONS.filter((c) => c !== 'actionable');

const round2 = (n: number): number => Math.round(n * 100) / 100;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export class PeopleHealthService {
  constructor(protected readonly deps: PeopleHealthDeps) {}

  private get k() {
    return this.deps.db.kysely;
  }

  private async team(actor: Actor, idOrSlug: string | undefined, field = 'teamId') {
    if (!idOrSlug) throw validationError([{ field, message: 'is required' }]);
    return this.deps.teams.get(actor, idOrSlug);
  }

  private async window(q: WindowQuery, teamId?: string) {
    return resolveInsightFilter(this.deps.db, this.deps.clock, {
      from: q.from,
      to: q.to,
      includeKinds: q.includeKinds,
      teamId,
    });
  }

  // ---- settings ----------------------------------------------------------------------------------------------------

  async settings(actor: Actor, team: string): Promise<PeopleSettings & { teamId: string }> {
    const t = await this.team(actor, team, 'team');
    return { teamId: t.id, ...(await loadSettings(this.k, t.id)) };
  }

  async updateSettings(actor: Actor, team: string, input: SettingsInput): Promise<PeopleSettings & { teamId: string }> {
    const t = await this.team(actor, team, 'team');
    await this.deps.teams.requireRole(actor, t.id, 'admin');
    const current = await loadSettings(this.k, t.id);
    const next = {
      heroMedianFactor: input.heroMedianFactor ?? current.heroMedianFactor,
      heroShareOfTeam: input.heroShareOfTeam ?? current.heroShareOfTeam,
      heroMinCount: input.heroMinCount ?? current.heroMinCount,
      knowledgeShare: input.knowledgeShare ?? current.knowledgeShare,
      knowledgeMinIncidents: input.knowledgeMinIncidents ?? current.knowledgeMinIncidents,
      loadShare: input.loadShare ?? current.loadShare,
      recoveryHours: input.recoveryHours ?? current.recoveryHours,
      workDays: input.workDays ? [...new Set(input.workDays)].sort() : current.workDays,
      workStart: input.workStart ?? current.workStart,
      workEnd: input.workEnd ?? current.workEnd,
      sleepStart: input.sleepStart ?? current.sleepStart,
      sleepEnd: input.sleepEnd ?? current.sleepEnd,
    };
    const problems = settingsProblems(next);
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    const row = {
      heroMedianFactor: next.heroMedianFactor,
      heroShareOfTeam: next.heroShareOfTeam,
      heroMinCount: next.heroMinCount,
      knowledgeShare: next.knowledgeShare,
      knowledgeMinIncidents: next.knowledgeMinIncidents,
      loadShare: next.loadShare,
      recoveryHours: next.recoveryHours,
      workDays: toJsonText(next.workDays),
      workStart: next.workStart,
      workEnd: next.workEnd,
      sleepStart: next.sleepStart,
      sleepEnd: next.sleepEnd,
      updatedByLabel: actor.label,
      updatedAt: now,
    };
    await this.k.transaction().execute(async (trx) => {
      await trx
        .insertInto('teamPeopleSettings')
        .values({ teamId: t.id, ...row })
        .onConflict((oc) => oc.column('teamId').doUpdateSet(row))
        .execute();
      await recordAudit(trx, actor, 'team.people_settings_updated', { type: 'team', id: t.id }, next, now);
    });
    return { teamId: t.id, ...next, saved: true };
  }

  // ---- 1. heroes ---------------------------------------------------------------------------------------------------

  /** `pages: false` when the answer needs no pages (a drill-down into incidents, roles or acknowledgements). */
  private async heroData(actor: Actor, q: WindowQuery & { teamId?: string | undefined }, pages = true) {
    const team = await this.team(actor, q.teamId);
    const f = await this.window(q, team.id);
    const w = { from: f.from, to: f.to, kinds: f.kinds };
    const [settings, h, members] = await Promise.all([
      loadSettings(this.k, team.id),
      loadHeroHistory(this.k, team.id, w, { pages }),
      loadMembers(this.k, team.id),
    ]);
    const ids = new Set<string>(members.map((m) => m.id));
    for (const r of h.roles) ids.add(r.userId);
    for (const p of h.participants) ids.add(p.userId);
    for (const a of h.acks) ids.add(a.userId);
    for (const p of h.pages) for (const u of p.userIds) ids.add(u);
    const others = [...ids].filter((id) => !members.some((m) => m.id === id));
    const people = new Map<string, PersonRow>(members.map((m) => [m.id, m]));
    for (const [id, p] of await loadPeople(this.k, others)) people.set(id, p);
    const timing = timingOf(windowsOf(settings));
    const until = Math.min(f.to, this.deps.clock.now());
    const offHoursPages = (userId: string) =>
      h.pages.filter(
        (p) => p.userIds.includes(userId) && timing(p.at, people.get(userId)?.timezone || 'UTC').outsideWorkingHours,
      );
    return { team, f, settings, h, people, offHoursPages, until };
  }

  async heroes(actor: Actor, q: WindowQuery & { teamId?: string | undefined }): Promise<HeroReport> {
    const { team, f, settings, h, people, offHoursPages, until } = await this.heroData(actor, q);
    const responded = respondedBy(h);
    const acks = countBy(h.acks.map((a) => a.userId));
    const roles = countBy(h.roles.map((r) => r.userId));
    // Off-hours pages per person in one pass (each person's own zone).
    const timing = timingOf(windowsOf(settings));
    const offByPerson = new Map<string, { at: number; alertId: string }[]>();
    for (const p of h.pages) {
      for (const u of p.userIds) {
        if (!timing(p.at, people.get(u)?.timezone || 'UTC').outsideWorkingHours) continue;
        const list = offByPerson.get(u) ?? [];
        list.push({ at: p.at, alertId: p.alertId });
        offByPerson.set(u, list);
      }
    }
    void offHoursPages;
    // Their alerts' resolution, read for those pages only.
    const alerts = await loadAlertDetails(
      this.k,
      [...offByPerson.values()].flatMap((l) => l.map((p) => p.alertId)),
    );
    const spans = (list: { at: number; alertId: string }[]) =>
      list.map((p) => ({ at: p.at, resolvedAt: alerts.get(p.alertId)?.resolvedAt ?? null }));
    const input = [...people.values()].map((p) => ({
      userId: p.id,
      name: p.name,
      pagesAcknowledged: acks.get(p.id) ?? 0,
      incidentsResponded: responded.get(p.id)?.size ?? 0,
      rolesHeld: roles.get(p.id) ?? 0,
      offHoursPageHours: offHoursPageHours(spans(offByPerson.get(p.id) ?? []), until),
    }));
    const figures = heroFigures(input, settings);
    return {
      team: { id: team.id, name: team.name },
      window: { from: f.from, to: f.to, kinds: f.kinds },
      thresholds: {
        medianFactor: settings.heroMedianFactor,
        shareOfTeam: settings.heroShareOfTeam,
        minCount: settings.heroMinCount,
      },
      ...figures,
    };
  }

  /** The pages, incidents or roles behind one person's hero figure, newest first (at most 500). */
  async heroItems(
    actor: Actor,
    q: WindowQuery & { teamId?: string | undefined; userId?: string | undefined; measure?: string | undefined },
  ): Promise<{ items: HeroItem[]; truncated: boolean }> {
    if (!q.userId) throw validationError([{ field: 'userId', message: 'is required' }]);
    const measure = (q.measure ?? 'incidents') as HeroMeasure;
    if (!['pages', 'incidents', 'roles', 'offHours'].includes(measure))
      throw validationError([{ field: 'measure', message: 'must be pages, incidents, roles or offHours' }]);
    const { h, offHoursPages, until } = await this.heroData(actor, q, measure === 'offHours');
    const userId = q.userId;
    const incidents = new Map(h.incidents.map((i) => [i.id, i]));
    const title = (id: string | null) => (id ? (incidents.get(id)?.title ?? null) : null);
    let items: HeroItem[] = [];
    if (measure === 'pages') {
      const acks = h.acks.filter((a) => a.userId === userId);
      const alerts = await loadAlertDetails(
        this.k,
        acks.map((a) => a.alertId),
      );
      items = acks.map((a) => ({
        kind: 'page',
        at: a.at,
        incidentId: a.incidentId,
        incidentTitle: title(a.incidentId),
        alertId: a.alertId,
        alertTitle: alerts.get(a.alertId)?.title ?? null,
        serviceName: alerts.get(a.alertId)?.serviceName ?? null,
        detail: 'Acknowledged the page',
      }));
    } else if (measure === 'roles') {
      items = h.roles
        .filter((r) => r.userId === userId)
        .map((r) => ({
          kind: 'role',
          at: r.startedAt,
          incidentId: r.incidentId,
          incidentTitle: title(r.incidentId),
          alertId: null,
          alertTitle: null,
          serviceName: null,
          detail: ROLE_NAMES[r.role] ?? r.role,
        }));
    } else if (measure === 'offHours') {
      const pages = offHoursPages(userId);
      const alerts = await loadAlertDetails(
        this.k,
        pages.map((p) => p.alertId),
      );
      items = pages.map((p) => {
        const alert = alerts.get(p.alertId);
        const hours = offHoursPageHours([{ at: p.at, resolvedAt: alert?.resolvedAt ?? null }], until);
        return {
          kind: 'off_hours_page',
          at: p.at,
          incidentId: null,
          incidentTitle: null,
          alertId: p.alertId,
          alertTitle: alert?.title ?? null,
          serviceName: alert?.serviceName ?? null,
          detail: `Paged outside working hours; ${hours} h until resolved`,
        };
      });
    } else {
      const how = respondedBy(h).get(userId) ?? new Map<string, Set<string>>();
      items = [...how].map(([incidentId, ways]) => ({
        kind: 'incident',
        at: incidents.get(incidentId)?.declaredAt ?? 0,
        incidentId,
        incidentTitle: title(incidentId),
        alertId: null,
        alertTitle: null,
        serviceName: null,
        detail: [...ways].sort().join(', '),
      }));
    }
    items.sort((a, b) => b.at - a.at);
    return { items: items.slice(0, DRILL_LIMIT), truncated: items.length > DRILL_LIMIT };
  }

  // ---- 2. knowledge ------------------------------------------------------------------------------------------------

  private async scopeOf(actor: Actor, q: { teamId?: string | undefined; serviceId?: string | undefined }) {
    if (q.serviceId) {
      const svc = await this.service(q.serviceId, 'serviceId');
      return { scope: { serviceId: svc.id } as Scope, teamId: svc.teamId };
    }
    const team = await this.team(actor, q.teamId);
    return { scope: { teamId: team.id } as Scope, teamId: team.id };
  }

  private async service(idOrSlug: string, field = 'service') {
    const row = await this.k
      .selectFrom('services')
      .select(['id', 'teamId', 'name'])
      .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
      .executeTakeFirst();
    if (!row) {
      if (field === 'service') throw notFound('service', idOrSlug);
      throw validationError([{ field, message: 'is not a service' }]);
    }
    return row;
  }

  async knowledge(
    actor: Actor,
    q: WindowQuery & { teamId?: string | undefined; serviceId?: string | undefined },
  ): Promise<{
    window: { from: number; to: number; kinds: string[] };
    thresholds: { share: number; minIncidents: number };
    services: KnowledgeService[];
  }> {
    const { scope, teamId } = await this.scopeOf(actor, q);
    const f = await this.window(q, teamId);
    const w = { from: f.from, to: f.to, kinds: f.kinds };
    const settings = await loadSettings(this.k, teamId);
    const services = await this.knowledgeOf(scope, w, new Map([[teamId, settings]]));
    return {
      window: w,
      thresholds: { share: settings.knowledgeShare, minIncidents: settings.knowledgeMinIncidents },
      services,
    };
  }

  private async knowledgeOf(
    scope: Scope,
    w: { from: number; to: number; kinds: string[] },
    settingsOf: Map<string, PeopleSettings>,
    loaded?: { services: ServiceRow[]; runbooks: Map<string, Set<string>> },
  ): Promise<KnowledgeService[]> {
    const [services, runbooks, hist, rotationOf] = await Promise.all([
      loaded ? Promise.resolve(loaded.services) : loadServices(this.k, scope),
      loaded ? Promise.resolve(loaded.runbooks) : loadServiceRunbooks(this.k, scope),
      loadKnowledgeHistory(this.k, scope, w),
      loadServiceSchedules(this.k, scope),
    ]);
    const userIds = new Set<string>();
    for (const set of hist.handlers.values()) for (const u of set) userIds.add(u);
    const people = await loadPeople(this.k, userIds);
    const schedulesOf = new Map<string, string[]>();
    for (const teamId of new Set(services.map((s) => s.teamId))) {
      schedulesOf.set(
        teamId,
        (await loadTeamSchedules(this.k, teamId)).map((s) => s.id),
      );
    }
    const byService = new Map<string, { incidentId: string; handlers: string[] }[]>();
    for (const l of hist.links) {
      const list = byService.get(l.serviceId) ?? [];
      list.push({ incidentId: l.incidentId, handlers: [...(hist.handlers.get(l.incidentId) ?? [])] });
      byService.set(l.serviceId, list);
    }
    return services
      .map((s) => {
        const fig = knowledgeFigure(
          byService.get(s.id) ?? [],
          (u) => people.get(u)?.name ?? u,
          settingsOf.get(s.teamId) ?? undefined,
        );
        return {
          serviceId: s.id,
          name: s.name,
          team: { id: s.teamId, name: s.teamName },
          ...fig,
          remedies: fig.flagged
            ? knowledgeRemedies({
                serviceId: s.id,
                serviceName: s.name,
                teamSlug: s.teamSlug,
                hasRunbook: (runbooks.get(s.id)?.size ?? 0) > 0,
                // The shadow joins the rotation that answers for the service, else the team's first schedule.
                scheduleIds: rotationOf.has(s.id) ? [rotationOf.get(s.id)!] : (schedulesOf.get(s.teamId) ?? []),
                holderName: fig.holder!.name,
              })
            : [],
        };
      })
      .sort(
        (a, b) =>
          Number(b.flagged) - Number(a.flagged) ||
          (b.holder?.share ?? 0) - (a.holder?.share ?? 0) ||
          a.name.localeCompare(b.name),
      );
  }

  // ---- 5. load and recovery ----------------------------------------------------------------------------------------

  async load(actor: Actor, q: WindowQuery & { teamId?: string | undefined }): Promise<LoadReport> {
    const team = await this.team(actor, q.teamId);
    const f = await this.window(q, team.id);
    const settings = await loadSettings(this.k, team.id);
    const now = this.deps.clock.now();
    // Shifts a little past the window, so a recovery tomorrow morning finds the shift to cover.
    const [schedules, pages] = await Promise.all([
      finalShifts(this.k, f.from, Math.max(f.to, now) + 2 * DAY, (s) => s.teamId === team.id),
      loadPages(this.k, { teamId: team.id }, { from: f.from, to: f.to, kinds: f.kinds }),
    ]);
    const ids = new Set<string>();
    for (const s of schedules) {
      for (const u of s.participants) ids.add(u);
      for (const sh of s.final) ids.add(sh.userId);
    }
    for (const p of pages) for (const u of p.userIds) ids.add(u);
    const people = await loadPeople(this.k, ids);
    const months = monthsOf(f.from, f.to, f.timeZone);
    const byPerson = new Map<string, { scheduleId: string; start: number; end: number }[]>();
    for (const s of schedules) {
      for (const sh of s.final) {
        const start = Math.max(sh.start, f.from);
        const end = Math.min(sh.end, f.to);
        if (end <= start) continue;
        const list = byPerson.get(sh.userId) ?? [];
        list.push({ scheduleId: s.schedule.id, start, end });
        byPerson.set(sh.userId, list);
      }
    }
    const hours = new Map<string, number>();
    const loadPeopleRows = [...byPerson].map(([userId, shifts]) => {
      const ms = monthlyLoad(shifts, months, settings);
      hours.set(
        userId,
        ms.reduce((n, m) => n + m.onCallHours, 0),
      );
      return { userId, name: people.get(userId)?.name ?? userId, months: ms, flagged: ms.some((m) => m.flagged) };
    });
    loadPeopleRows.sort(
      (a, b) =>
        Number(b.flagged) - Number(a.flagged) ||
        (hours.get(b.userId) ?? 0) - (hours.get(a.userId) ?? 0) ||
        a.name.localeCompare(b.name),
    );
    const b2b = [...byPerson].flatMap(([userId, shifts]) =>
      backToBack(userId, shifts).map((b) => ({ ...b, name: people.get(userId)?.name ?? userId })),
    );
    b2b.sort((a, b) => b.from - a.from);
    const recovery = this.recoveryEntries(pages, people, settings, schedules, (u) => hours.get(u) ?? 0);
    return {
      team: { id: team.id, name: team.name },
      window: { from: f.from, to: f.to },
      timeZone: f.timeZone,
      loadShare: settings.loadShare,
      people: loadPeopleRows,
      backToBack: b2b,
      recovery: recovery.sort((a, b) => b.recoveryFrom - a.recoveryFrom),
    };
  }

  private recoveryEntries(
    pages: { at: number; userIds: string[] }[],
    people: Map<string, PersonRow>,
    settings: PeopleSettings,
    schedules: { schedule: { id: string; name: string }; participants: string[]; final: Shift[] }[],
    hoursOf: (userId: string) => number,
  ): RecoveryEntry[] {
    const timing = timingOf(windowsOf(settings));
    const sleepPages = pages.flatMap((p) =>
      p.userIds
        .map((userId) => ({ userId, at: p.at, timezone: people.get(userId)?.timezone || 'UTC' }))
        .filter((x) => timing(x.at, x.timezone).duringSleep),
    );
    const names = new Map(schedules.map((s) => [s.schedule.id, s.schedule.name]));
    const input = schedules.map((s) => ({ scheduleId: s.schedule.id, participants: s.participants, final: s.final }));
    return recoveries(sleepPages, windowsOf(settings), settings).map((r) => {
      const c = coverProposal(r, input, hoursOf);
      return {
        ...r,
        name: people.get(r.userId)?.name ?? r.userId,
        cover: c
          ? {
              scheduleId: c.scheduleId,
              scheduleName: names.get(c.scheduleId) ?? c.scheduleId,
              proposal: {
                ...c.proposal,
                userName: c.proposal.userId ? (people.get(c.proposal.userId)?.name ?? c.proposal.userId) : null,
              },
            }
          : null,
      };
    });
  }

  /** The caller's recovery for the coming 48 hours: pages in their sleep hours over the last day and a half. */
  async myRecovery(actor: Actor): Promise<{ recovery: RecoveryEntry[] }> {
    const userId = actor.userId;
    if (!userId) return { recovery: [] };
    const now = this.deps.clock.now();
    const teams = await this.k
      .selectFrom('teamMembers')
      .select('teamId')
      .where('userId', '=', userId)
      .orderBy('teamId')
      .execute();
    const teamIds = teams.map((t) => t.teamId);
    const pages = await loadPages(this.k, {}, { from: now - 36 * HOUR, to: now + 1, kinds: ['real'] }, userId);
    const settingsOf = await loadSettingsOf(this.k, [...new Set([...teamIds, ...pages.map((p) => p.teamId)])]);
    const schedules = await finalShifts(this.k, now - DAY, now + 3 * DAY, (s) => teamIds.includes(s.teamId));
    const ids = new Set<string>([userId]);
    for (const s of schedules) for (const u of s.participants) ids.add(u);
    const people = await loadPeople(this.k, ids);
    const hours = new Map<string, number>();
    for (const s of schedules)
      for (const sh of s.final) hours.set(sh.userId, (hours.get(sh.userId) ?? 0) + (sh.end - sh.start) / HOUR);
    // Each page read with the working hours of the team owning the paged service (the first team's without settings).
    const out: RecoveryEntry[] = [];
    const byTeam = new Map<string, typeof pages>();
    for (const p of pages) byTeam.set(p.teamId, [...(byTeam.get(p.teamId) ?? []), p]);
    for (const [teamId, list] of byTeam) {
      const settings = settingsOf.get(teamId) ?? settingsOf.get(teamIds[0] ?? '')!;
      out.push(...this.recoveryEntries(list, people, settings, schedules, (u) => hours.get(u) ?? 0));
    }
    const seen = new Set<number>();
    const recovery = out
      .filter((r) => r.recoveryTo > now && r.recoveryFrom < now + 2 * DAY)
      .sort((a, b) => a.recoveryFrom - b.recoveryFrom)
      .filter((r) => (seen.has(r.recoveryFrom) ? false : (seen.add(r.recoveryFrom), true)));
    return { recovery };
  }

  /** The one-click cover: an override through the schedules' own override service (responder of its team). */
  async cover(
    actor: Actor,
    overrides: OverrideService,
    input: { scheduleId: string; start: number; end: number; userId: string },
  ) {
    const problems: { field: string; message: string }[] = [];
    if (Number.isNaN(input.start)) problems.push({ field: 'start', message: 'must be an RFC 3339 date-time' });
    if (Number.isNaN(input.end)) problems.push({ field: 'end', message: 'must be an RFC 3339 date-time' });
    else if (input.end - input.start > 12 * HOUR)
      problems.push({ field: 'end', message: 'a recovery cover is at most 12 hours' });
    if (problems.length) throw validationError(problems);
    const schedule = await this.k
      .selectFrom('schedules')
      .select('id')
      .where('id', '=', input.scheduleId)
      .executeTakeFirst();
    if (!schedule) throw validationError([{ field: 'scheduleId', message: 'is not a schedule' }]);
    return overrides.create(actor, input.scheduleId, {
      userId: input.userId,
      start: input.start,
      end: input.end,
      reason: 'Recovery time after a page in the night',
    });
  }

  // ---- 8. the service health card ----------------------------------------------------------------------------------

  async healthCard(actor: Actor, service: string, q: WindowQuery = {}): Promise<HealthCard> {
    const svc = await this.service(service);
    const cards = await this.cards(actor, { serviceId: svc.id }, svc.teamId, q);
    const card = cards[0];
    if (!card) throw notFound('service', service);
    return card;
  }

  async teamServiceHealth(
    actor: Actor,
    team: string,
    q: WindowQuery = {},
  ): Promise<{ team: { id: string; name: string }; window: { from: number; to: number }; services: HealthCard[] }> {
    const t = await this.team(actor, team, 'team');
    const f = await this.window(q, t.id);
    const cards = await this.cards(actor, { teamId: t.id }, t.id, q);
    cards.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
    return { team: { id: t.id, name: t.name }, window: { from: f.from, to: f.to }, services: cards };
  }

  private async cards(actor: Actor, scope: Scope, teamId: string, q: WindowQuery): Promise<HealthCard[]> {
    void actor;
    const f = await this.window(q, teamId);
    const w = { from: f.from, to: f.to, kinds: f.kinds };
    const now = this.deps.clock.now();
    const [services, runbooks, ruleRunbooks, hist, incidents, completion, settings] = await Promise.all([
      loadServices(this.k, scope),
      loadServiceRunbooks(this.k, scope),
      loadRuleRunbooks(this.k),
      loadCardHistory(this.k, scope, w, now, NOISY, JUDGED),
      new ResponseTimeInsights(this.deps.db, this.deps.clock).load({
        ...f,
        teamId: scope.teamId,
        serviceId: scope.serviceId,
      }),
      loadCompletionHistory(this.k, { from: f.from, to: f.to, asOf: now }, { kinds: f.kinds, teamId }),
      loadSettings(this.k, teamId),
    ]);
    const knowledge = await this.knowledgeOf(scope, w, new Map([[teamId, settings]]), { services, runbooks });
    const kByService = new Map(knowledge.map((k) => [k.serviceId, k]));
    const completionServices = await loadIncidentServices(
      this.k,
      completion.map((c) => c.id),
    );
    const weeks = Math.max((f.to - f.from) / WEEK, 1 / 7);
    return services.map((s) => {
      const mine = incidents.filter((i) => i.serviceIds.includes(s.id));
      const durations = (m: 'mtta' | 'mttr') =>
        mine.map((i) => durationOf(i, m)).filter((d): d is number => d !== null);
      const comp = completionOf(
        completion.filter((c) => completionServices.get(c.id)?.includes(s.id)),
        { from: f.from, to: f.to, asOf: now },
      );
      const keys = hist.ruleKeys.get(s.id) ?? new Set<string>();
      const byService = runbooks.get(s.id) ?? new Set<string>();
      const byRule = new Set<string>();
      let covered = 0;
      for (const key of keys) {
        const rb = ruleRunbooks.get(key);
        if (rb?.size) {
          covered++;
          for (const id of rb) byRule.add(id);
        }
      }
      const runbookCount = new Set([...byService, ...byRule]).size;
      const judged = hist.judged.get(s.id);
      const pages = hist.pages.get(s.id) ?? 0;
      const k = kByService.get(s.id);
      const figures = {
        openIncidents: hist.openIncidents.get(s.id) ?? 0,
        pagesPerWeek: round2(pages / weeks),
        noisyShare: judged && judged.judged > 0 ? round3(judged.noisy / judged.judged) : null,
        postmortemCompletion: comp.rate === null ? null : round3(comp.rate),
        overdueActionItems: hist.overdue.get(s.id) ?? 0,
        runbookCoverage: {
          hasRunbook: runbookCount > 0,
          runbookCount,
          alertRulesCovered: keys.size === 0 ? null : byService.size > 0 ? 1 : round3(covered / keys.size),
        },
        knowledgeFlag: k?.flagged ?? false,
      };
      return {
        serviceId: s.id,
        name: s.name,
        slug: s.slug,
        owningTeam: { id: s.teamId, name: s.teamName, slug: s.teamSlug },
        window: { from: f.from, to: f.to },
        pages,
        mtta: stats(durations('mtta')),
        mttr: stats(durations('mttr')),
        ...figures,
        knowledgeHolder:
          k?.flagged && k.holder ? { userId: k.holder.userId, name: k.holder.name, share: k.holder.share } : null,
        score: cardScore(figures),
      };
    });
  }
}

const ROLE_NAMES: Record<string, string> = {
  commander: 'Incident Commander',
  technical_lead: 'Technical Lead',
  communications_lead: 'Communications Lead',
};

function countBy(xs: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

/** person → incident → how they responded (held a role, acknowledged a linked alert, joined the room). */
function respondedBy(h: HeroHistory): Map<string, Map<string, Set<string>>> {
  const kept = new Set(h.incidents.map((i) => i.id));
  const out = new Map<string, Map<string, Set<string>>>();
  const add = (userId: string, incidentId: string | null, how: string) => {
    if (!incidentId || !kept.has(incidentId)) return;
    let m = out.get(userId);
    if (!m) out.set(userId, (m = new Map<string, Set<string>>()));
    let s = m.get(incidentId);
    if (!s) m.set(incidentId, (s = new Set<string>()));
    s.add(how);
  };
  for (const r of h.roles) add(r.userId, r.incidentId, `held ${ROLE_NAMES[r.role] ?? r.role}`);
  for (const a of h.acks) add(a.userId, a.incidentId, 'acknowledged a page');
  for (const p of h.participants) add(p.userId, p.incidentId, 'joined the room');
  return out;
}

void chunks;
