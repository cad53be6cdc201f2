/**
 * Hot queries compiled once (issue 18): Kysely rebuilds and recompiles a query on every call (the builder's tree, the
 * CamelCase plugin's copy of it, the compiler's walk): on intake and the page path that was 17–24 % of Muster's CPU.
 * A prepared query is built and compiled once per shape, with stand-ins for its values, and each later call of the
 * same shape reuses the compiled text with that call's values put in the stand-ins' places. The text is Kysely's own
 * (same dialect, same plugin), so the statement sent is the one the builder would have sent, and the executor still
 * applies the plugins to its result (CamelCase row keys).
 *
 * The arguments (after the executor) are what the query is built from:
 *   - strings, numbers, bigints, Dates and byte arrays are **values**: at the one compile each is replaced by a unique
 *     stand-in, and every call's own values go where the stand-ins landed in the parameter list. The builder must use
 *     them only as values (never branch on them, never compute with them; compute before the call);
 *   - booleans, null and undefined are **shape**: kept as given, and part of the cache key, so a builder may branch
 *     on them (`if (lock) q = q.forUpdate()`, a null column left out); with `nullIsValue`, null is a value (a
 *     multi-row insert, whose nullable columns would otherwise make a shape of every pattern of nulls);
 *   - arrays and plain objects are walked: their lengths and keys are shape, their leaves as above.
 * So `where id in (…)` with 3 ids and with 4 are two shapes (each compiled once; at most `MAX_SHAPES` per query).
 *
 * Misuse is refused where it can be seen: a value that reaches the SQL text (an inlined literal) or a parameter made
 * from one (`toJsonText(arg)`, `now + ttl` inside the builder) throws at the compile. What cannot be seen (a branch on
 * a value) is caught by the check mode: with MUSTER_CHECK_PREPARED=1 (the test suite sets it), every call is also
 * built and compiled by Kysely with its real values and must match the prepared statement exactly, text and values.
 */
import { createQueryId, type CompiledQuery, type Compilable, type RawBuilder } from 'kysely';
import { isPreparedCheckOnAtStart } from '../config/diagnostics.js';
import type { Executor } from './index.js';

let checking = isPreparedCheckOnAtStart;
/** Tests: turn the check mode on or off (it starts as MUSTER_CHECK_PREPARED says). Returns the previous state. */
export function setPreparedCheck(on: boolean): boolean {
  const was = checking;
  checking = on;
  return was;
}

const MARK = '\u2063muster-prepared:';
const END = '\u2063';
/** Shapes remembered per prepared query and dialect; further shapes are compiled per call, as without it. */
export const MAX_SHAPES = 128;

type Slot = number | { constant: unknown };

interface Template {
  sql: string;
  query: CompiledQuery['query'];
  slots: Slot[];
}

export class PreparedQueryError extends Error {}

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * Walk `v`: append its shape to `sig`, its values to `values`. With `stand` set, also return a copy of `v` whose
 * values are stand-ins (numbered in walk order). `path` is where the walk is (named only in an error, so a call
 * builds no path text).
 */
function walk(v: unknown, sig: string[], values: unknown[], stand: boolean, nulls: boolean, path: unknown[]): unknown {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'bigint':
      sig.push('v');
      values.push(v);
      return stand ? `${MARK}${values.length - 1}${END}` : v;
    case 'boolean':
      sig.push(v ? 'T' : 'F');
      return v;
    case 'undefined':
      sig.push('u');
      return v;
    case 'object': {
      if (v === null && nulls) {
        sig.push('v');
        values.push(v);
        return stand ? `${MARK}${values.length - 1}${END}` : v;
      }
      if (v === null) {
        sig.push('n');
        return v;
      }
      if (v instanceof Date || v instanceof Uint8Array) {
        sig.push('v');
        values.push(v);
        return stand ? `${MARK}${values.length - 1}${END}` : v;
      }
      if (Array.isArray(v)) {
        sig.push(`[${v.length}`);
        const out: unknown[] = [];
        for (let i = 0; i < v.length; i++) {
          path.push(i);
          const x = walk(v[i], sig, values, stand, nulls, path);
          path.pop();
          if (stand) out.push(x);
        }
        sig.push(']');
        return stand ? out : v;
      }
      if (isPlainObject(v)) {
        const o = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        sig.push('{');
        for (const k in o) {
          sig.push(k, ':');
          path.push(k);
          const x = walk(o[k], sig, values, stand, nulls, path);
          path.pop();
          if (stand) out[k] = x;
        }
        sig.push('}');
        return stand ? out : v;
      }
      break;
    }
  }
  const where = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  throw new PreparedQueryError(`a prepared query's argument args${where} is not a value, array or plain object`);
}

function compileTemplate(name: string, q: CompiledQuery, count: number): Template {
  if (q.sql.includes(MARK)) {
    throw new PreparedQueryError(`prepared query ${name}: an argument was put into the SQL text; pass it as a value`);
  }
  const slots: Slot[] = q.parameters.map((p) => {
    if (typeof p === 'string' && p.includes(MARK)) {
      const m = /^\u2063muster-prepared:(\d+)\u2063$/.exec(p);
      if (!m || Number(m[1]) >= count) {
        throw new PreparedQueryError(
          `prepared query ${name}: a parameter was computed from an argument inside the builder; compute it before the call`,
        );
      }
      return Number(m[1]);
    }
    return { constant: p };
  });
  nameStatement(q.sql);
  return { sql: q.sql, query: q.query, slots };
}

/**
 * The statement texts of prepared queries, each with a name for the server: on PostgreSQL a named statement is parsed
 * and planned once per connection, and each later call only binds and executes it (src/db/pg-pool.ts). Bounded:
 * texts past the bound run unnamed, as any other query.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 1024;
function nameStatement(sql: string): void {
  if (!statementNames.has(sql) && statementNames.size < MAX_NAMED_STATEMENTS) {
    statementNames.set(sql, `muster_${statementNames.size + 1}`);
  }
}
/** The server-side name of a prepared query's text, or undefined for any other text. */
export const statementName = (sql: string): string | undefined => statementNames.get(sql);

export interface PreparedOptions {
  /**
   * null is a value, not shape (the builder never branches on null): a multi-row insert's nullable columns would
   * otherwise make a shape of every pattern of nulls.
   */
  nullIsValue?: boolean;
}

/**
 * A query compiled once per shape. `build` makes the query from the executor and the arguments (see above); the
 * result gives the compiled query for a call, to run with `ex.executeQuery(q)` (rows come back as the builder's would).
 */
export function prepared<A extends unknown[], R>(
  name: string,
  build: (ex: Executor, ...args: A) => Compilable<R> | RawBuilder<R>,
  opts: PreparedOptions = {},
): (ex: Executor, ...args: A) => CompiledQuery<R> {
  const nulls = opts.nullIsValue ?? false;
  // Per dialect (the adapter is shared by a database handle and its transactions), then per shape.
  const byDialect = new WeakMap<object, Map<string, Template>>();
  return (ex, ...args) => {
    const sig: string[] = [];
    const values: unknown[] = [];
    walk(args, sig, values, false, nulls, []);
    const key = sig.join('');
    const dialect = ex.getExecutor().adapter;
    let shapes = byDialect.get(dialect);
    if (!shapes) byDialect.set(dialect, (shapes = new Map<string, Template>()));
    let t = shapes.get(key);
    if (!t) {
      const standIns = walk(args, [], [], true, nulls, []) as A;
      t = compileTemplate(name, compileWith(ex, build(ex, ...standIns)), values.length);
      if (shapes.size < MAX_SHAPES) shapes.set(key, t);
    }
    const parameters = t.slots.map((s) => (typeof s === 'number' ? values[s] : s.constant));
    const q: CompiledQuery<R> = { query: t.query, queryId: createQueryId(), sql: t.sql, parameters };
    if (checking) check(name, q, compileWith(ex, build(ex, ...args)));
    return q;
  };
}

/** A query builder compiles on its own; a raw `sql` template compiles with an executor (the dialect's compiler). */
const compileWith = <R>(ex: Executor, q: Compilable<R> | RawBuilder<R>): CompiledQuery<R> =>
  'isRawBuilder' in q ? q.compile(ex) : q.compile();

const show = (ps: readonly unknown[]): string => ps.map((p) => String(p)).join(', ');

function check(name: string, mine: CompiledQuery, kysely: CompiledQuery): void {
  const same =
    mine.sql === kysely.sql &&
    mine.parameters.length === kysely.parameters.length &&
    mine.parameters.every((p, i) => Object.is(p, kysely.parameters[i]));
  if (!same) {
    throw new PreparedQueryError(
      `prepared query ${name} differs from the builder's own: the builder branches on a value or computes with one\n` +
        `prepared: ${mine.sql} ${show(mine.parameters)}\nbuilder:  ${kysely.sql} ${show(kysely.parameters)}`,
    );
  }
}

/** Run a prepared query's rows. */
export async function rowsOf<R>(ex: Executor, q: CompiledQuery<R>): Promise<R[]> {
  return (await ex.executeQuery(q)).rows;
}
