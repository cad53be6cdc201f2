/** SQL pieces that read the same on both engines. */
import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** Case-insensitive "contains" on both engines (SQLite's LIKE has no default escape character). */
export function containsText(column: string, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
