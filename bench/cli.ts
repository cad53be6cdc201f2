/**
 * `npm run bench:cli`: how long a `muster` command takes from start to exit, for the built CLI (dist/, run by
 * bin/muster.js: build it first with `npm run build:server`). Cases: `muster --help`, `muster --version`,
 * `muster team --help`, and two client commands against a running local server (`muster alerts list` and
 * `muster whoami`, a spawned `muster serve` on a fresh SQLite database with a few alerts), each BENCH_RUNS times
 * (default 20) after two warm-ups, one after the other. The baseline, in the same run: `node -e ""` (Node's own
 * start-up, which no command can beat). Target: every case's p50 under 300 ms.
 *
 * Environment: BENCH_RUNS, BENCH_BINS (label=path pairs, comma-separated, to compare builds, e.g.
 * `before=/tmp/old/bin/muster.js,after=bin/muster.js`; default `after=bin/muster.js`), BENCH_COMMIT.
 * Prints a Markdown table for docs/benchmarks.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestDatabase } from '../src/db/testing/index.js';
import { adminTokenFor, spawnMuster } from '../src/testing/server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const ROOT = join(import.meta.dirname, '..');
const BINS = (process.env.BENCH_BINS ?? 'after=bin/muster.js').split(',').map((pair) => {
  const [label, path] = pair.includes('=') ? (pair.split('=', 2) as [string, string]) : ['after', pair];
  return { label, path: resolve(ROOT, path) };
});
const commit = process.env.BENCH_COMMIT ?? execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const log = (s: string): void => console.log(s);

interface Figure {
  bin: string;
  name: string;
  p50: number;
  p95: number;
  min: number;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/** Run a command RUNS times (after two warm-ups); wall time of each, start to exit. */
function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): { p50: number; p95: number; min: number } {
  const once = (): number => {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
    return ms;
  };
  once();
  once();
  const ms = Array.from({ length: RUNS }, once).sort((a, b) => a - b);
  return { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), min: ms[0]! };
}

async function main(): Promise<void> {
  for (const b of BINS) {
    if (!existsSync(b.path)) throw new Error(`${b.path} does not exist`);
  }
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build:server` first (the benchmark measures the built CLI).');
  }
  const loadBefore = execFileSync('uptime').toString().trim();
  const tdb = await createTestDatabase('sqlite');
  const server = await spawnMuster(tdb);
  const figures: Figure[] = [];
  try {
    const token = await adminTokenFor(server.url);
    const api = async <T>(path: string, body: unknown): Promise<T> => {
      const r = await fetch(server.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    };
    const team = await api<{ id: string }>('/api/teams', { name: 'Bench' });
    const svc = await api<{ id: string }>('/api/services', { name: 'Checkout', teamId: team.id });
    const { key } = await api<{ key: string }>(`/api/services/${svc.id}/integration-keys`, { source: 'generic' });
    for (let i = 0; i < 20; i++) {
      await api(`/integrations/generic/${key}`, {
        status: 'firing',
        dedupKey: `bench-${i}`,
        title: `Bench alert ${i}`,
        severity: 'warning',
      });
    }

    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MUSTER_CLI_CONFIG: '/nonexistent' };
    const client = { ...env, MUSTER_URL: server.url, MUSTER_TOKEN: token };
    figures.push({ bin: '-', name: 'node -e ""', ...time(process.execPath, ['-e', ''], env) });
    for (const b of BINS) {
      const cases: [string, string[], NodeJS.ProcessEnv][] = [
        ['muster --help', ['--help'], env],
        ['muster --version', ['--version'], env],
        ['muster team --help', ['team', '--help'], env],
        ['muster alerts list', ['alerts', 'list'], client],
        ['muster whoami', ['whoami'], client],
      ];
      for (const [name, args, e] of cases) {
        const f = time(process.execPath, [b.path, ...args], e);
        figures.push({ bin: b.label, name, ...f });
        log(`${b.label.padEnd(8)} ${name.padEnd(22)} p50 ${f.p50.toFixed(0)} ms  p95 ${f.p95.toFixed(0)} ms`);
      }
    }
  } finally {
    await server.stop();
    await tdb.drop();
  }
  const base = figures[0]!;
  log('');
  log(`Commit ${commit}, ${RUNS} runs per case after two warm-ups, Node ${process.version}.`);
  log(`Load before: ${loadBefore}`);
  log(`Load after:  ${execFileSync('uptime').toString().trim()}`);
  log('');
  log('| build | command | p50 ms | p95 ms | min ms | p50 over `node -e ""` |');
  log('|---|---|---:|---:|---:|---:|');
  for (const f of figures) {
    const over = f === base ? '-' : `+${(f.p50 - base.p50).toFixed(0)}`;
    log(`| ${f.bin} | \`${f.name}\` | ${f.p50.toFixed(0)} | ${f.p95.toFixed(0)} | ${f.min.toFixed(0)} | ${over} |`);
  }
}

await main();
