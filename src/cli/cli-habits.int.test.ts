/**
 * The CLI's habits, against a real server on both engines: --version; an unreachable server named with its URL and
 * the cause; with --json, errors are one JSON document on stderr (stdout stays empty) and list commands print arrays;
 * the documented exit codes (0 ok, 1 error, 2 usage, 3 auth, 4 not found, 5 unreachable).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

/** A loopback port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('CLI habits without a server', () => {
  it('prints its version', async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = await runMuster(['--version'], {});
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('names the URL and the cause when the server cannot be reached (exit 5), as JSON on stderr with --json', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runMuster(['whoami'], { MUSTER_URL: url, MUSTER_TOKEN: 'mst_x' });
    assert.equal(r.code, 5);
    assert.ok(r.stderr.includes(url), r.stderr);
    assert.match(r.stderr, /connection refused.*ECONNREFUSED/);
    assert.doesNotMatch(r.stderr, /fetch failed/);
    const j = await runMuster(['whoami', '--json'], { MUSTER_URL: url, MUSTER_TOKEN: 'mst_x' });
    assert.equal(j.code, 5);
    assert.equal(j.stdout, '');
    const err = JSON.parse(j.stderr) as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'unreachable');
    assert.ok(err.error.message.includes(url));
  });

  it('exits 2 on a usage error, with the problem as JSON on stderr under --json', async () => {
    const r = await runMuster(['alerts', 'list', '--bogus'], { MUSTER_URL: 'http://127.0.0.1:1', MUSTER_TOKEN: 'x' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--bogus'/);
    const j = await runMuster(['alerts', 'list', '--bogus', '--json'], {
      MUSTER_URL: 'http://127.0.0.1:1',
      MUSTER_TOKEN: 'x',
    });
    assert.equal(j.code, 2);
    assert.deepEqual(JSON.parse(j.stderr), { error: { code: 'usage', message: "unknown option '--bogus'" } });
  });
});

for (const engine of ENGINES) {
  describe(`CLI habits against a server [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
    });
    after(async () => t?.stop());

    it('exits 4 for something that does not exist, the API error as JSON on stderr and nothing on stdout', async () => {
      const r = await runMuster(['team', 'show', 'no-such-team', '--json'], env);
      assert.equal(r.code, 4, r.stderr);
      assert.equal(r.stdout, '');
      const err = JSON.parse(r.stderr) as { error: { code: string; message: string }; status: number };
      assert.equal(err.status, 404);
      assert.match(err.error.code, /not_found/);
      const human = await runMuster(['team', 'show', 'no-such-team'], env);
      assert.equal(human.code, 4);
      assert.match(human.stderr, /^error: .*\(.*not_found, HTTP 404\)$/m);
    });

    it('exits 3 when the token is refused', async () => {
      const r = await runMuster(['whoami', '--json'], { MUSTER_URL: t.url, MUSTER_TOKEN: 'mst_not-a-real-token' });
      assert.equal(r.code, 3);
      assert.equal((JSON.parse(r.stderr) as { status: number }).status, 401);
    });

    it('prints an array for list commands with --json', async () => {
      await runMuster(['team', 'create', '--name', 'Arrays'], env);
      for (const args of [
        ['team', 'list'],
        ['jobs', 'list'],
        ['agent', 'list'],
        ['services', 'list'],
        ['alerts', 'list'],
        ['silence', 'list'],
      ]) {
        const r = await runMuster([...args, '--json'], env);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.ok(
          Array.isArray(JSON.parse(r.stdout)),
          `${args.join(' ')} --json prints an array: ${r.stdout.slice(0, 200)}`,
        );
      }
    });
  });
}
