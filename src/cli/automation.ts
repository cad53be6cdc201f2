/**
 * Client commands for automation rules (docs/runbooks.md): `muster automation list|show|create --file|enable|disable|
 * delete|firings`, over the HTTP API like every client command. A rule is written as JSON or YAML (`create --file`).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { output, printTable, say, type ClientDeps } from './output.js';

const enc = encodeURIComponent;

interface Rule {
  id: string;
  teamId: string;
  name: string;
  enabled: boolean;
  trigger: string;
  conditions: Record<string, unknown>;
  action: string;
  actionConfig: Record<string, unknown>;
  description: string;
  lastFiredAt: string | null;
  firingCount: number;
}

interface Firing {
  firedAt: string;
  outcome: string;
  incidentId: string | null;
  alertId: string | null;
  detail: string;
}

function printRule(r: Rule): void {
  say(`${r.id}  ${r.enabled ? 'enabled' : 'disabled'}  ${r.name}`);
  say(r.description);
  say(`conditions: ${JSON.stringify(r.conditions)}`);
  say(`action: ${r.action} ${JSON.stringify(r.actionConfig)}`);
  say(`fired ${r.firingCount} time(s)${r.lastFiredAt ? `, last ${r.lastFiredAt}` : ''}`);
}

export function registerAutomationCommands(program: Command, deps: ClientDeps): void {
  const { client, json } = deps;
  const au = program.command('automation').description('automation rules: when X happens, do Y (once per incident)');

  au.command('list')
    .description('automation rules')
    .option('--team <id>', "only this team's rules (id or slug)")
    .action(async (o: { team?: string }) => {
      const { items } = await client().get<{ items: Rule[] }>(
        `/api/automation-rules${o.team ? `?teamId=${enc(await client().teamId(o.team))}` : ''}`,
      );
      output(json(), items, () =>
        printTable(
          items.map((r) => ({
            id: r.id,
            enabled: r.enabled ? 'yes' : 'no',
            name: r.name,
            rule: r.description,
            fired: r.firingCount,
          })),
          ['id', 'enabled', 'name', 'rule', 'fired'],
        ),
      );
    });

  au.command('show')
    .description('one rule')
    .argument('<id>')
    .action(async (id: string) => {
      const r = await client().get<Rule>(`/api/automation-rules/${enc(id)}`);
      output(json(), r, () => printRule(r));
    });

  au.command('create')
    .description('create a rule from a JSON or YAML file: { teamId, name, trigger, conditions, action, actionConfig }')
    .requiredOption('--file <path>', 'the rule (JSON or YAML)')
    .option('--team <id>', 'the team, id or slug (overrides teamId in the file)')
    .action(async (o: { file: string; team?: string }) => {
      const text = readFileSync(o.file, 'utf8');
      const body = (parseYaml(text) ?? {}) as Record<string, unknown>;
      if (o.team) body.teamId = await client().teamId(o.team);
      const r = await client().post<Rule>('/api/automation-rules', body);
      output(json(), r, () => printRule(r));
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    au.command(name)
      .description(`${name} a rule`)
      .argument('<id>')
      .action(async (id: string) => {
        const r = await client().patch<Rule>(`/api/automation-rules/${enc(id)}`, { enabled });
        output(json(), r, () => say(`${r.name}: ${r.enabled ? 'enabled' : 'disabled'}`));
      });
  }

  au.command('delete')
    .description('delete a rule and its firings')
    .argument('<id>')
    .action(async (id: string) => {
      await client().delete(`/api/automation-rules/${enc(id)}`);
      output(json(), { deleted: id }, () => say(`deleted ${id}`));
    });

  au.command('firings')
    .description('when a rule fired and what it did (newest first)')
    .argument('<id>')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (id: string, o: { limit: string }) => {
      const { items } = await client().get<{ items: Firing[] }>(
        `/api/automation-rules/${enc(id)}/firings?limit=${enc(o.limit)}`,
      );
      output(json(), items, () =>
        printTable(
          items.map((f) => ({
            at: f.firedAt,
            outcome: f.outcome,
            subject: f.incidentId ?? f.alertId,
            detail: f.detail,
          })),
          ['at', 'outcome', 'subject', 'detail'],
        ),
      );
    });
}
