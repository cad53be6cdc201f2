import type { Db, Executor } from '../db/index.js';
import { sql } from 'kysely';
import { decodeCursor, pageOf } from '../shared/cursor.js';
import { forbidden, validationError } from '../shared/errors.js';
import { recordAudit, type Actor } from '../identity/index.js';
import { DAY, type Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import {
  canActOnIncident,
  canCommunicateIncident,
  isAnyResponder,
  notAnyResponder,
  notIncidentActor,
} from './access.js';
import * as activity from './activity.js';
import * as entries from './entries.js';
import * as bridgeCall from './bridge.js';
import { signal, type Ctx } from './context.js';
import { declareIn, type DeclareInput } from './declare.js';
import { incidentNotFound } from './errors.js';
import { noPaging, type IncidentPagingHook } from './jobs.js';
import * as lifecycle from './lifecycle.js';
import { LiveTimeline } from './live.js';
import {
  SEVERITIES,
  checklistView,
  incidentDurations,
  isIncidentStatus,
  meanDurations,
  meanStepTimes,
  milestoneOrderProblems,
  roleWarnings,
  type IncidentRole,
  type IncidentStatus,
  type Milestone,
  type Severity,
  type SeverityAssessment,
  type SeverityPolicy,
} from './model.js';
import * as changes from './recent-changes.js';
import {
  currentRoles,
  findIncident,
  holderIds,
  listChecklist,
  listEvents,
  loadPolicy,
  lockIncident,
  savePolicy,
  toIncident,
  type TimelineEvent,
} from './repo.js';
import { assignRole, checkDoubleCommand, roleHistory, unassignRole } from './roles.js';
import { doubleBookedWarnings, type DoubleBookedWarning } from './engagements.js';
import type { Incident } from './model.js';
import { MILESTONES } from './model.js';

/**
 * A chat integration (src/chat) follows incidents through this hook, inside the change's transaction, so whatever it
 * enqueues commits with the change.
 */
export interface IncidentChatHook {
  declared(trx: Executor, engine: Db['engine'], incidentId: string, now: number): Promise<void>;
  changed(trx: Executor, engine: Db['engine'], incidentId: string, now: number): Promise<void>;
}

export interface IncidentDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  paging?: IncidentPagingHook;
  chat?: IncidentChatHook;
  /**
   * Called inside the transaction that resolves an incident (post-mortems enqueue their creation there: src/server.ts
   * injects it, so this domain does not import src/postmortems).
   */
  onResolved?: (trx: Executor, engine: Db['engine'], incidentId: string, now: number) => Promise<void>;
  /**
   * Called inside the transaction that declares an incident, and in the one that first sets one of its milestones
   * (automation rules enqueue their evaluation there: src/server.ts injects them; this domain does not import
   * src/automation).
   */
  onDeclared?: (trx: Executor, engine: Db['engine'], incidentId: string, now: number) => Promise<void>;
  onMilestoneReached?: (
    trx: Executor,
    engine: Db['engine'],
    incidentId: string,
    milestone: Milestone,
    now: number,
  ) => Promise<void>;
}

export interface ListFilter {
  status?: 'open' | 'all' | IncidentStatus | undefined;
  severity?: Severity | undefined;
  serviceId?: string | undefined;
  limit: number;
  /** A page's `next` (keyset pagination, docs/incidents.md "Listing"). */
  cursor?: string | undefined;
  /** An incident id: the incidents declared before it (the older form of cursor). */
  before?: string | undefined;
}

/** The incident list's name inside its cursors. */
const INCIDENT_LIST = 'incidents';

export type IncidentDetail = Awaited<ReturnType<IncidentService['get']>>;

export class IncidentService {
  readonly live: LiveTimeline;
  readonly paging: IncidentPagingHook;

  constructor(private readonly deps: IncidentDeps) {
    this.live = new LiveTimeline({ db: deps.db, log: deps.log.child({ component: 'incident-rooms' }) });
    this.paging = deps.paging ?? noPaging;
  }

  private now(): number {
    return this.deps.clock.now();
  }

  /**
   * One change: transaction, incident row locked, the actor checked (src/incidents/access.ts; `reading` skips it for
   * what any reader may record, such as joining the room), fn; after the commit, nudge the room in this process.
   */
  private async mutate<T>(
    actor: Actor,
    id: string,
    fn: (c: Ctx) => Promise<T>,
    opts: { reading?: boolean } = {},
  ): Promise<T> {
    const now = this.now();
    const { engine } = this.deps.db;
    const out = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const incident = await lockIncident(trx, engine, id);
      if (!incident) throw incidentNotFound(id);
      if (!opts.reading && !(await canActOnIncident(trx, actor, id))) throw notIncidentActor();
      const result = await fn({ trx, engine, incident, actor, now });
      await this.deps.chat?.changed(trx, engine, id, now);
      return result;
    });
    this.live.poke(id);
    return out;
  }

  /**
   * A status update posted by Muster itself inside another domain's transaction (an automation rule's job): the same
   * change a person's update makes (the timeline event, the audit, the chat mirror), without the person's check. The
   * caller pokes the room (`live.poke`) after its commit. Null when the incident is gone.
   */
  async postStatusUpdateIn(
    trx: Executor,
    actor: Actor,
    id: string,
    message: string,
    now: number,
  ): Promise<TimelineEvent | null> {
    const { engine } = this.deps.db;
    const incident = await lockIncident(trx, engine, id);
    if (!incident) return null;
    const e = await activity.postStatusUpdate({ trx, engine, incident, actor, now }, message);
    await this.deps.chat?.changed(trx, engine, id, now);
    return e;
  }

  /** Whether the actor may act on the incident (null: no such incident). The HTTP layer asks before parsing. */
  canAct(actor: Actor, id: string): Promise<boolean | null> {
    return canActOnIncident(this.deps.db.kysely, actor, id);
  }

  /** Whether the actor may tell the public about the incident: its Communications Lead, Commander, administrators. */
  canCommunicate(actor: Actor, id: string): Promise<boolean | null> {
    return canCommunicateIncident(this.deps.db.kysely, actor, id);
  }

  async declare(actor: Actor, input: DeclareInput) {
    const now = this.now();
    const id = await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await isAnyResponder(trx, actor))) throw notAnyResponder();
      const declared = await declareIn(trx, this.deps.db.engine, actor, input, now);
      await this.deps.chat?.declared(trx, this.deps.db.engine, declared, now);
      await this.deps.onDeclared?.(trx, this.deps.db.engine, declared, now);
      return declared;
    });
    this.live.poke(id);
    return this.get(id);
  }

  async get(id: string) {
    return this.detail(this.deps.db.kysely, id);
  }

  private async detail(ex: Executor, id: string) {
    const row = await findIncident(ex, id);
    if (!row) throw incidentNotFound(id);
    const [services, alerts, roles, history, checklist, tasks, participants, policy] = await Promise.all([
      ex
        .selectFrom('incidentServices')
        .innerJoin('services', 'services.id', 'incidentServices.serviceId')
        .select(['services.id', 'services.name', 'services.slug'])
        .where('incidentServices.incidentId', '=', id)
        .orderBy('services.name')
        .execute(),
      ex
        .selectFrom('incidentAlerts')
        .innerJoin('alerts', 'alerts.id', 'incidentAlerts.alertId')
        .select(['alerts.id', 'alerts.summary', 'alerts.status', 'alerts.serviceId', 'incidentAlerts.linkedAt'])
        .where('incidentAlerts.incidentId', '=', id)
        .orderBy('incidentAlerts.linkedAt')
        .execute(),
      currentRoles(ex, id),
      roleHistory(ex, id),
      listChecklist(ex, id),
      activity.listTasks(ex, id),
      activity.listParticipants(ex, id),
      loadPolicy(ex, row.severity),
    ]);
    const warnings = [
      ...roleWarnings(policy, holderIds(roles), row.status === 'resolved'),
      ...milestoneOrderProblems(row).map((m) => ({
        code: 'milestones_out_of_order',
        message: m,
        roles: [] as IncidentRole[],
      })),
    ];
    return {
      incident: row,
      services,
      alerts,
      roles,
      roleHistory: history,
      checklist: checklistView(row.declaredAt, checklist),
      tasks,
      participants,
      policy,
      warnings,
      metrics: incidentDurations(row),
    };
  }

  /**
   * A page of incidents, newest declared first by `(declared_at, id)`, keyset-paginated (migration 0043): a page
   * resumes after the previous page's last row, so a deep page costs what the first does and ties on the timestamp
   * are ordered by id.
   */
  async list(filter: ListFilter): Promise<{ incidents: Incident[]; next: string | null }> {
    const db = this.deps.db.kysely;
    let after = filter.cursor !== undefined ? decodeCursor(INCIDENT_LIST, filter.cursor) : undefined;
    if (!after && filter.before !== undefined) {
      const row = await db
        .selectFrom('incidents')
        .select(['id', 'declaredAt'])
        .where('id', '=', filter.before)
        .executeTakeFirst();
      if (!row)
        throw validationError([{ field: 'before', message: "names no incident: pass a page's next as cursor" }]);
      after = { at: row.declaredAt, id: row.id };
    }
    let q = db
      .selectFrom('incidents')
      .selectAll('incidents')
      .orderBy('incidents.declaredAt', 'desc')
      .orderBy('incidents.id', 'desc')
      .limit(filter.limit + 1);
    const status = filter.status ?? 'all';
    // Written as the partial index of 0043 is (a literal, not a parameter), so both planners can use it.
    if (status === 'open') q = q.where(sql<boolean>`incidents.status <> 'resolved'`);
    else if (isIncidentStatus(status)) q = q.where('incidents.status', '=', status);
    if (filter.severity) q = q.where('incidents.severity', '=', filter.severity);
    if (after) {
      const { at, id } = after;
      q = q.where(sql<boolean>`(incidents.declared_at, incidents.id) < (${at}, ${id})`);
    }
    if (filter.serviceId) {
      const sid = filter.serviceId;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('incidentServices')
            .select('incidentServices.incidentId')
            .whereRef('incidentServices.incidentId', '=', 'incidents.id')
            .where('incidentServices.serviceId', '=', sid),
        ),
      );
    }
    const page = pageOf(INCIDENT_LIST, (await q.execute()).map(toIncident), filter.limit, (i) => ({
      at: i.declaredAt,
      id: i.id,
    }));
    return { incidents: page.items, next: page.next };
  }

  async update(actor: Actor, id: string, patch: { title?: string | undefined; summary?: string | undefined }) {
    await this.mutate(actor, id, (c) => lifecycle.updateDetails(c, patch));
    return this.get(id);
  }

  async setSeverity(
    actor: Actor,
    id: string,
    input: { severity: Severity; reason: string; assessment?: SeverityAssessment | undefined },
  ) {
    const extra = await this.mutate(actor, id, async (c) => {
      const out = await lifecycle.changeSeverity(c, input);
      await checkDoubleCommand(c);
      return out;
    });
    return this.withWarnings(id, extra);
  }

  async setStatus(actor: Actor, id: string, input: { status: IncidentStatus; message?: string | undefined }) {
    await this.mutate(actor, id, async (c) => {
      const before = { ...c.incident };
      await lifecycle.changeStatus(c, input);
      if (input.status === 'resolved') await this.deps.onResolved?.(c.trx, c.engine, id, c.now);
      await this.milestonesReached(c, before);
    });
    return this.get(id);
  }

  async setMilestone(actor: Actor, id: string, input: { milestone: Milestone; at: number | null; reason: string }) {
    await this.mutate(actor, id, async (c) => {
      const before = { ...c.incident };
      await lifecycle.changeMilestone(c, input);
      await this.milestonesReached(c, before);
    });
    return this.get(id);
  }

  /** Tell onMilestoneReached about each milestone this change set where there was none. */
  private async milestonesReached(c: Ctx, before: Incident): Promise<void> {
    if (!this.deps.onMilestoneReached) return;
    const after = await findIncident(c.trx, c.incident.id);
    if (!after) return;
    for (const m of MILESTONES) {
      if (before[m] === null && after[m] !== null)
        await this.deps.onMilestoneReached(c.trx, c.engine, after.id, m, c.now);
    }
  }

  async acknowledge(actor: Actor, id: string) {
    await this.mutate(actor, id, async (c) => {
      const before = { ...c.incident };
      await lifecycle.acknowledge(c);
      await this.milestonesReached(c, before);
    });
    return this.get(id);
  }

  /**
   * Assign a role. Where the severity policy requires distinct roles, a second role for the same person is refused
   * (409 roles_not_distinct) unless `overrideReason` is given. The answer warns when the person is already engaged in
   * another open incident (`double_booked`).
   */
  async assignRole(
    actor: Actor,
    id: string,
    role: IncidentRole,
    userId: string,
    opts: { overrideReason?: string | undefined } = {},
  ) {
    const booked = await this.mutate(actor, id, async (c) => {
      const { user } = await assignRole(c, role, userId, opts);
      return doubleBookedWarnings(c.trx, [{ userId: user.id, name: user.name }], id);
    });
    const d = await this.get(id);
    return { ...d, warnings: [...d.warnings, ...booked] };
  }

  /** `double_booked` warnings for these people, from the point of view of this incident (docs/people-health.md). */
  async doubleBooked(id: string, userIds: string[]): Promise<DoubleBookedWarning[]> {
    if (!userIds.length) return [];
    const ex = this.deps.db.kysely;
    const people = await ex.selectFrom('users').select(['id as userId', 'name']).where('id', 'in', userIds).execute();
    return doubleBookedWarnings(ex, people, id);
  }

  async unassignRole(actor: Actor, id: string, role: IncidentRole) {
    await this.mutate(actor, id, (c) => unassignRole(c, role));
    return this.get(id);
  }

  private async withWarnings(id: string, extra: { code: string; message: string }[]) {
    const d = await this.get(id);
    return { ...d, warnings: [...d.warnings, ...extra.map((w) => ({ ...w, roles: [] as IncidentRole[] }))] };
  }

  /** `details` marks where a note came from (e.g. `{ source: 'slack' }`, which the chat mirror does not echo). */
  addNote(actor: Actor, id: string, text: string, details?: Record<string, unknown>): Promise<TimelineEvent> {
    // A note mirrored from the incident's Slack channel: the channel's membership is its access control.
    const fromSlack = details?.source === 'slack';
    return this.mutate(actor, id, (c) => activity.addNote(c, text, details), { reading: fromSlack });
  }

  postStatusUpdate(actor: Actor, id: string, message: string): Promise<TimelineEvent> {
    return this.mutate(actor, id, (c) => activity.postStatusUpdate(c, message));
  }

  addTask(actor: Actor, id: string, input: { title: string; assigneeUserId?: string | null | undefined }) {
    return this.mutate(actor, id, (c) =>
      activity.addTask(c, { title: input.title, assigneeUserId: input.assigneeUserId ?? null }),
    );
  }

  updateTask(
    actor: Actor,
    id: string,
    taskId: string,
    patch: { title?: string; assigneeUserId?: string | null; isDone?: boolean },
  ) {
    return this.mutate(actor, id, (c) => activity.updateTask(c, taskId, patch));
  }

  /** The incident's bridge call (null: none). */
  async bridge(id: string): Promise<bridgeCall.IncidentBridge | null> {
    const ex = this.deps.db.kysely;
    if (!(await findIncident(ex, id))) throw incidentNotFound(id);
    return bridgeCall.incidentBridge(ex, id);
  }

  /** Set (or, with null, remove) the incident's bridge call from the room. */
  setBridge(actor: Actor, id: string, input: { url: string; dialIn?: string | undefined } | null) {
    return this.mutate(actor, id, (c) => bridgeCall.setIncidentBridge(c, input));
  }

  /** "Join the bridge" in the room: on the timeline once per person; ticks "open the incident channel". */
  joinBridge(actor: Actor, id: string): Promise<boolean> {
    return this.mutate(actor, id, (c) => bridgeCall.joinBridge(c), { reading: true });
  }

  /** A typed room entry: hypothesis (with its owner and task), ruled out, finding or decision (src/incidents/entries.ts). */
  addEntry(
    actor: Actor,
    id: string,
    input: {
      type: entries.EntryType;
      text: string;
      evidenceUrl?: string | null | undefined;
      ownerUserId?: string | null | undefined;
    },
  ): Promise<entries.Entry> {
    return this.mutate(actor, id, (c) =>
      entries.addEntry(c, {
        type: input.type,
        text: input.text,
        evidenceUrl: input.evidenceUrl ?? null,
        ownerUserId: input.ownerUserId ?? null,
      }),
    );
  }

  /** Rule a hypothesis out, confirm it (a finding) or hand it to someone else: its owner, the IC or the TL. */
  updateEntry(
    actor: Actor,
    id: string,
    entryId: string,
    patch: {
      outcome?: 'ruled_out' | 'confirmed' | undefined;
      note?: string | null | undefined;
      evidenceUrl?: string | null | undefined;
      ownerUserId?: string | undefined;
    },
  ): Promise<entries.Entry> {
    return this.mutate(actor, id, async (c) => {
      let out: entries.Entry | null = null;
      if (patch.ownerUserId !== undefined) out = await entries.reassignHypothesis(c, entryId, patch.ownerUserId);
      if (patch.outcome !== undefined)
        out = await entries.closeHypothesis(c, entryId, {
          outcome: patch.outcome,
          note: patch.note ?? null,
          evidenceUrl: patch.evidenceUrl ?? null,
        });
      return out ?? entries.getEntry(c.trx, id, entryId);
    });
  }

  async listEntries(id: string, type?: entries.EntryType): Promise<entries.Entry[]> {
    if (!(await findIncident(this.deps.db.kysely, id))) throw incidentNotFound(id);
    return entries.listEntries(this.deps.db.kysely, id, { type });
  }

  /** Record that a person is in the room (opened the stream or joined). Returns whether it was their first join. */
  join(actor: Actor, id: string, via: 'stream' | 'join'): Promise<boolean> {
    return this.mutate(actor, id, (c) => activity.join(c, via), { reading: true });
  }

  async addService(actor: Actor, id: string, serviceIdOrSlug: string) {
    await this.mutate(actor, id, (c) => activity.addService(c, serviceIdOrSlug));
    return this.get(id);
  }

  async removeService(actor: Actor, id: string, serviceId: string) {
    await this.mutate(actor, id, (c) => activity.removeService(c, serviceId));
    return this.get(id);
  }

  async linkAlert(actor: Actor, id: string, alertId: string) {
    await this.mutate(actor, id, (c) => activity.linkAlert(c, alertId));
    return this.get(id);
  }

  async timeline(
    id: string,
    opts: { afterSeq?: number; limit?: number; kinds?: string[] | undefined } = {},
  ): Promise<TimelineEvent[]> {
    if (!(await findIncident(this.deps.db.kysely, id))) throw incidentNotFound(id);
    return listEvents(this.deps.db.kysely, id, opts);
  }

  /** Ranked recent changes; looking at them ticks "check recent changes" for the viewer. */
  async recentChanges(actor: Actor, id: string, windowMinutes?: number) {
    const windowMs = changes.clampWindowMs(windowMinutes);
    return this.mutate(
      actor,
      id,
      async (c) => {
        if (actor.userId) await signal(c, { kind: 'changes_viewed' });
        return changes.recentChanges(c.trx, c.incident, windowMs, c.now);
      },
      { reading: true },
    );
  }

  async suspectChange(actor: Actor, id: string, changeId: string, note?: string) {
    await this.mutate(actor, id, (c) => changes.suspectChange(c, changeId, note));
    return this.get(id);
  }

  async markChangesReviewed(actor: Actor, id: string, note?: string) {
    await this.mutate(actor, id, (c) => changes.markChangesReviewed(c, note));
    return this.get(id);
  }

  /**
   * MTTD, MTTA and MTTR over the incidents declared in [since, until], and the mean time from declaration to each
   * first-five-minutes step. Drills and per-team filters come with the metrics issue.
   */
  async metrics(filter: { since?: number | undefined; until?: number | undefined; severity?: Severity | undefined }) {
    const until = filter.until ?? this.now();
    const since = filter.since ?? until - 30 * DAY;
    let q = this.deps.db.kysely
      .selectFrom('incidents')
      .selectAll()
      .where('declaredAt', '>=', since)
      .where('declaredAt', '<=', until);
    if (filter.severity) q = q.where('severity', '=', filter.severity);
    const rows = (await q.execute()).map(toIncident);
    const ids = rows.map((r) => r.id);
    const steps = ids.length
      ? await this.deps.db.kysely
          .selectFrom('incidentChecklist')
          .innerJoin('incidents', 'incidents.id', 'incidentChecklist.incidentId')
          .select(['incidentChecklist.step', 'incidentChecklist.doneAt', 'incidents.declaredAt'])
          .where('incidentChecklist.incidentId', 'in', ids)
          .execute()
      : [];
    return { since, until, ...meanDurations(rows), checklist: meanStepTimes(steps) };
  }

  async policies(): Promise<SeverityPolicy[]> {
    return Promise.all(SEVERITIES.map((s) => loadPolicy(this.deps.db.kysely, s)));
  }

  async setPolicy(
    actor: Actor,
    severity: Severity,
    patch: Partial<Omit<SeverityPolicy, 'severity'>>,
  ): Promise<SeverityPolicy> {
    if (!actor.isAdmin) throw forbidden('Only administrators change severity policies.');
    const now = this.now();
    return this.deps.db.kysely.transaction().execute(async (trx) => {
      const next = { ...(await loadPolicy(trx, severity)), ...patch, severity };
      await savePolicy(trx, next, now);
      await recordAudit(
        trx,
        actor,
        'incident_policy.updated',
        { type: 'incident_policy', id: severity },
        { ...patch },
        now,
      );
      return next;
    });
  }
}
