/**
 * Who would be paged: a dry run of a service's escalation for an alert raised at a given instant and urgency. It
 * follows a run step by step through the same planner a running escalation uses (`planStepAt`: targets resolved at
 * the step's own instant, level conditions on the policy's working hours, the low-urgency hold), with the policy
 * snapshotted as a new run would snapshot it. Nothing is written and nobody is notified; silences, maintenance windows
 * and flapping are about a real alert's labels and history, so they are not part of the answer.
 */
import type { Db, Executor } from '../db/index.js';
import type { CatalogService } from '../catalog/index.js';
import type { Actor } from '../identity/index.js';
import type { WorkingHours } from '../shared/time.js';
import {
  conditionHolds,
  type EscalationPosition,
  type EscalationTarget,
  type LevelCondition,
  type PolicySnapshot,
  type Urgency,
} from './model.js';
import { planStepAt } from './plan.js';
import { snapshotOf, toPolicy } from './policies.js';

/** More steps than any policy can take (20 levels × 10 passes, each perhaps held once). */
const MAX_STEPS = 500;

export interface PreviewTarget {
  type: EscalationTarget['type'];
  id: string;
  /** The schedule's or the person's name; null when it no longer exists. */
  name: string | null;
  /** Who it comes to at the step's instant: the schedule's on-call person, or the user while not disabled. */
  userIds: string[];
}

export interface PreviewLevelStep {
  at: number;
  levelIndex: number;
  /** 0: the first pass; 1: the first repeat; … */
  pass: number;
  delayMinutes: number;
  condition: LevelCondition;
  /** Whether the level's condition holds at `at` (on the policy's working hours). */
  conditionHolds: boolean;
  targets: PreviewTarget[];
}

export type PreviewStep =
  | { kind: 'hold'; at: number; until: number; reason: 'low_urgency_outside_working_hours' }
  | (PreviewLevelStep & { kind: 'skipped'; reason: 'condition_not_met' | 'nobody_on_call' })
  | (PreviewLevelStep & {
      kind: 'page';
      userIds: string[];
      /** When the next level fires if nobody acknowledges; null: this is the last page. */
      nextAt: number | null;
    });

export type PreviewEnd =
  /** The last level of the last pass paged: nobody is left to escalate to. */
  | 'last_level_paged'
  /** A whole pass of levels was skipped (conditions, nobody on call): the run ends there. */
  | 'exhausted'
  /** The service has no escalation policy: nobody is paged. */
  | 'no_policy'
  /** Stopped after MAX_STEPS (cannot happen with a valid policy). */
  | 'truncated';

export interface EscalationPreview {
  service: { id: string; name: string; slug: string; teamId: string };
  at: number;
  urgency: Urgency;
  policy: {
    id: string;
    name: string;
    repeat: number;
    workingHours: WorkingHours;
    ackTimeoutMinutes: number | null;
    levels: { delayMinutes: number; condition: LevelCondition; targets: EscalationTarget[] }[];
  } | null;
  steps: PreviewStep[];
  end: { kind: PreviewEnd; at: number };
  people: Record<string, { name: string; email: string }>;
}

/** The snapshot a new run of this policy would take (runs.ts `startEscalation` takes the same). */
async function snapshotFor(ex: Executor, policyId: string | null): Promise<PolicySnapshot | null> {
  if (!policyId) return null;
  const row = await ex.selectFrom('escalationPolicies').selectAll().where('id', '=', policyId).executeTakeFirst();
  return row ? snapshotOf(toPolicy(row)) : null;
}

/** Walk a run from `at` through the shared planner. Pure apart from the reads `planStepAt` does. */
export async function previewSteps(
  ex: Executor,
  snapshot: PolicySnapshot,
  at: number,
  urgency: Urgency,
): Promise<{ steps: PreviewStep[]; end: { kind: PreviewEnd; at: number } }> {
  const steps: PreviewStep[] = [];
  let now = at;
  let position: EscalationPosition = { levelIndex: 0, pass: 0 };
  for (let i = 0; i < MAX_STEPS; i++) {
    const { plan, resolve } = await planStepAt(ex, snapshot, position, now, urgency);
    const level = (p: EscalationPosition): PreviewLevelStep => {
      const l = snapshot.levels[p.levelIndex]!;
      const condition = l.condition ?? { kind: 'always' };
      return {
        at: now,
        levelIndex: p.levelIndex,
        pass: p.pass,
        delayMinutes: l.delayMinutes,
        condition,
        conditionHolds: conditionHolds(condition, now, snapshot.workingHours),
        targets: l.targets.map((t) => ({ type: t.type, id: t.id, name: null, userIds: resolve(t) })),
      };
    };
    if (plan.kind === 'hold') {
      // A running escalation holds, then plans the same position again when working hours begin.
      steps.push({ kind: 'hold', at: now, until: plan.until, reason: plan.reason });
      if (plan.until <= now) return { steps, end: { kind: 'truncated', at: now } };
      now = plan.until;
      continue;
    }
    for (const s of plan.skipped) steps.push({ ...level(s), kind: 'skipped', reason: s.reason });
    if (plan.kind === 'exhausted') return { steps, end: { kind: 'exhausted', at: now } };
    steps.push({ ...level(plan.page), kind: 'page', userIds: plan.page.userIds, nextAt: plan.next?.at ?? null });
    if (!plan.next) return { steps, end: { kind: 'last_level_paged', at: now } };
    position = plan.next.position;
    now = plan.next.at;
  }
  return { steps, end: { kind: 'truncated', at: now } };
}

export class EscalationPreviewService {
  constructor(private readonly deps: { db: Db; catalog: CatalogService }) {}

  /** Who would be paged for an alert on this service at `at` with this urgency. */
  async preview(actor: Actor, serviceRef: string, at: number, urgency: Urgency): Promise<EscalationPreview> {
    const service = await this.deps.catalog.get(actor, serviceRef);
    const ex = this.deps.db.kysely;
    const snapshot = await snapshotFor(ex, service.escalationPolicyId);
    const head = {
      service: { id: service.id, name: service.name, slug: service.slug, teamId: service.teamId },
      at,
      urgency,
    };
    if (!snapshot) return { ...head, policy: null, steps: [], end: { kind: 'no_policy', at }, people: {} };
    const { steps, end } = await previewSteps(ex, snapshot, at, urgency);
    // Names, read once for every target and person the walk met.
    const targets = steps.flatMap((s) => (s.kind === 'hold' ? [] : s.targets));
    const scheduleIds = [...new Set(targets.filter((t) => t.type === 'schedule').map((t) => t.id))];
    const userIds = [
      ...new Set([...targets.filter((t) => t.type === 'user').map((t) => t.id), ...targets.flatMap((t) => t.userIds)]),
    ];
    const schedules = scheduleIds.length
      ? await ex.selectFrom('schedules').select(['id', 'name']).where('id', 'in', scheduleIds).execute()
      : [];
    const users = userIds.length
      ? await ex.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', userIds).execute()
      : [];
    const scheduleName = new Map(schedules.map((s) => [s.id, s.name]));
    const people = Object.fromEntries(users.map((u) => [u.id, { name: u.name, email: u.email }]));
    for (const t of targets) {
      t.name = t.type === 'schedule' ? (scheduleName.get(t.id) ?? null) : (people[t.id]?.name ?? null);
    }
    return {
      ...head,
      policy: {
        id: snapshot.policyId,
        name: snapshot.name,
        repeat: snapshot.repeat,
        workingHours: snapshot.workingHours,
        ackTimeoutMinutes: snapshot.ackTimeoutMinutes ?? null,
        levels: snapshot.levels.map((l) => ({
          delayMinutes: l.delayMinutes,
          condition: l.condition ?? { kind: 'always' },
          targets: l.targets,
        })),
      },
      steps,
      end,
      people,
    };
  }
}
