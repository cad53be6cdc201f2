/**
 * Import from Opsgenie on both engines: a real Muster (startTestMuster) imports from the local Opsgenie stand-in
 * through ImportService.run. A dry run writes nothing; the import creates users (invited), teams, schedules, policies
 * and services with integration keys (users invited, no password); fidelity is 100% on every schedule the importer reports as exact (the stand-in's
 * own timeline against Muster's final schedule, minute by minute) and below it on the one whose rotation has a team;
 * escalation delays are kept to the minute; a second run plans no change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../db/testing/index.js';
import type { Actor } from '../../identity/index.js';
import { systemClock } from '../../shared/clock.js';
import { ADMIN_EMAIL, startTestMuster, type TestMuster } from '../../testing/server.js';
import { opsgenieFixture } from '../../testing/standins/opsgenie-fixture.js';
import { OpsgenieStandIn } from '../../testing/standins/opsgenie.js';
import type { ImportReport } from '../model.js';
import { ImportService } from '../service.js';

const KEY = 'og-int-key-42';

for (const engine of ENGINES) {
  describe(`import from Opsgenie [${engine}]`, () => {
    let t: TestMuster;
    let standIn: OpsgenieStandIn;
    let service: ImportService;
    let actor: Actor;
    const run = (dryRun: boolean) =>
      service.run(actor, { source: 'opsgenie', token: KEY, baseUrl: standIn.url, allowPrivateAddress: true, dryRun });

    before(async () => {
      t = await startTestMuster(engine);
      standIn = await new OpsgenieStandIn(opsgenieFixture(Date.now()), {
        apiKey: KEY,
        maxPageSize: 2,
        rateLimitEvery: 9,
      }).start();
      const db = t.muster.services.db;
      service = new ImportService({ db, clock: systemClock, publicUrl: t.url });
      const admin = await t.muster.services.identity.findUserByEmail(ADMIN_EMAIL);
      actor = { userId: admin!.id, tokenId: null, label: ADMIN_EMAIL, ip: null, isAdmin: true };
    });
    after(async () => {
      await standIn.close();
      await t.stop();
    });

    let report: ImportReport;

    it('a dry run plans everything and writes nothing', async () => {
      const dry = await run(true);
      assert.equal(dry.dryRun, true);
      assert.ok(dry.plan.summary.create >= 5 + 4 + 4 + 2 + 3, JSON.stringify(dry.plan.summary));
      assert.deepEqual(dry.fidelity, []);
      const teams = await t.muster.services.db.kysely.selectFrom('teams').select('id').execute();
      assert.equal(teams.length, 0);
    });

    it('imports: fidelity 100% on every exactly mapped schedule, below on the one with a team participant', async () => {
      report = await run(false);
      assert.equal(report.dryRun, false);
      assert.ok(report.requests.rateLimited >= 1, 'the 429s were waited out');
      const users = await t.muster.services.db.kysely
        .selectFrom('users')
        .select(['email', 'passwordHash', 'isAdmin'])
        .where('email', '!=', ADMIN_EMAIL)
        .orderBy('email')
        .execute();
      assert.deepEqual(
        users.map((u) => [u.email, u.passwordHash, Number(u.isAdmin)]),
        [
          ['ana@example.com', null, 1],
          ['ben@example.com', null, 1],
          ['cleo@example.com', null, 0],
          ['dan@example.com', null, 0],
          ['eve@example.com', null, 0],
        ],
        'invited: no password',
      );
      const rows = Object.fromEntries(report.fidelity.map((r) => [r.schedule, r]));
      assert.deepEqual(Object.keys(rows).sort(), ['db-half-days', 'night-watch', 'platform-primary', 'sre-desk']);
      for (const slug of ['platform-primary', 'night-watch', 'db-half-days']) {
        const r = rows[slug]!;
        assert.equal(r.percent, 100, `${slug}: ${JSON.stringify(r.firstDifferences)}`);
        assert.equal(r.matchingMinutes, r.totalMinutes);
        assert.equal(r.totalMinutes, 8 * 7 * 24 * 60);
      }
      assert.ok(rows['sre-desk']!.percent < 100);
      assert.ok(
        report.unmapped.some((u) => u.object.includes('SRE desk') && /team "Database"/.test(u.reason)),
        'the reason is reported',
      );
      assert.deepEqual(report.integrationKeys.map((k) => `${k.service}/${k.name}/${k.source}`).sort(), [
        'database-alerts/DB mail/generic',
        'opsgenie-alerts/Default API/generic',
        'platform-alerts/Grafana/grafana',
        'platform-alerts/Prometheus/alertmanager',
      ]);
    });

    it('keeps escalation delays to the minute and the repeat', async () => {
      const r = await t.api<{ files: { path: string; content: string }[] }>('GET', '/api/config/export');
      assert.equal(r.status, 200);
      const text = r.body.files.map((f) => f.content).join('\n');
      const policy = text.slice(text.indexOf('slug: platform-escalation'));
      assert.match(policy, /repeat: 2/);
      const delays = [...policy.slice(0, policy.indexOf('slug:', 10)).matchAll(/delayMinutes: (\d+)/g)].map(
        (m) => m[1],
      );
      assert.deepEqual(delays, ['5', '12', '10']);
    });

    it('running it again changes nothing', async () => {
      const again = await run(false);
      assert.deepEqual(
        again.plan.changes.map((c) => `${c.action} ${c.kind} ${c.key} ${JSON.stringify(c.fields)}`),
        [],
      );
      assert.equal(again.plan.summary.create + again.plan.summary.update, 0);
      assert.deepEqual(again.integrationKeys, []);
      assert.deepEqual(
        again.fidelity.map((f) => [f.schedule, f.percent]),
        report.fidelity.map((f) => [f.schedule, f.percent]),
      );
    });
  });
}
