import { sql, type Kysely } from 'kysely';

/**
 * incidents.first_alert_at: when the incident's first linked alert was first seen (min(alerts.first_seen_at) over its
 * incident_alerts), null when it has none. Response times (docs/insights.md) start MTTA at it; reading it from the
 * incident replaces a grouped join over every linked alert of the window (issue 12 benchmark). Backfilled here with one
 * UPDATE; kept up to date where alerts are linked (src/incidents/activity.ts linkAlert, in the same transaction).
 * Alerts are never unlinked and first_seen_at never changes, so linking is the only writer.
 *
 * And incident_events (incident_id, kind, at, actor_user_id, seq): the responders insights read who acted when in the
 * window's incidents (src/insights/responders.ts); with this index they read it from the index alone instead of every
 * event row with its body and details (5 years on the benchmark history: 3 s -> 1 s wall).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incidents').addColumn('first_alert_at', 'bigint').execute();
  await sql`
    UPDATE incidents SET first_alert_at = (
      SELECT min(a.first_seen_at) FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id
      WHERE ia.incident_id = incidents.id)
    WHERE EXISTS (SELECT 1 FROM incident_alerts ia WHERE ia.incident_id = incidents.id)`.execute(db);
  await db.schema
    .createIndex('incident_events_acting_idx')
    .on('incident_events')
    .columns(['incident_id', 'kind', 'at', 'actor_user_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incident_events_acting_idx').execute();
  await db.schema.alterTable('incidents').dropColumn('first_alert_at').execute();
}
