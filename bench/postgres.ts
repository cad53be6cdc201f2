/**
 * A throwaway PostgreSQL for the benchmark, started like src/db/testing's but **durable**: the test server runs with
 * fsync=off and synchronous_commit=off (fine for tests, wrong for an intake benchmark that promises a durable
 * commit before the 2xx). Here fsync, synchronous_commit and full_page_writes keep their safe defaults.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/db/testing/index.js';

export interface BenchPostgres {
  url: string;
  version: string;
  stop(): void;
}

function findBin(name: string): string {
  for (const v of ['17', '16', '15']) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(p)) return p;
  }
  return name;
}

export async function startDurablePostgres(): Promise<BenchPostgres> {
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'muster-bench-pg-'));
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const run = (bin: string, args: string[]): string => {
    const cmd = isRoot ? 'runuser' : findBin(bin);
    const fullArgs = isRoot ? ['-u', 'postgres', '--', findBin(bin), ...args] : args;
    return execFileSync(cmd, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir }).toString();
  };
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  try {
    run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C']);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB`;
    run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`Could not start PostgreSQL for the benchmark: ${err.stderr?.toString() ?? err.message}`, {
      cause: e,
    });
  }
  const version = run('pg_ctl', ['--version']).trim();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
