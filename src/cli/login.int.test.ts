/**
 * `muster login` against a running server whose database it holds (SQLite: one process per data directory): signs
 * in with the password through the API, stores a token in the CLI's settings file, and later commands use it;
 * `token create --email` on the held database says what to do instead; `logout` revokes the token. Both engines.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster login [${engine}]`, () => {
    let t: TestMuster;
    let dir: string;
    let cliConfig: string;
    let serverDb: Record<string, string>;
    before(async () => {
      t = await startTestMuster(engine);
      dir = mkdtempSync(join(tmpdir(), 'muster-login-'));
      cliConfig = join(dir, 'muster', 'cli.json');
      serverDb = {
        MUSTER_DATA_DIR: t.tdb.dataDir,
        ...(t.tdb.databaseUrl ? { DATABASE_URL: t.tdb.databaseUrl } : {}),
      };
    });
    after(async () => {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('on SQLite, token create --email on the held database points at muster login', async (ctx) => {
      if (engine !== 'sqlite') return ctx.skip('PostgreSQL is shared by design');
      const r = await muster(['token', 'create', '--email', ADMIN_EMAIL, '--name', 'bootstrap'], serverDb);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /already using the data directory/);
      assert.match(r.stderr, /muster login --url URL --email EMAIL/);
      assert.equal(r.stdout, '');
    });

    it('signs in with the password from stdin, stores a token, and later commands use it', async () => {
      const env = { MUSTER_CLI_CONFIG: cliConfig };
      const login = await muster(
        ['login', '--url', t.url, '--email', ADMIN_EMAIL, '--password-stdin', '--json'],
        env,
        `${ADMIN_PASSWORD}\n`,
      );
      assert.equal(login.code, 0, login.stderr);
      const out = JSON.parse(login.stdout) as { url: string; email: string; tokenId: string; config: string };
      assert.equal(out.email, ADMIN_EMAIL);
      assert.equal(out.config, cliConfig);
      const stored = JSON.parse(readFileSync(cliConfig, 'utf8')) as { url: string; token: string; tokenId: string };
      assert.equal(stored.url, t.url);
      assert.match(stored.token, /^mst_/);
      assert.equal(statSync(cliConfig).mode & 0o077, 0, 'the settings file is readable by its owner only');
      assert.ok(!login.stdout.includes(stored.token), 'the token is not printed');

      // The stored token works directly, and the CLI uses it without --url or --token.
      assert.equal((await t.api('GET', '/api/me', undefined, stored.token)).status, 200);
      const who = await muster(['whoami', '--json'], env);
      assert.equal(who.code, 0, who.stderr);
      assert.equal((JSON.parse(who.stdout) as { email: string }).email, ADMIN_EMAIL);

      // The session used to make the token was ended: the token is the only thing left behind.
      const tokens = await muster(['token', 'list', '--json'], env);
      const names = (JSON.parse(tokens.stdout) as { id: string; name: string; revokedAt: string | null }[]).filter(
        (x) => x.id === stored.tokenId,
      );
      assert.equal(names.length, 1);
      assert.match(names[0]!.name, /^muster CLI on /);

      // Another server's URL does not get this server's token.
      const other = await muster(['whoami'], { ...env, MUSTER_URL: 'http://127.0.0.1:9' });
      assert.equal(other.code, 1);
      assert.match(other.stderr, /muster login/);

      const out2 = await muster(['logout', '--json'], env);
      assert.equal(out2.code, 0, out2.stderr);
      assert.deepEqual(JSON.parse(out2.stdout), { loggedOut: true, revoked: true });
      assert.equal((await t.api('GET', '/api/me', undefined, stored.token)).status, 401, 'the token is revoked');
      assert.throws(() => statSync(cliConfig), /ENOENT/);
      const after = await muster(['whoami'], env);
      assert.equal(after.code, 1);
      assert.match(after.stderr, /muster login --url URL --email EMAIL/);
    });

    it('takes the password from MUSTER_PASSWORD, and refuses a wrong one with exit code 3', async () => {
      const env = { MUSTER_CLI_CONFIG: cliConfig };
      const wrong = await muster(['login', '--url', t.url, '--email', ADMIN_EMAIL], {
        ...env,
        MUSTER_PASSWORD: 'not the password',
      });
      assert.equal(wrong.code, 3, wrong.stderr);
      assert.throws(() => statSync(cliConfig), /ENOENT/, 'nothing stored');
      const right = await muster(['login', '--url', t.url, '--email', ADMIN_EMAIL], {
        ...env,
        MUSTER_PASSWORD: ADMIN_PASSWORD,
      });
      assert.equal(right.code, 0, right.stderr);
      assert.match(right.stdout, /signed in as .* <admin@example\.test>/);
      const noTty = await muster(['login', '--url', t.url, '--email', ADMIN_EMAIL], env);
      assert.equal(noTty.code, 1);
      assert.match(noTty.stderr, /MUSTER_PASSWORD or pass --password-stdin/);
    });
  });
}
