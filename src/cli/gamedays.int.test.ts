import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster gameday CLI [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let teamId: string;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Storage' })).body.id;
    });
    after(async () => t.stop());

    it('creates from a scenario, starts, injects, halts, ends and debriefs', async () => {
      const scenarios = await muster(['gameday', 'scenarios'], env);
      assert.equal(scenarios.code, 0, scenarios.stderr);
      assert.match(scenarios.stdout, /gds_disk_full\s+tabletop\s+infrastructure\s+Disk full/);

      const created = await muster(
        ['gameday', 'create', '--team', teamId, '--scenario', 'gds_disk_full', '--json'],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      const id = (JSON.parse(created.stdout) as { id: string }).id;

      const list = await muster(['gameday', 'list', '--team', teamId], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^ID\s+STATUS\s+MODE\s+WHEN\s+TEAM\s+TITLE/m);
      assert.match(list.stdout, new RegExp(`${id}\\s+scheduled\\s+tabletop`));

      const started = await muster(['gameday', 'start', id], env);
      assert.equal(started.code, 0, started.stderr);
      assert.match(started.stdout, /started .*: drill room inc_/);

      const inject = await muster(['gameday', 'inject', id, 'The volume is read-only now.'], env);
      assert.equal(inject.code, 0, inject.stderr);
      assert.match(inject.stdout, /4 in all/);

      const show = await muster(['gameday', 'show', id], env);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /running\s+tabletop\s+P2\s+Disk full/);
      assert.match(show.stdout, /\+10:00 {2}\[pending\] Writes fail/);
      assert.match(show.stdout, /\(live\) The volume is read-only now\./);

      const halt = await muster(['gameday', 'halt', id, '--reason', 'Real outage next door'], env);
      assert.equal(halt.code, 0, halt.stderr);
      assert.match(halt.stdout, /halted .*Aborted by the facilitator: Real outage next door/);

      const again = await muster(['gameday', 'halt', id, '--reason', 'twice'], env);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /halted/);

      const end = await muster(['gameday', 'end', id, '--outcome', 'refuted'], env);
      assert.equal(end.code, 0, end.stderr);
      assert.match(end.stdout, /hypothesis refuted/);

      const d1 = await muster(['gameday', 'debrief', id], env);
      assert.equal(d1.code, 0, d1.stderr);
      assert.match(d1.stdout, /debrief started: post-mortem pm_/);
      const d2 = await muster(['gameday', 'debrief', id, '--json'], env);
      assert.equal(d2.code, 0, d2.stderr);
      const r = JSON.parse(d2.stdout) as { postmortemId: string; created: boolean };
      assert.equal(r.created, false);
      assert.ok(d1.stdout.includes(r.postmortemId));

      const measures = await muster(['gameday', 'measures', id], env);
      assert.equal(measures.code, 0, measures.stderr);
      assert.match(measures.stdout, /expected actions {2}0 done, 0 missed, 5 pending/);
    });

    it('runs a live drill: a drill key, a drill alert fired through the intake; bad choices are named', async () => {
      const serviceId = (await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Volumes' })).body.id;
      const created = await muster(
        ['gameday', 'create', '--team', teamId, '--scenario', 'gds_slack_down', '--service', serviceId, '--json'],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      const id = (JSON.parse(created.stdout) as { id: string }).id;
      const key = await muster(['gameday', 'drill-key', id], env);
      assert.equal(key.code, 0, key.stderr);
      assert.match(key.stdout, /^drill key \(shown once\): \S{10,}/);
      assert.equal((await muster(['gameday', 'start', id], env)).code, 0);
      const fired = await muster(
        ['gameday', 'fire', id, '--summary', 'DRILL: volume full', '--severity', 'error'],
        env,
      );
      assert.equal(fired.code, 0, fired.stderr);
      assert.match(fired.stdout, /^drill alert created: alr_/);
      const alerts = await t.api<{ alerts: { summary: string }[] }>('GET', '/api/alerts');
      assert.ok(
        alerts.body.alerts.some((a) => a.summary === 'DRILL: volume full'),
        JSON.stringify(alerts.body),
      );
      const badSeverity = await muster(['gameday', 'fire', id, '--severity', 'loud'], env);
      assert.notEqual(badSeverity.code, 0);
      assert.match(badSeverity.stderr, /Allowed choices are critical, error, warning, info/);
      const badOutcome = await muster(['gameday', 'end', id, '--outcome', 'maybe'], env);
      assert.notEqual(badOutcome.code, 0);
      assert.match(badOutcome.stderr, /Allowed choices are confirmed, refuted, partly/);
      const badMark = await muster(['gameday', 'mark', id, 'gda_x', 'finished'], env);
      assert.notEqual(badMark.code, 0);
      assert.match(badMark.stderr, /outcome must be done, missed or pending/);
      assert.equal((await muster(['gameday', 'end', id, '--outcome', 'confirmed'], env)).code, 0);
    });
  });
}
