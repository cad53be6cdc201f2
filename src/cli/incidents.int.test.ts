import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster incident CLI [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
    });
    after(async () => t.stop());

    it('declares, lists, assigns roles, notes, resolves and shows an incident', async () => {
      const declared = await muster(
        ['incident', 'declare', '--severity', 'P2', '--title', 'Slow checkout', '--json'],
        env,
      );
      assert.equal(declared.code, 0, declared.stderr);
      const id = (JSON.parse(declared.stdout) as { incident: { id: string } }).incident.id;
      const list = await muster(['incident', 'list'], env);
      assert.match(list.stdout, /^ID\s+SEVERITY\s+STATUS\s+TITLE/m);
      assert.match(list.stdout, /Slow checkout/);
      const me = await t.api<{ id: string }>('GET', '/api/me');
      const role = await muster(['incident', 'role', id, '--ic', me.body.id, '--tl', me.body.id], env);
      assert.equal(role.code, 0, role.stderr);
      assert.match(role.stdout, /\[x\] Declare roles/);
      assert.equal((await muster(['incident', 'note', id, 'Rolled back v2.3'], env)).code, 0);
      const resolved = await muster(['incident', 'status', id, 'resolved', '-m', 'Error rate back to normal'], env);
      assert.equal(resolved.code, 0, resolved.stderr);
      const show = await muster(['incident', 'show', id], env);
      assert.match(show.stdout, new RegExp(`${id}\\s+P2\\s+resolved\\s+Slow checkout`));
      const tl = await t.api<{ events: { kind: string; body: string }[] }>('GET', `/api/incidents/${id}/timeline`);
      assert.ok(tl.body.events.some((e) => e.kind === 'note' && e.body === 'Rolled back v2.3'));
    });
  });
}
