/**
 * A throwaway PostgreSQL for tests: initdb into a temporary directory, pg_ctl start on a free loopback port,
 * removed afterwards. Uses TEST_DATABASE_URL instead when it is set. As root, the server runs as `postgres`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayPostgres {
  url: string;
  stop(): void;
  /**
   * For outage tests, on a server of their own (never the shared one): `pg_ctl stop -m fast` (every client gets
   * admin_shutdown, as in a routine restart or failover), `start` again on the same port, or `restart -m fast`.
   * Asynchronous, so the test's own clients keep running meanwhile.
   */
  control(action: 'stop' | 'start' | 'restart'): Promise<void>;
}

function findBin(name: string): string {
  for (const dir of ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return name; // on PATH
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(
    join(process.env.MUSTER_TEST_TMPDIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()), 'muster-pg-'),
  );
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const command = (bin: string, args: string[]): [string, string[]] =>
    isRoot ? ['runuser', ['-u', 'postgres', '--', findBin(bin), ...args]] : [findBin(bin), args];
  const run = (bin: string, args: string[]): void => {
    const [cmd, fullArgs] = command(bin, args);
    execFileSync(cmd, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  const runAsync = (bin: string, args: string[]): Promise<void> =>
    new Promise((resolveRun, reject) => {
      const [cmd, fullArgs] = command(bin, args);
      execFile(cmd, fullArgs, { cwd: dir }, (err, _stdout, stderr) =>
        err ? reject(new Error(`${bin} ${args.join(' ')}: ${stderr || err.message}`, { cause: err })) : resolveRun(),
      );
    });
  if (isRoot) {
    const pgUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const pgGid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, pgUid, pgGid);
  }
  let opts = '';
  try {
    run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // fsync off: this server holds test data only and is thrown away; durability is tested on SQLite and by
    // crash tests that kill Muster, not PostgreSQL.
    opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
    run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(
      `Could not start a throwaway PostgreSQL (initdb/pg_ctl): ${err.stderr?.toString() ?? err.message}. ` +
        'Install PostgreSQL server binaries or set TEST_DATABASE_URL.',
      { cause: e },
    );
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async control(action) {
      const log = ['-l', join(dir, 'server.log')];
      if (action === 'stop') await runAsync('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      else if (action === 'start')
        await runAsync('pg_ctl', ['-D', dataDir, '-o', opts, ...log, '-w', '-t', '60', 'start']);
      else await runAsync('pg_ctl', ['-D', dataDir, '-o', opts, ...log, '-m', 'fast', '-w', '-t', '60', 'restart']);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
