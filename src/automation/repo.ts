/** Automation rules and their firings in SQL (rows ↔ the model's shapes). */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/index.js';
import type { AutomationFiringsTable, AutomationRulesTable } from '../db/schema.js';
import { fromJsonText } from '../shared/json.js';
import type { ActionConfig, Conditions, Outcome, Rule, RuleAction, Trigger } from './model.js';

export interface RuleView extends Rule {
  lastFiredAt: number | null;
  firingCount: number;
}

export interface Firing {
  id: string;
  ruleId: string;
  subjectId: string;
  incidentId: string | null;
  alertId: string | null;
  outcome: Outcome;
  detail: string;
  runId: string | null;
  firedAt: number;
}

/** A firing with what its subject is called (the incident's title, the alert's summary) for lists. */
export interface FiringView extends Firing {
  incidentTitle: string | null;
  alertTitle: string | null;
}

export const toRule = (r: Selectable<AutomationRulesTable>): Rule => ({
  id: r.id,
  teamId: r.teamId,
  name: r.name,
  enabled: Number(r.enabled) === 1,
  trigger: r.trigger as Trigger,
  conditions: fromJsonText<Conditions>(r.conditions, {}),
  action: r.action as RuleAction,
  actionConfig: fromJsonText<ActionConfig>(r.actionConfig, {}),
  createdAt: Number(r.createdAt),
  updatedAt: Number(r.updatedAt),
});

export const toFiring = (r: Selectable<AutomationFiringsTable>): Firing => ({
  id: r.id,
  ruleId: r.ruleId,
  subjectId: r.subjectId,
  incidentId: r.incidentId,
  alertId: r.alertId,
  outcome: r.outcome as Outcome,
  detail: r.detail,
  runId: r.runId,
  firedAt: Number(r.firedAt),
});

/** Rules with their firing count and last firing, one query for the counts. */
export async function listRules(
  ex: Executor,
  filter: { teamId?: string | undefined; id?: string },
): Promise<RuleView[]> {
  let q = ex.selectFrom('automationRules').selectAll().orderBy('name').orderBy('id');
  if (filter.teamId) q = q.where('teamId', '=', filter.teamId);
  if (filter.id) q = q.where('id', '=', filter.id);
  const rows = await q.execute();
  if (!rows.length) return [];
  const stats = await ex
    .selectFrom('automationFirings')
    .select((eb) => ['ruleId', eb.fn.countAll<number>().as('n'), eb.fn.max('firedAt').as('last')])
    .where(
      'ruleId',
      'in',
      rows.map((r) => r.id),
    )
    .groupBy('ruleId')
    .execute();
  const byRule = new Map(stats.map((s) => [s.ruleId, s]));
  return rows.map((r) => {
    const s = byRule.get(r.id);
    return {
      ...toRule(r),
      firingCount: Number(s?.n ?? 0),
      lastFiredAt: s?.last === null || s?.last === undefined ? null : Number(s.last),
    };
  });
}

/** The team's enabled rules for a trigger. */
export async function enabledRules(ex: Executor, teamIds: string[], trigger: Trigger): Promise<Rule[]> {
  if (!teamIds.length) return [];
  const rows = await ex
    .selectFrom('automationRules')
    .selectAll()
    .where('trigger', '=', trigger)
    .where('enabled', '=', 1)
    .where('teamId', 'in', teamIds)
    .orderBy('id')
    .execute();
  return rows.map(toRule);
}

export async function listFirings(
  ex: Executor,
  filter: { ruleId?: string; incidentId?: string; limit: number; before?: string | undefined },
): Promise<FiringView[]> {
  let q = ex
    .selectFrom('automationFirings')
    .leftJoin('incidents', 'incidents.id', 'automationFirings.incidentId')
    .leftJoin('alerts', 'alerts.id', 'automationFirings.alertId')
    .selectAll('automationFirings')
    .select(['incidents.title as incidentTitle', 'alerts.summary as alertTitle'])
    .orderBy('automationFirings.id', 'desc')
    .limit(filter.limit);
  if (filter.ruleId) q = q.where('automationFirings.ruleId', '=', filter.ruleId);
  if (filter.incidentId) q = q.where('automationFirings.incidentId', '=', filter.incidentId);
  if (filter.before) q = q.where('automationFirings.id', '<', filter.before);
  return (await q.execute()).map((r) => ({
    ...toFiring(r),
    incidentTitle: r.incidentTitle ?? null,
    alertTitle: r.alertTitle ?? null,
  }));
}
