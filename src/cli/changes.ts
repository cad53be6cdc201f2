/** `muster change record|list`: deploys and config changes against a service (client mode, the HTTP API). */
import { Option, type Command } from 'commander';
import type { MusterClient } from './client.js';
import { output, printJson, printTable, withServiceSlugs } from './output.js';

interface Deps {
  client: () => MusterClient;
  json: () => boolean;
}

type Row = Record<string, unknown>;
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerChangeCommands(program: Command, { client, json }: Deps): void {
  const change = program.command('change').alias('changes').description('deploys and config changes per service');
  change
    .command('record')
    .description('record a change, e.g. muster change record --service api --summary "deploy v1.4.2" --link URL')
    .requiredOption('--service <service>', 'service id or slug')
    .requiredOption('--summary <text>')
    .option('--link <url>', 'a link (repeatable)', collect)
    .addOption(new Option('--kind <kind>').choices(['deploy', 'config', 'infrastructure', 'other']).default('deploy'))
    .option('--author <name>', 'who made the change (default: the token owner)')
    .option('--at <time>', 'when (RFC 3339; default now)')
    .action(
      async (o: { service: string; summary: string; link?: string[]; kind: string; author?: string; at?: string }) => {
        const r = await client().post<{ id: string; serviceId: string }>('/api/changes', {
          service: o.service,
          summary: o.summary,
          kind: o.kind,
          links: o.link ?? [],
          ...(o.author ? { author: o.author } : {}),
          ...(o.at ? { timestamp: o.at } : {}),
        });
        output(json(), r, () => process.stdout.write(`recorded ${r.id}\n`));
      },
    );
  change
    .command('list')
    .option('--service <service>', 'service id or slug')
    .option('--since <time>', 'RFC 3339')
    .option('--limit <n>', 'at most n', '50')
    .action(async (o: { service?: string; since?: string; limit: string }) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.service) q.set('service', o.service);
      if (o.since) q.set('since', o.since);
      const r = await client().get<{ changes: Row[] }>(`/api/changes?${q.toString()}`);
      if (json()) return printJson(r.changes);
      printTable(await withServiceSlugs(client(), r.changes), ['at', 'service', 'kind', 'summary', 'author']);
    });
}
