/**
 * Reads asked for at about the same time, sent as one statement (DataLoader-style coalescing, without its cache).
 *
 * The first `read(key)` opens a batch and schedules it for the next turn of the event loop (`setImmediate`); every
 * `read` asked before then joins it, and the batch is read with ONE call of `readMany(keys)` (or at once when it
 * holds `maxBatch` distinct keys). A `read` asked once a batch's statement has started goes into the next batch,
 * never onto the one in flight, and nothing is remembered after a batch settles: every answer was read after its
 * caller asked, exactly as a read of its own would have been (a row changed before the caller asked is never
 * answered from an older read). If `readMany` fails, every read waiting on that batch fails with its error.
 *
 * For reads through the root handle outside any transaction (intake's integration key lookup, issue 18). A caller
 * inside a transaction is not put in a batch: it reads alone in its own async context, so the database guard
 * (src/db/guard.ts) refuses it as it would any root-handle read there, and it cannot fail the others' batch.
 */
import { isInTransaction, outsideTransaction } from './tx-context.js';

interface Waiter<V> {
  resolve(v: V | null): void;
  reject(e: unknown): void;
}

export interface CoalescedReaderOptions {
  /** Distinct keys per statement; a batch that reaches it is read at once (default 500). */
  maxBatch?: number;
}

export class CoalescedReader<K, V> {
  private pending: Map<K, Waiter<V>[]> | null = null;
  private readonly maxBatch: number;

  /** `readMany` answers the rows it found, by key; a key it does not answer reads as null. */
  constructor(
    private readonly readMany: (keys: K[]) => Promise<Map<K, V>>,
    opts: CoalescedReaderOptions = {},
  ) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 500);
  }

  /** The value for `key`, read in the next batch (null when `readMany` found none). */
  read(key: K): Promise<V | null> {
    if (isInTransaction()) return this.readMany([key]).then((found) => found.get(key) ?? null);
    return new Promise<V | null>((resolve, reject) => {
      let batch = this.pending;
      if (!batch) {
        const opened = new Map<K, Waiter<V>[]>();
        batch = this.pending = opened;
        setImmediate(() => this.send(opened));
      }
      const waiters = batch.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else batch.set(key, [{ resolve, reject }]);
      if (batch.size >= this.maxBatch) this.send(batch);
    });
  }

  /** Send a batch (once: the timer of a batch sent at its size cap finds it gone). */
  private send(batch: Map<K, Waiter<V>[]>): void {
    if (this.pending !== batch) return;
    this.pending = null;
    // An async function: a readMany that throws at once fails the batch like one that rejects.
    const read = outsideTransaction(async () => this.readMany([...batch.keys()]));
    read.then(
      (found) => {
        for (const [key, waiters] of batch) {
          const value = found.get(key) ?? null;
          for (const w of waiters) w.resolve(value);
        }
      },
      (e: unknown) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(e);
      },
    );
  }
}
