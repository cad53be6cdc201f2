/**
 * "Add responders" from the incident room (issue 22, item 2): page another escalation policy, a schedule or a person
 * with a message and the incident's context (title, severity, room link, bridge). Each target is one request, stepped
 * like an alert's escalation run (runs.ts): the policy is snapshotted when asked (a schedule or a person is a policy of
 * one level, re-paged twice), each step plans through `planStepAt` (the same planner, on-call resolution and skips),
 * pages through `notifyUser` (durable deliveries, claimed, sent and recorded after the commit), and schedules the next
 * level as a fenced job (`incidents.responderStep`, `generation` the fence). The people paged answer in the room (the
 * page links to it): acknowledged stops the escalation; "can't help" from everyone paged moves a policy on to its next
 * level at once, or ends the request as declined. Every step and answer goes on the incident's timeline.
 */
import type { Db, Executor } from '../db/index.js';
import type { IncidentResponderRequestsTable } from '../db/schema.js';
import type { Actor } from '../identity/index.js';
import { recordAudit } from '../identity/index.js';
import { appendEvent, canActOnIncident, incidentBridge, lockIncident, type Incident } from '../incidents/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import type { Clock } from '../shared/clock.js';
import { AppError, conflict, forbidden, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import type { PolicySnapshot } from './model.js';
import { incidentPageMessage } from './page-text.js';
import { planStepAt } from './plan.js';
import { snapshotOf, toPolicy } from './policies.js';

export const RESPONDER_STEP_JOB = 'incidents.responderStep';
export const RESPONDER_TARGET_TYPES = ['policy', 'schedule', 'user'] as const;
export type ResponderTargetType = (typeof RESPONDER_TARGET_TYPES)[number];
export type ResponderState = 'paged' | 'escalated' | 'acknowledged' | 'declined' | 'exhausted' | 'cancelled';
export const MAX_RESPONDER_TARGETS = 10;
export const MAX_RESPONDER_MESSAGE = 1000;
/** A schedule or a person is re-paged this many times, this many minutes apart, until someone answers. */
const SINGLE_TARGET_REPEAT = 2;
const SINGLE_TARGET_DELAY_MINUTES = 5;

type Row = IncidentResponderRequestsTable;

export interface ResponderStepPayload {
  requestId: string;
  generation: number;
}

export interface ResponderRequest {
  id: string;
  incidentId: string;
  target: { type: ResponderTargetType; id: string; name: string };
  message: string;
  state: ResponderState;
  paged: { userId: string; name: string; hasDeclined: boolean }[];
  requestedBy: { userId: string | null; label: string };
  respondedBy: { userId: string | null; label: string | null; at: number | null };
  nextStepAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ResponderDeps {
  db: Db;
  clock: Clock;
  notify: NotifyService;
  publicUrl: () => string;
  /** Nudge the incident's room viewers in this process after a commit (IncidentService.live.poke). */
  poke: (incidentId: string) => void;
}

const LIVE_STATES = ['paged', 'escalated'];

const engineOf = (db: Db): Db['engine'] => db.engine;

/** Whom a target names: an id, or a policy's or schedule's exact name, or a person's email. */
async function resolveTarget(
  trx: Executor,
  target: { type: ResponderTargetType; id: string },
  field: string,
): Promise<{ id: string; name: string; snapshot: PolicySnapshot }> {
  const single = (t: { type: 'user' | 'schedule'; id: string }, name: string): PolicySnapshot => ({
    policyId: '',
    name,
    repeat: SINGLE_TARGET_REPEAT,
    levels: [{ delayMinutes: SINGLE_TARGET_DELAY_MINUTES, targets: [t] }],
    workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
  });
  const key = target.id.trim();
  if (target.type === 'policy') {
    const row = await trx
      .selectFrom('escalationPolicies')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', key), eb('name', '=', key)]))
      .orderBy('id')
      .executeTakeFirst();
    if (!row) throw validationError([{ field, message: `no escalation policy with id or name ${key}` }]);
    return { id: row.id, name: row.name, snapshot: snapshotOf(toPolicy(row)) };
  }
  if (target.type === 'schedule') {
    const row = await trx
      .selectFrom('schedules')
      .select(['id', 'name'])
      .where((eb) => eb.or([eb('id', '=', key), eb('name', '=', key)]))
      .orderBy('id')
      .executeTakeFirst();
    if (!row) throw validationError([{ field, message: `no schedule with id or name ${key}` }]);
    return { id: row.id, name: row.name, snapshot: single({ type: 'schedule', id: row.id }, row.name) };
  }
  const user = await trx
    .selectFrom('users')
    .select(['id', 'name', 'disabledAt'])
    .where((eb) => eb.or([eb('id', '=', key), eb('email', '=', key.toLowerCase())]))
    .executeTakeFirst();
  if (!user || user.disabledAt !== null) throw validationError([{ field, message: `no active user ${key}` }]);
  return { id: user.id, name: user.name, snapshot: single({ type: 'user', id: user.id }, user.name) };
}

async function lockRequest(trx: Executor, db: Db, id: string): Promise<Row | undefined> {
  let q = trx.selectFrom('incidentResponderRequests').selectAll().where('id', '=', id);
  if (engineOf(db) === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

async function userNames(ex: Executor, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await ex.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

const targetLabel = (r: Pick<Row, 'targetType' | 'targetName'>): string =>
  r.targetType === 'policy'
    ? `the escalation policy ${r.targetName}`
    : r.targetType === 'schedule'
      ? `whoever is on call for ${r.targetName}`
      : r.targetName;

function toRequest(r: Row, names: Map<string, string>): ResponderRequest {
  const declined = new Set(fromJsonText<string[]>(r.declinedUserIds, []));
  return {
    id: r.id,
    incidentId: r.incidentId,
    target: { type: r.targetType as ResponderTargetType, id: r.targetId, name: r.targetName },
    message: r.message,
    state: r.state as ResponderState,
    paged: fromJsonText<string[]>(r.pagedUserIds, []).map((userId) => ({
      userId,
      name: names.get(userId) ?? 'a deleted user',
      hasDeclined: declined.has(userId),
    })),
    requestedBy: { userId: r.requestedByUserId, label: r.requestedByLabel },
    respondedBy: { userId: r.respondedByUserId, label: r.respondedByLabel, at: r.respondedAt },
    nextStepAt: r.nextStepAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/**
 * One step of a request, in the caller's transaction (which holds the incident lock): page the level due, schedule
 * the next. Stale (fence moved, answered, incident resolved) steps do nothing.
 */
export async function responderStep(
  deps: Pick<ResponderDeps, 'db' | 'notify' | 'publicUrl'>,
  trx: Executor,
  payload: ResponderStepPayload,
  now: number,
  incident: Incident,
): Promise<'stale' | 'paged' | 'exhausted' | 'cancelled'> {
  const req = await lockRequest(trx, deps.db, payload.requestId);
  if (!req || req.generation !== payload.generation || !LIVE_STATES.includes(req.state)) return 'stale';
  const engine = engineOf(deps.db);
  const muster = { actorUserId: null, actorLabel: 'Muster' };
  const update = (patch: Partial<Row>) =>
    trx
      .updateTable('incidentResponderRequests')
      .set({ generation: req.generation + 1, updatedAt: now, ...patch })
      .where('id', '=', req.id)
      .execute();
  if (incident.status === 'resolved') {
    await update({ state: 'cancelled', nextStepAt: null });
    return 'cancelled';
  }
  const snapshot = fromJsonText<PolicySnapshot | null>(req.snapshot, null);
  if (!snapshot) return 'stale';
  const paged = fromJsonText<string[]>(req.pagedUserIds, []);
  const declined = new Set(fromJsonText<string[]>(req.declinedUserIds, []));
  const { plan } = await planStepAt(trx, snapshot, { levelIndex: req.levelIndex, pass: req.pass }, now, 'high');
  const userIds = plan.kind === 'page' ? plan.page.userIds.filter((u) => !declined.has(u)) : [];
  if (plan.kind === 'page' && userIds.length === 0 && plan.next) {
    // Everyone this level would page has said they can't help: on to the level after it, now.
    await update({ levelIndex: plan.next.position.levelIndex, pass: plan.next.position.pass, nextStepAt: now });
    return responderStep(deps, trx, { requestId: req.id, generation: req.generation + 1 }, now, incident);
  }
  if (plan.kind !== 'page' || userIds.length === 0) {
    // Nobody left to page. Without anyone paged at all, the room hears it at once (flagged).
    if (paged.length === 0) {
      await update({ state: 'exhausted', nextStepAt: null });
      await appendEvent(
        trx,
        engine,
        req.incidentId,
        {
          ...muster,
          kind: 'responders_exhausted',
          body: `Nobody could be paged for ${targetLabel(req)}: nobody is on call.`,
          details: { requestId: req.id },
          isFlagged: true,
        },
        now,
      );
      return 'exhausted';
    }
    await update({ state: paged.every((u) => declined.has(u)) ? 'declined' : req.state, nextStepAt: null });
    return 'exhausted';
  }
  const bridge = await incidentBridge(trx, req.incidentId);
  const url = `${deps.publicUrl()}/incidents/${req.incidentId}?responder=${req.id}`;
  const message = incidentPageMessage({
    incident,
    headline: `${req.requestedByLabel} asks for your help (${incident.severity})`,
    lines: [
      ...(req.message ? [`"${req.message}"`, `— ${req.requestedByLabel}`] : [`Asked by ${req.requestedByLabel}.`]),
      `You are paged as ${targetLabel(req)}. Open the room to acknowledge, or to say you can't help.`,
    ],
    bridge,
    url,
  });
  for (const userId of userIds) {
    await deps.notify.notifyUser(
      trx,
      {
        userId,
        urgency: 'high',
        message: { ...message, responder: { requestId: req.id, incidentId: req.incidentId } },
        key: `responders:${req.id}:${req.generation}:${plan.page.pass}:${plan.page.levelIndex}:${userId}`,
      },
      now,
    );
  }
  const isEscalation = req.targetType === 'policy' && paged.length > 0;
  const allPaged = [...new Set([...paged, ...userIds])];
  const next = plan.next;
  await update({
    state: req.state === 'paged' && !isEscalation ? 'paged' : 'escalated',
    pagedUserIds: toJsonText(allPaged),
    levelIndex: next?.position.levelIndex ?? req.levelIndex,
    pass: next?.position.pass ?? req.pass,
    nextStepAt: next?.at ?? null,
  });
  if (next) {
    await enqueueJob(
      trx,
      engine,
      {
        kind: RESPONDER_STEP_JOB,
        payload: { requestId: req.id, generation: req.generation + 1 },
        runAt: next.at,
        uniqueKey: `${req.id}:${req.generation + 1}`,
      },
      now,
    );
  }
  if (userIds.length) {
    const names = await userNames(trx, userIds);
    const who = userIds.map((u) => names.get(u) ?? u).join(', ');
    await appendEvent(
      trx,
      engine,
      req.incidentId,
      {
        ...muster,
        kind: 'responders_paged',
        body:
          req.targetType === 'policy'
            ? `Paged ${who} (${req.targetName}, level ${plan.page.levelIndex + 1}${isEscalation ? ': escalated' : ''}).`
            : `Paged ${who} (${targetLabel(req)}${plan.page.pass > 0 ? ', again: no answer yet' : ''}).`,
        details: {
          requestId: req.id,
          userIds,
          levelIndex: plan.page.levelIndex,
          pass: plan.page.pass,
          isEscalation,
        },
      },
      now,
    );
  }
  return 'paged';
}

/**
 * Is a responder page still wanted? Checked in each delivery's claim transaction (NotifyService.setIsStillWanted,
 * wired in src/server.ts), as `isPageStillWanted` is for an alert's page: a later contact-rule step of a page goes
 * out only while the request is still paging (not acknowledged, declined, exhausted or cancelled), the incident is
 * not resolved, and this person has not said they can't help. On PostgreSQL it takes the incident's and the
 * request's locks in the order an answer takes them (`ResponderService.answer`: incident, then request), so an answer
 * that commits before the claim makes it skip, and one after it lets only that one send finish.
 */
export async function isResponderPageWanted(
  ex: Executor,
  engine: Db['engine'],
  requestId: string,
  userId: string,
): Promise<boolean> {
  const first = await ex
    .selectFrom('incidentResponderRequests')
    .select('incidentId')
    .where('id', '=', requestId)
    .executeTakeFirst();
  if (!first) return false;
  const incident = await lockIncident(ex, engine, first.incidentId);
  if (!incident || incident.status === 'resolved') return false;
  let q = ex.selectFrom('incidentResponderRequests').select(['state', 'declinedUserIds']).where('id', '=', requestId);
  if (engine === 'postgres') q = q.forUpdate();
  const req = await q.executeTakeFirst();
  if (!req || !LIVE_STATES.includes(req.state)) return false;
  return !fromJsonText<string[]>(req.declinedUserIds, []).includes(userId);
}

export class ResponderService {
  constructor(private readonly deps: ResponderDeps) {}

  private async inIncident<T>(incidentId: string, fn: (trx: Executor, incident: Incident) => Promise<T>): Promise<T> {
    const out = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const incident = await lockIncident(trx, this.deps.db.engine, incidentId);
      if (!incident) throw new AppError('incident_not_found', `No incident ${incidentId}.`, { status: 404 });
      return fn(trx, incident);
    });
    this.deps.poke(incidentId);
    return out;
  }

  /** Page each target for the incident; one request per target. */
  async request(
    actor: Actor,
    incidentId: string,
    input: { message?: string | undefined; targets: { type: ResponderTargetType; id: string }[] },
  ): Promise<ResponderRequest[]> {
    const message = (input.message ?? '').trim();
    const problems: FieldProblem[] = [];
    if (message.length > MAX_RESPONDER_MESSAGE)
      problems.push({ field: 'message', message: `must be at most ${MAX_RESPONDER_MESSAGE} characters` });
    if (input.targets.length === 0) problems.push({ field: 'targets', message: 'must name at least one target' });
    if (input.targets.length > MAX_RESPONDER_TARGETS)
      problems.push({ field: 'targets', message: `must name at most ${MAX_RESPONDER_TARGETS} targets` });
    input.targets.forEach((t, i) => {
      if (!(RESPONDER_TARGET_TYPES as readonly string[]).includes(t.type))
        problems.push({ field: `targets.${i}.type`, message: `must be one of ${RESPONDER_TARGET_TYPES.join(', ')}` });
      if (!t.id.trim()) problems.push({ field: `targets.${i}.id`, message: 'must not be empty' });
    });
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    const ids = await this.inIncident(incidentId, async (trx, incident) => {
      if (!(await canActOnIncident(trx, actor, incidentId)))
        throw forbidden('Adding responders needs the responder role in a team of the incident, or one of its roles.');
      if (incident.status === 'resolved')
        throw conflict('incident_resolved', 'The incident is resolved: reopen it to page more responders.');
      const resolved = [];
      for (const [i, t] of input.targets.entries()) resolved.push(await resolveTarget(trx, t, `targets.${i}.id`));
      const created: string[] = [];
      for (const [i, r] of resolved.entries()) {
        const type = input.targets[i]!.type;
        const row: Row = {
          id: newId('rsp', now),
          incidentId,
          targetType: type,
          targetId: r.id,
          targetName: r.name,
          message,
          state: 'paged',
          snapshot: toJsonText(r.snapshot),
          generation: 1,
          levelIndex: 0,
          pass: 0,
          nextStepAt: now,
          pagedUserIds: '[]',
          declinedUserIds: '[]',
          requestedByUserId: actor.userId,
          requestedByLabel: actor.label,
          respondedByUserId: null,
          respondedByLabel: null,
          respondedAt: null,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto('incidentResponderRequests').values(row).execute();
        await appendEvent(
          trx,
          this.deps.db.engine,
          incidentId,
          {
            kind: 'responders_requested',
            actorUserId: actor.userId,
            actorLabel: actor.label,
            body: `${actor.label} asked ${targetLabel(row)} for help${message ? `: ${message}` : '.'}`,
            details: { requestId: row.id, target: { type, id: r.id, name: r.name } },
          },
          now,
        );
        await recordAudit(
          trx,
          actor,
          'incident.responders_requested',
          { type: 'incident', id: incidentId },
          { requestId: row.id, targetType: type, targetId: r.id },
          now,
        );
        await responderStep(this.deps, trx, { requestId: row.id, generation: 1 }, now, incident);
        created.push(row.id);
      }
      return created;
    });
    const all = await this.list(incidentId);
    return all.filter((r) => ids.includes(r.id));
  }

  async list(incidentId: string): Promise<ResponderRequest[]> {
    const ex = this.deps.db.kysely;
    if (!(await ex.selectFrom('incidents').select('id').where('id', '=', incidentId).executeTakeFirst()))
      throw new AppError('incident_not_found', `No incident ${incidentId}.`, { status: 404 });
    const rows = await ex
      .selectFrom('incidentResponderRequests')
      .selectAll()
      .where('incidentId', '=', incidentId)
      .orderBy('id')
      .execute();
    const ids = [
      ...new Set(
        rows.flatMap((r) => [
          ...fromJsonText<string[]>(r.pagedUserIds, []),
          ...fromJsonText<string[]>(r.declinedUserIds, []),
        ]),
      ),
    ];
    const names = await userNames(ex, ids);
    return rows.map((r) => toRequest(r, names));
  }

  /** The paged person answers: coming (acknowledge) or can't help (decline). */
  async answer(
    actor: Actor,
    incidentId: string,
    requestId: string,
    answer: 'acknowledge' | 'decline',
    note?: string,
  ): Promise<ResponderRequest> {
    const now = this.deps.clock.now();
    const text = (note ?? '').trim();
    if (text.length > MAX_RESPONDER_MESSAGE)
      throw validationError([{ field: 'note', message: `must be at most ${MAX_RESPONDER_MESSAGE} characters` }]);
    await this.inIncident(incidentId, async (trx, incident) => {
      const req = await lockRequest(trx, this.deps.db, requestId);
      if (!req || req.incidentId !== incidentId)
        throw new AppError('responder_request_not_found', `No responder request ${requestId} on this incident.`, {
          status: 404,
        });
      const paged = fromJsonText<string[]>(req.pagedUserIds, []);
      if (!actor.isAdmin && !(actor.userId && paged.includes(actor.userId)))
        throw forbidden('Only someone paged for this request can answer it.');
      const userId = actor.userId;
      const declined = new Set(fromJsonText<string[]>(req.declinedUserIds, []));
      const event = (kind: string, body: string) =>
        appendEvent(
          trx,
          this.deps.db.engine,
          incidentId,
          {
            kind,
            actorUserId: userId,
            actorLabel: actor.label,
            body,
            details: { requestId, target: { type: req.targetType, id: req.targetId, name: req.targetName } },
          },
          now,
        );
      if (answer === 'acknowledge') {
        if (req.state === 'acknowledged') return;
        if (req.state === 'cancelled')
          throw conflict('responder_request_closed', 'This request was closed when the incident was resolved.');
        if (userId) declined.delete(userId);
        await trx
          .updateTable('incidentResponderRequests')
          .set({
            state: 'acknowledged',
            generation: req.generation + 1,
            nextStepAt: null,
            declinedUserIds: toJsonText([...declined]),
            respondedByUserId: userId,
            respondedByLabel: actor.label,
            respondedAt: now,
            updatedAt: now,
          })
          .where('id', '=', req.id)
          .execute();
        await event(
          'responder_acknowledged',
          `${actor.label} acknowledged and is coming to help (${targetLabel(req)})${text ? `: ${text}` : '.'}`,
        );
      } else {
        if (req.state === 'acknowledged' || req.state === 'cancelled')
          throw conflict('responder_request_closed', `This request is ${req.state} already.`);
        if (userId) declined.add(userId);
        await event('responder_declined', `${actor.label} can't help (${targetLabel(req)})${text ? `: ${text}` : '.'}`);
        const everyoneDeclined = paged.every((u) => declined.has(u));
        const canEscalate = req.targetType === 'policy' && req.nextStepAt !== null;
        await trx
          .updateTable('incidentResponderRequests')
          .set({
            declinedUserIds: toJsonText([...declined]),
            ...(everyoneDeclined
              ? {
                  generation: req.generation + 1,
                  nextStepAt: canEscalate ? now : null,
                  state: canEscalate ? req.state : 'declined',
                  respondedByUserId: userId,
                  respondedByLabel: actor.label,
                  respondedAt: now,
                }
              : {}),
            updatedAt: now,
          })
          .where('id', '=', req.id)
          .execute();
        // Everyone paged said no: a policy moves on to its next level now rather than after its delay.
        if (everyoneDeclined && canEscalate)
          await responderStep(this.deps, trx, { requestId, generation: req.generation + 1 }, now, incident);
      }
      await recordAudit(
        trx,
        actor,
        answer === 'acknowledge' ? 'incident.responder_acknowledged' : 'incident.responder_declined',
        { type: 'incident', id: incidentId },
        { requestId },
        now,
      );
    });
    const out = (await this.list(incidentId)).find((r) => r.id === requestId);
    return out!;
  }
}

/** `incidents.responderStep`: one fenced step (the next level, or a repeat), in the job's transaction. */
export function responderStepHandler(
  deps: Pick<ResponderDeps, 'db' | 'notify' | 'publicUrl' | 'poke'>,
): JobHandler<ResponderStepPayload> {
  return async (ctx) => {
    let incidentId: string | null = null;
    await ctx.complete(async (trx) => {
      const req = await trx
        .selectFrom('incidentResponderRequests')
        .select('incidentId')
        .where('id', '=', ctx.job.payload.requestId)
        .executeTakeFirst();
      if (!req) return;
      // The incident first, then the request: the order every change of the room takes.
      const incident = await lockIncident(trx, ctx.db.engine, req.incidentId);
      if (!incident) return;
      incidentId = req.incidentId;
      await responderStep(deps, trx, ctx.job.payload, ctx.clock.now(), incident);
    });
    if (incidentId) deps.poke(incidentId);
  };
}
