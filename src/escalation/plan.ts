/**
 * One escalation step's plan against the database: who each target resolves to at `now` (schedules through the
 * on-call domain's final schedule, users while they are not disabled), then the pure step planner (model.ts), which
 * applies level conditions and the low-urgency hold. A running escalation (runs.ts, `runStep`) and the preview of
 * who would be paged (preview.ts) both plan through `planStepAt`, so the preview cannot drift from what paging does.
 */
import { memoInTransaction, type Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import { onCallUserIds } from '../oncall/index.js';
import {
  planStep,
  type EscalationPosition,
  type EscalationTarget,
  type PolicySnapshot,
  type StepPlan,
  type Urgency,
} from './model.js';

const activeUsersQ = prepared('escalation.activeUsers', (ex: Executor, userIds: string[]) =>
  ex.selectFrom('users').select('id').where('disabledAt', 'is', null).where('id', 'in', userIds),
);

/** Resolve every target of the snapshot at `now`: the answer is a plain lookup, as the pure planner wants. */
export async function resolveTargets(
  ex: Executor,
  snapshot: PolicySnapshot,
  now: number,
): Promise<(t: EscalationTarget) => string[]> {
  const scheduleIds = [
    ...new Set(snapshot.levels.flatMap((l) => l.targets.filter((t) => t.type === 'schedule').map((t) => t.id))),
  ];
  const onCall = new Map<string, string[]>();
  for (const id of scheduleIds) onCall.set(id, await onCallUserIds(ex, id, now));
  const userIds = [
    ...new Set(snapshot.levels.flatMap((l) => l.targets.filter((t) => t.type === 'user').map((t) => t.id))),
  ];
  const activeUsers = new Set(
    userIds.length === 0
      ? []
      : await memoInTransaction(ex, `active-users:${userIds.join(',')}`, async () =>
          (await rowsOf(ex, activeUsersQ(ex, userIds))).map((u) => u.id),
        ),
  );
  return (t) => (t.type === 'user' ? (activeUsers.has(t.id) ? [t.id] : []) : (onCall.get(t.id) ?? []));
}

/**
 * Plan the step at `position` at `now`, with targets resolved at `now`. Returns the resolver too, so a caller can
 * say what each target of a level came to (the preview lists them).
 */
export async function planStepAt(
  ex: Executor,
  snapshot: PolicySnapshot,
  position: EscalationPosition,
  now: number,
  urgency: Urgency,
): Promise<{ plan: StepPlan; resolve: (t: EscalationTarget) => string[] }> {
  const resolve = await resolveTargets(ex, snapshot, now);
  return { plan: planStep(snapshot, position, now, urgency, resolve), resolve };
}
