import { sql, type Kysely } from 'kysely';
import { withoutIntegrationKey } from '../../catalog/model.js';

/**
 * Stored PagerDuty bodies carried the integration key in plaintext (`routing_key`); keys are stored hashed, so keep
 * only the key's prefix in what was stored before intake started redacting it. Idempotent; in pages of 500 rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  let after = '';
  for (;;) {
    const rows = (
      await sql<{ id: string; body: string }>`
        select id, body from intake_payloads
        where id > ${after} and body like ${'%"routing_key"%'}
        order by id limit 500`.execute(db)
    ).rows;
    if (rows.length === 0) return;
    for (const row of rows) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(row.body);
      } catch {
        continue; // not JSON: nothing this migration knows how to redact
      }
      const redacted = withoutIntegrationKey(parsed);
      if (redacted !== parsed) {
        await sql`update intake_payloads set body = ${JSON.stringify(redacted)} where id = ${row.id}`.execute(db);
      }
    }
    after = rows.at(-1)!.id;
  }
}

export function down(): Promise<void> {
  return Promise.resolve(); // the plaintext keys are gone for good, as intended
}
