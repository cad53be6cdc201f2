/**
 * A PostgreSQL cluster for `npm run bench:insights` that outlives the run (`--reuse` reads the same history again):
 * initdb into `<dir>` the first time, start it on a free port, stop it at the end without removing it. A read
 * benchmark: fsync is off so generating the history does not wait on the disk (the figures are reads).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../src/db/testing/index.js';

function findBin(name: string): string {
  for (const v of ['17', '16', '15']) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(p)) return p;
  }
  return name;
}

export interface KeptPostgres {
  /** The server URL (database `postgres`). */
  url: string;
  version: string;
  stop(): void;
}

export async function startKeptPostgres(dir: string): Promise<KeptPostgres> {
  const isRoot = process.getuid?.() === 0;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (bin: string, args: string[]): string => {
    const cmd = isRoot ? 'runuser' : findBin(bin);
    const fullArgs = isRoot ? ['-u', 'postgres', '--', findBin(bin), ...args] : args;
    return execFileSync(cmd, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir }).toString();
  };
  const dataDir = join(dir, 'data');
  const port = await freePort();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C']);
  }
  const opts =
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=512MB ` +
    `-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB -c work_mem=32MB`;
  run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '120', 'start']);
  const version = run('pg_ctl', ['--version']).trim();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    stop() {
      if (stopped) return;
      stopped = true;
      run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '120', 'stop']);
    },
  };
}
