/**
 * Users, API tokens, signing the CLI in (`muster login`/`logout`), `whoami` and `api`. `user create`, `user link` and
 * `token create --email` without --url work on the database directly (src/cli/local.ts, loaded only then).
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { ApiError, MusterClient } from './client.js';
import { cliConfigPath, readStoredLogin, removeStoredLogin, writeStoredLogin } from './cli-config.js';
import type { CliDeps } from './deps.js';
import { output, printJson, printTable } from './output.js';

type Row = Record<string, unknown>;

/** Standard input up to its end, without its final newline (`--password-stdin`). */
async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Ask for a password on the terminal without echoing it. */
function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(
      new Error('No terminal to ask for the password: set MUSTER_PASSWORD or pass --password-stdin.'),
    );
  }
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

interface SignedIn {
  token: string;
  tokenId: string;
  user: { email: string; name: string };
}

/**
 * Sign in with email and password through the API, create a personal API token with that session, and end the
 * session: the same three calls the web UI makes, so it works while the server holds the database.
 */
async function signInAndCreateToken(url: string, email: string, password: string, name: string): Promise<SignedIn> {
  const base = url.replace(/\/?$/, '/');
  const call = async (path: string, init: RequestInit): Promise<{ res: Response; body: unknown }> => {
    const res = await fetch(new URL(path, base), init);
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (!res.ok) {
      const env = body as { error?: { code?: string; message?: string; details?: unknown } } | null;
      throw new ApiError(
        res.status,
        env?.error?.code ?? `http_${res.status}`,
        env?.error?.message ?? `${init.method ?? 'GET'} ${path} answered ${res.status}`,
        env?.error?.details,
      );
    }
    return { res, body };
  };
  const signIn = await call('api/auth/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const session = signIn.res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('muster_session='));
  const { user, csrfToken } = signIn.body as { user: { email: string; name: string }; csrfToken: string | null };
  if (!session) throw new Error('The server signed you in but sent no session cookie.');
  const headers = { cookie: session, 'x-csrf-token': csrfToken ?? '', 'content-type': 'application/json' };
  try {
    const created = await call('api/tokens', { method: 'POST', headers, body: JSON.stringify({ name }) });
    const r = created.body as { token: string; apiToken: { id: string } };
    return { token: r.token, tokenId: r.apiToken.id, user };
  } finally {
    // The token is what the CLI keeps; the session it was made with is not needed any more.
    await call('api/auth/sign-out', { method: 'POST', headers, body: '{}' }).catch(() => undefined);
  }
}

export function registerAccountCommands(program: Command, { client, json, globals }: CliDeps): void {
  // ---- signing the CLI in -------------------------------------------------------------------------------------
  program
    .command('login')
    .description(
      'sign in to a running server with email and password; creates an API token and stores it for later commands',
    )
    .requiredOption('--email <email>')
    .option('--password-stdin', 'read the password from standard input (else MUSTER_PASSWORD, else a prompt)')
    .option('--name <name>', 'name of the API token', `muster CLI on ${hostname()}`)
    .action(async (o: { email: string; passwordStdin?: boolean; name: string }) => {
      const url = globals().url;
      if (!url) throw new Error('Pass the server: muster login --url https://muster.example.com --email you@…');
      const password = o.passwordStdin
        ? await readAllStdin()
        : (process.env.MUSTER_PASSWORD ?? (await promptPassword(`Password for ${o.email}: `)));
      if (!password) throw new Error('The password is empty.');
      const r = await signInAndCreateToken(url, o.email, password, o.name);
      const path = cliConfigPath();
      writeStoredLogin({ url, token: r.token, tokenId: r.tokenId, email: r.user.email }, path);
      output(json(), { url, email: r.user.email, tokenId: r.tokenId, config: path }, () =>
        process.stdout.write(`signed in as ${r.user.name} <${r.user.email}>; token ${r.tokenId} stored in ${path}\n`),
      );
    });
  program
    .command('logout')
    .description('revoke the API token `muster login` stored, and forget it')
    .action(async () => {
      const path = cliConfigPath();
      const stored = readStoredLogin(path);
      if (!stored) {
        output(json(), { loggedOut: false }, () => process.stdout.write(`not signed in (${path} holds no token)\n`));
        return;
      }
      let revoked = false;
      if (stored.tokenId) {
        try {
          await new MusterClient({ url: stored.url, token: stored.token }).delete(
            `/api/tokens/${encodeURIComponent(stored.tokenId)}`,
          );
          revoked = true;
        } catch (e) {
          // Already revoked (401) or gone: forgetting it is all that is left to do.
          if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 404)) throw e;
        }
      }
      removeStoredLogin(path);
      output(json(), { loggedOut: true, revoked }, () =>
        process.stdout.write(`signed out of ${stored.url}${revoked ? `; token ${stored.tokenId} revoked` : ''}\n`),
      );
    });

  // ---- users --------------------------------------------------------------------------------------------------
  const user = program
    .command('user')
    .alias('users')
    .description('users: create locally, or list and manage through the API');
  user
    .command('create')
    .description('create a user (through the API with --url/--token, else directly in the database)')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>')
    .option('--admin', 'make the user an administrator')
    .option('--password-stdin', 'read the password from standard input (else print a one-time sign-in link)')
    .action(async (o: { email: string; name: string; admin?: boolean; passwordStdin?: boolean }) => {
      const password = o.passwordStdin ? await readAllStdin() : undefined;
      const input = { email: o.email, name: o.name, isAdmin: !!o.admin, ...(password ? { password } : {}) };
      if (globals().url) {
        const r = await client().post<{ user: { id: string }; signInLink?: { url: string } }>('/api/users', input);
        output(json(), r, () =>
          process.stdout.write(`created ${r.user.id}${r.signInLink ? `\nsign-in link: ${r.signInLink.url}` : ''}\n`),
        );
        return;
      }
      const { createUserLocal, readConfig } = await import('./local.js');
      const r = await createUserLocal(readConfig(globals().config), input);
      output(json(), r, () =>
        process.stdout.write(`created ${o.email}${r.signInUrl ? `\nsign-in link: ${r.signInUrl}` : ''}\n`),
      );
    });
  user
    .command('link')
    .description('print a one-time sign-in link for a user (account recovery; works on the database directly)')
    .argument('<email>')
    .action(async (email: string) => {
      const { readConfig, signInLinkLocal } = await import('./local.js');
      const url = await signInLinkLocal(readConfig(globals().config), email);
      output(json(), { url }, () => process.stdout.write(`${url}\n`));
    });
  user
    .command('list')
    .description('list users')
    .action(async () => {
      const r = await client().get<{ users: Row[] }>('/api/users');
      output(json(), r.users, () => printTable(r.users, ['id', 'email', 'name', 'isAdmin', 'timezone']));
    });

  // ---- API tokens ---------------------------------------------------------------------------------------------
  const token = program.command('token').alias('tokens').description('personal API tokens');
  token
    .command('create')
    .description(
      'create an API token; printed once (with --email and no --url: directly in the database, server stopped)',
    )
    .requiredOption('--name <name>')
    .option('--email <email>', 'the user, for a token created in the database (bootstrap, CI)')
    .action(async (o: { name: string; email?: string }) => {
      if (!globals().url && o.email) {
        const { createTokenLocal, readConfig } = await import('./local.js');
        const r = await createTokenLocal(readConfig(globals().config), o.email, o.name);
        output(json(), r, () => process.stdout.write(`${r.token}\n`));
        return;
      }
      const r = await client().post<{ token: string; apiToken: { id: string } }>('/api/tokens', { name: o.name });
      output(json(), r, () => process.stdout.write(`${r.token}\n`));
    });
  token
    .command('list')
    .description('list your API tokens')
    .action(async () => {
      const r = await client().get<{ tokens: Row[] }>('/api/tokens');
      output(json(), r.tokens, () =>
        printTable(r.tokens, ['id', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt']),
      );
    });
  token
    .command('revoke')
    .argument('<id>')
    .description('revoke an API token')
    .action(async (id: string) => {
      await client().delete(`/api/tokens/${encodeURIComponent(id)}`);
      output(json(), { revoked: id }, () => process.stdout.write(`revoked ${id}\n`));
    });

  // ---- misc ---------------------------------------------------------------------------------------------------
  program
    .command('whoami')
    .description('the user behind the token')
    .action(async () => {
      const r = await client().get<{ email: string; name: string; isAdmin: boolean }>('/api/me');
      output(json(), r, () => process.stdout.write(`${r.name} <${r.email}>${r.isAdmin ? ' (administrator)' : ''}\n`));
    });
  program
    .command('api')
    .description('call any API path: muster api GET /api/teams, muster api POST /api/teams --data \'{"name":"x"}\'')
    .argument('<method>')
    .argument('<path>')
    .option('--data <json>', 'JSON request body')
    .action(async (method: string, path: string, o: { data?: string }) => {
      const body = o.data === undefined ? undefined : (JSON.parse(o.data) as unknown);
      printJson(await client().request(method.toUpperCase(), path, body));
    });
}
