/**
 * The schedule commands against a real server, on both engines: a schedule created from a YAML file (participants
 * by email), a layer added and changed, who is on call; an override for a user by email, listed and deleted. Lists
 * print JSON arrays with --json; each change is checked through the API, not only through the CLI's words.
 * (Escalation policies and silences: src/cli/paging-config.int.test.ts; team members and contact methods:
 * src/cli/contacts.int.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { musterFor } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

type Row = Record<string, unknown>;

for (const engine of ENGINES) {
  describe(`muster schedules and overrides [${engine}]`, () => {
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
      dir = mkdtempSync(join(tmpdir(), 'muster-cli-oncall-'));
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

    it('creates a schedule from a file, changes its layers, and says who is on call', async () => {
      const file = join(dir, 'schedule.yaml');
      writeFileSync(
        file,
        [
          'name: Payments primary',
          'timezone: Europe/London',
          'layers:',
          '  - name: Weekly',
          '    participants: [ana@example.test, ben@example.test]',
          '    turn: 1w',
          '    startDate: "2026-01-05"',
          '    handoffTime: "09:00"',
        ].join('\n'),
      );
      const created = await json<{ id: string; layers: { id: string; participants: string[]; turn: Row }[] }>([
        'schedules',
        'create',
        '--team',
        teamId,
        '--file',
        file,
      ]);
      const id = created.id;
      assert.deepEqual(created.layers[0]!.participants, [ana, ben]);
      assert.deepEqual(created.layers[0]!.turn, { unit: 'weeks', count: 1 });

      const list = await json(['schedules', 'list', '--team', 'payments']);
      assert.ok(Array.isArray(list));
      assert.deepEqual(
        list.map((s) => s.id),
        [id],
      );

      await muster([
        'schedules',
        'add-layer',
        id,
        '--name',
        'Nights',
        '--participants',
        'ben@example.test',
        '--turn',
        '1d',
        '--start-date',
        '2026-01-05',
        '--handoff',
        '20:00',
        '--time-zone',
        'America/New_York',
      ]);
      let s = (
        await t.api<{ layers: { id: string; name: string; timeZone: string | null; turn: Row }[] }>(
          'GET',
          `/api/schedules/${id}`,
        )
      ).body;
      const nights = s.layers.find((l) => l.name === 'Nights')!;
      assert.equal(nights.timeZone, 'America/New_York');
      await muster(['schedules', 'update-layer', id, nights.id, '--turn', '12h']);
      await muster(['schedules', 'update', id, '--name', 'Payments on call']);
      s = (await t.api<typeof s & { name: string }>('GET', `/api/schedules/${id}`)).body;
      assert.deepEqual(s.layers.find((l) => l.id === nights.id)!.turn, { unit: 'hours', count: 12 });
      assert.equal((s as unknown as { name: string }).name, 'Payments on call');

      const at = '2026-03-03T12:00:00Z';
      const api = await t.api<Row>('GET', `/api/schedules/${id}/oncall?at=${at}`);
      const cli = await json<Row>(['schedules', 'oncall', id, '--at', at]);
      assert.deepEqual(cli, api.body);

      // Overrides: create for a user by email, list as an array, delete.
      await muster([
        'override',
        'create',
        '--schedule',
        id,
        '--user',
        'ana@example.test',
        '--start',
        '2030-01-01T00:00:00Z',
        '--end',
        '2030-01-02T00:00:00Z',
        '--reason',
        'cover',
      ]);
      const overrides = await json(['override', 'list', '--schedule', id, '--from', '2030-01-01T00:00:00Z']);
      assert.equal(overrides.length, 1);
      assert.equal(overrides[0]!.userId, ana);
      assert.match(await muster(['override', 'list', '--schedule', id, '--from', '2030-01-01T00:00:00Z']), /Ana/);
      await muster(['override', 'delete', '--schedule', id, String(overrides[0]!.id)]);
      const left = await t.api<{ overrides: Row[] }>('GET', `/api/schedules/${id}/overrides?from=2030-01-01T00:00:00Z`);
      assert.deepEqual(left.body.overrides, []);
    });
  });
}
