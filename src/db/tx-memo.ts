import type { Executor } from './index.js';

const memos = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * A read remembered for the rest of one transaction (keyed by its executor object, so it goes with it): intake
 * applies dozens of alerts in one transaction and each would otherwise read the same service, policy and contact
 * rules again, a round trip apiece on PostgreSQL. Only for rows the transaction does not write; outside a
 * transaction it simply reads.
 */
export function memoInTransaction<T>(ex: Executor, key: string, load: () => Promise<T>): Promise<T> {
  if (!ex.isTransaction) return load();
  let memo = memos.get(ex);
  if (!memo) memos.set(ex, (memo = new Map<string, Promise<unknown>>()));
  const hit = memo.get(key) as Promise<T> | undefined;
  if (hit) return hit;
  const loaded = load();
  memo.set(key, loaded);
  loaded.catch(() => memo.delete(key));
  return loaded;
}

/**
 * Remember a value the caller already knows for the rest of the transaction, so a later `memoInTransaction` with the
 * same key does not read it (intake knows each new alert's group key; escalation would read it back).
 */
export function primeMemo<T>(ex: Executor, key: string, value: T): void {
  if (!ex.isTransaction) return;
  let memo = memos.get(ex);
  if (!memo) memos.set(ex, (memo = new Map<string, Promise<unknown>>()));
  memo.set(key, Promise.resolve(value));
}

/** Forget a remembered value (the transaction has changed what it was read from). */
export function forgetMemo(ex: Executor, key: string): void {
  memos.get(ex)?.delete(key);
}
