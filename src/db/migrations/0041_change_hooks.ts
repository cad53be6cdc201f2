import type { Kysely } from 'kysely';

/**
 * Change sources (issue 17 item 5, issue 22 items 3 and 6; docs/integrations/changes.md).
 *
 * - `change_hooks`: a team's receiver for one tool (GitHub, GitLab, Argo CD, Flux, Kubernetes, LaunchDarkly, Unleash,
 *   Flagsmith, Terraform Cloud). The secret (HMAC key or shared token) is sealed with the instance secret, as tracker
 *   tokens are; after a rotation the previous one stays valid until `previous_secret_until`.
 * - `change_hook_deliveries`: every delivery's outcome (recorded, ignored, rejected) with the field and reason and the
 *   raw body (capped), so the team sees what a tool sent and why it was not applied.
 * - `change_settings`: a team's mapping config (repository, namespace, label matchers → service; JSON) and whether a
 *   change to a service of an open P1/P2 pages the incident's IC.
 * - `change_events.hook_id`, `external_id`: where a change came from and the tool's own id of it (a redelivery or a
 *   second event of the same rollout is not recorded twice).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('change_hooks')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('previous_secret_sealed', 'text')
    .addColumn('previous_secret_until', 'bigint')
    .addColumn('default_service_id', 'text', (c) => c.references('services.id').onDelete('set null'))
    .addColumn('created_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .addColumn('last_delivery_at', 'bigint')
    .execute();
  await db.schema.createIndex('change_hooks_team_idx').on('change_hooks').column('team_id').execute();

  await db.schema
    .createTable('change_hook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('hook_id', 'text', (c) => c.notNull().references('change_hooks.id').onDelete('cascade'))
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('field', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('change_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('raw_truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('change_hook_deliveries_hook_idx')
    .on('change_hook_deliveries')
    .columns(['hook_id', 'id'])
    .execute();

  await db.schema
    .createTable('change_settings')
    .addColumn('team_id', 'text', (c) => c.primaryKey().notNull().references('teams.id').onDelete('cascade'))
    .addColumn('mappings', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('page_commander', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .alterTable('change_events')
    .addColumn('hook_id', 'text', (c) => c.references('change_hooks.id').onDelete('set null'))
    .execute();
  await db.schema.alterTable('change_events').addColumn('external_id', 'text').execute();
  await db.schema
    .createIndex('change_events_external_idx')
    .on('change_events')
    .columns(['service_id', 'external_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('change_events_external_idx').execute();
  await db.schema.alterTable('change_events').dropColumn('external_id').execute();
  await db.schema.alterTable('change_events').dropColumn('hook_id').execute();
  await db.schema.dropTable('change_settings').execute();
  await db.schema.dropTable('change_hook_deliveries').execute();
  await db.schema.dropTable('change_hooks').execute();
}
