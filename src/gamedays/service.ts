/**
 * Game days (docs/gamedays.md; the contract in issue 13): the scenario library, game days and their schedule, the
 * start that opens the drill room (a drill incident declared through the incidents domain), timed and live injects,
 * expected actions ticked by the facilitator, halt and end with their reasons on both timelines, the debrief (a
 * post-mortem with the `pmt_gameday` template) and the measures of how the people responded.
 *
 * Who may change one: members of its team with the responder role or more, its facilitator, organisation
 * administrators (`gameday-actor`, src/http/access.ts; checked again here). Failure injection, drill keys and halt
 * conditions live in src/gamedays/live/ and plug in through GamedayHooks, called inside each state change's
 * transaction (they only enqueue jobs).
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { IncidentChatHook } from '../incidents/index.js';
import type { Ctx } from '../incidents/context.js';
import { declareIn } from '../incidents/declare.js';
import { changeStatus } from '../incidents/lifecycle.js';
import { appendEvent, lockIncident } from '../incidents/repo.js';
import { ResponseTimeInsights } from '../insights/response-times.js';
import { metricStats, type Stats } from '../insights/model.js';
import { createIn } from '../postmortems/jobs.js';
import { toIso, toIsoOrNull, type Clock } from '../shared/clock.js';
import { conflict, forbidden, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import type { Logger } from '../shared/logger.js';
import { enqueueInject, ensureNext, scheduleJobs } from './jobs.js';
import { figures, type Figures } from './measures.js';
import {
  DEBRIEF_TEMPLATE_ID,
  LEVEL_ADVICE,
  LEVELS,
  MAX_DURATION_MINUTES,
  MAX_OFFSET_SECONDS,
  actionProblems,
  haltText,
  injectProblems,
  isFinished,
  isOneOf,
  sortScript,
  type ActionOutcome,
  type Category,
  type GamedayStatus,
  type HaltKind,
  type HypothesisOutcome,
  type Level,
  type Mode,
  type ParticipantRole,
  type Recurrence,
  type ScriptInject,
} from './model.js';
import {
  addGamedayEvent,
  canActOnGameday,
  findGameday,
  findScenario,
  gamedayNotFound,
  isTeamActor,
  listActions,
  listGamedayEvents,
  listInjects,
  listParticipants,
  listServiceIds,
  lockGameday,
  replaceActions,
  replaceParticipants,
  replaceScript,
  replaceServices,
  scenarioNotFound,
  type GamedayRow,
  type ScenarioRow,
} from './repo.js';

/**
 * What gd-live plugs in (src/gamedays/live/): called inside the state change's transaction, so they only write rows
 * and enqueue durable jobs (the failure injection's start and rollback, halt checks); never a network call.
 */
export interface GamedayHooks {
  /** Enqueue the failure injection's start, schedule halt-condition checks. */
  onStart(trx: Executor, gamedayId: string, now: number): Promise<void>;
  /** Enqueue the failure injection's rollback; at the end or a cancel, revoke the game day's drill keys. */
  onStop(trx: Executor, gamedayId: string, why: 'halted' | 'ended' | 'cancelled', now: number): Promise<void>;
}

export const noHooks: GamedayHooks = {
  onStart: async () => undefined,
  onStop: async () => undefined,
};

export interface GamedayDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** The chat integration's incident hook: the drill incident is declared as any incident is (gd-live mutes it). */
  chat?: IncidentChatHook | undefined;
  /** Nudge the incident room in this process after a commit (IncidentService.live.poke). */
  pokeIncident?: (incidentId: string) => void;
  /**
   * Called in the transaction that declares the drill incident, as IncidentService's onDeclared is for any incident
   * (automation rules: src/server.ts injects it; only rules that include drills fire for one).
   */
  onDeclared?: ((trx: Executor, engine: Db['engine'], incidentId: string, now: number) => Promise<void>) | undefined;
  onEnqueued?: () => void;
}

export interface ScenarioInput {
  teamId: string;
  name: string;
  category?: Category | undefined;
  level?: Level | undefined;
  summary?: string | undefined;
  hypothesis?: string | undefined;
  expectedActions?: string[] | undefined;
  injects?: ScriptInject[] | undefined;
  safetyNotes?: string | undefined;
}

export interface GamedayInput {
  teamId: string;
  scenarioId?: string | null | undefined;
  title?: string | undefined;
  mode?: Mode | undefined;
  scenario?: string | undefined;
  hypothesis?: string | undefined;
  safetyNotes?: string | undefined;
  facilitatorUserId?: string | null | undefined;
  severity?: string | undefined;
  scheduledAt?: number | null | undefined;
  durationMinutes?: number | undefined;
  recurrence?: Recurrence | undefined;
  muteChat?: boolean | undefined;
  participants?: { userId: string; role?: ParticipantRole | undefined }[] | undefined;
  serviceIds?: string[] | undefined;
  injects?: ScriptInject[] | undefined;
  expectedActions?: string[] | undefined;
}

export type GamedayPatch = Partial<Omit<GamedayInput, 'teamId' | 'scenarioId'>>;

export interface HaltReason {
  kind: HaltKind;
  detail: string;
}

export interface ListFilter {
  teamId?: string | undefined;
  status?: GamedayStatus | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

const notActor = () =>
  forbidden('Changing a game day needs the responder role in its team, being its facilitator, or an administrator.');
const notTeamMember = (field = 'teamId') =>
  forbidden(`This needs the responder role in the team (${field}), or an administrator.`);
const wrongStatus = (g: GamedayRow, doing: string) =>
  conflict('gameday_status', `The game day is ${g.status}: it cannot ${doing}.`, { status: g.status });

const SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
const MAX_TEXT = 5000;

function textProblems(fields: Record<string, string | undefined>, max = MAX_TEXT): FieldProblem[] {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined && v.length > max)
    .map(([field]) => ({ field, message: `at most ${max} characters` }));
}

export type ScenarioView = ReturnType<typeof presentScenario>;

export function presentScenario(s: ScenarioRow) {
  const level = isOneOf(LEVELS, s.level) ? s.level : 'tabletop';
  return {
    id: s.id,
    key: s.key,
    teamId: s.teamId,
    name: s.name,
    category: s.category,
    level,
    advice: LEVEL_ADVICE[level],
    summary: s.summary,
    hypothesis: s.hypothesis,
    expectedActions: fromJsonText<string[]>(s.expectedActions, []),
    injects: fromJsonText<ScriptInject[]>(s.injects, []),
    safetyNotes: s.safetyNotes,
    isBuiltin: s.isBuiltin === 1,
    archivedAt: toIsoOrNull(s.archivedAt),
    createdByLabel: s.createdByLabel,
    createdAt: toIso(s.createdAt),
    updatedAt: toIso(s.updatedAt),
  };
}

export type GamedayDetail = Awaited<ReturnType<GamedayService['get']>>;
export type Measures = Awaited<ReturnType<GamedayService['measure']>>;

export class GamedayService {
  private hooks: GamedayHooks = noHooks;
  private readonly insights: ResponseTimeInsights;

  constructor(private readonly deps: GamedayDeps) {
    this.insights = new ResponseTimeInsights(deps.db, deps.clock);
  }

  /** gd-live wires its implementation here (src/server.ts). */
  setHooks(hooks: GamedayHooks): void {
    this.hooks = hooks;
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private get ex(): Executor {
    return this.deps.db.kysely;
  }

  /** Whether the actor may change the game day (null: no such game day). The access policy asks before parsing. */
  canAct(actor: Actor, id: string): Promise<boolean | null> {
    return canActOnGameday(this.ex, actor, id);
  }

  /** One change: transaction, row locked, actor checked, fn; then the runner is woken and the room nudged. */
  private async mutate<T>(
    actor: Actor | 'system',
    id: string,
    fn: (trx: Executor, g: GamedayRow, now: number, who: Actor | null) => Promise<T>,
  ): Promise<T> {
    const now = this.now();
    const out = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const g = await lockGameday(trx, this.deps.db.engine, id);
      if (actor !== 'system' && !(await isTeamActor(trx, actor, g.teamId, g.facilitatorUserId))) throw notActor();
      return fn(trx, g, now, actor === 'system' ? null : actor);
    });
    this.deps.onEnqueued?.();
    return out;
  }

  private poke(incidentId: string | null): void {
    if (incidentId) this.deps.pokeIncident?.(incidentId);
  }

  // ---- the scenario library -----------------------------------------------------------------------------------------

  async listScenarios(_actor: Actor, f: { teamId?: string | undefined; includeArchived?: boolean | undefined } = {}) {
    let q = this.ex.selectFrom('gamedayScenarios').selectAll().orderBy('isBuiltin', 'desc').orderBy('name');
    if (!f.includeArchived) q = q.where('archivedAt', 'is', null);
    if (f.teamId !== undefined) {
      const teamId = f.teamId;
      q = q.where((eb) => eb.or([eb('isBuiltin', '=', 1), eb('teamId', '=', teamId)]));
    }
    return (await q.execute()).map(presentScenario);
  }

  async getScenario(id: string) {
    const s = await findScenario(this.ex, id);
    if (!s) throw scenarioNotFound(id);
    return presentScenario(s);
  }

  private scenarioProblems(input: Partial<ScenarioInput>): FieldProblem[] {
    const problems: FieldProblem[] = [];
    if (input.name !== undefined && !input.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
    if (input.injects) problems.push(...injectProblems(input.injects));
    if (input.expectedActions) problems.push(...actionProblems(input.expectedActions));
    problems.push(
      ...textProblems({ summary: input.summary, hypothesis: input.hypothesis, safetyNotes: input.safetyNotes }),
    );
    return problems;
  }

  async createScenario(actor: Actor, input: ScenarioInput) {
    const problems = this.scenarioProblems(input);
    if (problems.length) throw validationError(problems);
    const now = this.now();
    const id = newId('gds', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await isTeamActor(trx, actor, input.teamId))) throw notTeamMember();
      await trx
        .insertInto('gamedayScenarios')
        .values({
          id,
          key: null,
          teamId: input.teamId,
          name: input.name.trim(),
          category: input.category ?? 'custom',
          level: input.level ?? 'tabletop',
          summary: input.summary?.trim() ?? '',
          hypothesis: input.hypothesis?.trim() ?? '',
          expectedActions: toJsonText((input.expectedActions ?? []).map((a) => a.trim())),
          injects: toJsonText(
            sortScript(input.injects ?? []).map((i) => ({ offsetSeconds: i.offsetSeconds, body: i.body.trim() })),
          ),
          safetyNotes: input.safetyNotes?.trim() ?? '',
          isBuiltin: 0,
          archivedAt: null,
          createdByLabel: actor.label,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await recordAudit(
        trx,
        actor,
        'gameday_scenario.created',
        { type: 'gameday_scenario', id },
        { teamId: input.teamId },
        now,
      );
    });
    return this.getScenario(id);
  }

  private async mutateScenario(
    actor: Actor,
    id: string,
    fn: (trx: Executor, s: ScenarioRow, now: number) => Promise<void>,
  ) {
    const now = this.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const s = await findScenario(trx, id);
      if (!s) throw scenarioNotFound(id);
      if (s.isBuiltin === 1 || !s.teamId) {
        throw forbidden(
          "Built-in scenarios are read-only: create your team's own from it instead.",
          'scenario_builtin',
        );
      }
      if (!(await isTeamActor(trx, actor, s.teamId))) throw notTeamMember();
      await fn(trx, s, now);
    });
    return this.getScenario(id);
  }

  updateScenario(actor: Actor, id: string, patch: Partial<Omit<ScenarioInput, 'teamId'>>) {
    const problems = this.scenarioProblems(patch);
    if (problems.length) throw validationError(problems);
    return this.mutateScenario(actor, id, async (trx, _s, now) => {
      await trx
        .updateTable('gamedayScenarios')
        .set({
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.category !== undefined ? { category: patch.category } : {}),
          ...(patch.level !== undefined ? { level: patch.level } : {}),
          ...(patch.summary !== undefined ? { summary: patch.summary.trim() } : {}),
          ...(patch.hypothesis !== undefined ? { hypothesis: patch.hypothesis.trim() } : {}),
          ...(patch.safetyNotes !== undefined ? { safetyNotes: patch.safetyNotes.trim() } : {}),
          ...(patch.expectedActions !== undefined
            ? { expectedActions: toJsonText(patch.expectedActions.map((a) => a.trim())) }
            : {}),
          ...(patch.injects !== undefined
            ? {
                injects: toJsonText(
                  sortScript(patch.injects).map((i) => ({ offsetSeconds: i.offsetSeconds, body: i.body.trim() })),
                ),
              }
            : {}),
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      await recordAudit(
        trx,
        actor,
        'gameday_scenario.updated',
        { type: 'gameday_scenario', id },
        { fields: Object.keys(patch) },
        now,
      );
    });
  }

  archiveScenario(actor: Actor, id: string) {
    return this.mutateScenario(actor, id, async (trx, s, now) => {
      if (s.archivedAt !== null) return;
      await trx.updateTable('gamedayScenarios').set({ archivedAt: now, updatedAt: now }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'gameday_scenario.archived', { type: 'gameday_scenario', id }, {}, now);
    });
  }

  // ---- reading --------------------------------------------------------------------------------------------------------

  async list(_actor: Actor, f: ListFilter = {}) {
    let q = this.ex
      .selectFrom('gamedays')
      .leftJoin('users', 'users.id', 'gamedays.facilitatorUserId')
      .innerJoin('teams', 'teams.id', 'gamedays.teamId')
      .selectAll('gamedays')
      .select(['users.name as facilitatorName', 'teams.name as teamName'])
      .orderBy((eb) => eb.fn.coalesce('gamedays.scheduledAt', 'gamedays.startedAt', 'gamedays.createdAt'), 'desc')
      .orderBy('gamedays.id', 'desc')
      .limit(500);
    if (f.teamId) q = q.where('gamedays.teamId', '=', f.teamId);
    if (f.status) q = q.where('gamedays.status', '=', f.status);
    if (f.from !== undefined) {
      const from = f.from;
      q = q.where((eb) =>
        eb(eb.fn.coalesce('gamedays.scheduledAt', 'gamedays.startedAt', 'gamedays.createdAt'), '>=', from),
      );
    }
    if (f.to !== undefined) {
      const to = f.to;
      q = q.where((eb) =>
        eb(eb.fn.coalesce('gamedays.scheduledAt', 'gamedays.startedAt', 'gamedays.createdAt'), '<', to),
      );
    }
    const rows = await q.execute();
    return rows.map((g) => ({
      ...this.summary(g),
      teamName: g.teamName,
      facilitator: g.facilitatorUserId ? { id: g.facilitatorUserId, name: g.facilitatorName ?? '' } : null,
    }));
  }

  private summary(g: GamedayRow) {
    return {
      id: g.id,
      teamId: g.teamId,
      scenarioId: g.scenarioId,
      title: g.title,
      mode: g.mode,
      status: g.status,
      severity: g.severity,
      scheduledAt: toIsoOrNull(g.scheduledAt),
      durationMinutes: g.durationMinutes,
      recurrence: g.recurrence,
      seriesId: g.seriesId,
      muteChat: g.muteChat === 1,
      incidentId: g.incidentId,
      startedAt: toIsoOrNull(g.startedAt),
      haltedAt: toIsoOrNull(g.haltedAt),
      endedAt: toIsoOrNull(g.endedAt),
    };
  }

  /**
   * `actor` null: a caller that may act (the service itself after a change). A reader who may not act on the game day
   * sees the injection's and Prometheus's URLs cut to scheme://host[:port] (a token in a path or query stays hidden).
   */
  async get(actor: Actor | null, id: string) {
    const ex = this.ex;
    const g = await findGameday(ex, id);
    if (!g) throw gamedayNotFound(id);
    const urlOf = actor === null || (await isTeamActor(ex, actor, g.teamId, g.facilitatorUserId)) ? fullUrl : originOf;
    const [
      facilitator,
      team,
      participants,
      serviceIds,
      injects,
      actions,
      injection,
      conditions,
      events,
      pm,
      haltEvent,
    ] = await Promise.all([
      g.facilitatorUserId
        ? ex.selectFrom('users').select(['id', 'name']).where('id', '=', g.facilitatorUserId).executeTakeFirst()
        : Promise.resolve(undefined),
      ex.selectFrom('teams').select(['id', 'name']).where('id', '=', g.teamId).executeTakeFirst(),
      listParticipants(ex, id),
      listServiceIds(ex, id),
      listInjects(ex, id),
      listActions(ex, id),
      ex.selectFrom('gamedayInjections').selectAll().where('gamedayId', '=', id).executeTakeFirst(),
      ex.selectFrom('gamedayHaltConditions').selectAll().where('gamedayId', '=', id).orderBy('id').execute(),
      listGamedayEvents(ex, id),
      g.incidentId
        ? ex.selectFrom('postmortems').select('id').where('incidentId', '=', g.incidentId).executeTakeFirst()
        : Promise.resolve(undefined),
      ex
        .selectFrom('gamedayEvents')
        .select('details')
        .where('gamedayId', '=', id)
        .where('kind', '=', 'halted')
        .orderBy('at', 'desc')
        .executeTakeFirst(),
    ]);
    return {
      ...this.summary(g),
      teamName: team?.name ?? '',
      scenario: g.scenario,
      hypothesis: g.hypothesis,
      safetyNotes: g.safetyNotes,
      facilitator: facilitator ? { id: facilitator.id, name: facilitator.name } : null,
      haltReason: g.haltReason,
      haltKind: haltEvent ? (fromJsonText<{ kind?: string }>(haltEvent.details, {}).kind ?? null) : null,
      hypothesisOutcome: g.hypothesisOutcome,
      createdByLabel: g.createdByLabel,
      createdAt: toIso(g.createdAt),
      updatedAt: toIso(g.updatedAt),
      participants: participants.map((p) => ({ userId: p.userId, name: p.name, role: p.role })),
      serviceIds,
      injects: injects.map((i) => ({
        id: i.id,
        position: i.position,
        offsetSeconds: i.offsetSeconds,
        body: i.body,
        status: i.status,
        deliveredAt: toIsoOrNull(i.deliveredAt),
        dueAt: g.startedAt !== null ? toIso(g.startedAt + i.offsetSeconds * 1000) : null,
        addedLive: i.addedLive === 1,
      })),
      expectedActions: actions.map((a) => ({
        id: a.id,
        position: a.position,
        body: a.body,
        outcome: a.outcome,
        markedAt: toIsoOrNull(a.markedAt),
        markedByLabel: a.markedByLabel,
      })),
      injection: injection
        ? {
            provider: injection.provider,
            url: urlOf(injection.url),
            // The provider's document (not secret; the secret is sealed and never shown), to edit it before the start.
            config: parseConfig(injection.config),
            hasSecret: injection.secretSealed !== null,
            state: injection.state,
            startedAt: toIsoOrNull(injection.startedAt),
            rolledBackAt: toIsoOrNull(injection.rolledBackAt),
            lastError: injection.lastError,
          }
        : null,
      haltConditions: conditions.map((c) => ({
        id: c.id,
        kind: c.kind,
        prometheusUrl: c.prometheusUrl === null ? null : urlOf(c.prometheusUrl),
        query: c.query,
        comparator: c.comparator,
        threshold: c.threshold,
        lastValue: c.lastValue,
        lastCheckedAt: toIsoOrNull(c.lastCheckedAt),
        lastError: c.lastError,
      })),
      events: events.map((e) => ({
        id: e.id,
        at: toIso(e.at),
        kind: e.kind,
        actorLabel: e.actorLabel,
        body: e.body,
      })),
      postmortemId: pm?.id ?? null,
    };
  }

  /** The game day whose drill room an incident is (null: a real incident). */
  async forIncident(incidentId: string): Promise<{ id: string; title: string; status: string } | null> {
    const g = await this.ex
      .selectFrom('gamedays')
      .select(['id', 'title', 'status'])
      .where('incidentId', '=', incidentId)
      .executeTakeFirst();
    return g ?? null;
  }

  // ---- creating and editing -------------------------------------------------------------------------------------------

  private inputProblems(input: GamedayPatch, opts: { creating: boolean; scheduledAt: number | null }): FieldProblem[] {
    const problems: FieldProblem[] = [];
    if (input.title !== undefined && !input.title.trim())
      problems.push({ field: 'title', message: 'must not be empty' });
    if (input.severity !== undefined && !isOneOf(SEVERITIES, input.severity))
      problems.push({ field: 'severity', message: 'must be P1, P2, P3 or P4' });
    if (
      input.durationMinutes !== undefined &&
      (!Number.isInteger(input.durationMinutes) ||
        input.durationMinutes < 1 ||
        input.durationMinutes > MAX_DURATION_MINUTES)
    )
      problems.push({ field: 'durationMinutes', message: `must be a whole number from 1 to ${MAX_DURATION_MINUTES}` });
    if (input.recurrence !== undefined && input.recurrence !== 'none' && opts.scheduledAt === null)
      problems.push({ field: 'recurrence', message: 'a recurring game day needs scheduledAt' });
    if (input.scheduledAt !== undefined && input.scheduledAt !== null && Number.isNaN(input.scheduledAt))
      problems.push({ field: 'scheduledAt', message: 'must be an RFC 3339 date-time' });
    if (input.injects) problems.push(...injectProblems(input.injects));
    if (input.expectedActions) problems.push(...actionProblems(input.expectedActions));
    problems.push(
      ...textProblems({ scenario: input.scenario, hypothesis: input.hypothesis, safetyNotes: input.safetyNotes }),
    );
    return problems;
  }

  async create(actor: Actor, input: GamedayInput) {
    const now = this.now();
    const id = newId('gd', now);
    const scenario = input.scenarioId ? await findScenario(this.ex, input.scenarioId) : null;
    if (input.scenarioId && (!scenario || (scenario.teamId !== null && scenario.teamId !== input.teamId))) {
      throw validationError([{ field: 'scenarioId', message: `no scenario ${input.scenarioId} for this team` }]);
    }
    const fromScenario = scenario ? presentScenario(scenario) : null;
    const title = input.title ?? fromScenario?.name ?? '';
    const scheduledAt = input.scheduledAt ?? null;
    const problems = this.inputProblems({ ...input, title }, { creating: true, scheduledAt });
    if (problems.length) throw validationError(problems);
    const injects = input.injects ?? fromScenario?.injects ?? [];
    const actions = input.expectedActions ?? fromScenario?.expectedActions ?? [];
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await isTeamActor(trx, actor, input.teamId))) throw notTeamMember();
      const row: GamedayRow = {
        id,
        teamId: input.teamId,
        scenarioId: scenario?.id ?? null,
        title: title.trim().slice(0, 200),
        mode: input.mode ?? (fromScenario?.level === 'live' ? 'live' : 'tabletop'),
        status: 'scheduled',
        scenario: input.scenario?.trim() ?? fromScenario?.summary ?? '',
        hypothesis: input.hypothesis?.trim() ?? fromScenario?.hypothesis ?? '',
        safetyNotes: input.safetyNotes?.trim() ?? fromScenario?.safetyNotes ?? '',
        facilitatorUserId: input.facilitatorUserId === undefined ? actor.userId : input.facilitatorUserId,
        severity: input.severity ?? 'P2',
        scheduledAt,
        durationMinutes: input.durationMinutes ?? 60,
        recurrence: input.recurrence ?? 'none',
        seriesId: null,
        remindedAt: null,
        muteChat: (input.muteChat ?? fromScenario?.category === 'communication') ? 1 : 0,
        incidentId: null,
        startedAt: null,
        haltedAt: null,
        haltReason: null,
        endedAt: null,
        hypothesisOutcome: null,
        createdByLabel: actor.label,
        createdAt: now,
        updatedAt: now,
      };
      await trx.insertInto('gamedays').values(row).execute();
      await replaceParticipants(
        trx,
        id,
        (input.participants ?? []).map((p) => ({ userId: p.userId, role: p.role ?? 'participant' })),
      );
      await replaceServices(trx, id, input.serviceIds ?? []);
      await replaceScript(trx, id, sortScript(injects), actor, now);
      await replaceActions(trx, id, actions, now);
      await addGamedayEvent(
        trx,
        id,
        {
          kind: 'created',
          actorLabel: actor.label,
          body: scenario ? `Created from the scenario ${scenario.name}.` : 'Created.',
          details: { scenarioId: scenario?.id ?? null },
        },
        now,
      );
      await scheduleJobs(trx, this.deps.db.engine, row, now);
      await recordAudit(
        trx,
        actor,
        'gameday.created',
        { type: 'gameday', id },
        { teamId: input.teamId, scenarioId: scenario?.id ?? null },
        now,
      );
    });
    this.deps.onEnqueued?.();
    return this.get(actor, id);
  }

  async update(actor: Actor, id: string, patch: GamedayPatch) {
    await this.mutate(actor, id, async (trx, g, now) => {
      if (isFinished(g.status)) throw wrongStatus(g, 'be changed');
      const scheduledAt = patch.scheduledAt === undefined ? g.scheduledAt : patch.scheduledAt;
      const problems = this.inputProblems(patch, {
        creating: false,
        scheduledAt,
      });
      if ((patch.recurrence ?? g.recurrence) !== 'none' && scheduledAt === null && patch.scheduledAt === null)
        problems.push({ field: 'scheduledAt', message: 'a recurring game day needs scheduledAt' });
      const scriptLocked = g.status !== 'scheduled';
      if (scriptLocked && patch.injects !== undefined)
        problems.push({ field: 'injects', message: 'the game day has started: add injects live instead' });
      if (scriptLocked && patch.expectedActions !== undefined)
        problems.push({
          field: 'expectedActions',
          message: 'the game day has started: tick the expected actions instead',
        });
      if (
        scriptLocked &&
        (patch.scheduledAt !== undefined || patch.recurrence !== undefined || patch.mode !== undefined)
      )
        problems.push({
          field: patch.mode !== undefined ? 'mode' : 'scheduledAt',
          message: 'the game day has started',
        });
      if (problems.length) throw validationError(problems);
      const set: Partial<GamedayRow> = {
        ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
        ...(patch.mode !== undefined ? { mode: patch.mode } : {}),
        ...(patch.scenario !== undefined ? { scenario: patch.scenario.trim() } : {}),
        ...(patch.hypothesis !== undefined ? { hypothesis: patch.hypothesis.trim() } : {}),
        ...(patch.safetyNotes !== undefined ? { safetyNotes: patch.safetyNotes.trim() } : {}),
        ...(patch.facilitatorUserId !== undefined ? { facilitatorUserId: patch.facilitatorUserId } : {}),
        ...(patch.severity !== undefined ? { severity: patch.severity } : {}),
        ...(patch.scheduledAt !== undefined ? { scheduledAt: patch.scheduledAt } : {}),
        ...(patch.durationMinutes !== undefined ? { durationMinutes: patch.durationMinutes } : {}),
        ...(patch.recurrence !== undefined ? { recurrence: patch.recurrence } : {}),
        ...(patch.muteChat !== undefined ? { muteChat: patch.muteChat ? 1 : 0 } : {}),
        updatedAt: now,
      };
      await trx.updateTable('gamedays').set(set).where('id', '=', id).execute();
      if (patch.participants !== undefined)
        await replaceParticipants(
          trx,
          id,
          patch.participants.map((p) => ({ userId: p.userId, role: p.role ?? 'participant' })),
        );
      if (patch.serviceIds !== undefined) await replaceServices(trx, id, patch.serviceIds);
      if (patch.injects !== undefined) await replaceScript(trx, id, sortScript(patch.injects), actor, now);
      if (patch.expectedActions !== undefined) await replaceActions(trx, id, patch.expectedActions, now);
      const fields = Object.keys(patch);
      await addGamedayEvent(
        trx,
        id,
        { kind: 'updated', actorLabel: actor.label, body: `Changed: ${fields.join(', ')}.`, details: { fields } },
        now,
      );
      // The reminder's key holds the time, so only a real move re-schedules it (a PATCH repeating the time, or a
      // client that round-trips it, must not remind everyone twice).
      if (
        (patch.scheduledAt !== undefined && patch.scheduledAt !== g.scheduledAt) ||
        (patch.recurrence !== undefined && patch.recurrence !== g.recurrence) ||
        (patch.durationMinutes !== undefined && patch.durationMinutes !== g.durationMinutes)
      ) {
        await scheduleJobs(trx, this.deps.db.engine, (await findGameday(trx, id))!, now);
      }
      await recordAudit(trx, actor, 'gameday.updated', { type: 'gameday', id }, { fields }, now);
    });
    return this.get(actor, id);
  }

  async cancel(actor: Actor, id: string) {
    await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status !== 'scheduled') throw wrongStatus(g, 'be cancelled (only a scheduled one can)');
      await trx.updateTable('gamedays').set({ status: 'cancelled', updatedAt: now }).where('id', '=', id).execute();
      await addGamedayEvent(trx, id, { kind: 'cancelled', actorLabel: actor.label, body: 'Cancelled.' }, now);
      await ensureNext(trx, this.deps.db.engine, g, now);
      await this.hooks.onStop(trx, id, 'cancelled', now);
      await recordAudit(trx, actor, 'gameday.cancelled', { type: 'gameday', id }, {}, now);
    });
    return this.get(actor, id);
  }

  // ---- running ----------------------------------------------------------------------------------------------------------

  /** Open the drill room: declare the drill incident, enqueue the injects at their offsets and (hooks.onStart) the
   * failure injection's start. */
  async start(actor: Actor, id: string) {
    const incidentId = await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status !== 'scheduled') throw wrongStatus(g, 'start (it has already run or was cancelled)');
      const engine = this.deps.db.engine;
      const serviceIds = await listServiceIds(trx, id);
      const summary = [
        `This is a drill (game day ${g.id}), not a real incident.`,
        g.scenario ? `Scenario: ${g.scenario}` : '',
        g.hypothesis ? `Hypothesis: ${g.hypothesis}` : '',
      ]
        .filter(Boolean)
        .join('\n\n');
      const incidentId = await declareIn(
        trx,
        engine,
        actor,
        {
          title: `DRILL: ${g.title}`.slice(0, 300),
          summary,
          severity: isOneOf(SEVERITIES, g.severity) ? g.severity : 'P2',
          serviceIds,
          kind: 'drill',
        },
        now,
      );
      await trx
        .updateTable('gamedays')
        .set({ status: 'running', incidentId, startedAt: now, updatedAt: now })
        .where('id', '=', id)
        .execute();
      await appendEvent(
        trx,
        engine,
        incidentId,
        {
          kind: 'gameday_started',
          actorUserId: actor.userId,
          actorLabel: actor.label,
          body: `Game day started: ${g.title}. This is a DRILL — respond as you would to a real incident.`,
          details: { gamedayId: id, mode: g.mode },
        },
        now,
      );
      for (const inject of await listInjects(trx, id)) {
        if (inject.status !== 'pending') continue;
        await enqueueInject(trx, engine, id, inject.id, now + inject.offsetSeconds * 1000, now);
      }
      await addGamedayEvent(
        trx,
        id,
        { kind: 'started', actorLabel: actor.label, body: 'Started: the drill room is open.', details: { incidentId } },
        now,
      );
      await this.deps.chat?.declared(trx, engine, incidentId, now);
      await this.deps.onDeclared?.(trx, engine, incidentId, now);
      await this.hooks.onStart(trx, id, now);
      await recordAudit(trx, actor, 'gameday.started', { type: 'gameday', id }, { incidentId }, now);
      return incidentId;
    });
    this.poke(incidentId);
    return this.get(actor, id);
  }

  /**
   * An inject added by the facilitator: while running, posted at `offsetSeconds` after the start (now when that has
   * passed or none is given); before the start, added to the script.
   */
  async addInject(actor: Actor, id: string, input: { body: string; offsetSeconds?: number | undefined }) {
    const problems = injectProblems([{ offsetSeconds: input.offsetSeconds ?? 0, body: input.body }]).map((p) => ({
      ...p,
      field: p.field.replace('injects/0/', ''),
    }));
    if (problems.length) throw validationError(problems);
    const incidentId = await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status !== 'scheduled' && g.status !== 'running') throw wrongStatus(g, 'take injects');
      const running = g.status === 'running' && g.startedAt !== null;
      const elapsed = running ? Math.max(0, Math.floor((now - g.startedAt!) / 1000)) : 0;
      const offsetSeconds = Math.min(MAX_OFFSET_SECONDS, input.offsetSeconds ?? elapsed);
      const last = await trx
        .selectFrom('gamedayInjects')
        .select((eb) => eb.fn.max('position').as('p'))
        .where('gamedayId', '=', id)
        .executeTakeFirst();
      const injectId = newId('gdi', now);
      await trx
        .insertInto('gamedayInjects')
        .values({
          id: injectId,
          gamedayId: id,
          position: Number(last?.p ?? -1) + 1,
          offsetSeconds,
          body: input.body.trim(),
          status: 'pending',
          deliveredAt: null,
          addedLive: running ? 1 : 0,
          createdByLabel: actor.label,
          createdAt: now,
        })
        .execute();
      if (running) {
        await enqueueInject(
          trx,
          this.deps.db.engine,
          id,
          injectId,
          Math.max(now, g.startedAt! + offsetSeconds * 1000),
          now,
        );
      }
      await addGamedayEvent(
        trx,
        id,
        {
          kind: 'inject_added',
          actorLabel: actor.label,
          // Said apart from its delivery ("Posted in the drill room: …"), which would otherwise read as a duplicate.
          body: `Inject added${running ? ' live' : ''} (+${Math.floor(offsetSeconds / 60)} min): ${input.body.trim()}`,
          details: { injectId, offsetSeconds, live: running },
        },
        now,
      );
      return running ? g.incidentId : null;
    });
    this.poke(incidentId);
    return this.get(actor, id);
  }

  async markAction(actor: Actor, id: string, actionId: string, outcome: ActionOutcome) {
    await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status === 'cancelled') throw wrongStatus(g, 'have its actions marked');
      const a = await trx
        .selectFrom('gamedayExpectedActions')
        .selectAll()
        .where('id', '=', actionId)
        .where('gamedayId', '=', id)
        .executeTakeFirst();
      if (!a)
        throw validationError([{ field: 'actionId', message: `no expected action ${actionId} in this game day` }]);
      const pending = outcome === 'pending';
      await trx
        .updateTable('gamedayExpectedActions')
        .set({ outcome, markedAt: pending ? null : now, markedByLabel: pending ? null : actor.label })
        .where('id', '=', actionId)
        .execute();
      await addGamedayEvent(
        trx,
        id,
        {
          kind: 'action_marked',
          actorLabel: actor.label,
          body: `${a.body}: ${outcome}`,
          details: {
            actionId,
            outcome,
            elapsedSeconds: g.startedAt !== null ? Math.round((now - g.startedAt) / 1000) : null,
          },
        },
        now,
      );
    });
    return this.get(actor, id);
  }

  /** Skip pending injects; note the stop on the drill incident's timeline. */
  private async stopIn(trx: Executor, g: GamedayRow, now: number, label: string, kind: string, body: string) {
    await trx
      .updateTable('gamedayInjects')
      .set({ status: 'skipped' })
      .where('gamedayId', '=', g.id)
      .where('status', '=', 'pending')
      .execute();
    if (!g.incidentId) return null;
    const incident = await lockIncident(trx, this.deps.db.engine, g.incidentId);
    if (!incident) return null;
    await appendEvent(
      trx,
      this.deps.db.engine,
      incident.id,
      {
        kind,
        actorUserId: null,
        actorLabel: label,
        body,
        details: { gamedayId: g.id },
        isFlagged: kind === 'gameday_halted',
      },
      now,
    );
    return incident;
  }

  /** Stop the drill: why goes on both timelines, pending injects are skipped; hooks.onStop enqueues the rollback. */
  async halt(actor: Actor | 'system', id: string, reason: HaltReason) {
    if (reason.detail.length > 2000)
      throw validationError([{ field: 'reason/detail', message: 'at most 2000 characters' }]);
    const incidentId = await this.mutate(actor, id, async (trx, g, now, who) => {
      if (g.status !== 'running') throw wrongStatus(g, 'be halted (only a running one can)');
      const label = who?.label ?? 'Muster';
      const text = haltText(reason.kind, reason.detail);
      await trx
        .updateTable('gamedays')
        .set({ status: 'halted', haltedAt: now, haltReason: text, updatedAt: now })
        .where('id', '=', id)
        .execute();
      await addGamedayEvent(
        trx,
        id,
        { kind: 'halted', actorLabel: label, body: text, details: { kind: reason.kind, detail: reason.detail } },
        now,
      );
      const incident = await this.stopIn(trx, g, now, label, 'gameday_halted', `Drill halted. ${text}`);
      await this.hooks.onStop(trx, id, 'halted', now);
      if (who) await recordAudit(trx, who, 'gameday.halted', { type: 'gameday', id }, { kind: reason.kind }, now);
      return incident?.id ?? null;
    });
    this.poke(incidentId);
    return this.get(null, id);
  }

  /** End the drill: pending injects skipped, the drill incident resolved; hooks.onStop enqueues the rollback. */
  async end(actor: Actor, id: string, input: { hypothesisOutcome?: HypothesisOutcome | undefined } = {}) {
    const incidentId = await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status !== 'running' && g.status !== 'halted') throw wrongStatus(g, 'end (it is not running)');
      await trx
        .updateTable('gamedays')
        .set({
          status: 'ended',
          endedAt: now,
          hypothesisOutcome: input.hypothesisOutcome ?? g.hypothesisOutcome,
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      const outcome = input.hypothesisOutcome ? ` Hypothesis ${input.hypothesisOutcome}.` : '';
      await addGamedayEvent(
        trx,
        id,
        {
          kind: 'ended',
          actorLabel: actor.label,
          body: `Ended.${outcome}`,
          details: { hypothesisOutcome: input.hypothesisOutcome ?? null },
        },
        now,
      );
      const incident = await this.stopIn(
        trx,
        g,
        now,
        actor.label,
        'gameday_ended',
        `Game day ended.${outcome} This was a drill.`,
      );
      if (incident && incident.status !== 'resolved') {
        const c: Ctx = { trx, engine: this.deps.db.engine, incident, actor, now };
        await changeStatus(c, { status: 'resolved', message: 'The game day ended.' });
      }
      await ensureNext(trx, this.deps.db.engine, g, now);
      await this.hooks.onStop(trx, id, 'ended', now);
      await recordAudit(
        trx,
        actor,
        'gameday.ended',
        { type: 'gameday', id },
        { hypothesisOutcome: input.hypothesisOutcome ?? null },
        now,
      );
      return incident?.id ?? null;
    });
    this.poke(incidentId);
    return this.get(actor, id);
  }

  /** The debrief: the drill incident's post-mortem with the game day template, owned by the facilitator (idempotent). */
  async debrief(actor: Actor, id: string): Promise<{ postmortemId: string; created: boolean }> {
    return this.mutate(actor, id, async (trx, g, now) => {
      if (!g.incidentId) throw wrongStatus(g, 'be debriefed before it has started');
      const r = await createIn(trx, this.deps.db.engine, {
        incidentId: g.incidentId,
        templateId: DEBRIEF_TEMPLATE_ID,
        ownerUserId: g.facilitatorUserId,
        actor,
        now,
      });
      if (r.created) {
        await addGamedayEvent(
          trx,
          id,
          {
            kind: 'debrief_started',
            actorLabel: actor.label,
            body: 'Debrief started.',
            details: { postmortemId: r.id },
          },
          now,
        );
      }
      return { postmortemId: r.id, created: r.created };
    });
  }

  // ---- measures -----------------------------------------------------------------------------------------------------

  private async figuresOf(ex: Executor, g: GamedayRow): Promise<Figures | null> {
    if (!g.incidentId || g.startedAt === null) return null;
    const incidentId = g.incidentId;
    const startedAt = g.startedAt;
    const [incident, events, checklist, roles, actions, serviceIds] = await Promise.all([
      ex.selectFrom('incidents').select(['mitigatedAt']).where('id', '=', incidentId).executeTakeFirst(),
      ex
        .selectFrom('incidentEvents')
        .select(['kind', 'at'])
        .where('incidentId', '=', incidentId)
        .where('kind', '=', 'alert_acknowledged')
        .execute(),
      ex.selectFrom('incidentChecklist').select(['step', 'doneAt']).where('incidentId', '=', incidentId).execute(),
      ex.selectFrom('roleAssignments').select(['role', 'userId']).where('incidentId', '=', incidentId).execute(),
      listActions(ex, g.id),
      listServiceIds(ex, g.id),
    ]);
    if (!incident) return null;
    let drillAlertAckAt: number | null = null;
    if (serviceIds.length) {
      const until = g.endedAt ?? g.haltedAt ?? this.now();
      const a = await ex
        .selectFrom('alerts')
        .select((eb) => eb.fn.min('acknowledgedAt').as('at'))
        .where('isDrill', '=', 1)
        .where('serviceId', 'in', serviceIds)
        .where('firstSeenAt', '>=', startedAt)
        .where('firstSeenAt', '<=', until)
        .where('acknowledgedAt', 'is not', null)
        .executeTakeFirst();
      drillAlertAckAt = a?.at === null || a?.at === undefined ? null : Number(a.at);
    }
    // Ending the game day resolves its drill incident, which sets mitigatedAt when the team had not: that is the
    // facilitator stopping the drill, not the team mitigating, so it does not count.
    const stoppedAt = g.haltedAt ?? g.endedAt;
    const mitigatedAt = incident.mitigatedAt === null ? null : Number(incident.mitigatedAt);
    return figures({
      startedAt,
      mitigatedAt: mitigatedAt !== null && stoppedAt !== null && mitigatedAt >= stoppedAt ? null : mitigatedAt,
      events: events.map((e) => ({ kind: e.kind, at: Number(e.at) })),
      checklist: checklist.map((c) => ({ step: c.step, doneAt: c.doneAt === null ? null : Number(c.doneAt) })),
      roleAssignments: roles,
      actions,
      drillAlertAckAt,
    });
  }

  /**
   * How the people responded (item 6): this drill's figures, the team's earlier drills' (up to 10, newest first), and
   * the team's real incidents of the same severity over the last 90 days (MTTA, time to mitigate: insights).
   */
  async measure(_actor: Actor, id: string) {
    const ex = this.ex;
    const g = await findGameday(ex, id);
    if (!g) throw gamedayNotFound(id);
    const own = await this.figuresOf(ex, g);
    const empty: Figures = {
      timeToAcknowledge: null,
      timeToSeverity: null,
      timeToRoles: null,
      timeToRecentChanges: null,
      timeToMitigate: null,
      checklist: { done: 0, total: 0 },
      rolesHeldByDifferentPeople: null,
      actions: { done: 0, missed: 0, pending: 0 },
    };
    const earlierRows =
      g.startedAt === null
        ? await ex
            .selectFrom('gamedays')
            .selectAll()
            .where('teamId', '=', g.teamId)
            .where('startedAt', 'is not', null)
            .where('id', '!=', g.id)
            .orderBy('startedAt', 'desc')
            .limit(10)
            .execute()
        : await ex
            .selectFrom('gamedays')
            .selectAll()
            .where('teamId', '=', g.teamId)
            .where('startedAt', '<', g.startedAt)
            .where('id', '!=', g.id)
            .orderBy('startedAt', 'desc')
            .limit(10)
            .execute();
    const earlierDrills = [];
    for (const e of earlierRows) {
      const f = await this.figuresOf(ex, e);
      if (f)
        earlierDrills.push({
          gamedayId: e.id,
          title: e.title,
          startedAt: toIso(e.startedAt!),
          severity: e.severity,
          ...f,
        });
    }
    const resolved = await this.insights.resolve({ teamId: g.teamId, severity: g.severity, to: this.now() });
    const real = metricStats(await this.insights.load(resolved));
    const realIncidents: { severity: string; from: string; to: string; mtta: Stats; mttm: Stats } = {
      severity: g.severity,
      from: toIso(resolved.from),
      to: toIso(resolved.to),
      mtta: real.mtta,
      mttm: real.mttm,
    };
    return {
      gamedayId: g.id,
      startedAt: toIsoOrNull(g.startedAt),
      ...(own ?? empty),
      earlierDrills,
      realIncidents,
    };
  }
}

function parseConfig(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

const fullUrl = (url: string): string => url;
/** scheme://host[:port] of a URL: what a reader who may not act on a game day sees of the URLs it calls. */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '';
  }
}
