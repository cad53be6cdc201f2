/**
 * Import from Grafana OnCall on both engines: a real Muster (startTestMuster) imports from the local Grafana OnCall
 * stand-in through ImportService.run. A dry run writes nothing; the import creates users, teams, the web, calendar and
 * iCal schedules, policies and services with integration keys; fidelity is 100% on every schedule (the stand-in's own
 * final_shifts against Muster's final schedule, minute by minute); escalation waits are kept to the minute; a second
 * run plans no change; resolved alert groups of the last 3 months are imported as history once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../db/testing/index.js';
import type { Actor } from '../../identity/index.js';
import { systemClock } from '../../shared/clock.js';
import { ADMIN_EMAIL, startTestMuster, type TestMuster } from '../../testing/server.js';
import { GrafanaOnCallStandIn, grafanaOnCallFixture } from '../../testing/standins/grafana-oncall.js';
import type { ImportReport } from '../model.js';
import { ImportService } from '../service.js';

const TOKEN = 'go-int-token-7';

for (const engine of ENGINES) {
  describe(`import from Grafana OnCall [${engine}]`, () => {
    let t: TestMuster;
    let standIn: GrafanaOnCallStandIn;
    let service: ImportService;
    let actor: Actor;
    const run = (dryRun: boolean) =>
      service.run(actor, {
        source: 'grafana-oncall',
        token: TOKEN,
        baseUrl: standIn.url,
        allowPrivateAddress: true,
        dryRun,
        historyMonths: 3,
      });

    before(async () => {
      t = await startTestMuster(engine);
      standIn = await new GrafanaOnCallStandIn({
        token: TOKEN,
        data: grafanaOnCallFixture(Date.now()),
        pageSize: 2,
        finalShiftsPageSize: 25,
        rateLimitEvery: 11,
      }).start();
      service = new ImportService({ db: t.muster.services.db, clock: systemClock, publicUrl: t.url });
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
      // 5 users, 3 teams, 3 schedules, 2 policies, 4 services.
      assert.equal(dry.plan.summary.create, 5 + 3 + 3 + 2 + 4, JSON.stringify(dry.plan.summary));
      assert.deepEqual(dry.fidelity, []);
      assert.deepEqual(dry.history, { found: 3, imported: 0, alreadyImported: 0 });
      const schedules = await t.muster.services.db.kysely.selectFrom('schedules').select('id').execute();
      assert.equal(schedules.length, 0);
    });

    it('imports with fidelity 100% on every schedule', async () => {
      report = await run(false);
      assert.ok(report.requests.rateLimited >= 1, 'the 429s were waited out');
      const rows = Object.fromEntries(report.fidelity.map((r) => [r.schedule, r]));
      assert.deepEqual(Object.keys(rows).sort(), ['follow-ical', 'nights', 'primary']);
      for (const r of report.fidelity) {
        assert.equal(r.percent, 100, `${r.schedule}: ${JSON.stringify(r.firstDifferences)}`);
        assert.equal(r.matchingMinutes, r.totalMinutes);
        assert.equal(r.totalMinutes, 8 * 7 * 24 * 60);
      }
      assert.deepEqual(report.integrationKeys.map((k) => `${k.service}/${k.name}/${k.source}`).sort(), [
        'deploy-hook/Deploy hook/generic',
        'grafana-alerting/Grafana Alerting/grafana',
        'prometheus/Prometheus/alertmanager',
        'zabbix/Zabbix/generic',
      ]);
      assert.ok(report.unmapped.some((u) => u.object.includes('Odd chain') && u.reason.includes('90 s')));
      assert.deepEqual(report.history, { found: 3, imported: 3, alreadyImported: 0 });
    });

    it('keeps escalation waits to the minute and the repeat', async () => {
      const r = await t.api<{ files: { path: string; content: string }[] }>('GET', '/api/config/export');
      assert.equal(r.status, 200);
      const text = r.body.files.map((f) => f.content).join('\n');
      const policy = text.slice(text.indexOf('slug: primary-chain'));
      const own = policy.slice(0, policy.indexOf('slug:', 10) > 0 ? policy.indexOf('slug:', 10) : undefined);
      assert.match(own, /repeat: 5/);
      assert.deepEqual(
        [...own.matchAll(/delayMinutes: (\d+)/g)].map((m) => m[1]),
        ['1', '7', '17'],
      );
    });

    it('running it again changes nothing', async () => {
      const again = await run(false);
      assert.deepEqual(
        again.plan.changes.map((c) => `${c.action} ${c.kind} ${c.key} ${JSON.stringify(c.fields)}`),
        [],
      );
      assert.deepEqual(again.integrationKeys, []);
      assert.deepEqual(again.history, { found: 3, imported: 0, alreadyImported: 3 });
      assert.deepEqual(
        again.fidelity.map((f) => [f.schedule, f.percent]),
        report.fidelity.map((f) => [f.schedule, f.percent]),
      );
    });
  });
}
