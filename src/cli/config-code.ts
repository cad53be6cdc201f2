/**
 * `muster plan -f DIR`, `muster apply -f DIR`, `muster export [-o DIR]` and `muster config schema`: configuration as
 * code (docs/config-as-code.md). The files are read here and sent to the server (POST /api/config/plan|apply), which
 * plans against its database; nothing is decided locally.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import type { CliDeps } from './deps.js';
import { printJson } from './output.js';
import { formatPlan } from '../config-as-code/format.js';
import type { Plan } from '../config-as-code/model.js';

interface ConfigFile {
  path: string;
  content: string;
}

const say = (text: string): void => {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};

/** Every .yaml/.yml file under `target` (or `target` itself when it is a file), sorted, named relative to it. */
export function readConfigFiles(target: string): ConfigFile[] {
  const st = statSync(target);
  if (st.isFile()) return [{ path: target, content: readFileSync(target, 'utf8') }];
  const out: ConfigFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/i.test(name)) out.push({ path: relative(target, full), content: readFileSync(full, 'utf8') });
    }
  };
  walk(target);
  if (out.length === 0) throw new Error(`-f ${target}: no .yaml or .yml files there`);
  return out;
}

interface NewKey {
  service: string;
  name: string;
  source: string;
  prefix: string;
  key: string;
}

export function registerConfigCodeCommands(program: Command, { client, json }: CliDeps): void {
  program
    .command('plan')
    .description('what applying configuration files would change (nothing is changed)')
    .requiredOption('-f, --file <path>', 'a directory of .yaml files (read recursively) or one file')
    .option('--prune', 'also delete what Muster has and the files do not name')
    .action(async (o: { file: string; prune?: boolean }) => {
      const files = readConfigFiles(o.file);
      const r = await client().post<{ plan: Plan }>('/api/config/plan', { files, prune: !!o.prune });
      if (json()) return printJson(r.plan);
      say(formatPlan(r.plan, { prune: !!o.prune }));
    });

  program
    .command('apply')
    .description('apply configuration files in one transaction (all or nothing)')
    .requiredOption('-f, --file <path>', 'a directory of .yaml files (read recursively) or one file')
    .option('--prune', 'also delete what Muster has and the files do not name')
    .action(async (o: { file: string; prune?: boolean }) => {
      const files = readConfigFiles(o.file);
      const r = await client().post<{ plan: Plan; integrationKeys: NewKey[] }>('/api/config/apply', {
        files,
        prune: !!o.prune,
      });
      if (json()) return printJson(r);
      say(formatPlan(r.plan, { prune: !!o.prune }));
      say(r.plan.changes.length ? 'Applied.' : 'Nothing to apply.');
      if (r.integrationKeys.length) {
        say('\nNew integration keys (shown once, now: store them in your monitors; Muster keeps only a hash):');
        for (const k of r.integrationKeys) say(`  ${k.service} ${k.name} (${k.source}): ${k.key}`);
      }
    });

  program
    .command('export')
    .description('the current configuration as files')
    .option('-o, --output <dir>', 'write one file per kind into this directory (default: all to standard output)')
    .action(async (o: { output?: string }) => {
      const r = await client().get<{ files: ConfigFile[] }>('/api/config/export');
      if (json()) return printJson(r.files);
      if (!o.output) {
        process.stdout.write(r.files.map((f) => f.content).join('---\n'));
        return;
      }
      for (const f of r.files) {
        const path = join(o.output, f.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
      }
      say(
        `Wrote ${r.files.length} file${r.files.length === 1 ? '' : 's'} to ${o.output}: ${r.files.map((f) => f.path).join(', ')}`,
      );
    });

  const config = program.command('config').description('configuration as code: the JSON Schema of the files');
  config
    .command('schema')
    .description("print the files' JSON Schema (also served at /api/config/schema.json) for editor completion")
    .action(async () => {
      const { configJsonSchema } = await import('../config-as-code/schema.js');
      printJson(configJsonSchema());
    });
}
