/**
 * Statements on the wire, and inserts that wait to go out together.
 *
 * - **Counting** (`statementCount`): every statement a connection sends (begin and commit included) is counted while
 *   counting is on (benchmarks and tests turn it on; off, it costs one boolean test per statement).
 * - **Deferred inserts** (`insertDeferred`): inside a transaction, a plain one-row insert whose result nobody reads can
 *   wait on its connection and go out with its table's other waiting rows as ONE multi-row insert, just before the
 *   next statement of any other kind (a read, an update, a savepoint, the commit). So every statement still sees every
 *   row inserted before it, in the same transaction: the only difference is that a failing insert fails at that next
 *   statement (the transaction fails either way). `rollback` and `rollback to savepoint` drop the waiting rows instead
 *   (every savepoint statement sends them first, so waiting rows are always newer than any savepoint). Tables go out
 *   in `DEFERRABLE` order, which follows their foreign keys. On PostgreSQL every statement is a loopback round trip:
 *   intake inserts a batch's alerts, events, runs, log rows, deliveries and jobs this way (docs/ARCHITECTURE.md).
 */
import { CompiledQuery, type DatabaseConnection, type Insertable, type QueryResult } from 'kysely';
import type { Executor } from './index.js';
import type { Database } from './schema.js';
import { prepared } from './prepared.js';

/** The tables whose inserts may wait, in the order they go out (a row's foreign keys point to earlier tables). */
export const DEFERRABLE = [
  'intakePayloads',
  'alertGroups',
  'alerts',
  'alertEvents',
  'escalationRuns',
  'escalationRunAlerts',
  'escalationLog',
  'notificationDeliveries',
  'jobs',
] as const;
export type DeferrableTable = (typeof DEFERRABLE)[number];
const RANK = new Map<string, number>(DEFERRABLE.map((t, i) => [t, i]));

// ---- counting ----------------------------------------------------------------------------------------------------

const counter = { on: false, count: 0, texts: null as Map<string, number> | null };

/** Diagnostics: while counting, also count statements by their text (first 60 characters); read with the stop. */
export function countStatementTexts(): Map<string, number> {
  counter.texts = new Map();
  return counter.texts;
}
const byText = (text: string): void => {
  const k = text.slice(0, 60);
  counter.texts!.set(k, (counter.texts!.get(k) ?? 0) + 1);
};

/** Start counting statements (all connections of this process) from zero. */
export function startCountingStatements(): void {
  counter.on = true;
  counter.count = 0;
}

/** Stop counting; returns the count. */
export function stopCountingStatements(): number {
  counter.on = false;
  counter.texts = null;
  return counter.count;
}

/** Statements sent since counting started (0 when it is off). */
export function statementCount(): number {
  return counter.count;
}

// ---- deferred inserts --------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

interface Waiting {
  table: DeferrableTable;
  /** Column names in order: rows of one group share them, so one multi-row insert holds them all. */
  shape: string;
  rows: Row[];
  compile: (rows: Row[]) => CompiledQuery;
}

/** A row that is waiting to be inserted: patch it while it waits (false once it has gone out). */
export interface DeferredRow<R> {
  patch(p: Partial<R>): boolean;
}

interface Marker {
  table: DeferrableTable;
  row: Row;
  compile: (rows: Row[]) => CompiledQuery;
  sent: { value: boolean };
}
const markers = new WeakMap<CompiledQuery, Marker>();

/** PostgreSQL allows 65,535 parameters per statement, SQLite 32,766: stay well below both. */
const MAX_PARAMS = 30_000;

/**
 * Insert one row in the transaction `ex`; it goes out with its table's other waiting rows just before the
 * transaction's next statement of another kind. Outside a transaction it is inserted at once.
 */
export async function insertDeferred<T extends DeferrableTable>(
  ex: Executor,
  table: T,
  row: Insertable<Database[T & keyof Database]>,
): Promise<DeferredRow<Insertable<Database[T & keyof Database]>>> {
  const sent = { value: false };
  const handle: DeferredRow<Insertable<Database[T & keyof Database]>> = {
    patch(p) {
      if (sent.value) return false;
      Object.assign(row as Row, p);
      return true;
    },
  };
  if (!ex.isTransaction) {
    sent.value = true;
    await ex.insertInto(table).values(row).execute();
    return handle;
  }
  const marker = CompiledQuery.raw('/* deferred insert */', []);
  markers.set(marker, {
    table,
    row: row,
    sent,
    compile: (rows) => insertRowsOf(table)(ex, rows),
  });
  await ex.executeQuery(marker);
  return handle;
}

const NO_ROWS: QueryResult<never> = { rows: [] };

/** A NOTIFY waiting to go out with the transaction's next write or its commit. */
interface Notify {
  channel: string;
  payload: string;
}
const notifyMarkers = new WeakMap<CompiledQuery, Notify>();

/**
 * PostgreSQL: `NOTIFY channel, payload` from inside a transaction `ex`. PostgreSQL delivers a notification only when
 * its transaction commits (and drops it on rollback, or with a savepoint rolled back), so it may wait: it goes out with
 * the transaction's next statement other than a plain read, and with the waiting inserts, as part of their one
 * statement (`with … insert … select pg_notify(…)`): intake's two NOTIFYs cost no round trip of their own. Outside a
 * transaction it is sent at once.
 */
export async function notifyDeferred(ex: Executor, channel: string, payload: string): Promise<void> {
  if (!ex.isTransaction) {
    await ex.executeQuery(notifyQuery([{ channel, payload }]));
    return;
  }
  const marker = CompiledQuery.raw('/* deferred notify */', []);
  notifyMarkers.set(marker, { channel, payload });
  await ex.executeQuery(marker);
}

/** `select pg_notify($1, $2), pg_notify($3, $4), …`: one statement for many notifications. */
function notifyQuery(notifies: readonly Notify[]): CompiledQuery {
  const parts = notifies.map((_, i) => `pg_notify($${2 * i + 1}, $${2 * i + 2})`);
  return CompiledQuery.raw(
    `select ${parts.join(', ')}`,
    notifies.flatMap((n) => [n.channel, n.payload]),
  );
}

/** Each deferrable table's multi-row insert, compiled once per shape (row count and columns: src/db/prepared.ts). */
const INSERTS = new Map<DeferrableTable, (ex: Executor, rows: Row[]) => CompiledQuery>();
const insertRowsOf = (table: DeferrableTable): ((ex: Executor, rows: Row[]) => CompiledQuery) => {
  let q = INSERTS.get(table);
  if (!q) {
    q = prepared(`insert.${table}`, (ex: Executor, rows: Row[]) => ex.insertInto(table).values(rows as never), {
      nullIsValue: true,
    });
    INSERTS.set(table, q);
  }
  return q;
};

const SEND_WAITING = CompiledQuery.raw('/* send waiting inserts */', []);

/**
 * Send the transaction's waiting inserts now (nothing if none wait), so an error in them is raised here: a step
 * whose failure its caller handles apart (intake's inline paging start) ends with this.
 */
export async function sendWaitingInserts(ex: Executor): Promise<void> {
  if (ex.isTransaction) await ex.executeQuery(SEND_WAITING);
}

/** A connection that counts statements and holds deferred inserts until its next other statement. */
export class BufferedConnection implements DatabaseConnection {
  private waiting: Waiting[] = [];
  private sentFlags: { value: boolean }[] = [];
  private notifies: Notify[] = [];

  private readonly combineInserts: boolean;

  constructor(
    readonly inner: DatabaseConnection,
    opts: { combineInserts?: boolean } = {},
  ) {
    this.combineInserts = opts.combineInserts ?? false;
  }

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const m = markers.get(q);
    if (m) {
      this.hold(m);
      return NO_ROWS;
    }
    const n = notifyMarkers.get(q);
    if (n) {
      this.notifies.push(n);
      return NO_ROWS;
    }
    if (q === SEND_WAITING) {
      if (this.waiting.length > 0 || this.notifies.length > 0) await this.flush();
      return NO_ROWS;
    }
    if (this.waiting.length > 0 || this.notifies.length > 0) {
      if (isRollback(q.sql)) this.drop();
      else if (!isReadOfOtherTables(q.sql, this.waiting)) await this.flush();
    }
    if (counter.on) {
      counter.count++;
      if (counter.texts) byText(q.sql);
    }
    return this.inner.executeQuery<R>(q);
  }

  async *streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    if (this.waiting.length > 0 || this.notifies.length > 0) await this.flush();
    if (counter.on) counter.count++;
    yield* this.inner.streamQuery<R>(q, chunkSize);
  }

  /**
   * For the driver's rollback: the waiting rows are dropped (never sent) and the driver's own connection is handed
   * back, so a rollback that fails on a broken connection lets the driver mark that connection for discard (Kysely's
   * PostgreSQL driver calls a private method of its own connection class there, which this wrapper does not have).
   */
  forRollback(): DatabaseConnection {
    this.drop();
    if (counter.on) counter.count++;
    return this.inner;
  }

  private hold(m: Marker): void {
    const shape = Object.keys(m.row).join(',');
    let w = this.waiting.find((x) => x.table === m.table && x.shape === shape);
    if (!w) {
      w = { table: m.table, shape, rows: [], compile: m.compile };
      this.waiting.push(w);
    }
    w.rows.push(m.row);
    this.sentFlags.push(m.sent);
  }

  private drop(): void {
    this.waiting = [];
    this.sentFlags = [];
    this.notifies = [];
  }

  /**
   * Send every waiting row: one insert per table (and column list), tables in foreign-key order, then the waiting
   * NOTIFYs in one select. On PostgreSQL they go out together as one statement (`with "w1" as (insert …), "w2" as
   * (insert …) select pg_notify(…)`): a round trip instead of one per table. PostgreSQL checks foreign keys at the
   * end of the statement, so a row may refer to one inserted beside it, and runs the inserts with one snapshot (no
   * part reads another's rows, and none needs to).
   */
  private async flush(): Promise<void> {
    const groups = this.waiting.sort((a, b) => RANK.get(a.table)! - RANK.get(b.table)!);
    const notifies = this.notifies;
    for (const f of this.sentFlags) f.value = true;
    this.drop();
    const queries: CompiledQuery[] = [];
    for (const g of groups) {
      const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, g.shape.split(',').length)));
      for (let i = 0; i < g.rows.length; i += perStatement) queries.push(g.compile(g.rows.slice(i, i + perStatement)));
    }
    // Last, so that with the inserts it is the statement's own part: `with "w1" as (insert …) select pg_notify(…)`.
    if (notifies.length > 0) queries.push(notifyQuery(notifies));
    for (const q of this.combineInserts ? combined(queries) : queries) {
      if (counter.on) {
        counter.count++;
        if (counter.texts) byText(q.sql);
      }
      await this.inner.executeQuery(q);
    }
  }
}

/**
 * PostgreSQL: consecutive inserts joined into as few statements as the parameter limit allows, each a chain of
 * data-modifying CTEs ending in the last statement (an insert, or the waiting NOTIFYs' select); placeholders
 * renumbered. The inserts are Kysely's own compiled `insert into … values …` and the select is `notifyQuery`'s
 * (placeholders `$n`, no literals), so `$n` occurs in their text only as a placeholder.
 */
function combined(queries: CompiledQuery[]): CompiledQuery[] {
  const out: CompiledQuery[] = [];
  let part: CompiledQuery[] = [];
  let params = 0;
  const close = (): void => {
    if (part.length === 1) out.push(part[0]!);
    else if (part.length > 1) {
      let offset = 0;
      const texts = part.map((q) => {
        const text = offset === 0 ? q.sql : q.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
        offset += q.parameters.length;
        return text;
      });
      const last = texts.pop()!;
      const sql = `with ${texts.map((t, i) => `"w${i + 1}" as (${t})`).join(', ')} ${last}`;
      out.push(
        CompiledQuery.raw(
          sql,
          part.flatMap((q) => [...q.parameters]),
        ),
      );
    }
    part = [];
    params = 0;
  };
  for (const q of queries) {
    if (params + q.parameters.length > MAX_PARAMS) close();
    part.push(q);
    params += q.parameters.length;
  }
  close();
  return out;
}

const isRollback = (text: string): boolean => /^\s*rollback\b/i.test(text);

const snake = (t: string): string => t.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** Each deferrable table's name as it appears in SQL text, quoted or not, as a whole word. */
const NAMED = new Map<string, RegExp>(
  DEFERRABLE.map((t) => [t, new RegExp(`(^|[^a-z0-9_])${snake(t)}([^a-z0-9_]|$)`, 'i')]),
);

/**
 * A statement that cannot see the waiting rows, so they may keep waiting past it: a plain read (`select`, no CTE, no
 * write) whose text names none of the waiting rows' tables. Anything else sends them first: a write may need them for
 * a foreign key or a conflict, and a read of their table must see them. (The schema has no views, triggers or
 * functions that read a table a statement does not name.) Intake's reads of policies, rules and contact methods then
 * no longer cut its batch's inserts into several statements.
 */
function isReadOfOtherTables(text: string, waiting: readonly Waiting[]): boolean {
  if (!/^\s*select\b/i.test(text)) return false;
  return waiting.every((w) => !NAMED.get(w.table)!.test(text));
}
