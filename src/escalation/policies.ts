import type { Selectable } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import type { EscalationPoliciesTable } from '../db/schema.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { AppError, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import { isValidTimeZone, parseClock, type WorkingHours } from '../shared/time.js';
import { policyInUse, policyNotFound } from './errors.js';
import { validatePolicy, type EscalationLevel, type PolicySnapshot } from './model.js';

export interface EscalationPolicy {
  id: string;
  teamId: string;
  name: string;
  description: string;
  repeat: number;
  levels: EscalationLevel[];
  workingHours: WorkingHours;
  ackTimeoutMinutes: number | null;
  /** Other teams may attach it to their services; only its team's admins set this. */
  shared: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface PolicyInput {
  teamId: string;
  name: string;
  description?: string;
  repeat?: number;
  levels: EscalationLevel[];
  workingHours: WorkingHours;
  ackTimeoutMinutes?: number | null;
  shared?: boolean;
}

export function toPolicy(row: Selectable<EscalationPoliciesTable>): EscalationPolicy {
  return {
    ...row,
    shared: row.shared === 1,
    levels: fromJsonText<EscalationLevel[]>(row.levels, []),
    workingHours: fromJsonText<WorkingHours>(row.workingHours, {
      timezone: 'UTC',
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '17:00',
    }),
  };
}

export function snapshotOf(p: EscalationPolicy): PolicySnapshot {
  return {
    policyId: p.id,
    name: p.name,
    repeat: p.repeat,
    levels: p.levels,
    workingHours: p.workingHours,
    ackTimeoutMinutes: p.ackTimeoutMinutes,
  };
}

function problemsOf(input: Omit<PolicyInput, 'teamId'> & { repeat: number }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!input.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
  problems.push(...validatePolicy(input));
  const wh = input.workingHours;
  if (!isValidTimeZone(wh.timezone))
    problems.push({ field: 'workingHours.timezone', message: 'must be an IANA time zone such as Europe/London' });
  if (parseClock(wh.start) === null) problems.push({ field: 'workingHours.start', message: 'must be HH:MM' });
  if (parseClock(wh.end) === null) problems.push({ field: 'workingHours.end', message: 'must be HH:MM' });
  if (wh.days.some((d) => d < 1 || d > 7))
    problems.push({ field: 'workingHours.days', message: 'must be ISO weekdays 1 to 7' });
  return problems;
}

/**
 * A policy pages schedules of its own team, or schedules their team shares with every team: team B cannot make its
 * alerts page team A's on-call unless A allows it. 403 `cross_team_reference` naming the target's field.
 */
export async function checkScheduleTargets(ex: Executor, teamId: string, levels: EscalationLevel[]): Promise<void> {
  const problems: FieldProblem[] = [];
  for (const [i, level] of levels.entries()) {
    for (const [j, target] of level.targets.entries()) {
      if (target.type !== 'schedule') continue;
      const field = `levels[${i}].targets[${j}].id`;
      const schedule = await ex
        .selectFrom('schedules')
        .select(['teamId', 'shared'])
        .where('id', '=', target.id)
        .executeTakeFirst();
      // An unknown schedule pages nobody (a level with no one on call is skipped and logged); not a reference.
      if (schedule && schedule.teamId !== teamId && schedule.shared !== 1) {
        problems.push({ field, message: `schedule ${target.id} belongs to another team, which does not share it` });
      }
    }
  }
  if (problems.length) {
    throw new AppError(
      'cross_team_reference',
      "An escalation policy may page only its own team's schedules, or schedules their team shares.",
      { status: 403, details: { problems } },
    );
  }
}

/** Escalation policies belong to a team; its admins edit them, everyone signed in reads them. */
export class EscalationPolicyService {
  constructor(private readonly deps: { db: Db; clock: Clock; teams: TeamService }) {}

  async list(filter: { teamId?: string } = {}): Promise<EscalationPolicy[]> {
    let q = this.deps.db.kysely.selectFrom('escalationPolicies').selectAll().orderBy('name');
    if (filter.teamId) q = q.where('teamId', '=', filter.teamId);
    return (await q.execute()).map(toPolicy);
  }

  async get(id: string, executor: Executor = this.deps.db.kysely): Promise<EscalationPolicy> {
    const row = await executor.selectFrom('escalationPolicies').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw policyNotFound(id);
    return toPolicy(row);
  }

  async create(actor: Actor, input: PolicyInput): Promise<EscalationPolicy> {
    const team = await this.deps.teams.get(actor, input.teamId);
    await this.deps.teams.requireRole(actor, team.id, 'admin');
    const repeat = input.repeat ?? 0;
    const problems = problemsOf({ ...input, repeat });
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    const id = newId('esc', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await checkScheduleTargets(trx, team.id, input.levels);
      await trx
        .insertInto('escalationPolicies')
        .values({
          id,
          teamId: team.id,
          name: input.name.trim(),
          description: input.description?.trim() ?? '',
          repeat,
          levels: toJsonText(input.levels),
          workingHours: toJsonText(input.workingHours),
          ackTimeoutMinutes: input.ackTimeoutMinutes ?? null,
          shared: input.shared ? 1 : 0,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await recordAudit(
        trx,
        actor,
        'escalation_policy.created',
        { type: 'escalation_policy', id },
        { name: input.name },
        now,
      );
    });
    return this.get(id);
  }

  /** Edits never touch a page in flight: each escalation run works from the snapshot it took when it started. */
  async update(actor: Actor, id: string, patch: Partial<Omit<PolicyInput, 'teamId'>>): Promise<EscalationPolicy> {
    const current = await this.get(id);
    await this.deps.teams.requireRole(actor, current.teamId, 'admin');
    const next = { ...current, ...patch, repeat: patch.repeat ?? current.repeat };
    const problems = problemsOf(next);
    if (problems.length) throw validationError(problems);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (patch.levels) await checkScheduleTargets(trx, current.teamId, patch.levels);
      if (current.shared && patch.shared === false) await checkUnshare(trx, current);
      await trx
        .updateTable('escalationPolicies')
        .set({
          name: next.name.trim(),
          description: next.description.trim(),
          repeat: next.repeat,
          levels: toJsonText(next.levels),
          workingHours: toJsonText(next.workingHours),
          ackTimeoutMinutes: next.ackTimeoutMinutes ?? null,
          shared: next.shared ? 1 : 0,
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      await recordAudit(
        trx,
        actor,
        'escalation_policy.updated',
        { type: 'escalation_policy', id },
        { fields: Object.keys(patch) },
        now,
      );
    });
    return this.get(id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    const current = await this.get(id);
    await this.deps.teams.requireRole(actor, current.teamId, 'admin');
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const users = await trx.selectFrom('services').select('slug').where('escalationPolicyId', '=', id).execute();
      if (users.length)
        throw policyInUse(
          id,
          users.map((u) => u.slug),
        );
      await trx.deleteFrom('escalationPolicies').where('id', '=', id).execute();
      await recordAudit(
        trx,
        actor,
        'escalation_policy.deleted',
        { type: 'escalation_policy', id },
        { name: current.name },
        now,
      );
    });
  }
}

/** A policy other teams' services use stays shared until they stop using it. */
async function checkUnshare(ex: Executor, policy: EscalationPolicy): Promise<void> {
  const others = await ex
    .selectFrom('services')
    .select('slug')
    .where('escalationPolicyId', '=', policy.id)
    .where('teamId', '!=', policy.teamId)
    .execute();
  if (others.length) {
    throw validationError([
      { field: 'shared', message: `other teams' services use it: ${others.map((o) => o.slug).join(', ')}` },
    ]);
  }
}
