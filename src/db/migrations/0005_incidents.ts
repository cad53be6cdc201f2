import type { Kysely } from 'kysely';

// Incidents: the incident row with its milestones, services and alerts linked to it, role assignments over time,
// the first-five-minutes checklist, tasks, the room's participants, one chronological timeline, and the
// per-severity policy (distinct roles, IC deadline, update reminders, out-of-hours paging).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('declared_by_user_id', 'text')
    .addColumn('declared_by_label', 'text', (c) => c.notNull())
    .addColumn('declared_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('impact_started_at', 'bigint')
    .addColumn('detected_at', 'bigint')
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('mitigated_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('suspected_change_id', 'text')
    .addColumn('timer_generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_event_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('incidents_status_idx').on('incidents').columns(['status', 'id']).execute();

  await db.schema
    .createTable('incident_services')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_services_pk', ['incident_id', 'service_id'])
    .execute();
  await db.schema.createIndex('incident_services_service_idx').on('incident_services').column('service_id').execute();

  await db.schema
    .createTable('incident_alerts')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('linked_at', 'bigint', (c) => c.notNull())
    .addColumn('linked_by_label', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_alerts_pk', ['incident_id', 'alert_id'])
    .execute();
  await db.schema.createIndex('incident_alerts_alert_idx').on('incident_alerts').column('alert_id').execute();

  await db.schema
    .createTable('incident_events')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('is_flagged', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('incident_events_seq_idx')
    .on('incident_events')
    .columns(['incident_id', 'seq'])
    .unique()
    .execute();

  await db.schema
    .createTable('role_assignments')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('assigned_by_label', 'text', (c) => c.notNull())
    .addColumn('ended_by_label', 'text')
    .execute();
  await db.schema
    .createIndex('role_assignments_incident_idx')
    .on('role_assignments')
    .columns(['incident_id', 'role', 'ended_at'])
    .execute();
  await db.schema.createIndex('role_assignments_user_idx').on('role_assignments').column('user_id').execute();

  await db.schema
    .createTable('incident_checklist')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('done_at', 'bigint')
    .addColumn('done_by_user_id', 'text')
    .addColumn('done_by_label', 'text')
    .addColumn('source', 'text')
    .addPrimaryKeyConstraint('incident_checklist_pk', ['incident_id', 'step'])
    .execute();

  await db.schema
    .createTable('incident_tasks')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('assignee_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('is_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('done_at', 'bigint')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_tasks_incident_idx')
    .on('incident_tasks')
    .columns(['incident_id', 'id'])
    .execute();

  await db.schema
    .createTable('incident_participants')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('first_joined_at', 'bigint', (c) => c.notNull())
    .addColumn('last_joined_at', 'bigint', (c) => c.notNull())
    .addColumn('join_count', 'integer', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_participants_pk', ['incident_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('incident_severity_policies')
    .addColumn('severity', 'text', (c) => c.primaryKey().notNull())
    .addColumn('require_distinct_roles', 'integer', (c) => c.notNull())
    .addColumn('commander_deadline_minutes', 'integer')
    .addColumn('update_reminder_minutes', 'integer')
    .addColumn('pages_out_of_hours', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'incident_severity_policies',
    'incident_participants',
    'incident_tasks',
    'incident_checklist',
    'role_assignments',
    'incident_events',
    'incident_alerts',
    'incident_services',
    'incidents',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
