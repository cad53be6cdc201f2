/**
 * Migration drift: migrate an empty database on each engine and compare every table and column, with its
 * nullability, against the interfaces in src/db/schema.ts (read with the TypeScript compiler, so the check follows
 * the code without a second hand-kept list).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import { ENGINES, openTestDb } from './testing/index.js';
import type { Db } from './index.js';

type Shape = Map<string, Map<string, boolean>>; // table → column → nullable

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function shapeFromCode(): Shape {
  const file = join(import.meta.dirname, 'schema.ts');
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  src.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n);
  });
  const database = interfaces.get('Database');
  assert.ok(database, 'schema.ts declares interface Database');
  const shape: Shape = new Map();
  for (const member of database.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isTypeReferenceNode(member.type)) continue;
    const table = snake((member.name as ts.Identifier).text);
    const iface = interfaces.get(member.type.typeName.getText(src));
    assert.ok(iface, `interface for ${table}`);
    const columns = new Map<string, boolean>();
    for (const col of iface.members) {
      if (!ts.isPropertySignature(col) || !col.type) continue;
      columns.set(snake((col.name as ts.Identifier).text), /\bnull\b/.test(col.type.getText(src)));
    }
    shape.set(table, columns);
  }
  return shape;
}

async function shapeFromDb(db: Db): Promise<Shape> {
  const tables = await db.kysely.introspection.getTables();
  const shape: Shape = new Map();
  for (const t of tables) {
    if (t.name.startsWith('kysely_')) continue;
    shape.set(t.name, new Map(t.columns.map((c) => [c.name, c.isNullable])));
  }
  return shape;
}

for (const engine of ENGINES) {
  describe(`migrations [${engine}]`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await openTestDb(engine));
    });
    after(async () => cleanup());

    it('produce exactly the tables and columns src/db/schema.ts declares, with the same nullability', async () => {
      const code = shapeFromCode();
      const actual = await shapeFromDb(db);
      assert.deepEqual([...actual.keys()].sort(), [...code.keys()].sort(), 'tables');
      for (const [table, columns] of code) {
        const got = actual.get(table)!;
        assert.deepEqual(
          Object.fromEntries([...got].sort()),
          Object.fromEntries([...columns].sort()),
          `columns of ${table} (name → nullable)`,
        );
      }
    });
  });
}
