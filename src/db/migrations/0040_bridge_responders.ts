import type { Kysely } from 'kysely';

/**
 * Issue 22, items 1 and 2 (docs/incidents.md):
 * - team_bridge_settings: a team's bridge call for its incidents — a fixed bridge (URL and dial-in text) or a URL
 *   template with placeholders, resolved when an incident is declared (src/incidents/bridge.ts).
 * - incident_bridges: the bridge an incident got at declaration (or was given in the room), one per incident.
 * - incident_responder_requests: "add responders" from the room — an escalation policy, schedule or person paged with
 *   a message and the incident's context, stepped like an alert's escalation run (a policy snapshot, a fenced step
 *   job, `generation` the fence), and its state as the paged people answer (src/escalation/responders.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('team_bridge_settings')
    .addColumn('team_id', 'text', (c) => c.primaryKey().notNull().references('teams.id').onDelete('cascade'))
    /** 'fixed' | 'template' */
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('dial_in', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('updated_by_label', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('incident_bridges')
    .addColumn('incident_id', 'text', (c) => c.primaryKey().notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('dial_in', 'text', (c) => c.notNull().defaultTo(''))
    /** 'team' (resolved from the team's setting at declaration) | 'room' (set on the incident) */
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('incident_responder_requests')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    /** 'policy' | 'schedule' | 'user' */
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_name', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    /** 'paged' | 'escalated' | 'acknowledged' | 'declined' | 'exhausted' | 'cancelled' */
    .addColumn('state', 'text', (c) => c.notNull())
    /** JSON PolicySnapshot: the policy as it was when asked (a schedule or a person is one level). */
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('level_index', 'integer', (c) => c.notNull())
    .addColumn('pass', 'integer', (c) => c.notNull())
    .addColumn('next_step_at', 'bigint')
    /** JSON string[]: everyone paged for it so far (who may acknowledge or decline). */
    .addColumn('paged_user_ids', 'text', (c) => c.notNull())
    /** JSON string[]: who answered "can't help". */
    .addColumn('declined_user_ids', 'text', (c) => c.notNull())
    .addColumn('requested_by_user_id', 'text')
    .addColumn('requested_by_label', 'text', (c) => c.notNull())
    .addColumn('responded_by_user_id', 'text')
    .addColumn('responded_by_label', 'text')
    .addColumn('responded_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_responder_requests_incident_idx')
    .on('incident_responder_requests')
    .columns(['incident_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('incident_responder_requests').execute();
  await db.schema.dropTable('incident_bridges').execute();
  await db.schema.dropTable('team_bridge_settings').execute();
}
