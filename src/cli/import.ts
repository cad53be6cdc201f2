/**
 * `muster import pagerduty|opsgenie|grafana-oncall` (docs/import.md): POST /api/import, then the plan (as `muster
 * plan` prints it), what could not be mapped, the fidelity table, history counts and the integration keys made (secrets
 * shown once). The source's token comes from --source-token or MUSTER_IMPORT_TOKEN (not --token, which is Muster's own
 * API token, a global option); it is sent to the Muster server for this import only and never stored.
 */
import { Option, type Command } from 'commander';
import { formatPlan } from '../config-as-code/format.js';
import type { ImportReport } from '../import/model.js';
import { IMPORT_SOURCES } from '../import/model.js';
import { printJson, say, type ClientDeps } from './output.js';

export function formatImportReport(r: ImportReport): string {
  const out: string[] = [];
  out.push(formatPlan(r.plan, { prune: false }));
  out.push(
    r.dryRun
      ? 'Dry run: nothing was changed.'
      : r.plan.changes.length
        ? 'Imported.'
        : 'Nothing to change: imported before.',
  );
  out.push('');
  out.push(`Not carried over or approximated (${r.unmapped.length}):`);
  if (r.unmapped.length === 0) out.push('  (none)');
  for (const u of r.unmapped) {
    out.push(
      `  ${u.outcome === 'dropped' ? 'dropped     ' : 'approximated'}  ${u.object}${u.field ? ` ${u.field}` : ''}: ${u.reason}`,
    );
  }
  if (!r.dryRun) {
    out.push('');
    out.push('Fidelity over the next 8 weeks (minutes where Muster and the source have the same people on call):');
    if (r.fidelity.length === 0) out.push('  (no schedules)');
    const width = Math.max(8, ...r.fidelity.map((f) => f.schedule.length));
    if (r.fidelity.length) out.push(`  ${'SCHEDULE'.padEnd(width)}  ${'MATCHING'.padStart(13)}  ${'%'.padStart(6)}`);
    for (const f of r.fidelity) {
      out.push(
        `  ${f.schedule.padEnd(width)}  ${`${f.matchingMinutes}/${f.totalMinutes}`.padStart(13)}  ${f.percent.toFixed(1).padStart(6)}`,
      );
      for (const d of f.firstDifferences) {
        out.push(
          `      ${new Date(d.at).toISOString().slice(0, 16).replace('T', ' ')} UTC: source ${d.source.join(', ') || 'nobody'}, Muster ${d.muster.join(', ') || 'nobody'}`,
        );
      }
    }
  }
  out.push('');
  out.push(
    `History: ${r.history.found} incident${r.history.found === 1 ? '' : 's'} found, ${r.history.imported} imported, ${r.history.alreadyImported} imported before.`,
  );
  out.push(`Requests to the source: ${r.requests.total} (${r.requests.rateLimited} rate-limited and waited out).`);
  if (r.integrationKeys.length) {
    out.push('');
    out.push('New integration keys (shown once, now: point the monitors at them; Muster keeps only a hash):');
    for (const k of r.integrationKeys) out.push(`  ${k.service} ${k.name} (${k.source}): ${k.key}`);
  }
  return out.join('\n');
}

export function registerImportCommands(program: Command, { client, json }: ClientDeps): void {
  program
    .command('import')
    .description('import an organisation from PagerDuty, Opsgenie or Grafana OnCall (plan, then apply; never deletes)')
    .argument('<source>', IMPORT_SOURCES.join(' | '))
    .addOption(
      new Option('--source-token <token>', "the source's API token (read access is enough)").env('MUSTER_IMPORT_TOKEN'),
    )
    .option(
      '--base-url <url>',
      "the source's API URL (required for Grafana OnCall; Opsgenie EU: https://api.eu.opsgenie.com)",
    )
    .option('--dry-run', 'plan only: show what would change, change nothing')
    .option('--history-months <n>', 'also import resolved incidents of the last N months (0–24)', '0')
    .option('--allow-private-address', 'the base URL may be a private address (an on-premises Grafana OnCall)')
    .action(
      async (
        source: string,
        o: {
          sourceToken?: string;
          baseUrl?: string;
          dryRun?: boolean;
          historyMonths: string;
          allowPrivateAddress?: boolean;
        },
      ) => {
        if (!(IMPORT_SOURCES as readonly string[]).includes(source)) {
          throw new Error(`Unknown source ${source}: ${IMPORT_SOURCES.join(', ')}.`);
        }
        if (!o.sourceToken) throw new Error("Give the source's API token: --source-token or MUSTER_IMPORT_TOKEN.");
        const months = Number(o.historyMonths);
        if (!Number.isInteger(months) || months < 0 || months > 24) {
          throw new Error('--history-months must be a whole number from 0 to 24.');
        }
        const report = await client().post<ImportReport>('/api/import', {
          source,
          token: o.sourceToken,
          ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
          ...(o.allowPrivateAddress ? { allowPrivateAddress: true } : {}),
          dryRun: !!o.dryRun,
          historyMonths: months,
        });
        if (json()) return printJson(report);
        say(formatImportReport(report));
      },
    );
}
