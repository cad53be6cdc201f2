import type { Kysely } from 'kysely';

// On-call schedules: layers (rotation definitions in the schedule's zone), participants in order, overrides, shift
// swap requests and calendar-feed tokens (stored as SHA-256). Restrictions are JSON text on the layer.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('schedules')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('schedules_team_idx').on('schedules').column('team_id').execute();

  await db.schema
    .createTable('schedule_layers')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('turn_unit', 'text', (c) => c.notNull())
    .addColumn('turn_length', 'integer', (c) => c.notNull())
    .addColumn('start_date', 'text', (c) => c.notNull())
    .addColumn('handoff_time', 'text', (c) => c.notNull())
    .addColumn('restrictions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('ends_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('schedule_layers_schedule_idx').on('schedule_layers').column('schedule_id').execute();

  await db.schema
    .createTable('schedule_layer_participants')
    .addColumn('layer_id', 'text', (c) => c.notNull().references('schedule_layers.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addPrimaryKeyConstraint('schedule_layer_participants_pk', ['layer_id', 'position'])
    .execute();
  await db.schema
    .createIndex('schedule_layer_participants_user_idx')
    .on('schedule_layer_participants')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('schedule_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('swap_request_id', 'text')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('schedule_overrides_window_idx')
    .on('schedule_overrides')
    .columns(['schedule_id', 'ends_at'])
    .execute();
  await db.schema.createIndex('schedule_overrides_user_idx').on('schedule_overrides').column('user_id').execute();

  await db.schema
    .createTable('shift_swap_requests')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('requester_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('target_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('override_id', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('shift_swap_requests_schedule_idx')
    .on('shift_swap_requests')
    .columns(['schedule_id', 'status'])
    .execute();

  await db.schema
    .createTable('calendar_feed_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('calendar_feed_tokens_target_idx')
    .on('calendar_feed_tokens')
    .columns(['kind', 'target_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'calendar_feed_tokens',
    'shift_swap_requests',
    'schedule_overrides',
    'schedule_layer_participants',
    'schedule_layers',
    'schedules',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
