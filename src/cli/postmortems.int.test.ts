import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster postmortem CLI [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
    });
    after(async () => t.stop());

    it('creates, edits, lists, shows, refuses to publish an unready one, and exports', async () => {
      const declared = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Slow search',
        severity: 'P3',
      });
      const incidentId = declared.body.incident.id;
      await t.api('POST', `/api/incidents/${incidentId}/status`, { status: 'resolved' });

      const created = await muster(['postmortem', 'create', incidentId, '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const id = (JSON.parse(created.stdout) as { id: string }).id;

      const dir = mkdtempSync(join(tmpdir(), 'muster-pm-cli-'));
      const file = join(dir, 'summary.md');
      writeFileSync(file, 'Search was slow for an hour: a cache node ran out of memory.\n');
      const edited = await muster(['postmortem', 'edit', id, '--section', 'summary', '--file', file], env);
      assert.equal(edited.code, 0, edited.stderr);
      assert.match(edited.stdout, /\[x\] Summary \(summary, text, required\)/);
      assert.match(edited.stdout, /a cache node ran out of memory/);

      const list = await muster(['postmortem', 'list', '--status', 'draft'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^ID\s+SEVERITY\s+STATUS\s+OWNER\s+DUE\s+TITLE/m);
      assert.match(list.stdout, new RegExp(`${id}\\s+P3\\s+draft`));
      const listJson = await muster(['postmortem', 'list', '--json'], env);
      assert.deepEqual(
        (JSON.parse(listJson.stdout) as { id: string }[]).map((p) => p.id),
        [id],
      );
      const overdue = await muster(['postmortem', 'list', '--overdue', '--json'], env);
      assert.deepEqual(JSON.parse(overdue.stdout), []);

      // By the incident's id too.
      const show = await muster(['postmortem', 'show', incidentId], env);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, new RegExp(`^${id}\\s+draft`));
      assert.match(show.stdout, /Before publishing:/);

      const publish = await muster(['postmortem', 'publish', id], env);
      assert.notEqual(publish.code, 0);
      assert.match(publish.stderr, /approved/);

      const out = join(dir, 'pm.md');
      const exported = await muster(['postmortem', 'export', id, '--out', out], env);
      assert.equal(exported.code, 0, exported.stderr);
      const md = readFileSync(out, 'utf8');
      assert.match(md, /^# Post-mortem: Slow search/);
      assert.match(md, /## Summary\n\nSearch was slow for an hour/);
      const stdoutExport = await muster(['postmortem', 'export', id], env);
      assert.equal(stdoutExport.stdout, md);
    });
  });
}
