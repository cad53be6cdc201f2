/**
 * Test helpers that start real Muster servers: in this process (`startTestMuster`) or as a child process
 * (`spawnMuster`, for kill -9 and multi-process tests). Both use a real database from src/db/testing.
 */
import type { ResolveAll } from '../shared/net.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { createTestDatabase, freePort, type TestDatabase } from '../db/testing/index.js';
import type { Engine } from '../db/index.js';
import { systemActor } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';
import { startMuster, type Muster } from '../server.js';

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';

/** fetch against a server with a default token (or none with `token: null`); the body parsed as JSON when it is. */
export type ApiCall = <T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
) => Promise<{ status: number; body: T; headers: Headers }>;

export interface TestMuster {
  muster: Muster;
  url: string;
  tdb: TestDatabase;
  adminToken: string;
  /** fetch against the server with the admin token (or none with `token: null`). */
  api: ApiCall;
  stop(): Promise<void>;
}

export function apiFor(baseUrl: string, defaultToken: string | null): ApiCall {
  return async (method, path, body, token = defaultToken) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as never, headers: res.headers };
  };
}

/**
 * An API token for the bootstrap administrator of a running server (e.g. a spawned one, whose SQLite database the
 * test cannot open): sign in with the password, then create the token with the session and its CSRF token.
 */
export async function adminTokenFor(baseUrl: string): Promise<string> {
  const signIn = await fetch(`${baseUrl}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  if (!signIn.ok) throw new Error(`admin sign-in failed: HTTP ${signIn.status} ${await signIn.text()}`);
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const created = await fetch(`${baseUrl}/api/tokens`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'test' }),
  });
  if (created.status !== 201)
    throw new Error(`creating a token failed: HTTP ${created.status} ${await created.text()}`);
  return ((await created.json()) as { token: string }).token;
}

export async function startTestMuster(
  engine: Engine,
  overrides: Record<string, unknown> = {},
  /** `resolve`: a DNS resolver for public webhook hosts (this machine has no DNS for the internet). */
  opts: { clock?: Clock; resolve?: ResolveAll } = {},
): Promise<TestMuster> {
  const tdb = await createTestDatabase(engine);
  const config = loadConfig({
    env: {},
    overrides: {
      host: '127.0.0.1',
      port: 0,
      dataDir: tdb.dataDir,
      databaseUrl: tdb.databaseUrl,
      logLevel: 'silent',
      adminEmail: ADMIN_EMAIL,
      adminPassword: ADMIN_PASSWORD,
      'jobs.pollIntervalMs': 50,
      ...(process.env.MUSTER_RESPONSE_DIFFS ? { responseDiffsFile: process.env.MUSTER_RESPONSE_DIFFS } : {}),
      ...overrides,
    },
  });
  const muster = await startMuster(config, {
    log: createLogger({ level: process.env.MUSTER_TEST_LOG_LEVEL ?? 'silent' }),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
  });
  const admin = await muster.services.identity.findUserByEmail(ADMIN_EMAIL);
  const { token: adminToken } = await muster.services.tokens.create(systemActor('test'), {
    userId: admin!.id,
    name: 'test',
  });
  const api = apiFor(muster.url, adminToken);
  return {
    muster,
    url: muster.url,
    tdb,
    adminToken,
    api,
    async stop() {
      await muster.stop();
      await tdb.drop();
    },
  };
}

export interface SpawnedMuster {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SIGKILL: no shutdown hooks run, like a power cut or the OOM killer. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..');

/** The server exited before it became ready (bad config, a locked data directory, …). */
export class SpawnExitError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly output: string,
  ) {
    super(`muster exited with ${exitCode ?? signal}:\n${output}`);
    this.name = 'SpawnExitError';
  }
}

/** Start `muster serve` as a separate process on a real database and wait until /readyz answers. */
export async function spawnMuster(tdb: TestDatabase, env: Record<string, string> = {}): Promise<SpawnedMuster> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      TZ: 'UTC',
      MUSTER_HOST: '127.0.0.1',
      MUSTER_PORT: String(port),
      MUSTER_DATA_DIR: tdb.dataDir,
      MUSTER_LOG_LEVEL: 'warn',
      MUSTER_ADMIN_EMAIL: ADMIN_EMAIL,
      MUSTER_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...(tdb.databaseUrl ? { DATABASE_URL: tdb.databaseUrl } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // 'close' comes after the output pipes are drained, so an early exit's message is complete.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await closed;
      throw new SpawnExitError(child.exitCode, child.signalCode, out);
    }
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`muster did not become ready in 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    output: () => out,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
