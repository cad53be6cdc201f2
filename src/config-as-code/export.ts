/**
 * The current state written in the configuration format: one file per kind, each starting with the
 * yaml-language-server comment that points editors at the published JSON Schema. What it writes, read back, is the
 * same canonical state, so export → plan is empty. Fields at their default are left out to keep files short.
 */
import { stringify } from 'yaml';
import { canonical, DEFAULT_WORKING_HOURS, type CurrentState, type Value } from './model.js';
import type { ConfigFile } from './load.js';
import { KINDS, type Kind } from './schema.js';

export const FILE_OF_KIND: Record<Kind, string> = {
  users: 'users.yaml',
  teams: 'teams.yaml',
  schedules: 'schedules.yaml',
  escalationPolicies: 'escalation-policies.yaml',
  services: 'services.yaml',
  postmortemTemplates: 'postmortem-templates.yaml',
  severityPolicies: 'severity-policies.yaml',
  runbooks: 'runbooks.yaml',
  statusPageComponents: 'status-page-components.yaml',
  silences: 'silences.yaml',
};

/** Kinds written in full: their defaults differ per object (a severity's), so a value left out would not read back. */
const WRITTEN_IN_FULL = new Set<Kind>(['severityPolicies']);

const DEFAULTS: Record<string, unknown> = {
  workingHours: DEFAULT_WORKING_HOURS,
  pagingGroups: { mode: 'alertmanager', labels: [], windowMinutes: 10 },
};

/** Drop what reads back as its default: empty text, null, false, empty lists, the default working hours. */
function compact(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => compact(x));
  if (v && typeof v === 'object') {
    const out: Value = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || x === null || x === '' || x === false) continue;
      if (Array.isArray(x) && x.length === 0) continue;
      if (k in DEFAULTS && canonical(x) === canonical(DEFAULTS[k])) continue;
      if (k === 'repeat' && x === 0) continue;
      out[k] = compact(x, k);
    }
    return out;
  }
  void key;
  return v;
}

export function schemaComment(publicUrl: string): string {
  return `# yaml-language-server: $schema=${publicUrl.replace(/\/$/, '')}/api/config/schema.json\n`;
}

export function exportFiles(state: CurrentState, publicUrl: string): ConfigFile[] {
  const files: ConfigFile[] = [];
  for (const kind of KINDS) {
    const objects = [...state[kind].values()]
      .filter((o) => o.value.disabled !== true)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((o) => {
        const { disabled: _disabled, ...rest } = o.value;
        void _disabled;
        return WRITTEN_IN_FULL.has(kind) ? rest : compact(rest);
      });
    if (objects.length === 0) continue;
    files.push({
      path: FILE_OF_KIND[kind],
      content: schemaComment(publicUrl) + stringify({ [kind]: objects }, { lineWidth: 0 }),
    });
  }
  return files;
}
