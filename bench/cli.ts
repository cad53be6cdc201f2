/**
 * `npm run bench:cli`: how long a `muster` command takes from start to exit, for the built CLI (dist/, run by
 * bin/muster.js: build it first with `npm run build:server`). Cases: `muster --help`, `muster --version`,
 * `muster team --help`, and two client commands against a running local server (`muster alerts list` and
 * `muster whoami`, a spawned `muster serve` on a fresh SQLite database with a few alerts), each BENCH_RUNS times
 * (default 20) after two warm-ups, one after the other: wall time from start to exit, and the CPU time (user +
 * system, from /usr/bin/time) which a loaded machine inflates less. The baseline, in the same run: `node -e ""`
 * (Node's own start-up, which no command can beat). Target: every case's p50 under 300 ms on a quiet machine.
 *
 * Environment: BENCH_RUNS, BENCH_BINS (label=path pairs, comma-separated, to compare builds, e.g.
 * `before=/tmp/old/bin/muster.js,after=bin/muster.js`; default `after=bin/muster.js`), BENCH_COMMIT.
 * Prints a Markdown table for docs/benchmarks.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

interface Timing {
  p50: number;
  p95: number;
  min: number;
  /** The median of user + system CPU time (/usr/bin/time, 10 ms resolution): less sensitive to a loaded machine. */
  cpu50: number | null;
}

interface Figure extends Timing {
  bin: string;
  name: string;
}

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const TIME_OUT = join(mkdtempSync(join(tmpdir(), 'muster-bench-cli-')), 'time');

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/** Run a command RUNS times (after two warm-ups); wall time of each, start to exit, and its CPU time. */
function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): Timing {
  const once = (): { wall: number; cpu: number | null } => {
    const [file, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S', '-o', TIME_OUT, cmd, ...args]] : [cmd, args];
    const t0 = performance.now();
    const r = spawnSync(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
    const cpu = GNU_TIME
      ? readFileSync(TIME_OUT, 'utf8')
          .trim()
          .split(/\s+/)
          .reduce((sum, x) => sum + Number(x) * 1000, 0)
      : null;
    return { wall, cpu };
  };
  once();
  once();
  const runs = Array.from({ length: RUNS }, once);
  const ms = runs.map((r) => r.wall).sort((a, b) => a - b);
  const cpu = runs.every((r) => r.cpu !== null) ? runs.map((r) => r.cpu!).sort((a, b) => a - b) : null;
  return { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), min: ms[0]!, cpu50: cpu ? quantile(cpu, 0.5) : null };
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
      // `--version` is measured where the build has it (the CLI before 44620b0 had none).
      const hasVersion = spawnSync(process.execPath, [b.path, '--version'], { env }).status === 0;
      const cases: [string, string[], NodeJS.ProcessEnv][] = [
        ['muster --help', ['--help'], env],
        ...(hasVersion ? [['muster --version', ['--version'], env] as [string, string[], NodeJS.ProcessEnv]] : []),
        ['muster team --help', ['team', '--help'], env],
        ['muster alerts list', ['alerts', 'list'], client],
        ['muster whoami', ['whoami'], client],
      ];
      for (const [name, args, e] of cases) {
        const f = time(process.execPath, [b.path, ...args], e);
        figures.push({ bin: b.label, name, ...f });
        log(
          `${b.label.padEnd(8)} ${name.padEnd(22)} p50 ${f.p50.toFixed(0)} ms  p95 ${f.p95.toFixed(0)} ms  ` +
            `CPU p50 ${f.cpu50?.toFixed(0) ?? '-'} ms`,
        );
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
  log('| build | command | p50 ms | p95 ms | min ms | p50 over `node -e ""` | CPU p50 ms |');
  log('|---|---|---:|---:|---:|---:|---:|');
  for (const f of figures) {
    const over = f === base ? '-' : `+${(f.p50 - base.p50).toFixed(0)}`;
    const cpu = f.cpu50 === null ? '-' : f.cpu50.toFixed(0);
    log(
      `| ${f.bin} | \`${f.name}\` | ${f.p50.toFixed(0)} | ${f.p95.toFixed(0)} | ${f.min.toFixed(0)} | ${over} | ${cpu} |`,
    );
  }
}

await main();
