/** Run the `muster` CLI as a child process (through tsx, from source) and collect its exit code and output. */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '..', 'cli', 'main.ts');

export function runMuster(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      // The CLI's own settings file (what `muster login` stores) is per test unless the test names one, so a login
      // on this machine never leaks in.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        MUSTER_CLI_CONFIG: join(tmpdir(), `muster-cli-none-${process.pid}`, 'cli.json'),
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * A test's `muster`: runs the CLI with the env `env()` gives at call time (tests set it in `before`), fails the test
 * with the command and its stderr unless it exits 0, and answers its stdout; `json` adds `--json` and parses it.
 */
export function musterFor(env: () => Record<string, string>) {
  const muster = async (args: string[]): Promise<string> => {
    const r = await runMuster(args, env());
    if (r.code !== 0) throw new Error(`muster ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const json = async <T = Record<string, unknown>[]>(args: string[]): Promise<T> =>
    JSON.parse(await muster([...args, '--json'])) as T;
  return { muster, json };
}
