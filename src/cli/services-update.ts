/**
 * `muster services update <service> …`: change a service's editable fields through PATCH /api/services/:service —
 * name, description, owning team, criticality, escalation policy, the incident rule, dependencies and the paging
 * group settings (docs/alerts.md "Paging groups", docs/cli.md). Only the options given are sent; the others keep
 * their value. Added to the `services` command that src/cli/alerts.ts makes (commands.ts loads both).
 */
import { Option, type Command } from 'commander';
import type { MusterClient } from './client.js';
import type { CliDeps } from './deps.js';
import { output, say } from './output.js';

const enc = encodeURIComponent;

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const INCIDENT_SEVERITIES = ['P1', 'P2', 'P3', 'P4'];

export interface UpdateOptions {
  name?: string;
  description?: string;
  team?: string;
  criticality?: string;
  policy?: string;
  incidentRule?: string;
  dependsOn?: string;
  pagingGroups?: string;
  groupLabels?: string;
  groupWindow?: string;
}

interface ServiceOut {
  id: string;
  slug: string;
  name: string;
  criticality: string;
  teamId: string;
  escalationPolicyId: string | null;
  incidentRule: { alertSeverities: string[]; incidentSeverity: string } | null;
  dependsOn?: string[];
  pagingGroups: { mode: string; labels: string[]; windowMinutes: number };
}

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `critical,error=P2` → the incident rule; `none` → no rule. */
export function parseIncidentRule(text: string): { alertSeverities: string[]; incidentSeverity: string } | null {
  if (text.trim().toLowerCase() === 'none') return null;
  const m = /^([a-z,\s]+)=\s*(P[1-4])$/i.exec(text.trim());
  const severities = m ? list(m[1]!.toLowerCase()) : [];
  if (!m || severities.length === 0 || severities.some((s) => !SEVERITIES.includes(s))) {
    throw new Error(
      `--incident-rule: "${text}" is not ALERT-SEVERITIES=INCIDENT-SEVERITY (e.g. critical,error=P2) or none; ` +
        `alert severities are ${SEVERITIES.join(', ')}`,
    );
  }
  const incidentSeverity = m[2]!.toUpperCase();
  if (!INCIDENT_SEVERITIES.includes(incidentSeverity)) throw new Error(`--incident-rule: ${incidentSeverity}?`);
  return { alertSeverities: [...new Set(severities)], incidentSeverity };
}

/** The PATCH body for the options given (only those); ids of policies and services are looked up by `lookup`. */
export async function updateBody(
  o: UpdateOptions,
  lookup: { policyId: (p: string) => Promise<string>; serviceId: (s: string) => Promise<string> },
): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  if (o.name !== undefined) body.name = o.name;
  if (o.description !== undefined) body.description = o.description;
  if (o.team !== undefined) body.teamId = o.team;
  if (o.criticality !== undefined) body.criticality = o.criticality;
  if (o.policy !== undefined) body.escalationPolicyId = o.policy === 'none' ? null : await lookup.policyId(o.policy);
  if (o.incidentRule !== undefined) body.incidentRule = parseIncidentRule(o.incidentRule);
  if (o.dependsOn !== undefined) {
    const names = o.dependsOn.trim() === 'none' ? [] : list(o.dependsOn);
    body.dependsOn = await Promise.all(names.map((s) => lookup.serviceId(s)));
  }
  const groups: Record<string, unknown> = {};
  if (o.pagingGroups !== undefined) groups.mode = o.pagingGroups;
  if (o.groupLabels !== undefined) groups.labels = list(o.groupLabels);
  if (o.groupWindow !== undefined) {
    const minutes = Number(o.groupWindow);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw new Error(`--group-window: "${o.groupWindow}" is not a whole number of minutes from 1 to 1440`);
    }
    groups.windowMinutes = minutes;
  }
  if (Object.keys(groups).length) body.pagingGroups = groups;
  if (Object.keys(body).length === 0) throw new Error('nothing to change: give at least one option (see --help)');
  return body;
}

async function policyIdOf(c: MusterClient, policy: string): Promise<string> {
  const r = await c.get<{ policies: { id: string; name: string }[] }>('/api/escalation-policies');
  const found = r.policies.find((p) => p.id === policy) ?? r.policies.find((p) => p.name === policy);
  if (!found) throw new Error(`--policy: no escalation policy named ${policy}`);
  return found.id;
}

export function describePagingGroups(g: ServiceOut['pagingGroups']): string {
  if (g.mode === 'labels') return `labels (${g.labels.join(', ')})`;
  if (g.mode === 'window') return `window (${g.windowMinutes} min)`;
  return g.mode;
}

export function registerServiceUpdateCommands(program: Command, { client, json }: CliDeps): void {
  const services = program.commands.find((c) => c.name() === 'services');
  if (!services) throw new Error('the services command must be registered first (src/cli/alerts.ts)');
  services
    .command('update')
    .description("change a service's settings; options left out keep their value (team admins)")
    .argument('<service>', 'id or slug')
    .option('--name <name>')
    .option('--description <text>')
    .option('--team <team>', 'owning team (id or slug)')
    .addOption(new Option('--criticality <level>').choices(['critical', 'high', 'medium', 'low']))
    .option('--policy <policy>', 'escalation policy: name or id, or none')
    .option('--incident-rule <rule>', 'declare an incident for these alert severities: e.g. critical,error=P2, or none')
    .option('--depends-on <services>', 'comma-separated service ids or slugs (replaces the list), or none')
    .addOption(
      new Option('--paging-groups <mode>', 'how alerts share a page').choices([
        'alertmanager',
        'labels',
        'window',
        'per_alert',
      ]),
    )
    .option('--group-labels <labels>', 'paging groups by labels: comma-separated label names')
    .option('--group-window <minutes>', 'paging groups by window: minutes after the page starts (1-1440)')
    .action(async (s: string, o: UpdateOptions) => {
      const c = client();
      const body = await updateBody(o, {
        policyId: (p) => policyIdOf(c, p),
        serviceId: async (x) => (await c.get<{ id: string }>(`/api/services/${enc(x)}`)).id,
      });
      const svc = await c.patch<ServiceOut>(`/api/services/${enc(s)}`, body);
      output(json(), svc, () => {
        say(`updated ${svc.slug} (${svc.id})`);
        say(`${svc.name}  criticality ${svc.criticality}  team ${svc.teamId}`);
        say(`escalation policy: ${svc.escalationPolicyId ?? '-'}`);
        const rule = svc.incidentRule;
        say(`incident rule: ${rule ? `${rule.alertSeverities.join(',')}=${rule.incidentSeverity}` : '-'}`);
        if (svc.dependsOn) say(`depends on: ${svc.dependsOn.join(', ') || '-'}`);
        say(`paging groups: ${describePagingGroups(svc.pagingGroups)}`);
      });
    });
}
