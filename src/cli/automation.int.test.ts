/**
 * `muster automation` against a real server, both engines: create from a YAML file, list, show, disable, enable,
 * firings, delete; a bad rule exits non-zero naming the field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster automation [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let teamId = '';
    const dir = mkdtempSync(join(tmpdir(), 'muster-automation-'));

    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
    });
    after(async () => t.stop());

    it('creates, lists, shows, disables, enables, lists firings and deletes a rule', async () => {
      const file = join(dir, 'rule.yaml');
      writeFileSync(
        file,
        [
          `teamId: ${teamId}`,
          'name: First update',
          'trigger: incident_declared',
          'conditions: { severities: [P1] }',
          'action: post_update',
          'actionConfig: { message: We are looking into it. }',
        ].join('\n'),
      );
      const created = await muster(['automation', 'create', '--file', file, '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const rule = JSON.parse(created.stdout) as { id: string; enabled: boolean };
      assert.equal(rule.enabled, true);
      const list = await muster(['automation', 'list', '--team', teamId], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /First update/);
      assert.match(list.stdout, /when an incident is declared: post an update/);
      const off = await muster(['automation', 'disable', rule.id], env);
      assert.match(off.stdout, /First update: disabled/);
      const on = await muster(['automation', 'enable', rule.id], env);
      assert.match(on.stdout, /First update: enabled/);
      const show = await muster(['automation', 'show', rule.id], env);
      assert.match(show.stdout, /fired 0 time/);
      const firings = await muster(['automation', 'firings', rule.id], env);
      assert.equal(firings.code, 0, firings.stderr);
      assert.match(firings.stdout, /\(none\)/);
      const del = await muster(['automation', 'delete', rule.id], env);
      assert.equal(del.code, 0, del.stderr);
      assert.equal((await t.api('GET', `/api/automation-rules/${rule.id}`)).status, 404);
    });

    it('a bad rule exits non-zero naming the field', async () => {
      const file = join(dir, 'bad.json');
      writeFileSync(
        file,
        JSON.stringify({
          teamId,
          name: 'x',
          trigger: 'milestone_reached',
          action: 'post_update',
          actionConfig: { message: 'x' },
        }),
      );
      const r = await muster(['automation', 'create', '--file', file], env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr + r.stdout, /conditions\.milestone/);
    });
  });
}
