/** Pages as recorded in the escalation log, for reports elsewhere (on-call health, hand-off summaries). */
import type { Executor } from '../db/index.js';
import { fromJsonText } from '../shared/json.js';

export interface PageReceived {
  userId: string;
  alertId: string;
  at: number;
}

/** One entry per person named in a 'paged' log entry with `from <= at < to`, ordered by time. */
export async function pagesBetween(ex: Executor, from: number, to: number): Promise<PageReceived[]> {
  const rows = await ex
    .selectFrom('escalationLog')
    .select(['alertId', 'at', 'userIds'])
    .where('kind', '=', 'paged')
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.flatMap((r) =>
    fromJsonText<string[]>(r.userIds, []).map((userId) => ({ userId, alertId: r.alertId, at: r.at })),
  );
}
