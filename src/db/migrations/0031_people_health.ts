import type { Kysely } from 'kysely';

/**
 * People health (docs/people-health.md): each team's thresholds for the hero signal, knowledge held by one person and
 * on-call load, and the working hours, sleep window and recovery length its figures read (on-call health's windows,
 * src/oncall/sustainability.ts; each person's own zone). A team without a row uses the defaults
 * (src/people/model.ts DEFAULT_THRESHOLDS, src/oncall/sustainability.ts DEFAULT_WINDOWS).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('team_people_settings')
    .addColumn('team_id', 'text', (c) => c.primaryKey().notNull().references('teams.id').onDelete('cascade'))
    .addColumn('hero_median_factor', 'double precision', (c) => c.notNull())
    .addColumn('hero_share_of_team', 'double precision', (c) => c.notNull())
    .addColumn('hero_min_count', 'integer', (c) => c.notNull())
    .addColumn('knowledge_share', 'double precision', (c) => c.notNull())
    .addColumn('knowledge_min_incidents', 'integer', (c) => c.notNull())
    .addColumn('load_share', 'double precision', (c) => c.notNull())
    .addColumn('recovery_hours', 'double precision', (c) => c.notNull())
    /** JSON array of ISO weekdays. */
    .addColumn('work_days', 'text', (c) => c.notNull())
    .addColumn('work_start', 'text', (c) => c.notNull())
    .addColumn('work_end', 'text', (c) => c.notNull())
    .addColumn('sleep_start', 'text', (c) => c.notNull())
    .addColumn('sleep_end', 'text', (c) => c.notNull())
    .addColumn('updated_by_label', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('team_people_settings').execute();
}
