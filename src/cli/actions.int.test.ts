import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster actions CLI [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let incident: string;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      const team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      const me = await t.api<{ id: string }>('GET', '/api/me');
      await t.api('PUT', `/api/teams/${team}/members/${me.body.id}`, { role: 'admin' });
      incident = (
        await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Card payments failing',
          severity: 'P2',
        })
      ).body.incident.id;
    });
    after(async () => t.stop());

    it('creates, lists (mine, overdue) and updates action items; refuses one without an owner', async () => {
      const noOwner = await muster(['actions', 'create', '--incident', incident, '--title', 'Nobody owns this'], env);
      assert.notEqual(noOwner.code, 0, 'commander refuses a missing --owner');
      const created = await muster(
        [
          'actions',
          'create',
          '--incident',
          incident,
          '--title',
          'Add a canary for card payments',
          '--owner',
          'admin@example.test',
          '--priority',
          'high',
          '--kind',
          'detect',
          '--json',
        ],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      const item = JSON.parse(created.stdout) as { id: string; priority: string; status: string };
      assert.equal(item.priority, 'high');
      const late = await muster(
        [
          'actions',
          'create',
          '--incident',
          incident,
          '--title',
          'Already late',
          '--owner',
          'admin@example.test',
        ].concat(['--due', '2020-01-01']),
        env,
      );
      assert.equal(late.code, 0, late.stderr);
      const list = await muster(['actions', 'list', '--mine'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^ID\s+DUE\s+STATUS\s+PRIORITY\s+OWNER\s+TEAM\s+TITLE/m);
      assert.match(list.stdout, /Add a canary for card payments/);
      const overdue = await muster(['actions', 'list', '--mine', '--overdue', '--json'], env);
      const overdueItems = JSON.parse(overdue.stdout) as { title: string }[];
      assert.deepEqual(
        overdueItems.map((i) => i.title),
        ['Already late'],
      );
      const noReason = await muster(['actions', 'update', item.id, '--status', 'wont_do'], env);
      assert.notEqual(noReason.code, 0);
      assert.match(noReason.stderr, /statusReason/);
      const done = await muster(['actions', 'update', item.id, '--status', 'done'], env);
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /done/);
      const verified = await muster(
        ['actions', 'update', item.id, '--status', 'verified', '--verification', 'https://ci.example/run/42', '--json'],
        env,
      );
      assert.equal(verified.code, 0, verified.stderr);
      assert.equal((JSON.parse(verified.stdout) as { status: string }).status, 'verified');
      const byStatus = await muster(['actions', 'list', '--status', 'verified', '--json'], env);
      assert.deepEqual(
        (JSON.parse(byStatus.stdout) as { id: string }[]).map((i) => i.id),
        [item.id],
      );
    });
  });
}
