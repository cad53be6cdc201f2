/** `muster team bridge`, `muster incident bridge|add-responders|responders|respond` against a real server, both engines. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster bridge and add responders [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let daveEnv: Record<string, string>;
    let serviceId: string;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop', slug: 'shop' });
      serviceId = (await t.api<{ id: string }>('POST', '/api/services', { name: 'Basket', teamId: team.body.id })).body
        .id;
      const dave = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'dave@example.test',
        name: 'Dave',
      });
      await t.api('PUT', `/api/teams/${team.body.id}/members/${dave.body.user.id}`, { role: 'responder' });
      const tok = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'cli', userId: dave.body.user.id });
      daveEnv = { MUSTER_URL: t.url, MUSTER_TOKEN: tok.body.token };
    });
    after(async () => {
      await t.stop();
    });

    it("sets a team's bridge template, shows the incident's, pages a person who acknowledges", async () => {
      const bad = await muster(['team', 'bridge', 'shop', '--template', 'https://meet.jit.si/{nope}'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /url/);
      const set = await muster(
        [
          'team',
          'bridge',
          'shop',
          '--template',
          'https://meet.jit.si/muster-{incident_key}',
          '--dial-in',
          '+1 555 0100',
        ],
        env,
      );
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /template {2}https:\/\/meet\.jit\.si\/muster-\{incident_key\}/);
      const d = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Basket empty',
        severity: 'P1',
        serviceIds: [serviceId],
      });
      const id = d.body.incident.id;
      const shown = await muster(['incident', 'bridge', id], env);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^https:\/\/meet\.jit\.si\/muster-[0-9a-z]{10}\ndial-in {2}\+1 555 0100\n$/);

      const added = await muster(
        ['incident', 'add-responders', id, '--user', 'dave@example.test', '-m', 'need the basket owner', '--json'],
        env,
      );
      assert.equal(added.code, 0, added.stderr);
      const [req] = (JSON.parse(added.stdout) as { requests: { id: string; state: string }[] }).requests;
      assert.equal(req!.state, 'paged');
      const ack = await muster(['incident', 'respond', id, req!.id, '--acknowledge'], daveEnv);
      assert.equal(ack.code, 0, ack.stderr);
      assert.match(ack.stdout, /Dave: acknowledged/);
      const list = await muster(['incident', 'responders', id], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /acknowledged +Dave \(user\) +Dave +dave@example\.test/);
    });
  });
}
