/**
 * Step 5 of the page path on PostgreSQL for a batch of sent pages, as ONE statement (issue 18): the record
 * transaction was six round trips (begin, the deliveries locked, the attempts inserted, the deliveries updated, the
 * jobs completed, commit); a single statement is atomic on its own, so it needs neither begin nor commit.
 *
 * The same rules as the transaction it replaces (src/notify/jobs.ts, recordSentMany):
 *   - the deliveries are locked first, in id order (`l`), as the transaction's `select … for update order by id` did,
 *     so two batches, or a batch and a claim, never lock them in opposite orders;
 *   - each delivery is recorded only while it is still `sending` under this run's claim token (fenced on the claim);
 *     the update re-checks that on the locked row, as the transaction's check after its locking read did;
 *   - an attempt row is inserted for each delivery recorded, and none for the others;
 *   - every run's job is completed, fenced on its run (`status = 'running' and fence = …`), recorded or not.
 * PostgreSQL runs every part of a statement, referenced or not, and checks foreign keys at its end.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';

export interface SentRecord {
  deliveryId: string;
  /** The claim this run holds (PostgreSQL claims always write one). */
  claimToken: string;
  /** The id of the attempt row to insert if the delivery is recorded. */
  attemptId: string;
  providerMessageId: string | null;
  jobId: string;
  fence: number;
}

const recordSentQ = prepared(
  'notify.recordSentPg',
  (ex: Executor, items: SentRecord[], now: number) =>
    sql<{ kind: 'd' | 'j'; id: string; token: string | null }>`
with v (delivery_id, token, attempt_id, provider_message_id, job_id, fence) as (
  values ${sql.join(
    items.map(
      (i) =>
        sql`(${i.deliveryId}::text, ${i.claimToken}::text, ${i.attemptId}::text, ${i.providerMessageId}::text, ${i.jobId}::text, ${i.fence}::bigint)`,
    ),
  )}
),
l as materialized (
  select id from notification_deliveries where id in (select delivery_id from v) order by id for update
),
d as (
  update notification_deliveries as nd
  set status = 'sent', finished_at = ${now}::bigint, updated_at = ${now}::bigint, attempts = nd.attempts + 1,
    last_error = null, claim_token = null, claimed_until = null,
    provider_message_id = coalesce(v.provider_message_id, nd.provider_message_id)
  from v join l on l.id = v.delivery_id
  where nd.id = v.delivery_id and nd.status = 'sending' and nd.claim_token = v.token
  returning nd.id, v.token, nd.user_id, nd.alert_id, nd.channel, v.attempt_id, v.provider_message_id
),
a as (
  insert into notification_attempts
    (id, delivery_id, user_id, alert_id, channel, status, is_permanent, error, provider_message_id, at)
  select attempt_id, id, user_id, alert_id, channel, 'sent', 0, null, provider_message_id, ${now}::bigint from d
),
j as (
  update jobs
  set status = 'succeeded', finished_at = ${now}::bigint, updated_at = ${now}::bigint, locked_by = null,
    locked_until = null, last_error = null
  where status = 'running' and (id, fence) in (select job_id, fence from v)
  returning id
)
select 'd' as kind, id, token from d union all select 'j' as kind, id, null as token from j`,
  { nullIsValue: true },
);

/**
 * Record a batch of sent pages in one statement. Returns, per item, whether its delivery was recorded (it was still
 * claimed by this run) and whether its job run was completed (it still held the run).
 */
export async function recordSentPg(
  ex: Executor,
  items: readonly SentRecord[],
  now: number,
): Promise<{ recorded: boolean[]; completed: boolean[] }> {
  if (items.length === 0) return { recorded: [], completed: [] };
  const rows = await rowsOf(ex, recordSentQ(ex, [...items], now));
  const recorded = new Set(rows.filter((r) => r.kind === 'd').map((r) => `${r.id}\n${r.token}`));
  const completed = new Set(rows.filter((r) => r.kind === 'j').map((r) => r.id));
  return {
    recorded: items.map((i) => recorded.has(`${i.deliveryId}\n${i.claimToken}`)),
    completed: items.map((i) => completed.has(i.jobId)),
  };
}
