import { sql, type Kysely } from 'kysely';

/**
 * incidents.first_alert_at: when the incident's first linked alert was first seen (min(alerts.first_seen_at) over its
 * incident_alerts), null when it has none. Response times (docs/insights.md) start MTTA at it; reading it from the
 * incident replaces a grouped join over every linked alert of the window (issue 12 benchmark). Backfilled here with one
 * UPDATE; kept up to date where alerts are linked (src/incidents/activity.ts linkAlert, in the same transaction).
 * Alerts are never unlinked and first_seen_at never changes, so linking is the only writer.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incidents').addColumn('first_alert_at', 'bigint').execute();
  await sql`
    UPDATE incidents SET first_alert_at = (
      SELECT min(a.first_seen_at) FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id
      WHERE ia.incident_id = incidents.id)
    WHERE EXISTS (SELECT 1 FROM incident_alerts ia WHERE ia.incident_id = incidents.id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incidents').dropColumn('first_alert_at').execute();
}
