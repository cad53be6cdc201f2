/**
 * Runbooks in SQL: rows, versions, service links, alert rules, the actions of a runbook, and the reads that find the
 * runbooks for an alert or an incident. Every function takes the executor it runs on (a transaction's `trx`, or the
 * root handle outside one).
 */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/index.js';
import type { RunbooksTable } from '../db/schema.js';
import { containsText } from '../db/text.js';
import { toAction, type Action } from '../remediation/repo.js';
import { DAY, toIso } from '../shared/clock.js';
import { fromJsonText } from '../shared/json.js';
import type { AlertRule, Matcher } from './model.js';

export type RunbookRow = Selectable<RunbooksTable>;

export interface StoredRule extends AlertRule {
  id: string;
  runbookId: string;
}

export async function findRunbookRow(ex: Executor, id: string): Promise<RunbookRow | undefined> {
  return ex.selectFrom('runbooks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRunbookRows(
  ex: Executor,
  q: {
    teamId?: string | undefined;
    serviceId?: string | undefined;
    ids?: string[];
    /** Title or slug contains, case-insensitive. */
    text?: string | undefined;
    /** Only those whose review is due at this instant (true) or not yet due (false). */
    staleAt?: { now: number; stale: boolean } | undefined;
    limit: number;
  },
): Promise<RunbookRow[]> {
  if (q.ids && q.ids.length === 0) return [];
  let query = ex.selectFrom('runbooks').selectAll().where('archivedAt', 'is', null);
  if (q.teamId) query = query.where('teamId', '=', q.teamId);
  if (q.text) {
    const text = q.text;
    query = query.where((eb) => eb.or([containsText('title', text), containsText('slug', text)]));
  }
  if (q.staleAt) {
    // reviewDueAt (model.ts) in SQL: the last review, or the creation, plus the interval (bigint: 730 days of ms).
    const due = sql<number>`coalesce(last_reviewed_at, created_at) + review_interval_days * cast(${DAY} as bigint)`;
    query = query.where(due, q.staleAt.stale ? '<=' : '>', q.staleAt.now);
  }
  if (q.serviceId) {
    const serviceId = q.serviceId;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('runbookServices').select('runbookId').where('serviceId', '=', serviceId),
    );
  }
  if (q.ids) query = query.where('id', 'in', q.ids);
  return query.orderBy('title').orderBy('id').limit(q.limit).execute();
}

export async function slugTaken(ex: Executor, teamId: string, slug: string): Promise<boolean> {
  const row = await ex
    .selectFrom('runbooks')
    .select('id')
    .where('teamId', '=', teamId)
    .where('slug', '=', slug)
    .executeTakeFirst();
  return row !== undefined;
}

/** Services linked to each runbook: { runbookId → [{ id, name, slug }] }. */
export async function servicesOf(
  ex: Executor,
  runbookIds: string[],
): Promise<Map<string, { id: string; name: string; slug: string }[]>> {
  const out = new Map<string, { id: string; name: string; slug: string }[]>();
  if (runbookIds.length === 0) return out;
  const rows = await ex
    .selectFrom('runbookServices')
    .innerJoin('services', 'services.id', 'runbookServices.serviceId')
    .select(['runbookServices.runbookId', 'services.id', 'services.name', 'services.slug'])
    .where('runbookServices.runbookId', 'in', runbookIds)
    .orderBy('services.name')
    .execute();
  for (const r of rows) {
    out.set(r.runbookId, [...(out.get(r.runbookId) ?? []), { id: r.id, name: r.name, slug: r.slug }]);
  }
  return out;
}

export async function teamNamesOf(ex: Executor, teamIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(teamIds)];
  if (ids.length === 0) return new Map();
  const rows = await ex.selectFrom('teams').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function actionCounts(ex: Executor, runbookIds: string[]): Promise<Map<string, number>> {
  if (runbookIds.length === 0) return new Map();
  const rows = await ex
    .selectFrom('remediationActions')
    .select(['runbookId', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('runbookId', 'in', runbookIds)
    .groupBy('runbookId')
    .execute();
  return new Map(rows.map((r) => [r.runbookId ?? '', Number(r.n)]));
}

export async function rulesOf(ex: Executor, runbookId: string): Promise<StoredRule[]> {
  const rows = await ex
    .selectFrom('runbookAlertRules')
    .selectAll()
    .where('runbookId', '=', runbookId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    runbookId: r.runbookId,
    alertname: r.alertname,
    matchers: fromJsonText<Matcher[]>(r.matchers, []),
  }));
}

/**
 * Alert rules that could match an alert: of runbooks not archived, owned by `teamId` or linked to `serviceId`, whose
 * alertname is one of `names` or null. The matchers are checked by the caller (RE2 is not SQL).
 */
export async function candidateRules(
  ex: Executor,
  q: { teamId: string | null; serviceId: string; names: string[] },
): Promise<StoredRule[]> {
  const names = q.names.filter((n) => n !== '');
  const rows = await ex
    .selectFrom('runbookAlertRules')
    .innerJoin('runbooks', 'runbooks.id', 'runbookAlertRules.runbookId')
    .select([
      'runbookAlertRules.id',
      'runbookAlertRules.runbookId',
      'runbookAlertRules.alertname',
      'runbookAlertRules.matchers',
    ])
    .where('runbooks.archivedAt', 'is', null)
    .where((eb) =>
      eb.or([
        ...(q.teamId ? [eb('runbooks.teamId', '=', q.teamId)] : []),
        eb(
          'runbooks.id',
          'in',
          eb.selectFrom('runbookServices').select('runbookId').where('serviceId', '=', q.serviceId),
        ),
      ]),
    )
    .where((eb) =>
      eb.or([
        eb('runbookAlertRules.alertname', 'is', null),
        ...(names.length ? [eb('runbookAlertRules.alertname', 'in', names)] : []),
      ]),
    )
    .orderBy('runbooks.title')
    .orderBy('runbookAlertRules.id')
    .limit(2000)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    runbookId: r.runbookId,
    alertname: r.alertname,
    matchers: fromJsonText<Matcher[]>(r.matchers, []),
  }));
}

/** Runbooks (not archived) linked to any of the services, by title. */
export async function runbookIdsForServices(ex: Executor, serviceIds: string[]): Promise<string[]> {
  if (serviceIds.length === 0) return [];
  const rows = await ex
    .selectFrom('runbookServices')
    .innerJoin('runbooks', 'runbooks.id', 'runbookServices.runbookId')
    .select('runbooks.id')
    .distinct()
    .where('runbookServices.serviceId', 'in', serviceIds)
    .where('runbooks.archivedAt', 'is', null)
    .orderBy('runbooks.id')
    .execute();
  return rows.map((r) => r.id);
}

export interface AlertHead {
  id: string;
  serviceId: string;
  teamId: string | null;
  ruleKey: string;
  labels: Record<string, string>;
  context: { kind: string; url: string }[];
}

export async function alertHead(ex: Executor, alertId: string): Promise<AlertHead | null> {
  const row = await ex
    .selectFrom('alerts')
    .leftJoin('services', 'services.id', 'alerts.serviceId')
    .select(['alerts.id', 'alerts.serviceId', 'services.teamId', 'alerts.ruleKey', 'alerts.labels', 'alerts.context'])
    .where('alerts.id', '=', alertId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    serviceId: row.serviceId,
    teamId: row.teamId ?? null,
    ruleKey: row.ruleKey,
    labels: fromJsonText<Record<string, string>>(row.labels, {}),
    context: fromJsonText<{ kind: string; url: string }[]>(row.context, []),
  };
}

/** The alert's own runbook link (a `runbook_url` annotation or a link the source named so), if any. */
export const externalRunbookUrl = (a: AlertHead): string | null =>
  a.context.find((l) => l.kind === 'runbook')?.url ?? null;

export async function incidentLinks(
  ex: Executor,
  incidentId: string,
): Promise<{ exists: boolean; serviceIds: string[]; alertIds: string[] }> {
  const inc = await ex.selectFrom('incidents').select('id').where('id', '=', incidentId).executeTakeFirst();
  if (!inc) return { exists: false, serviceIds: [], alertIds: [] };
  const [services, alerts] = await Promise.all([
    ex
      .selectFrom('incidentServices')
      .select('serviceId')
      .where('incidentId', '=', incidentId)
      .orderBy('createdAt')
      .execute(),
    ex
      .selectFrom('incidentAlerts')
      .select('alertId')
      .where('incidentId', '=', incidentId)
      .orderBy('linkedAt')
      .limit(200)
      .execute(),
  ]);
  return { exists: true, serviceIds: services.map((s) => s.serviceId), alertIds: alerts.map((a) => a.alertId) };
}

/** Runbooks an automation rule suggested for the incident (firings of 'suggest_runbook' rules that were done). */
export async function suggestedRunbookIds(ex: Executor, incidentId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('automationFirings')
    .innerJoin('automationRules', 'automationRules.id', 'automationFirings.ruleId')
    .select(['automationRules.actionConfig'])
    .where('automationFirings.incidentId', '=', incidentId)
    .where('automationFirings.outcome', '=', 'done')
    .where('automationRules.action', '=', 'suggest_runbook')
    .orderBy('automationFirings.firedAt')
    .execute();
  const ids: string[] = [];
  for (const r of rows) {
    let id: unknown;
    try {
      id = fromJsonText<{ runbookId?: unknown }>(r.actionConfig, {}).runbookId;
    } catch {
      id = undefined;
    }
    if (typeof id === 'string' && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The latest version's author, when a person (the last editor, who hears when the runbook goes stale). */
export async function lastEditorOf(ex: Executor, runbookId: string): Promise<string | null> {
  const row = await ex
    .selectFrom('runbookVersions')
    .select('authorUserId')
    .where('runbookId', '=', runbookId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.authorUserId ?? null;
}

export async function isActiveUser(ex: Executor, userId: string): Promise<boolean> {
  const row = await ex
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .where('disabledAt', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The actions of a runbook as its page shows them: remediation's own reading of the row (src/remediation/repo.ts
 * `toAction`), without the HTTP or agent configuration. Secrets never leave the row either way.
 */
export type ActionSummary = Omit<Action, 'http' | 'agent' | 'createdAt' | 'updatedAt'> & { updatedAt: string };

export async function actionsOf(ex: Executor, runbookIds: string[]): Promise<Map<string, ActionSummary[]>> {
  const out = new Map<string, ActionSummary[]>();
  if (runbookIds.length === 0) return out;
  const rows = await ex
    .selectFrom('remediationActions')
    .selectAll()
    .where('runbookId', 'in', runbookIds)
    .orderBy('name')
    .orderBy('id')
    .execute();
  for (const row of rows) {
    const { http: _http, agent: _agent, createdAt: _createdAt, updatedAt, ...summary } = toAction(row);
    const list = out.get(summary.runbookId ?? '') ?? [];
    list.push({ ...summary, updatedAt: toIso(updatedAt) });
    out.set(summary.runbookId ?? '', list);
  }
  return out;
}
