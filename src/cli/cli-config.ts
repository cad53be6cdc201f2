/**
 * The CLI's own settings file: the server URL and API token `muster login` stored, so client commands work without
 * --url/--token. $MUSTER_CLI_CONFIG, else $XDG_CONFIG_HOME/muster/cli.json, else ~/.config/muster/cli.json; written
 * readable by its owner only (it holds a token).
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface StoredLogin {
  url: string;
  token: string;
  tokenId?: string;
  email?: string;
}

export function cliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MUSTER_CLI_CONFIG) return env.MUSTER_CLI_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'muster', 'cli.json');
}

export function readStoredLogin(path = cliConfigPath()): StoredLogin | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON: run \`muster login\` again, or remove the file.`);
  }
  const o = parsed as Partial<StoredLogin> | null;
  if (!o || typeof o.url !== 'string' || typeof o.token !== 'string') return null;
  return {
    url: o.url,
    token: o.token,
    ...(typeof o.tokenId === 'string' ? { tokenId: o.tokenId } : {}),
    ...(typeof o.email === 'string' ? { email: o.email } : {}),
  };
}

export function writeStoredLogin(login: StoredLogin, path = cliConfigPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function removeStoredLogin(path = cliConfigPath()): void {
  rmSync(path, { force: true });
}

/** Two URLs name the same server (a trailing slash or the default port aside). */
export function sameServer(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname.replace(/\/$/, '') === y.pathname.replace(/\/$/, '');
  } catch {
    return a === b;
  }
}
