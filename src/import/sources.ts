/** The importers by source (src/import/model.ts): each source's module registers itself here. */
import { grafanaOnCallImporter } from './grafana-oncall/index.js';
import type { Importer, ImportSource } from './model.js';
import { opsgenieImporter } from './opsgenie/index.js';
import { pagerdutyImporter } from './pagerduty/index.js';

export const IMPORTERS: Partial<Record<ImportSource, Importer>> = {};
IMPORTERS.pagerduty = pagerdutyImporter;
IMPORTERS.opsgenie = opsgenieImporter;
IMPORTERS['grafana-oncall'] = grafanaOnCallImporter;
