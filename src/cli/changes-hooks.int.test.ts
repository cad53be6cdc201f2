/**
 * `muster changes hooks …` and `muster changes mapping …` against a real server, on both engines: create a hook
 * (URL and secret printed once), map a repository, send GitHub's documented push signed with the printed secret, see
 * the delivery, rotate (the new secret works), and a change recorded during an open P1 warns on stderr.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signFor } from '../changes/index.js';
import { ENGINES } from '../db/testing/index.js';
import { musterFor, runMuster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const push = readFileSync(new URL('../changes/fixtures/github-push.json', import.meta.url), 'utf8');

for (const engine of ENGINES) {
  describe(`muster changes hooks [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    const { muster, json } = musterFor(() => env);
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
    });
    after(async () => t.stop());

    it('creates a hook, maps a repository, receives a signed push, lists deliveries and rotates', async () => {
      const team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Hello' })).body.id;
      const svc = (await t.api<{ id: string }>('POST', '/api/services', { name: 'hello', teamId: team })).body.id;
      const created = await json<{ hook: { id: string; url: string }; secret: string }>([
        'changes',
        'hooks',
        'create',
        '--team',
        team,
        '--source',
        'github',
      ]);
      assert.match(created.hook.url, /\/integrations\/changes\//);
      const human = await muster(['changes', 'hooks', 'list', '--team', team]);
      assert.match(human, new RegExp(created.hook.id));
      assert.ok(!human.includes(created.secret), 'the list never shows the secret');

      const dir = mkdtempSync(join(tmpdir(), 'muster-map-'));
      const file = join(dir, 'mapping.yaml');
      writeFileSync(file, `mappings:\n  - service: hello\n    repository: Codertocat/Hello-World\n`);
      const cfg = await json<{ mappings: { serviceId: string }[] }>([
        'changes',
        'mapping',
        'set',
        '--team',
        team,
        '--file',
        file,
        '--page-commander',
        'on',
      ]);
      assert.deepEqual(
        cfg.mappings.map((m) => m.serviceId),
        [svc],
      );

      const res = await fetch(created.hook.url.replace(/^https?:\/\/[^/]+/, t.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          ...signFor('github', created.secret, push),
        },
        body: push,
      });
      assert.equal(res.status, 202, await res.clone().text());
      const deliveries = await json<{ outcome: string }[]>([
        'changes',
        'hooks',
        'deliveries',
        created.hook.id,
        '--team',
        team,
      ]);
      assert.deepEqual(
        deliveries.map((d) => d.outcome),
        ['recorded'],
      );
      const rotated = await json<{ secret: string }>([
        'changes',
        'hooks',
        'rotate',
        created.hook.id,
        '--team',
        team,
        '--grace',
        '0',
      ]);
      assert.notEqual(rotated.secret, created.secret);

      // A change while the service has an open P1: recorded, with a warning on stderr.
      await t.api('POST', '/api/incidents', { title: 'Hello is down', severity: 'P1', serviceIds: [svc] });
      const r = await runMuster(['change', 'record', '--service', 'hello', '--summary', 'hotfix v2'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^recorded chg_/);
      assert.match(r.stderr, /warning: hello has an open P1 incident/);
    });
  });
}
