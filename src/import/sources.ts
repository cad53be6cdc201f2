/** The importers by source (src/import/model.ts): each source's module registers itself here. */
import type { Importer, ImportSource } from './model.js';
import { opsgenieImporter } from './opsgenie/index.js';

export const IMPORTERS: Partial<Record<ImportSource, Importer>> = {};
IMPORTERS.opsgenie = opsgenieImporter;
