/**
 * Server commands: `serve` and `migrate`. They work on the database directly; the server code (Fastify, Kysely, the
 * database drivers) is loaded only when one of them runs (src/cli/local.ts, imported on use).
 */
import type { Command } from 'commander';
import type { CliDeps } from './deps.js';
import { output } from './output.js';

export function registerServerCommands(program: Command, { json, globals }: CliDeps): void {
  program
    .command('serve')
    .description('run the Muster server (API, web UI and job runner)')
    .option('--port <port>', 'listen port (MUSTER_PORT)')
    .option('--host <host>', 'listen address (MUSTER_HOST)')
    .action(async (o: { port?: string; host?: string }) => {
      const { readConfig, serve } = await import('./local.js');
      await serve(readConfig(globals().config, { port: o.port, host: o.host }));
    });

  program
    .command('migrate')
    .description('apply database migrations (the server also applies them at start)')
    .action(async () => {
      const { migrate, readConfig } = await import('./local.js');
      const applied = await migrate(readConfig(globals().config));
      output(json(), { applied }, () =>
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n'),
      );
    });
}
