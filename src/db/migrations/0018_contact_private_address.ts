import { sql, type Kysely } from 'kysely';

/**
 * Whether a contact method (webhook, ntfy server) may reach a private address: only when an organisation
 * administrator allowed it. Every other contact method's URL must resolve to public addresses when given and when
 * used (SSRF, issue 10). Contact methods from before this column keep reaching private addresses if an administrator
 * created or last changed them (from the audit trail, the actor being an administrator now); the rest are public-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('contact_methods')
    .addColumn('allow_private_address', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The audit event's target is the user; the contact method's id is in its details (JSON, read here, not in SQL:
  // the engines spell JSON access differently).
  const { rows } = await sql<{ details: string }>`
    select a.details from audit_events a join users u on u.id = a.actor_user_id
    where a.action = 'contact_method.created' and u.is_admin = 1`.execute(db);
  const ids = rows.flatMap((r) => {
    try {
      const id = (JSON.parse(r.details) as { id?: unknown }).id;
      return typeof id === 'string' ? [id] : [];
    } catch {
      return [];
    }
  });
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await sql`update contact_methods set allow_private_address = 1 where id in (${sql.join(chunk)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contact_methods').dropColumn('allow_private_address').execute();
}
