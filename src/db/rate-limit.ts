import { createHash } from 'node:crypto';
import { newId } from '../shared/ids.js';
import type { Db } from './index.js';

export interface RateLimitBucket {
  /** What is counted, e.g. `subscribe:ip:203.0.113.7`; hashed before it is stored. */
  key: string;
  /** Requests allowed per window. */
  max: number;
}

/** How long until a bucket holding these hit times (newest last or not) has room again; 0 when it has room now. */
export function retryAfterMs(hits: number[], max: number, windowMs: number, now: number): number {
  const inWindow = hits.filter((at) => at > now - windowMs).sort((a, b) => a - b);
  if (inWindow.length < max) return 0;
  return Math.max(1, inWindow[inWindow.length - max]! + windowMs - now);
}

const bucketId = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 32);

/**
 * Count one request against every bucket, in the database so every process shares the count. Returns 0 when it
 * is allowed (and recorded), or how many ms to wait (nothing recorded). Two processes racing at the limit may both
 * pass once: this guards against abuse, not exact quotas.
 */
export async function takeRateLimit(
  db: Db,
  buckets: RateLimitBucket[],
  windowMs: number,
  now: number,
): Promise<number> {
  const ids = buckets.map((b) => bucketId(b.key));
  const rows = await db.kysely
    .selectFrom('rateLimitHits')
    .select(['bucket', 'at'])
    .where('bucket', 'in', ids)
    .where('at', '>', now - windowMs)
    .execute();
  const wait = Math.max(
    0,
    ...buckets.map((b, i) =>
      retryAfterMs(
        rows.filter((r) => r.bucket === ids[i]).map((r) => r.at),
        b.max,
        windowMs,
        now,
      ),
    ),
  );
  if (wait > 0) return wait;
  await db.kysely.transaction().execute(async (trx) => {
    await trx
      .insertInto('rateLimitHits')
      .values(ids.map((bucket) => ({ id: newId('rlh', now), bucket, at: now })))
      .execute();
    await trx
      .deleteFrom('rateLimitHits')
      .where('at', '<', now - 24 * 60 * 60 * 1000)
      .execute();
  });
  return 0;
}
