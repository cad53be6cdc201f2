import type { Db, Executor } from '../db/index.js';
import type { EscalationPoliciesTable } from '../db/schema.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { validationError, type FieldProblem } from '../shared/errors.js';
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
}

export function toPolicy(row: EscalationPoliciesTable): EscalationPolicy {
  return {
    ...row,
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
      await trx
        .updateTable('escalationPolicies')
        .set({
          name: next.name.trim(),
          description: next.description.trim(),
          repeat: next.repeat,
          levels: toJsonText(next.levels),
          workingHours: toJsonText(next.workingHours),
          ackTimeoutMinutes: next.ackTimeoutMinutes ?? null,
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
