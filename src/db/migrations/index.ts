import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_alerts.js';
import * as m0003 from './0003_oncall.js';
import * as m0004 from './0004_notify.js';
import * as m0005 from './0005_incidents.js';
import * as m0006 from './0006_escalation.js';
import * as m0007 from './0007_alert_noise.js';
import * as m0008 from './0008_status_page.js';
import * as m0009 from './0009_chat.js';
import * as m0010 from './0010_ack_timeout.js';
import * as m0011 from './0011_incident_rule.js';
import * as m0012 from './0012_redact_payload_keys.js';
import * as m0013 from './0013_rate_limit_hits.js';
import * as m0014 from './0014_status_subscriber_private.js';
import * as m0015 from './0015_status_subscriber_components.js';
import * as m0016 from './0016_intake_errors.js';
import * as m0017 from './0017_delivery_claims.js';
import * as m0018 from './0018_contact_private_address.js';
import * as m0019 from './0019_shared_policies.js';
import * as m0020 from './0020_postmortems.js';
import * as m0021 from './0021_action_item_tracker_state.js';
import * as m0022 from './0022_incident_kind.js';
import * as m0023 from './0023_incident_links.js';
import * as m0024 from './0024_insights_indexes.js';
import * as m0025 from './0025_insights_digest.js';
import * as m0026 from './0026_incident_first_alert.js';
import * as m0027 from './0027_gamedays.js';
import * as m0028 from './0028_gameday_private_targets.js';
import * as m0029 from './0029_alert_quality_drills.js';
import * as m0030 from './0030_runbooks.js';
import * as m0032 from './0032_comp_time_pulse.js';
import * as m0031 from './0031_people_health.js';
import * as m0033 from './0033_people_indexes.js';
import * as m0034 from './0034_people_hero_indexes.js';
import * as m0035 from './0035_paging_groups.js';
import * as m0036 from './0036_webpush.js';
import * as m0037 from './0037_layer_time_zone.js';
import * as m0038 from './0038_alert_paging_actions.js';
import * as m0040 from './0040_bridge_responders.js';
import * as m0041 from './0041_change_hooks.js';
import * as m0043 from './0043_list_keyset.js';
import * as m0044 from './0044_room_entries_tickets.js';
import * as m0046 from './0046_incident_list_filters.js';
import * as m0048 from './0048_config_slugs.js';
import * as m0049 from './0049_imported_incidents.js';

/**
 * Every migration, in order. Add a line per new file (NNNN_name.ts); names sort, and a released migration never
 * changes. Both engines run the same list.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_alerts': m0002,
  '0003_oncall': m0003,
  '0004_notify': m0004,
  '0005_incidents': m0005,
  '0006_escalation': m0006,
  '0007_alert_noise': m0007,
  '0008_status_page': m0008,
  '0009_chat': m0009,
  '0010_ack_timeout': m0010,
  '0011_incident_rule': m0011,
  '0012_redact_payload_keys': m0012,
  '0013_rate_limit_hits': m0013,
  '0014_status_subscriber_private': m0014,
  '0015_status_subscriber_components': m0015,
  '0016_intake_errors': m0016,
  '0017_delivery_claims': m0017,
  '0018_contact_private_address': m0018,
  '0019_shared_policies': m0019,
  '0020_postmortems': m0020,
  '0021_action_item_tracker_state': m0021,
  '0022_incident_kind': m0022,
  '0023_incident_links': m0023,
  '0024_insights_indexes': m0024,
  '0025_insights_digest': m0025,
  '0026_incident_first_alert': m0026,
  '0027_gamedays': m0027,
  '0028_gameday_private_targets': m0028,
  '0029_alert_quality_drills': m0029,
  '0030_runbooks': m0030,
  '0031_people_health': m0031,
  '0032_comp_time_pulse': m0032,
  '0033_people_indexes': m0033,
  '0034_people_hero_indexes': m0034,
  '0035_paging_groups': m0035,
  '0036_webpush': m0036,
  '0037_layer_time_zone': m0037,
  '0038_alert_paging_actions': m0038,
  '0040_bridge_responders': m0040,
  '0041_change_hooks': m0041,
  '0043_list_keyset': m0043,
  '0044_room_entries_tickets': m0044,
  '0046_incident_list_filters': m0046,
  '0048_config_slugs': m0048,
  '0049_imported_incidents': m0049,
};
