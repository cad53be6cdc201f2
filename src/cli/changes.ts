/** `muster change record|list`: deploys and config changes against a service (client mode, the HTTP API). */
import { Option, type Command } from 'commander';
import { readDocument } from './files.js';
import { output, printJson, printTable, withServiceSlugs, type ClientDeps } from './output.js';
import { CHANGE_SOURCES } from '../changes/sources.js';

type Row = Record<string, unknown>;
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerChangeCommands(program: Command, { client, json }: ClientDeps): void {
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
        const r = await client().post<{ id: string; serviceId: string; warnings?: { message: string }[] }>(
          '/api/changes',
          {
            service: o.service,
            summary: o.summary,
            kind: o.kind,
            links: o.link ?? [],
            ...(o.author ? { author: o.author } : {}),
            ...(o.at ? { timestamp: o.at } : {}),
          },
        );
        output(json(), r, () => {
          process.stdout.write(`recorded ${r.id}\n`);
          for (const w of r.warnings ?? []) process.stderr.write(`warning: ${w.message}\n`);
        });
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

  registerHookCommands(change, { client, json });
}

const SOURCES = [...CHANGE_SOURCES];

/** `muster changes hooks …` and `muster changes mapping …`: a team's change hooks and its mapping config. */
function registerHookCommands(change: Command, { client, json }: ClientDeps): void {
  const teamPath = (team: string) => `/api/teams/${encodeURIComponent(team)}`;
  const hooks = change.command('hooks').description("a team's change hooks (GitHub, GitLab, Argo CD, Flux, …)");
  const printSecret = (r: { hook: Row; secret: string }) =>
    output(json(), r, () => {
      process.stdout.write(`hook ${String(r.hook.id)} (${String(r.hook.source)})\n`);
      process.stdout.write(`url:    ${String(r.hook.url)}\n`);
      process.stdout.write(`secret: ${r.secret}\n`);
      process.stdout.write('The secret is shown this once: put it in the tool now (docs/integrations/).\n');
    });
  hooks
    .command('list')
    .requiredOption('--team <team>', 'team id or slug')
    .action(async (o: { team: string }) => {
      const r = await client().get<{ hooks: Row[] }>(`${teamPath(o.team)}/change-hooks`);
      if (json()) return printJson(r.hooks);
      printTable(r.hooks, ['id', 'source', 'name', 'lastDeliveryAt', 'url']);
    });
  hooks
    .command('create')
    .description('create a hook; prints its URL and secret (shown once)')
    .requiredOption('--team <team>', 'team id or slug')
    .addOption(new Option('--source <tool>').choices(SOURCES).makeOptionMandatory())
    .option('--name <name>')
    .option('--default-service <service>', 'where changes no mapping rule matches go (id or slug)')
    .option('--secret <secret>', "the tool's own secret, when it makes one (LaunchDarkly)")
    .action(async (o: { team: string; source: string; name?: string; defaultService?: string; secret?: string }) => {
      const r = await client().post<{ hook: Row; secret: string }>(`${teamPath(o.team)}/change-hooks`, {
        source: o.source,
        ...(o.name ? { name: o.name } : {}),
        ...(o.defaultService ? { defaultService: o.defaultService } : {}),
        ...(o.secret ? { secret: o.secret } : {}),
      });
      printSecret(r);
    });
  hooks
    .command('rotate <hook>')
    .description('a new secret for the hook; the old one still works for --grace minutes (default 60)')
    .requiredOption('--team <team>', 'team id or slug')
    .option('--grace <minutes>', 'minutes the old secret still works (0: none)')
    .option('--secret <secret>', "the tool's own new secret")
    .action(async (hook: string, o: { team: string; grace?: string; secret?: string }) => {
      const r = await client().post<{ hook: Row; secret: string }>(
        `${teamPath(o.team)}/change-hooks/${encodeURIComponent(hook)}/rotate`,
        {
          ...(o.grace !== undefined ? { graceMinutes: Number(o.grace) } : {}),
          ...(o.secret ? { secret: o.secret } : {}),
        },
      );
      printSecret(r);
    });
  hooks
    .command('delete <hook>')
    .requiredOption('--team <team>', 'team id or slug')
    .action(async (hook: string, o: { team: string }) => {
      await client().delete(`${teamPath(o.team)}/change-hooks/${encodeURIComponent(hook)}`);
      output(json(), { deleted: hook }, () => process.stdout.write(`deleted ${hook}\n`));
    });
  hooks
    .command('deliveries <hook>')
    .description("the hook's recent deliveries: recorded, ignored, unmapped or rejected, and why")
    .requiredOption('--team <team>', 'team id or slug')
    .option('--limit <n>', 'at most n', '20')
    .action(async (hook: string, o: { team: string; limit: string }) => {
      const r = await client().get<{ deliveries: Row[] }>(
        `${teamPath(o.team)}/change-hooks/${encodeURIComponent(hook)}/deliveries?limit=${encodeURIComponent(o.limit)}`,
      );
      if (json()) return printJson(r.deliveries);
      printTable(r.deliveries, ['receivedAt', 'event', 'outcome', 'field', 'reason']);
    });

  const mapping = change
    .command('mapping')
    .description("a team's change mapping: repository, namespace, labels → service");
  mapping
    .command('get')
    .requiredOption('--team <team>', 'team id or slug')
    .action(async (o: { team: string }) => {
      const r = await client().get<Row>(`${teamPath(o.team)}/change-config`);
      printJson(r);
    });
  mapping
    .command('set')
    .description(
      'replace the mapping from a file: {mappings: [{service, repository?, namespace?, matchers?: [{name, op, value}]}], pageCommanderOnChange?}',
    )
    .requiredOption('--team <team>', 'team id or slug')
    .option('--file <file>', 'YAML or JSON (`-` reads standard input)')
    .option('--page-commander <on|off>', "page an open P1/P2's Incident Commander when its service changes")
    .action(async (o: { team: string; file?: string; pageCommander?: string }) => {
      const doc = o.file ? ((await readDocument(o.file)) as Record<string, unknown>) : {};
      const body: Record<string, unknown> = {};
      if (doc.mappings !== undefined) body.mappings = doc.mappings;
      if (doc.pageCommanderOnChange !== undefined) body.pageCommanderOnChange = doc.pageCommanderOnChange;
      if (o.pageCommander !== undefined) {
        if (!['on', 'off'].includes(o.pageCommander)) throw new Error('--page-commander takes on or off.');
        body.pageCommanderOnChange = o.pageCommander === 'on';
      }
      if (Object.keys(body).length === 0) throw new Error('Nothing to change: pass --file or --page-commander.');
      const r = await client().put<Row>(`${teamPath(o.team)}/change-config`, body);
      printJson(r);
    });
}
