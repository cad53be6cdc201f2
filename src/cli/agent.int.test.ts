import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster agent CLI [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let teamId: string;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Platform' })).body.id;
    });
    after(async () => t.stop());

    it('creates an agent (token shown once), lists it, revokes it; a missing option is named', async () => {
      const created = await muster(['agent', 'create', '--team', teamId, '--name', 'web-1', '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const body = JSON.parse(created.stdout) as { agent: { id: string }; token: string };
      assert.match(body.token, /^mag_/);

      const list = await muster(['agent', 'list', '--team', teamId], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^ID\s+NAME\s+STATE/m);
      assert.match(list.stdout, new RegExp(`${body.agent.id}\\s+web-1\\s+away`));

      const revoked = await muster(['agent', 'revoke', body.agent.id], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      const again = await muster(['agent', 'list', '--team', teamId], env);
      assert.match(again.stdout, /web-1\s+revoked/);
      const poll = await t.api('POST', '/api/agent/v1/poll', { commands: [], host: 'x', version: '1' }, body.token);
      assert.equal(poll.status, 401);

      const missing = await muster(['agent', '--url', t.url], {});
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /--token-file .*--config/);
    });
  });
}
