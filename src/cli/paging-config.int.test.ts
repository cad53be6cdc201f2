/**
 * The paging configuration commands against a real server, on both engines: an escalation policy from a file
 * (targets by email and schedule name) shown and updated; a silence with matchers for two hours, listed and expired. Lists print JSON arrays with
 * --json; each change is checked through the API, not only through the CLI's words.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { musterFor, runMuster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

type Row = Record<string, unknown>;

for (const engine of ENGINES) {
  describe(`muster escalation policies and silences [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let dir: string;
    let teamId: string;
    let ana: string;
    let ben: string;
    const { muster, json } = musterFor(() => env);

    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      dir = mkdtempSync(join(tmpdir(), 'muster-cli-paging-'));
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' })).body.id;
      const user = async (email: string, name: string) =>
        (await t.api<{ user: { id: string } }>('POST', '/api/users', { email, name })).body.user.id;
      ana = await user('ana@example.test', 'Ana');
      ben = await user('ben@example.test', 'Ben');
      for (const id of [ana, ben]) await t.api('PUT', `/api/teams/${teamId}/members/${id}`, { role: 'responder' });
    });
    after(async () => {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('creates an escalation policy from a file, shows it and updates its levels', async () => {
      const schedule = (
        await t.api<{ id: string }>('POST', '/api/schedules', {
          teamId,
          name: 'Payments backup',
          timezone: 'UTC',
        })
      ).body.id;
      const file = join(dir, 'policy.yaml');
      writeFileSync(
        file,
        [
          'name: Payments',
          'levels:',
          '  - delayMinutes: 5',
          '    targets: [{ user: ana@example.test }]',
          '  - delayMinutes: 15',
          '    targets: [{ schedule: Payments backup }, { type: user, id: ben@example.test }]',
          'repeat: 1',
        ].join('\n'),
      );
      const created = await json<{ id: string; levels: { targets: Row[] }[]; repeat: number }>([
        'escalation-policy',
        'create',
        '--team',
        'payments',
        '--file',
        file,
      ]);
      assert.deepEqual(created.levels[1]!.targets, [
        { type: 'schedule', id: schedule },
        { type: 'user', id: ben },
      ]);
      assert.equal(created.repeat, 1);
      const list = await json(['escalation-policy', 'list', '--team', teamId]);
      assert.deepEqual(
        list.map((p) => p.id),
        [created.id],
      );
      const shown = await muster(['escalation-policy', 'show', created.id]);
      assert.match(shown, /user ana@example\.test/);
      assert.match(shown, /schedule Payments backup/);

      const update = join(dir, 'levels.json');
      writeFileSync(
        update,
        JSON.stringify({ levels: [{ delayMinutes: 10, targets: [{ user: 'ben@example.test' }] }] }),
      );
      await muster(['escalation-policy', 'update', created.id, '--file', update, '--name', 'Payments (short)']);
      const after = await t.api<{ name: string; levels: { delayMinutes: number; targets: Row[] }[] }>(
        'GET',
        `/api/escalation-policies/${created.id}`,
      );
      assert.equal(after.body.name, 'Payments (short)');
      assert.deepEqual(after.body.levels, [{ delayMinutes: 10, targets: [{ type: 'user', id: ben }] }]);

      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'levels:\n  - delayMinutes: 5\n    targets: [{ team: payments }]\n');
      const refused = await runMuster(['escalation-policy', 'update', created.id, '--file', bad], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /levels\.0\.targets\.0/);
    });

    it('creates a silence with matchers for a duration, lists it and expires it', async () => {
      await t.api('POST', '/api/services', { name: 'Checkout', slug: 'checkout', teamId });
      const before = Date.now();
      const created = await json<{ id: string; matchers: Row[]; endsAt: string; status: string }>([
        'silence',
        'create',
        '--service',
        'checkout',
        '--matcher',
        'alertname=DiskFull',
        '--matcher',
        'env!~"stag.*"',
        '--duration',
        '2h',
        '--comment',
        'disk swap tonight',
      ]);
      assert.equal(created.status, 'active');
      assert.deepEqual(created.matchers, [
        { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        { name: 'env', value: 'stag.*', isRegex: true, isEqual: false },
      ]);
      const length = Date.parse(created.endsAt) - before;
      assert.ok(length > 2 * 3600_000 - 120_000 && length <= 2 * 3600_000 + 120_000, `ends in about 2 h: ${length}`);
      const active = await json(['silence', 'list', '--status', 'active']);
      assert.deepEqual(
        active.map((s) => s.id),
        [created.id],
      );
      await muster(['silence', 'expire', created.id]);
      const got = await t.api<{ status: string }>('GET', `/api/silences/${created.id}`);
      assert.equal(got.body.status, 'expired');
      const neither = await runMuster(['silence', 'create', '--matcher', 'a=b', '--comment', 'x'], env);
      assert.equal(neither.code, 1);
      assert.match(neither.stderr, /--duration or --end/);
    });
  });
}
