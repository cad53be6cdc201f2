import type { Kysely } from 'kysely';

/**
 * Config as code (issue 16, docs/config-as-code.md): the stable name (slug) of each escalation policy and schedule a
 * configuration file declared. Those objects have only a display name, so the slug a file gives is kept here, and a
 * rename in the file (or in the UI) updates the object instead of replacing it. Objects never applied from a file get
 * a slug made from their name when read (src/config-as-code/current.ts). No foreign key: `object_id` names a row of
 * the table `kind` says, and a row whose object is gone is ignored and replaced.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('config_slugs')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('config_slugs_pk', ['kind', 'slug'])
    .addUniqueConstraint('config_slugs_object_unique', ['kind', 'object_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('config_slugs').ifExists().execute();
}
