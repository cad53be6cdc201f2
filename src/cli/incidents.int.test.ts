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

    it('refuses one person in two roles of a P1 in plain words, and assigns with --override-reason', async () => {
      const declared = await muster(
        ['incident', 'declare', '--severity', 'P1', '--title', 'Payments down', '--json'],
        env,
      );
      assert.equal(declared.code, 0, declared.stderr);
      const id = (JSON.parse(declared.stdout) as { incident: { id: string } }).incident.id;
      const me = await t.api<{ id: string }>('GET', '/api/me');
      const refused = await muster(['incident', 'role', id, '--ic', me.body.id, '--tl', me.body.id], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /P1 needs three different people/);
      assert.match(refused.stderr, /--override-reason "why"/);
      assert.match(refused.stderr, /roles_not_distinct, HTTP 409/);
      const asJson = await muster(['incident', 'role', id, '--tl', me.body.id, '--json'], env);
      assert.equal(asJson.code, 1);
      // With --json the error is JSON on stderr (docs/cli.md), stdout stays empty.
      assert.equal(asJson.stdout, '');
      assert.equal((JSON.parse(asJson.stderr) as { error: { code: string } }).error.code, 'roles_not_distinct');

      const ok = await muster(
        ['incident', 'role', id, '--tl', me.body.id, '--override-reason', 'Alone on the night shift', '--json'],
        env,
      );
      assert.equal(ok.code, 0, ok.stderr);
      const d = JSON.parse(ok.stdout) as { roles: Record<string, { userId: string } | null> };
      assert.equal(d.roles.technical_lead?.userId, me.body.id);
      const tl = await t.api<{ events: { kind: string; isFlagged: boolean; details: { reason?: string } }[] }>(
        'GET',
        `/api/incidents/${id}/timeline`,
      );
      const overrides = tl.body.events.filter((e) => e.kind === 'role_separation_override');
      assert.equal(overrides.length, 1);
      assert.equal(overrides[0]!.details.reason, 'Alone on the night shift');
      assert.equal(overrides[0]!.isFlagged, true);
    });
  });
}
