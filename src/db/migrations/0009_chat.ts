import type { Kysely } from 'kysely';

// Chat (Slack) incident channels: one linked channel per incident with a cursor over its timeline, one row per
// outbound post (each sent by its own job), and the inbound Slack messages already turned into notes (Slack retries
// event deliveries, so each message is taken once).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('chat_channels')
    .addColumn('incident_id', 'text', (c) => c.primaryKey().notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text')
    .addColumn('channel_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('cursor_seq', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chat_channels_channel_idx').on('chat_channels').column('channel_id').execute();

  await db.schema
    .createTable('chat_posts')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('event_seq', 'integer')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('blocks', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ts', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chat_posts_incident_idx').on('chat_posts').columns(['incident_id', 'id']).execute();
  await db.schema.createIndex('chat_posts_ts_idx').on('chat_posts').column('ts').execute();

  await db.schema
    .createTable('chat_inbound')
    .addColumn('message_key', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('chat_inbound').execute();
  await db.schema.dropTable('chat_posts').execute();
  await db.schema.dropTable('chat_channels').execute();
}
