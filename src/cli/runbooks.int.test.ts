import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster runbook CLI [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let teamId: string;
    let service: string;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Storage' })).body.id;
      service = (await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Volumes' })).body.id;
    });
    after(async () => t.stop());

    it('creates from a file, edits from stdin, lists, shows, reviews, diffs and links', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'muster-runbook-'));
      const file = join(dir, 'disk.md');
      writeFileSync(file, '# Disk full\n\n1. Find the biggest directory.\n');
      const created = await muster(
        [
          'runbook',
          'create',
          '--team',
          teamId,
          '--title',
          'Disk full',
          '--file',
          file,
          '--json',
          '--alert',
          'DiskFull{instance=~"db-.*"}',
        ],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      const rb = JSON.parse(created.stdout) as { id: string; alertRules: unknown[] };
      assert.deepEqual(rb.alertRules.length, 1);

      const edited = await muster(
        ['runbook', 'edit', rb.id, '--file', '-', '--note', 'Step two', '--base', '1'],
        env,
        '# Disk full\n\n1. Find the biggest directory.\n2. Rotate the logs.\n',
      );
      assert.equal(edited.code, 0, edited.stderr);
      assert.match(edited.stdout, /version 2/);
      const conflict = await muster(['runbook', 'edit', rb.id, '--title', 'Other', '--base', '1'], env);
      assert.notEqual(conflict.code, 0);
      assert.match(conflict.stderr, /version 2/);

      const list = await muster(['runbook', 'list', '--team', teamId], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(`${rb.id}\\s+Storage\\s+Disk full\\s+2`));

      const show = await muster(['runbook', 'show', rb.id], env);
      assert.match(show.stdout, /alert rule: DiskFull\{instance=~"db-\.\*"\}/);
      assert.match(show.stdout, /Rotate the logs/);

      const diff = await muster(['runbook', 'diff', rb.id, '1', '2'], env);
      assert.match(diff.stdout, /\+2\. Rotate the logs\./);
      const versions = await muster(['runbook', 'versions', rb.id], env);
      assert.match(versions.stdout, /2\s+\S+\s+.*Step two/);

      const reviewed = await muster(['runbook', 'review', rb.id], env);
      assert.equal(reviewed.code, 0, reviewed.stderr);
      assert.match(reviewed.stdout, /next review due/);

      const linked = await muster(['runbook', 'link', rb.id, '--service', service], env);
      assert.equal(linked.code, 0, linked.stderr);
      assert.match(linked.stdout, /1 service\(s\), 1 alert rule\(s\)/);
    });

    it('takes a team and a service by slug, as the docs write them; an unknown one is an error, not an empty list', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'muster-runbook-'));
      const file = join(dir, 'full.md');
      writeFileSync(file, '# Volume full\n');
      const args = ['--title', 'Volume full', '--file', file, '--service', 'volumes', '--json'];
      const created = await muster(['runbook', 'create', '--team', 'storage', ...args], env);
      assert.equal(created.code, 0, created.stderr);
      const rb = JSON.parse(created.stdout) as { teamId: string; serviceIds: string[] };
      assert.equal(rb.teamId, teamId);
      assert.deepEqual(rb.serviceIds, [service]);
      const list = await muster(['runbook', 'list', '--team', 'storage', '--service', 'volumes'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /Volume full/);
      const unknown = await muster(['runbook', 'list', '--team', 'no-such-team'], env);
      assert.notEqual(unknown.code, 0);
      assert.match(unknown.stderr, /no-such-team/);
    });
  });
}
