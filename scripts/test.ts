/**
 * `npm test`: every test file on node's test runner. Starts one throwaway PostgreSQL for the whole run (unless
 * TEST_DATABASE_URL is set) so integration tests run on both engines; each test file makes its own databases.
 *   --only unit|int|e2e   one layer only
 *   any other arguments   test files to run
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startThrowawayPostgres } from '../src/db/testing/postgres.js';

const root = join(import.meta.dirname, '..');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out.sort();
}

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const explicit = onlyIdx >= 0 ? args.filter((_, i) => i !== onlyIdx && i !== onlyIdx + 1) : args;

const all = [...walk(join(root, 'src')), ...walk(join(root, 'e2e'))];
const layer = (f: string): 'unit' | 'int' | 'e2e' =>
  f.startsWith('e2e') ? 'e2e' : f.endsWith('.int.test.ts') ? 'int' : 'unit';
const files = explicit.length ? explicit : all.filter((f) => !only || layer(f) === only);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const needsPg = files.some((f) => layer(f) !== 'unit') && !process.env.TEST_DATABASE_URL;
const pg = needsPg ? await startThrowawayPostgres() : null;
if (pg) console.log(`throwaway PostgreSQL at ${pg.url}`);

const env = { ...process.env, TZ: 'UTC', MUSTER_CHECK_PREPARED: '1', ...(pg ? { TEST_DATABASE_URL: pg.url } : {}) };
const timesDir = mkdtempSync(join(tmpdir(), 'muster-test-times-'));
const timesFile = join(timesDir, 'times.tsv');
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts', 'file-times.mjs')}`,
    `--test-reporter-destination=${timesFile}`,
    '--test-concurrency=2',
    '--test-timeout=300000',
    ...files,
  ],
  { cwd: root, env, stdio: 'inherit' },
);
const code: number = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
pg?.stop();
try {
  const rows = readFileSync(timesFile, 'utf8').trim().split('\n').filter(Boolean);
  const total = rows.reduce((sum, r) => sum + Number(r.split('\t')[0]), 0);
  console.log(`\n${rows.length} files, ${total.toFixed(0)} s of test time in all; the slowest:`);
  for (const r of rows.slice(0, 12)) console.log(`  ${r.replace(root + '/', '')}`);
} catch {
  // no times (the run stopped early): the spec output above says why
}
rmSync(timesDir, { recursive: true, force: true });
process.exit(code);
