/**
 * `automation.evaluate`: one durable job per trigger (a new alert, a declaration, a milestone), enqueued in the
 * transaction of the change by the hooks of service.ts. It loads the subject, evaluates the enabled rules of the
 * teams it concerns and fires each matching rule at most once per incident (or per alert while it has none): the
 * unique `(rule_id, subject_id)` insert of `automation_firings` in the job's own transaction decides, so a retried job
 * never fires twice. Each rule runs in a savepoint: one that fails is recorded `failed` and the others still fire.
 * Nothing here talks to the network: pages are durable deliveries and actions are queued runs.
 */
import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import { isDatabaseUnavailable } from '../db/health.js';
import { systemActor, type Actor } from '../identity/index.js';
import { appendEvent, lockIncident } from '../incidents/repo.js';
import type { JobHandler } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import { onCallUserIds } from '../oncall/index.js';
import { planStep, snapshotOf, type EscalationTarget } from '../escalation/index.js';
import { toPolicy } from '../escalation/policies.js';
import { isAppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText } from '../shared/json.js';
import type { Logger } from '../shared/logger.js';
import {
  conditionsHold,
  subjectOf,
  type Milestone,
  type Outcome,
  type Rule,
  type Subject,
  type Trigger,
} from './model.js';
import { enabledRules } from './repo.js';

export const AUTOMATION_EVALUATE_JOB = 'automation.evaluate';

export interface EvaluatePayload {
  trigger: Trigger;
  alertId?: string;
  incidentId?: string;
  milestone?: Milestone;
}

/** What remediation (src/remediation) gives the job; src/server.ts adapts the RemediationService to it. */
export interface RemediationHook {
  /** Request a run of an action in this transaction (enqueue only); the action's own mode applies. */
  requestRun(
    trx: Executor,
    input: { actionId: string; alertId: string | null; incidentId: string | null; ruleId: string },
  ): Promise<{ id: string; status: string }>;
  /** The team's automatic actions whose conditions match a new alert (rate limit and kill switch apply). */
  maybeRunAutomatic(trx: Executor, alertId: string): Promise<void>;
}

export interface EvaluateDeps {
  notify: Pick<NotifyService, 'notifyUser'>;
  publicUrl: () => string;
  remediation: RemediationHook;
  /** Nudge an incident room in this process after the commit. */
  poke: (incidentId: string) => void;
  /**
   * Post a status update as a person's is posted (IncidentService.postStatusUpdateIn: the timeline, the audit and the
   * incident's Slack channel), in this transaction; null when the incident is gone.
   */
  postStatusUpdateIn: (
    trx: Executor,
    actor: Actor,
    incidentId: string,
    message: string,
    now: number,
  ) => Promise<unknown>;
  log?: Logger;
}

interface Loaded {
  subject: Subject;
  teamIds: string[];
  incidentId: string | null;
  alertId: string | null;
  title: string;
}

interface Done {
  outcome: Outcome;
  detail: string;
  runId?: string | null;
}

export function evaluateHandler(deps: EvaluateDeps): JobHandler<EvaluatePayload> {
  return async (ctx) => {
    const p = ctx.job.payload;
    const now = ctx.clock.now();
    const engine = ctx.db.engine;
    const touched = await ctx.complete(async (trx) => {
      const out = new Set<string>();
      // Automatic remediation actions share this job (one hop after intake): src/remediation decides. First, so that
      // a rule running the same action sees that run and does not run it twice for the alert.
      if (p.trigger === 'alert_triggered' && p.alertId) await deps.remediation.maybeRunAutomatic(trx, p.alertId);
      const loaded = await loadSubject(trx, p);
      if (loaded) {
        for (const rule of await enabledRules(trx, loaded.teamIds, p.trigger)) {
          if (!conditionsHold(p.trigger, rule.conditions, loaded.subject)) continue;
          if (await fireOnce(deps, trx, engine, rule, loaded, now)) {
            if (loaded.incidentId) out.add(loaded.incidentId);
          }
        }
      }
      return out;
    });
    for (const id of touched) deps.poke(id);
  };
}

/** Insert the firing (once per rule and subject), act, record the outcome; false when it had fired already. */
async function fireOnce(
  deps: EvaluateDeps,
  trx: Executor,
  engine: Db['engine'],
  rule: Rule,
  s: Loaded,
  now: number,
): Promise<boolean> {
  const id = newId('afr', now);
  const subjectId = subjectOf(s);
  await sql`savepoint automation_rule`.execute(trx);
  try {
    const inserted = await trx
      .insertInto('automationFirings')
      .values({
        id,
        ruleId: rule.id,
        subjectId,
        incidentId: s.incidentId,
        alertId: s.alertId,
        outcome: 'done',
        detail: '',
        runId: null,
        firedAt: now,
      })
      .onConflict((oc) => oc.columns(['ruleId', 'subjectId']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
      await sql`release savepoint automation_rule`.execute(trx);
      return false;
    }
    const done = await act(deps, trx, engine, rule, s, id, now);
    await trx
      .updateTable('automationFirings')
      .set({ outcome: done.outcome, detail: done.detail.slice(0, 2000), runId: done.runId ?? null })
      .where('id', '=', id)
      .execute();
    await sql`release savepoint automation_rule`.execute(trx);
    return true;
  } catch (e) {
    // A database that is away is not this rule's fault: the whole job retries.
    if (isDatabaseUnavailable(e)) throw e;
    await sql`rollback to savepoint automation_rule`.execute(trx);
    await sql`release savepoint automation_rule`.execute(trx);
    const detail = isAppError(e) ? withProblems(e.message, e.details) : 'an unexpected error (see the server log)';
    if (!isAppError(e)) deps.log?.error({ err: e, ruleId: rule.id, subjectId }, 'automation rule failed');
    await trx
      .insertInto('automationFirings')
      .values({
        id,
        ruleId: rule.id,
        subjectId,
        incidentId: s.incidentId,
        alertId: s.alertId,
        // The action's hourly limit reached is the limit working, not a failure.
        outcome: isAppError(e) && e.code === 'rate_limited' ? 'skipped' : 'failed',
        detail: detail.slice(0, 2000),
        runId: null,
        firedAt: now,
      })
      .onConflict((oc) => oc.columns(['ruleId', 'subjectId']).doNothing())
      .execute();
    return true;
  }
}

/** An error's message with the fields it names (a refused parameter says which), for the firing's detail. */
function withProblems(message: string, details: unknown): string {
  const problems = (details as { problems?: { field?: unknown; message?: unknown }[] } | null)?.problems;
  if (!Array.isArray(problems) || !problems.length) return message;
  const named = problems
    .filter((p) => typeof p.field === 'string')
    .map((p) => `${p.field as string} ${typeof p.message === 'string' ? p.message : ''}`.trim());
  return named.length ? `${message} (${named.join('; ')})` : message;
}

const ruleActor = (rule: Rule) => systemActor(`Automation rule "${rule.name}"`);

async function act(
  deps: EvaluateDeps,
  trx: Executor,
  engine: Db['engine'],
  rule: Rule,
  s: Loaded,
  firingId: string,
  now: number,
): Promise<Done> {
  const cfg = rule.actionConfig;
  const note = async (body: string, details: Record<string, unknown>) => {
    if (!s.incidentId) return;
    if (!(await lockIncident(trx, engine, s.incidentId))) return;
    await appendEvent(
      trx,
      engine,
      s.incidentId,
      { kind: 'automation', actorUserId: null, actorLabel: ruleActor(rule).label, body, details },
      now,
    );
  };
  const base = { ruleId: rule.id, ruleName: rule.name, firingId };
  switch (rule.action) {
    case 'suggest_runbook': {
      const rb = await trx
        .selectFrom('runbooks')
        .select(['id', 'title', 'archivedAt'])
        .where('id', '=', cfg.runbookId ?? '')
        .executeTakeFirst();
      if (!rb || rb.archivedAt !== null) return { outcome: 'skipped', detail: 'the runbook no longer exists' };
      await note(`Suggested runbook: ${rb.title}`, {
        ...base,
        action: 'suggest_runbook',
        runbookId: rb.id,
        url: `/runbooks/${rb.id}`,
      });
      return {
        outcome: 'done',
        detail: s.incidentId ? `Suggested runbook: ${rb.title}` : `Suggested runbook: ${rb.title} (for the alert)`,
      };
    }
    case 'run_action': {
      const action = await trx
        .selectFrom('remediationActions')
        .select(['id', 'teamId', 'name'])
        .where('id', '=', cfg.actionId ?? '')
        .executeTakeFirst();
      if (!action) return { outcome: 'skipped', detail: 'The action no longer exists.' };
      // The team's kill switch stops every run Muster starts by itself, a rule's as an automatic action's.
      const settings = await trx
        .selectFrom('teamAutomationSettings')
        .select(['automaticPaused', 'pausedReason'])
        .where('teamId', '=', action.teamId)
        .executeTakeFirst();
      if (settings && Number(settings.automaticPaused) === 1)
        return {
          outcome: 'skipped',
          detail: `Automation is paused for the team${settings.pausedReason ? ` (${settings.pausedReason})` : ''}: ${action.name} did not run.`,
        };
      // Once per alert or incident: an automatic action whose own conditions matched this alert has run already.
      const earlier = await trx
        .selectFrom('remediationRuns')
        .select(['id', 'status'])
        .where('actionId', '=', action.id)
        .where('trigger', 'in', ['automatic', 'rule'])
        .where('status', '!=', 'skipped')
        .where((eb) =>
          eb.or([
            ...(s.alertId ? [eb('alertId', '=', s.alertId)] : []),
            ...(s.incidentId ? [eb('incidentId', '=', s.incidentId)] : []),
          ]),
        )
        .orderBy('id')
        .executeTakeFirst();
      if (earlier)
        return {
          outcome: 'skipped',
          detail: `${action.name} already ran for this ${s.incidentId ? 'incident' : 'alert'} (${earlier.status.replace(/_/g, ' ')}).`,
          runId: earlier.id,
        };
      const run = await deps.remediation.requestRun(trx, {
        actionId: action.id,
        alertId: s.alertId,
        incidentId: s.incidentId,
        ruleId: rule.id,
      });
      return {
        outcome: 'done',
        detail: `Requested a run of ${action.name} (${run.status.replace(/_/g, ' ')})`,
        runId: run.id,
      };
    }
    case 'page': {
      const { userIds, target } = await pageTargets(trx, cfg, now);
      if (!userIds.length) return { outcome: 'skipped', detail: `Nobody to page: ${target}` };
      const link = s.incidentId ? `/incidents/${s.incidentId}` : `/alerts/${s.alertId}`;
      for (const userId of userIds) {
        await deps.notify.notifyUser(
          trx,
          {
            userId,
            urgency: 'high',
            key: `automation:${rule.id}:${subjectOf(s)}:${userId}`,
            // An alert's page is skipped once the alert is acknowledged or resolved, as escalation's are.
            ...(s.incidentId ? {} : { alertId: s.alertId }),
            message: {
              subject: `[Muster] ${cfg.message ?? rule.name}`,
              body: `${cfg.message ?? ''}\n\n${s.title}\n(Automation rule "${rule.name}".)`,
              url: `${deps.publicUrl()}${link}`,
              ...(s.subject.isDrill ? { drill: true } : {}),
            },
          },
          now,
        );
      }
      const names = await trx.selectFrom('users').select('name').where('id', 'in', userIds).execute();
      const who = names.map((n) => n.name).join(', ');
      await note(`Paged ${who} (${target}): ${cfg.message ?? ''}`, { ...base, action: 'page', userIds });
      return { outcome: 'done', detail: `Paged ${who} (${target})` };
    }
    case 'post_update': {
      if (!s.incidentId) return { outcome: 'skipped', detail: 'There is no incident to post an update on.' };
      const posted = await deps.postStatusUpdateIn(trx, ruleActor(rule), s.incidentId, cfg.message ?? '', now);
      if (!posted) return { outcome: 'skipped', detail: 'The incident no longer exists.' };
      return { outcome: 'done', detail: 'Posted a status update' };
    }
  }
}

/** Who a page reaches: the user; whoever is on call for the schedule; the policy's first level with someone on call. */
async function pageTargets(
  trx: Executor,
  cfg: Rule['actionConfig'],
  now: number,
): Promise<{ userIds: string[]; target: string }> {
  if (cfg.userId) {
    const u = await trx.selectFrom('users').select('disabledAt').where('id', '=', cfg.userId).executeTakeFirst();
    return { userIds: u && u.disabledAt === null ? [cfg.userId] : [], target: 'the user' };
  }
  if (cfg.scheduleId) {
    const s = await trx.selectFrom('schedules').select('name').where('id', '=', cfg.scheduleId).executeTakeFirst();
    const target = `on call for ${s?.name ?? 'a deleted schedule'}`;
    return { userIds: s ? await onCallUserIds(trx, cfg.scheduleId, now) : [], target };
  }
  const row = await trx
    .selectFrom('escalationPolicies')
    .selectAll()
    .where('id', '=', cfg.escalationPolicyId ?? '')
    .executeTakeFirst();
  if (!row) return { userIds: [], target: 'a deleted escalation policy' };
  const snapshot = snapshotOf(toPolicy(row));
  const onCall = new Map<string, string[]>();
  for (const t of snapshot.levels.flatMap((l) => l.targets)) {
    if (t.type === 'schedule' && !onCall.has(t.id)) onCall.set(t.id, await onCallUserIds(trx, t.id, now));
  }
  const resolve = (t: EscalationTarget) => (t.type === 'user' ? [t.id] : (onCall.get(t.id) ?? []));
  const plan = planStep(snapshot, { levelIndex: 0, pass: 0 }, now, 'high', resolve);
  return { userIds: plan.kind === 'page' ? plan.page.userIds : [], target: `escalation policy ${snapshot.name}` };
}

/** The alert, or the incident with its services and linked alerts; null when it is gone. */
async function loadSubject(trx: Executor, p: EvaluatePayload): Promise<Loaded | null> {
  if (p.trigger === 'alert_triggered') {
    const a = await trx
      .selectFrom('alerts')
      .innerJoin('services', 'services.id', 'alerts.serviceId')
      .select([
        'alerts.id',
        'alerts.serviceId',
        'alerts.severity',
        'alerts.ruleKey',
        'alerts.labels',
        'alerts.isDrill',
        'alerts.summary',
        'services.teamId',
        'services.name as serviceName',
      ])
      .where('alerts.id', '=', p.alertId ?? '')
      .executeTakeFirst();
    if (!a) return null;
    // Auto-declare may have opened an incident for it already: then the firing counts against that incident.
    const linked = await trx
      .selectFrom('incidentAlerts')
      .select('incidentId')
      .where('alertId', '=', a.id)
      .orderBy('linkedAt')
      .executeTakeFirst();
    return {
      subject: {
        severity: a.severity,
        serviceIds: [a.serviceId],
        alerts: [{ ruleKey: a.ruleKey, labels: fromJsonText<Record<string, string>>(a.labels, {}) }],
        isDrill: Number(a.isDrill) === 1,
      },
      teamIds: [a.teamId],
      incidentId: linked?.incidentId ?? null,
      alertId: a.id,
      title: `Alert on ${a.serviceName}: ${a.summary}`,
    };
  }
  const inc = await trx
    .selectFrom('incidents')
    .select(['id', 'title', 'severity', 'kind'])
    .where('id', '=', p.incidentId ?? '')
    .executeTakeFirst();
  if (!inc) return null;
  const services = await trx
    .selectFrom('incidentServices')
    .innerJoin('services', 'services.id', 'incidentServices.serviceId')
    .select(['services.id', 'services.teamId'])
    .where('incidentServices.incidentId', '=', inc.id)
    .execute();
  const alerts = await trx
    .selectFrom('incidentAlerts')
    .innerJoin('alerts', 'alerts.id', 'incidentAlerts.alertId')
    .select(['alerts.ruleKey', 'alerts.labels'])
    .where('incidentAlerts.incidentId', '=', inc.id)
    .execute();
  return {
    subject: {
      severity: inc.severity,
      serviceIds: services.map((s) => s.id),
      alerts: alerts.map((a) => ({ ruleKey: a.ruleKey, labels: fromJsonText<Record<string, string>>(a.labels, {}) })),
      isDrill: inc.kind === 'drill',
      milestone: p.milestone,
    },
    teamIds: [...new Set(services.map((s) => s.teamId))],
    incidentId: inc.id,
    alertId: null,
    title: `${inc.severity} incident: ${inc.title}`,
  };
}
