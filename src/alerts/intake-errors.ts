/**
 * The intake error log (`intake_errors`, migration 0016): every alert a delivery carried that intake could not apply,
 * and every message it could not read at all when its integration key was valid, with the raw item (at most
 * RAW_ITEM_MAX bytes) and the reason. The rest of a partly bad message is applied and answered 2xx: Alertmanager
 * and Grafana do not retry a 4xx, so refusing the whole message would lose its good alerts. The service's team reads
 * the log (`GET /api/services/{id}/intake-errors`, `muster alerts intake-errors`, the service page); it is pruned with
 * the received bodies (alerts.prunePayloads).
 */
import { withoutIntegrationKey, type IntakeKey } from '../catalog/index.js';
import type { Executor } from '../db/index.js';
import type { FieldProblem } from '../shared/errors.js';
import { idFloor, newId } from '../shared/ids.js';
import type { RejectedItem } from './alertmanager.js';

export const RAW_ITEM_MAX = 16 * 1024;
const ID_PREFIX = 'ier';

export interface IntakeError {
  id: string;
  serviceId: string;
  integrationKeyId: string;
  payloadId: string | null;
  source: string;
  itemIndex: number | null;
  field: string;
  reason: string;
  rawItem: string;
  rawTruncated: boolean;
  receivedAt: number;
}

/** The raw item as text of at most RAW_ITEM_MAX bytes (a string is kept as sent: a body that was not JSON). */
export function rawItemText(item: unknown): { text: string; truncated: boolean } {
  let text: string;
  // A body that was not JSON is kept as sent, but for NUL, which PostgreSQL text cannot hold (written as JSON does).
  if (typeof item === 'string') text = item.replaceAll('\u0000', '\\u0000');
  else {
    try {
      text = JSON.stringify(withoutIntegrationKey(item) ?? null);
    } catch {
      // Nested too deep for the serialiser (or otherwise unserialisable): say so rather than fail the delivery.
      return { text: '(the item could not be serialised: nested too deeply)', truncated: true };
    }
  }
  if (text.length * 3 <= RAW_ITEM_MAX || Buffer.byteLength(text) <= RAW_ITEM_MAX) return { text, truncated: false };
  const cut = Buffer.from(text)
    .subarray(0, RAW_ITEM_MAX)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return { text: cut, truncated: true };
}

export function describeProblems(problems: FieldProblem[]): { field: string; reason: string } {
  return {
    field: problems.map((p) => p.field).join(', ') || 'body',
    reason: problems.map((p) => `${p.field} ${p.message}`).join('; ') || 'could not be applied',
  };
}

/** Record rejected items, in the caller's transaction (the delivery's, so they commit with its valid alerts). */
export async function recordIntakeErrors(
  ex: Executor,
  key: IntakeKey,
  source: string,
  payloadId: string | null,
  items: RejectedItem[],
  now: number,
): Promise<void> {
  if (items.length === 0) return;
  await ex
    .insertInto('intakeErrors')
    .values(
      items.map((r) => {
        const raw = rawItemText(r.item);
        return {
          id: newId(ID_PREFIX, now),
          serviceId: key.serviceId,
          integrationKeyId: key.keyId,
          payloadId,
          source,
          itemIndex: r.index,
          ...describeProblems(r.problems),
          rawItem: raw.text,
          rawTruncated: raw.truncated ? 1 : 0,
          receivedAt: now,
        };
      }),
    )
    .execute();
}

export const INTAKE_ERRORS_PAGE_MAX = 200;

/** A service's intake errors, newest first; `before` is the last id of the previous page (keyset). */
export async function listIntakeErrors(
  ex: Executor,
  serviceId: string,
  opts: { before?: string | undefined; limit: number },
): Promise<{ errors: IntakeError[]; nextBefore: string | null }> {
  let q = ex.selectFrom('intakeErrors').selectAll().where('serviceId', '=', serviceId);
  if (opts.before) q = q.where('id', '<', opts.before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(opts.limit + 1)
    .execute();
  const page = rows.slice(0, opts.limit).map((r) => ({
    ...r,
    itemIndex: r.itemIndex === null ? null : Number(r.itemIndex),
    rawTruncated: Number(r.rawTruncated) === 1,
    receivedAt: Number(r.receivedAt),
  }));
  return { errors: page, nextBefore: rows.length > opts.limit ? page[page.length - 1]!.id : null };
}

/** Delete errors recorded before `before`, in chunks (one short statement at a time); returns how many went. */
export async function pruneIntakeErrors(ex: Executor, before: number, chunk = 5000): Promise<number> {
  const floor = idFloor(ID_PREFIX, before);
  let total = 0;
  for (;;) {
    const ids = (
      await ex.selectFrom('intakeErrors').select('id').where('id', '<', floor).orderBy('id').limit(chunk).execute()
    ).map((r) => r.id);
    if (ids.length === 0) return total;
    await ex.deleteFrom('intakeErrors').where('id', 'in', ids).execute();
    total += ids.length;
    if (ids.length < chunk) return total;
  }
}
