import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, createTestDatabase, type TestDatabase } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster CLI [${engine}]`, () => {
    let t: TestMuster;
    let client: Record<string, string>;
    before(async () => {
      t = await startTestMuster(engine);
      client = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
    });
    after(async () => t.stop());

    it('talks to the API with MUSTER_URL and MUSTER_TOKEN and prints JSON for scripts', async () => {
      const who = await muster(['whoami', '--json'], client);
      assert.equal(who.code, 0, who.stderr);
      assert.equal((JSON.parse(who.stdout) as { email: string }).email, 'admin@example.test');
      const created = await muster(['team', 'create', '--name', 'Checkout', '--json'], client);
      assert.equal(created.code, 0, created.stderr);
      const list = await muster(['team', 'list', '--json'], client);
      const teams = JSON.parse(list.stdout) as { slug: string }[];
      assert.ok(teams.some((x) => x.slug === 'checkout'));
      const human = await muster(['team', 'list'], client);
      assert.match(human.stdout, /^ID\s+SLUG\s+NAME/m);
    });

    it('reports API errors with the code and a non-zero exit', async () => {
      const r = await muster(['whoami'], { MUSTER_URL: t.url, MUSTER_TOKEN: 'mst_not-a-real-token' });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /unauthenticated/);
      const missing = await muster(['whoami'], {});
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /MUSTER_URL/);
    });

    it('creates a token through the API that works once printed', async () => {
      const r = await muster(['token', 'create', '--name', 'pipeline'], client);
      assert.equal(r.code, 0, r.stderr);
      const token = r.stdout.trim();
      assert.match(token, /^mst_/);
      assert.equal((await t.api('GET', '/api/me', undefined, token)).status, 200);
    });
  });

  describe(`muster CLI on the database directly [${engine}]`, () => {
    let tdb: TestDatabase;
    let env: Record<string, string>;
    before(async () => {
      tdb = await createTestDatabase(engine, { migrate: false });
      env = { MUSTER_DATA_DIR: tdb.dataDir, ...(tdb.databaseUrl ? { DATABASE_URL: tdb.databaseUrl } : {}) };
    });
    after(async () => tdb.drop());

    it('migrates, creates a user with a password from stdin, a sign-in link and a token', async () => {
      const m = await muster(['migrate', '--json'], env);
      assert.equal(m.code, 0, m.stderr);
      assert.ok((JSON.parse(m.stdout) as { applied: string[] }).applied.includes('0001_foundation'));
      const again = await muster(['migrate'], env);
      assert.match(again.stdout, /up to date/);
      const u = await muster(
        ['user', 'create', '--email', 'ops@example.test', '--name', 'Ops', '--admin', '--password-stdin'],
        env,
        'a very long password\n',
      );
      assert.equal(u.code, 0, u.stderr);
      assert.doesNotMatch(u.stdout, /sign-in link/);
      const link = await muster(['user', 'link', 'ops@example.test'], env);
      assert.match(link.stdout, /\/signin\/link#token=/);
      const tok = await muster(['token', 'create', '--email', 'ops@example.test', '--name', 'bootstrap'], env);
      assert.match(tok.stdout.trim(), /^mst_/);
      const dup = await muster(['user', 'create', '--email', 'OPS@example.test', '--name', 'Ops again'], env);
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, /already exists/);
    });

    it('prints help for every command', async () => {
      for (const args of [['--help'], ['team', '--help'], ['token', 'create', '--help']]) {
        const r = await muster(args, env);
        assert.equal(r.code, 0);
        assert.match(r.stdout, /Usage: muster/);
      }
    });
  });
}
