import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_alerts.js';
import * as m0003 from './0003_oncall.js';
import * as m0005 from './0005_incidents.js';

/**
 * Every migration, in order. Add a line per new file (NNNN_name.ts); names sort, and a released migration never
 * changes. Both engines run the same list.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_alerts': m0002,
  '0003_oncall': m0003,
  '0005_incidents': m0005,
};
