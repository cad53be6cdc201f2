import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ENGINES, createTestDatabase, type TestDatabase } from './testing/index.js';
import { isDatabaseUnavailable } from './health.js';
import { openPostgres, openSqlite, type Db, type Executor } from './index.js';
import { prepared, rowsOf, statementName } from './prepared.js';

interface Scratch {
  id: string;
  a: string;
  b?: string | null;
}

// A prepared query over a table the test changes (not part of Muster's schema: raw SQL).
const scratchById = prepared(
  'test.namedStatements.scratch',
  (_ex: Executor, id: string) => sql<Scratch>`select * from named_scratch where id = ${id}`,
);
const run = (db: Db, id: string): Promise<Scratch[]> => rowsOf(db.kysely, scratchById(db.kysely, id));

/** The names of the statements prepared on the one connection of a pool of one. */
async function preparedNames(db: Db): Promise<string[]> {
  const r = await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(db.kysely);
  return r.rows.map((x) => x.name);
}

for (const engine of ENGINES) {
  describe(`named statements [${engine}]`, () => {
    let tdb: TestDatabase;
    // One connection, so every call below meets the statements the calls before it prepared.
    const open = (namedStatements = true): Db =>
      engine === 'postgres' ? openPostgres(tdb.databaseUrl!, 1, { namedStatements }) : openSqlite(tdb.dataDir);
    before(async () => {
      tdb = await createTestDatabase(engine, { migrate: false });
    });
    after(() => tdb.drop());

    it('a prepared query answers again after its table changed under it (a migration by another process)', async () => {
      const db = open();
      try {
        await sql`create table named_scratch (id text primary key, a text not null)`.execute(db.kysely);
        await sql`insert into named_scratch (id, a) values ('r1', 'x')`.execute(db.kysely);
        assert.deepEqual(await run(db, 'r1'), [{ id: 'r1', a: 'x' }]);
        assert.deepEqual(await run(db, 'r1'), [{ id: 'r1', a: 'x' }], 'the second call: the prepared statement');
        await sql`alter table named_scratch add column b text`.execute(db.kysely);
        let rows: Scratch[];
        try {
          rows = await run(db, 'r1');
        } catch (e) {
          // PostgreSQL refuses the old plan once ("cached plan must not change result type"): a 503 or a job retry.
          assert.equal(engine, 'postgres', `SQLite prepares again on its own: ${String(e)}`);
          assert.ok(isDatabaseUnavailable(e), `the refusal counts as "try again": ${String(e)}`);
          rows = await run(db, 'r1');
        }
        assert.deepEqual(rows, [{ id: 'r1', a: 'x', b: null }], 'the new column, through the same connection');
        await sql`drop table named_scratch`.execute(db.kysely);
      } finally {
        await db.close();
      }
    });

    it(
      'PostgreSQL: a prepared query is parsed once per connection, as a named statement',
      {
        skip: engine !== 'postgres' && 'named statements are a PostgreSQL protocol feature',
      },
      async () => {
        const db = open();
        try {
          await sql`create table named_scratch (id text primary key, a text not null)`.execute(db.kysely);
          await run(db, 'r1');
          await run(db, 'r2');
          const text = scratchById(db.kysely, 'r1').sql;
          const name = statementName(text);
          assert.ok(name, 'the text has a name');
          assert.deepEqual(
            (await preparedNames(db)).filter((n) => n.startsWith(name)),
            [name],
            'one statement for both calls',
          );
          // Gone from the server (DISCARD ALL, a pooler's other session): one refusal, then prepared again.
          await sql`discard all`.execute(db.kysely);
          await assert.rejects(run(db, 'r1'), (e) => isDatabaseUnavailable(e));
          assert.deepEqual(await run(db, 'r1'), []);
          assert.equal(
            (await preparedNames(db)).filter((n) => n.startsWith(name)).length,
            1,
            'prepared again, renamed',
          );
          await sql`drop table named_scratch`.execute(db.kysely);
        } finally {
          await db.close();
        }
        // Turned off (MUSTER_DATABASE_NAMED_STATEMENTS=false): the same query, nothing kept on the server.
        const off = open(false);
        try {
          await sql`create table named_scratch (id text primary key, a text not null)`.execute(off.kysely);
          await run(off, 'r1');
          assert.deepEqual(await preparedNames(off), []);
          await sql`drop table named_scratch`.execute(off.kysely);
        } finally {
          await off.close();
        }
      },
    );
  });
}
