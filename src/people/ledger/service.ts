/**
 * The people ledger (issue 21; docs/people-health.md): who is engaged in which open incident (double-booking), role
 * separation overrides counted per team, the comp-time policy and ledger, and the anonymous pulse.
 */
import type { Db, Executor } from '../../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../../identity/index.js';
import { enqueueJob, type JobHandler } from '../../jobs/index.js';
import { openEngagements, type Engagement } from '../../incidents/index.js';
import type { Clock } from '../../shared/clock.js';
import { AppError, conflict, forbidden, validationError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { accrualsFor, writeAccruals } from './accrual.js';
import {
  DEFAULT_POLICY,
  balances,
  hoursOf,
  ledgerCsv,
  policyProblems,
  type CompTimePolicy,
  type LedgerEntry,
  type PolicyKind,
} from './comp-time.js';
import { doubleCommandHandler, type DoubleCommandDeps } from './double-command.js';
import { JOB_DOUBLE_COMMAND } from '../../incidents/index.js';
import {
  QUESTIONS,
  blurAnswerOrder,
  dayOf,
  inviteResponders,
  quarterOf,
  randomAnswerId,
  summarise,
  takePulseTurn,
  type PulseAnswerInput,
  type QuarterSummary,
} from './pulse.js';

const DAY = 86_400_000;
export const JOB_ACCRUE = 'people.compTimeAccrue';
export const JOB_ACCRUE_DAILY = 'people.compTimeDaily';
/** Each daily run (and a policy change) looks this far back: late resolutions and whole weekends are caught. */
const ACCRUE_LOOKBACK_MS = 8 * DAY;

export interface AccruePayload {
  teamId: string;
  from: number;
  to: number;
}

export interface PeopleLedgerDeps extends DoubleCommandDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

export interface Window {
  from: number;
  to: number;
}

const pulseNotInvited = (): AppError =>
  new AppError('pulse_not_invited', 'You have no check-in for this incident.', { status: 404 });

function windowOf(q: { from?: number | undefined; to?: number | undefined }, now: number, days = 90): Window {
  const to = q.to ?? now + 1;
  const from = q.from ?? to - days * DAY;
  const problems = [];
  if (!Number.isFinite(from)) problems.push({ field: 'from', message: 'Give a date and time (RFC 3339).' });
  if (!Number.isFinite(to)) problems.push({ field: 'to', message: 'Give a date and time (RFC 3339).' });
  if (!problems.length && from >= to) problems.push({ field: 'from', message: 'from must be before to.' });
  if (!problems.length && to - from > 5 * 366 * DAY)
    problems.push({ field: 'from', message: 'The window is at most five years.' });
  if (problems.length) throw validationError(problems);
  return { from, to };
}

function policyOf(row: {
  kind: string;
  factorPercent: number;
  minimumMinutes: number;
  weekendMinutes: number;
}): CompTimePolicy {
  return {
    kind: row.kind as PolicyKind,
    factor: row.factorPercent / 100,
    minimumHours: hoursOf(row.minimumMinutes),
    weekendHours: hoursOf(row.weekendMinutes),
  };
}

export class PeopleLedgerService {
  constructor(private readonly deps: PeopleLedgerDeps) {}

  private get db() {
    return this.deps.db.kysely;
  }

  private now(): number {
    return this.deps.clock.now();
  }

  /** The durable jobs this domain runs (registered by src/server.ts). */
  get jobs(): { kind: string; handler: JobHandler<never> }[] {
    return [
      { kind: JOB_DOUBLE_COMMAND, handler: doubleCommandHandler(this.deps) },
      { kind: JOB_ACCRUE, handler: this.accrueHandler() },
      { kind: JOB_ACCRUE_DAILY, handler: this.dailyHandler() },
    ];
  }

  // ---- double-booking --------------------------------------------------------------------------------------------

  /** The open incidents a person is engaged in (a role, paged for one of its alerts, or joined). */
  async engagements(userId: string): Promise<Engagement[]> {
    return (await openEngagements(this.db, [userId])).get(userId) ?? [];
  }

  /** Everyone engaged in an open incident now, with those incidents: the room's pickers mark them. */
  async engaged(): Promise<{ userId: string; incidents: Engagement[] }[]> {
    const map = await openEngagements(this.db, null);
    return [...map.entries()]
      .map(([userId, incidents]) => ({ userId, incidents }))
      .sort((a, b) => (a.userId < b.userId ? -1 : 1));
  }

  // ---- role separation overrides ---------------------------------------------------------------------------------

  /** Role-separation overrides per team over a window (real incidents; an incident counts for each team it affects). */
  async roleOverrides(q: { teamId?: string | undefined; from?: number | undefined; to?: number | undefined }) {
    const w = windowOf(q, this.now());
    const rows = await this.db
      .selectFrom('incidentEvents')
      .innerJoin('incidents', 'incidents.id', 'incidentEvents.incidentId')
      .innerJoin('incidentServices', 'incidentServices.incidentId', 'incidents.id')
      .innerJoin('services', 'services.id', 'incidentServices.serviceId')
      .innerJoin('teams', 'teams.id', 'services.teamId')
      .select([
        'teams.id as teamId',
        'teams.name as teamName',
        'incidentEvents.id',
        'incidentEvents.incidentId',
        'incidents.title',
        'incidents.severity',
        'incidentEvents.at',
        'incidentEvents.details',
      ])
      .where('incidentEvents.kind', '=', 'role_separation_override')
      .where('incidents.kind', '=', 'real')
      .where('incidentEvents.at', '>=', w.from)
      .where('incidentEvents.at', '<', w.to)
      .$if(q.teamId !== undefined, (qb) => qb.where('teams.id', '=', q.teamId!))
      .orderBy('incidentEvents.at')
      .execute();
    const seen = new Set<string>();
    const teams = new Map<string, { teamId: string; name: string; overrides: number; incidents: Set<string> }>();
    const events: {
      teamId: string;
      incidentId: string;
      title: string;
      severity: string;
      at: number;
      reason: string;
    }[] = [];
    for (const r of rows) {
      const key = `${r.teamId}:${r.id}`;
      if (seen.has(key)) continue; // two services of one team on the incident
      seen.add(key);
      const t = teams.get(r.teamId) ?? { teamId: r.teamId, name: r.teamName, overrides: 0, incidents: new Set() };
      t.overrides++;
      t.incidents.add(r.incidentId);
      teams.set(r.teamId, t);
      const details = JSON.parse(r.details || '{}') as { reason?: string };
      events.push({
        teamId: r.teamId,
        incidentId: r.incidentId,
        title: r.title,
        severity: r.severity,
        at: r.at,
        reason: details.reason ?? '',
      });
    }
    return {
      ...w,
      teamId: q.teamId ?? null,
      teams: [...teams.values()]
        .map((t) => ({ teamId: t.teamId, name: t.name, overrides: t.overrides, incidents: t.incidents.size }))
        .sort((a, b) => b.overrides - a.overrides || a.name.localeCompare(b.name)),
      events,
    };
  }

  // ---- comp time -------------------------------------------------------------------------------------------------

  async policy(teamId: string, ex: Executor = this.db): Promise<CompTimePolicy> {
    const row = await ex.selectFrom('compTimePolicies').selectAll().where('teamId', '=', teamId).executeTakeFirst();
    return row ? policyOf(row) : { ...DEFAULT_POLICY };
  }

  /** A team admin sets the policy (audited); the accrual of the last week runs at once under it. */
  async setPolicy(actor: Actor, teamId: string, input: Partial<CompTimePolicy>): Promise<CompTimePolicy> {
    const now = this.now();
    const out = await this.db.transaction().execute(async (trx) => {
      if (!(await this.deps.teams.hasRole(actor, teamId, 'admin', trx)))
        throw forbidden('Only administrators of the team set its comp-time policy.');
      const next: CompTimePolicy = { ...(await this.policy(teamId, trx)), ...definedOf(input) };
      const problems = policyProblems(next);
      if (problems.length) throw validationError(problems);
      const values = {
        kind: next.kind,
        factorPercent: Math.round(next.factor * 100),
        minimumMinutes: Math.round(next.minimumHours * 60),
        weekendMinutes: Math.round(next.weekendHours * 60),
        updatedByUserId: actor.userId,
        updatedAt: now,
      };
      await trx
        .insertInto('compTimePolicies')
        .values({ teamId, ...values })
        .onConflict((oc) => oc.column('teamId').doUpdateSet(values))
        .execute();
      await recordAudit(trx, actor, 'comp_time.policy_updated', { type: 'team', id: teamId }, { ...next }, now);
      if (next.kind !== 'none') {
        const payload: AccruePayload = { teamId, from: now - ACCRUE_LOOKBACK_MS, to: now };
        await enqueueJob(trx, this.deps.db.engine, { kind: JOB_ACCRUE, payload, runAt: now }, now);
      }
      return policyOf(values);
    });
    this.deps.onEnqueued?.();
    return out;
  }

  /** Accrue the team's comp time over [from, to) under its policy; idempotent. Returns how many entries were new. */
  async accrue(teamId: string, from: number, to: number, ex?: Executor): Promise<number> {
    const run = async (trx: Executor) => {
      const policy = await this.policy(teamId, trx);
      const rows = await accrualsFor(trx, teamId, policy, from, to);
      return writeAccruals(trx, teamId, rows, this.now());
    };
    return ex ? run(ex) : this.db.transaction().execute(run);
  }

  private accrueHandler(): JobHandler<AccruePayload> {
    return async (ctx) => {
      const p = ctx.job.payload;
      const added = await ctx.complete((trx) => this.accrue(p.teamId, p.from, p.to, trx));
      if (added) ctx.log.info({ teamId: p.teamId, added }, 'comp time accrued');
    };
  }

  /** Every day: each team with a policy accrues the last week; then tomorrow's run. */
  private dailyHandler(): JobHandler<{ at: number }> {
    return async (ctx) => {
      await ctx.complete(async (trx) => {
        const now = ctx.clock.now();
        const teams = await trx.selectFrom('compTimePolicies').select('teamId').where('kind', '!=', 'none').execute();
        for (const t of teams) {
          const payload: AccruePayload = { teamId: t.teamId, from: now - ACCRUE_LOOKBACK_MS, to: now };
          await enqueueJob(trx, ctx.db.engine, { kind: JOB_ACCRUE, payload, runAt: now }, now);
        }
        await scheduleDaily(trx, ctx.db.engine, ctx.job.payload.at + DAY, now);
      });
    };
  }

  /** Called in the resolving transaction (src/server.ts chains it): accrual for the teams of the incident. */
  async onResolved(trx: Executor, engine: Db['engine'], incidentId: string, now: number): Promise<void> {
    await inviteResponders(trx, incidentId, now);
    const teams = await trx
      .selectFrom('incidentServices')
      .innerJoin('services', 'services.id', 'incidentServices.serviceId')
      .innerJoin('compTimePolicies', 'compTimePolicies.teamId', 'services.teamId')
      .select('services.teamId')
      .distinct()
      .where('incidentServices.incidentId', '=', incidentId)
      .where('compTimePolicies.kind', '=', 'hours_factor')
      .execute();
    for (const t of teams) {
      const payload: AccruePayload = { teamId: t.teamId, from: now - DAY, to: now + 1 };
      await enqueueJob(trx, engine, { kind: JOB_ACCRUE, payload, runAt: now }, now);
    }
  }

  private async entries(teamId: string, w: Window): Promise<LedgerEntry[]> {
    const rows = await this.db
      .selectFrom('compTimeEntries')
      .innerJoin('users', 'users.id', 'compTimeEntries.userId')
      .select([
        'compTimeEntries.id',
        'compTimeEntries.userId',
        'users.name',
        'compTimeEntries.kind',
        'compTimeEntries.minutes',
        'compTimeEntries.occurredAt',
        'compTimeEntries.incidentId',
        'compTimeEntries.note',
        'compTimeEntries.createdByLabel',
        'compTimeEntries.source',
      ])
      .where('compTimeEntries.teamId', '=', teamId)
      .where('compTimeEntries.occurredAt', '>=', w.from)
      .where('compTimeEntries.occurredAt', '<', w.to)
      .orderBy('compTimeEntries.occurredAt', 'desc')
      .orderBy('compTimeEntries.id', 'desc')
      .execute();
    return rows;
  }

  /** The policy, balances per person over the window (default the last year) and the entries, newest first. */
  async ledger(teamId: string, q: { from?: number | undefined; to?: number | undefined }) {
    const w = windowOf(q, this.now(), 365);
    const [policy, entries] = await Promise.all([this.policy(teamId), this.entries(teamId, w)]);
    return { teamId, ...w, policy, balances: balances(entries), entries };
  }

  async csv(teamId: string, q: { from?: number | undefined; to?: number | undefined }): Promise<string> {
    const w = windowOf(q, this.now(), 365);
    return ledgerCsv(await this.entries(teamId, w));
  }

  /** Time off taken, recorded by the person (a member of the team) or a team admin; audited. */
  async takeTimeOff(
    actor: Actor,
    teamId: string,
    input: { userId: string; hours: number; takenOn: string; note?: string | undefined },
  ): Promise<LedgerEntry> {
    const problems = [];
    const takenAt = Date.parse(`${input.takenOn}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.takenOn) || !Number.isFinite(takenAt))
      problems.push({ field: 'takenOn', message: 'Give the day as YYYY-MM-DD.' });
    if (!(input.hours > 0 && input.hours <= 200))
      problems.push({ field: 'hours', message: 'Give the hours taken, more than 0 and at most 200.' });
    if (problems.length) throw validationError(problems);
    const now = this.now();
    return this.db.transaction().execute(async (trx) => {
      const isAdmin = await this.deps.teams.hasRole(actor, teamId, 'admin', trx);
      if (!isAdmin && actor.userId !== input.userId)
        throw forbidden('Only the person or an administrator of the team records time off.');
      const member = await trx
        .selectFrom('teamMembers')
        .innerJoin('users', 'users.id', 'teamMembers.userId')
        .select(['users.id', 'users.name'])
        .where('teamMembers.teamId', '=', teamId)
        .where('teamMembers.userId', '=', input.userId)
        .executeTakeFirst();
      if (!member) throw validationError([{ field: 'userId', message: 'This person is not a member of the team.' }]);
      const row = {
        id: newId('cte', now),
        teamId,
        userId: input.userId,
        kind: 'time_off',
        minutes: -Math.round(input.hours * 60),
        occurredAt: takenAt,
        source: null,
        incidentId: null,
        note: (input.note ?? '').trim(),
        createdByLabel: actor.label,
        createdAt: now,
      };
      await trx.insertInto('compTimeEntries').values(row).execute();
      await recordAudit(
        trx,
        actor,
        'comp_time.time_off_recorded',
        { type: 'team', id: teamId },
        { userId: input.userId, hours: input.hours, takenOn: input.takenOn },
        now,
      );
      return { ...row, name: member.name };
    });
  }

  // ---- the pulse -------------------------------------------------------------------------------------------------

  /** The caller's check-in for an incident: invited and whether it was used (never what was answered). */
  async myPulse(actor: Actor, incidentId: string): Promise<{ invited: boolean; answered: boolean }> {
    if (!actor.userId) return { invited: false, answered: false };
    const row = await this.db
      .selectFrom('pulseInvitations')
      .select('answered')
      .where('incidentId', '=', incidentId)
      .where('userId', '=', actor.userId)
      .executeTakeFirst();
    return { invited: !!row, answered: row?.answered === 1 };
  }

  /** The caller's open check-ins (for home), newest incident first. */
  async myOpenPulses(actor: Actor): Promise<{ incidentId: string; title: string; severity: string }[]> {
    if (!actor.userId) return [];
    return this.db
      .selectFrom('pulseInvitations')
      .innerJoin('incidents', 'incidents.id', 'pulseInvitations.incidentId')
      .select(['incidents.id as incidentId', 'incidents.title', 'incidents.severity'])
      .where('pulseInvitations.userId', '=', actor.userId)
      .where('pulseInvitations.answered', '=', 0)
      .orderBy('incidents.id', 'desc')
      .limit(20)
      .execute();
  }

  /**
   * Answer a check-in, once. The invitation is marked used; the answer goes to `pulse_answers` with a random id, the
   * team and the day only. Deliberately no audit entry and no log line: either would tie the answer to the person.
   */
  async answerPulse(actor: Actor, incidentId: string, input: PulseAnswerInput): Promise<{ answered: true }> {
    const problems = [];
    for (const q of QUESTIONS) {
      const v = input[q.key];
      if (!Number.isInteger(v) || v < 1 || v > 5) problems.push({ field: q.key, message: 'Answer from 1 to 5.' });
    }
    if (problems.length) throw validationError(problems);
    if (!actor.userId) throw pulseNotInvited();
    const userId = actor.userId;
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      const inv = await trx
        .selectFrom('pulseInvitations')
        .select(['teamId', 'answered'])
        .where('incidentId', '=', incidentId)
        .where('userId', '=', userId)
        .executeTakeFirst();
      if (!inv) throw pulseNotInvited();
      await takePulseTurn(trx, this.deps.db.engine, inv.teamId);
      const used = await trx
        .updateTable('pulseInvitations')
        .set({ answered: 1 })
        .where('incidentId', '=', incidentId)
        .where('userId', '=', userId)
        .where('answered', '=', 0)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) === 0)
        throw conflict('pulse_already_answered', 'You have already answered this check-in. Thank you.');
      await trx
        .insertInto('pulseAnswers')
        .values({
          id: randomAnswerId(),
          teamId: inv.teamId,
          day: dayOf(now),
          safe: input.safe,
          calm: input.calm,
          roleClear: input.roleClear,
          text: (input.text ?? '').trim().slice(0, 2000),
        })
        .execute();
      await blurAnswerOrder(trx, this.deps.db.engine, inv.teamId);
    });
    return { answered: true };
  }

  /**
   * Per calendar quarter overlapping the window (default the last four quarters): the figures from 5 answers on,
   * else `{ suppressed: true }`. Whole quarters only, so two windows cannot be subtracted to isolate an answer.
   */
  async pulseSummary(
    teamId: string,
    q: { from?: number | undefined; to?: number | undefined },
  ): Promise<{ teamId: string; minimumAnswers: number; quarters: QuarterSummary[] }> {
    const now = this.now();
    const w = windowOf({ from: q.from ?? quarterOf(now - 270 * DAY).from, to: q.to }, now);
    const first = quarterOf(w.from).from;
    const last = quarterOf(w.to - 1).to;
    const answers = await this.db
      .selectFrom('pulseAnswers')
      .select(['day', 'safe', 'calm', 'roleClear', 'text'])
      .where('teamId', '=', teamId)
      .where('day', '>=', dayOf(first))
      .where('day', '<', dayOf(last))
      .execute();
    return { teamId, minimumAnswers: 5, quarters: summarise(answers, first, last) };
  }
}

/** The daily accrual, one per day (the unique key): started at boot like the action items' digest. */
async function scheduleDaily(trx: Executor, engine: Db['engine'], at: number, now: number): Promise<void> {
  const day = Math.floor(at / DAY);
  const runAt = day * DAY + 3 * 3_600_000; // 03:00 UTC
  await enqueueJob(
    trx,
    engine,
    {
      kind: JOB_ACCRUE_DAILY,
      payload: { at: runAt },
      runAt: Math.max(runAt, now),
      uniqueKey: `${JOB_ACCRUE_DAILY}:${day}`,
    },
    now,
  );
}

export async function ensureCompTimeJob(db: Db, now: number): Promise<void> {
  await db.kysely.transaction().execute((trx) => scheduleDaily(trx, db.engine, now, now));
}

function definedOf(input: Partial<CompTimePolicy>): Partial<CompTimePolicy> {
  const out: Partial<CompTimePolicy> = {};
  if (input.kind !== undefined) out.kind = input.kind;
  if (input.factor !== undefined) out.factor = input.factor;
  if (input.minimumHours !== undefined) out.minimumHours = input.minimumHours;
  if (input.weekendHours !== undefined) out.weekendHours = input.weekendHours;
  return out;
}
