/**
 * Automation rules (docs/runbooks.md): when an alert triggers, an incident is declared or a milestone is reached, suggest
 * a runbook, run an action, page or post an update; once per incident. This service manages the rules (team admins)
 * and gives the composition root the hooks the alerts and incidents domains call inside their transactions: each
 * enqueues one `automation.evaluate` job (jobs.ts), which evaluates the rules after the change commits.
 */
import type { Selectable } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import type { AlertsTable } from '../db/schema.js';
import { memoInTransaction } from '../db/tx-memo.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import { enqueueJob } from '../jobs/index.js';
import type { Clock } from '../shared/clock.js';
import { forbidden, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { toJsonText } from '../shared/json.js';
import { AUTOMATION_EVALUATE_JOB, type EvaluatePayload } from './jobs.js';
import {
  MAX_LIST,
  conditionsFor,
  configFor,
  ruleProblems,
  type ActionConfig,
  type Conditions,
  type Milestone,
  type RuleAction,
  type Trigger,
} from './model.js';
import { listFirings, listRules, type FiringView, type RuleView } from './repo.js';

export interface AutomationDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

export interface RuleInput {
  teamId: string;
  name: string;
  enabled?: boolean | undefined;
  trigger: Trigger;
  conditions?: Conditions | undefined;
  action: RuleAction;
  actionConfig?: ActionConfig | undefined;
}

export interface RulePatch {
  name?: string | undefined;
  enabled?: boolean | undefined;
  trigger?: Trigger | undefined;
  conditions?: Conditions | undefined;
  action?: RuleAction | undefined;
  actionConfig?: ActionConfig | undefined;
}

const ruleNotFound = (id: string) => notFound('automation rule', id);

/** Does the service's team have an enabled alert rule or automatic action? Intake asks per alert: prepared. */
const alertHookQ = prepared('automation.alertHook', (ex: Executor, serviceId: string) =>
  ex
    .selectFrom('services')
    .select((eb) => [
      eb
        .exists(
          eb
            .selectFrom('automationRules')
            .select('automationRules.id')
            .whereRef('automationRules.teamId', '=', 'services.teamId')
            .where('automationRules.trigger', '=', 'alert_triggered')
            .where('automationRules.enabled', '=', 1),
        )
        .as('hasRule'),
      eb
        .exists(
          eb
            .selectFrom('remediationActions')
            .select('remediationActions.id')
            .whereRef('remediationActions.teamId', '=', 'services.teamId')
            .where('remediationActions.mode', '=', 'automatic')
            .where('remediationActions.enabled', '=', 1),
        )
        .as('hasAction'),
    ])
    .where('services.id', '=', serviceId),
);

export class AutomationService {
  constructor(protected readonly deps: AutomationDeps) {}

  /** The team of an automation rule; null when there is none. */
  async teamOfRule(id: string): Promise<string | null> {
    const row = await this.deps.db.kysely
      .selectFrom('automationRules')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.teamId ?? null;
  }

  async list(filter: { teamId?: string | undefined }): Promise<RuleView[]> {
    return listRules(this.deps.db.kysely, { teamId: filter.teamId });
  }

  async get(id: string): Promise<RuleView> {
    const [rule] = await listRules(this.deps.db.kysely, { id });
    if (!rule) throw ruleNotFound(id);
    return rule;
  }

  async firings(id: string, opts: { limit: number; before?: string | undefined }): Promise<FiringView[]> {
    await this.get(id);
    return listFirings(this.deps.db.kysely, { ruleId: id, limit: opts.limit, before: opts.before });
  }

  async create(actor: Actor, input: RuleInput): Promise<RuleView> {
    const now = this.deps.clock.now();
    const id = newId('arl', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await this.deps.teams.hasRole(actor, input.teamId, 'admin', trx))) {
        if (!(await trx.selectFrom('teams').select('id').where('id', '=', input.teamId).executeTakeFirst()))
          throw validationError([{ field: 'teamId', message: 'is not a team' }]);
        throw forbidden('Creating an automation rule needs the admin role in its team.');
      }
      const conditions = input.conditions ?? {};
      const actionConfig = input.actionConfig ?? {};
      await this.check(trx, input.teamId, {
        name: input.name,
        trigger: input.trigger,
        action: input.action,
        conditions,
        actionConfig,
      });
      await trx
        .insertInto('automationRules')
        .values({
          id,
          teamId: input.teamId,
          name: input.name.trim(),
          enabled: input.enabled === false ? 0 : 1,
          trigger: input.trigger,
          conditions: toJsonText(conditionsFor(input.trigger, conditions)),
          action: input.action,
          actionConfig: toJsonText(configFor(input.action, actionConfig)),
          createdByUserId: actor.userId,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await recordAudit(
        trx,
        actor,
        'automation_rule.created',
        { type: 'automation_rule', id },
        { teamId: input.teamId, name: input.name.trim(), trigger: input.trigger, action: input.action },
        now,
      );
    });
    return this.get(id);
  }

  async update(actor: Actor, id: string, patch: RulePatch): Promise<RuleView> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const [current] = await listRules(trx, { id });
      if (!current) throw ruleNotFound(id);
      if (!(await this.deps.teams.hasRole(actor, current.teamId, 'admin', trx)))
        throw forbidden('Changing an automation rule needs the admin role in its team.');
      const next = {
        name: patch.name ?? current.name,
        trigger: patch.trigger ?? current.trigger,
        action: patch.action ?? current.action,
        conditions: patch.conditions ?? current.conditions,
        actionConfig: patch.actionConfig ?? current.actionConfig,
      };
      await this.check(trx, current.teamId, next);
      const enabled = patch.enabled ?? current.enabled;
      await trx
        .updateTable('automationRules')
        .set({
          name: next.name.trim(),
          enabled: enabled ? 1 : 0,
          trigger: next.trigger,
          conditions: toJsonText(conditionsFor(next.trigger, next.conditions)),
          action: next.action,
          actionConfig: toJsonText(configFor(next.action, next.actionConfig)),
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      const changed = Object.entries(patch)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
      const verb = changed.length === 1 && patch.enabled !== undefined ? (enabled ? 'enabled' : 'disabled') : 'updated';
      await recordAudit(
        trx,
        actor,
        `automation_rule.${verb}`,
        { type: 'automation_rule', id },
        { teamId: current.teamId, changed },
        now,
      );
    });
    return this.get(id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const [current] = await listRules(trx, { id });
      if (!current) throw ruleNotFound(id);
      if (!(await this.deps.teams.hasRole(actor, current.teamId, 'admin', trx)))
        throw forbidden('Deleting an automation rule needs the admin role in its team.');
      await trx.deleteFrom('automationRules').where('id', '=', id).execute();
      await recordAudit(
        trx,
        actor,
        'automation_rule.deleted',
        { type: 'automation_rule', id },
        { teamId: current.teamId, name: current.name, firingCount: current.firingCount },
        now,
      );
    });
  }

  /** The rule's shape, then what it refers to: the team's services, runbook, action, schedule or policy; a user. */
  private async check(
    trx: Executor,
    teamId: string,
    r: { name: string; trigger: string; action: string; conditions: Conditions; actionConfig: ActionConfig },
  ): Promise<void> {
    const problems: FieldProblem[] = ruleProblems(r);
    if (problems.length) throw validationError(problems);
    const c = r.conditions;
    if ((c.serviceIds?.length ?? 0) > MAX_LIST)
      problems.push({ field: 'conditions.serviceIds', message: `at most ${MAX_LIST}` });
    for (const [i, serviceId] of (c.serviceIds ?? []).entries()) {
      const s = await trx.selectFrom('services').select('teamId').where('id', '=', serviceId).executeTakeFirst();
      if (s?.teamId !== teamId)
        problems.push({ field: `conditions.serviceIds.${i}`, message: "is not one of the team's services" });
    }
    const a = r.actionConfig;
    if (r.action === 'suggest_runbook') {
      const rb = await trx
        .selectFrom('runbooks')
        .select(['teamId', 'archivedAt'])
        .where('id', '=', a.runbookId!)
        .executeTakeFirst();
      if (rb?.teamId !== teamId || rb.archivedAt !== null)
        problems.push({ field: 'actionConfig.runbookId', message: "is not one of the team's runbooks" });
    } else if (r.action === 'run_action') {
      const act = await trx
        .selectFrom('remediationActions')
        .select('teamId')
        .where('id', '=', a.actionId!)
        .executeTakeFirst();
      if (act?.teamId !== teamId)
        problems.push({ field: 'actionConfig.actionId', message: "is not one of the team's actions" });
    } else if (r.action === 'page') {
      if (a.userId) {
        const u = await trx.selectFrom('users').select('disabledAt').where('id', '=', a.userId).executeTakeFirst();
        if (!u || u.disabledAt !== null)
          problems.push({ field: 'actionConfig.userId', message: 'is not an active user' });
      } else if (a.scheduleId) {
        const s = await trx.selectFrom('schedules').select('teamId').where('id', '=', a.scheduleId).executeTakeFirst();
        if (s?.teamId !== teamId)
          problems.push({ field: 'actionConfig.scheduleId', message: "is not one of the team's schedules" });
      } else if (a.escalationPolicyId) {
        const p = await trx
          .selectFrom('escalationPolicies')
          .select(['teamId', 'shared'])
          .where('id', '=', a.escalationPolicyId)
          .executeTakeFirst();
        if (!p || (p.teamId !== teamId && Number(p.shared) !== 1))
          problems.push({
            field: 'actionConfig.escalationPolicyId',
            message: "is not one of the team's escalation policies (or a shared one)",
          });
      }
    }
    if (problems.length) throw validationError(problems);
  }

  // ---- the hooks the composition root injects (src/server.ts) --------------------------------------------------------

  /**
   * A new alert, in the intake transaction: one `automation.evaluate` job when its team has an enabled alert rule or
   * an enabled automatic action, nothing otherwise. Intake is a hot path: the check is one read per service per
   * transaction (memoised), and rules are evaluated by the job, after the commit.
   */
  async onAlertTriggered(trx: Executor, alert: Pick<Selectable<AlertsTable>, 'id' | 'serviceId'>, now: number) {
    const wanted = await memoInTransaction(trx, `automation:alert-hook:${alert.serviceId}`, async () => {
      const [row] = await rowsOf(trx, alertHookQ(trx, alert.serviceId));
      return !!row && (truthy(row.hasRule) || truthy(row.hasAction));
    });
    if (!wanted) return;
    await this.enqueue(trx, { trigger: 'alert_triggered', alertId: alert.id }, `alert:${alert.id}`, now);
  }

  /** An incident was declared, in its transaction. */
  async onIncidentDeclared(trx: Executor, incidentId: string, now: number): Promise<void> {
    if (!(await this.anyRule(trx, 'incident_declared'))) return;
    await this.enqueue(trx, { trigger: 'incident_declared', incidentId }, `declared:${incidentId}`, now);
  }

  /** A milestone of an incident was set (it had none), in the change's transaction. */
  async onMilestoneReached(trx: Executor, incidentId: string, milestone: Milestone, now: number): Promise<void> {
    if (!(await this.anyRule(trx, 'milestone_reached'))) return;
    await this.enqueue(
      trx,
      { trigger: 'milestone_reached', incidentId, milestone },
      `milestone:${incidentId}:${milestone}:${now}`,
      now,
    );
  }

  /** Whether any team has an enabled rule for the trigger (incident changes are rare: no memo needed). */
  private async anyRule(trx: Executor, trigger: Trigger): Promise<boolean> {
    const row = await trx
      .selectFrom('automationRules')
      .select('id')
      .where('trigger', '=', trigger)
      .where('enabled', '=', 1)
      .limit(1)
      .executeTakeFirst();
    return !!row;
  }

  private async enqueue(trx: Executor, payload: EvaluatePayload, key: string, now: number): Promise<void> {
    await enqueueJob(
      trx,
      this.deps.db.engine,
      { kind: AUTOMATION_EVALUATE_JOB, payload, uniqueKey: `${AUTOMATION_EVALUATE_JOB}:${key}` },
      now,
    );
    this.deps.onEnqueued?.();
  }
}

const truthy = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';
