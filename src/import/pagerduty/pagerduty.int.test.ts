/**
 * Import from PagerDuty on both engines, through a real server's POST /api/import against the local PagerDuty
 * stand-in (REST API v2 with small pages and 429s): a dry run plans and changes nothing; the import applies users,
 * teams, schedules, escalation policies (delays to the minute, loops as repeat) and services with their integration
 * keys, and Muster's final schedule matches PagerDuty's rendered one on every minute of the next 8 weeks for every
 * schedule; history is imported once; a second import plans no change; a wrong token is a clear 502.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Plan } from '../../config-as-code/model.js';
import type { ConfigFileDoc } from '../../config-as-code/schema.js';
import { ENGINES } from '../../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../../testing/server.js';
import { PagerDutyStandIn } from '../../testing/standins/pagerduty.js';
import type { ImportReport } from '../model.js';

const TOKEN = 'pd-int-token-42';

for (const engine of ENGINES) {
  describe(`import from PagerDuty [${engine}]`, () => {
    let t: TestMuster;
    const standIn = new PagerDutyStandIn({ token: TOKEN, maxLimit: 3, rateLimitEvery: 9, retryAfterSeconds: 1 });
    const run = (dryRun: boolean, extra: Record<string, unknown> = {}) =>
      t.api<ImportReport>('POST', '/api/import', {
        source: 'pagerduty',
        token: TOKEN,
        baseUrl: standIn.url,
        allowPrivateAddress: true,
        dryRun,
        historyMonths: 6,
        ...extra,
      });
    const exported = async (): Promise<ConfigFileDoc> => {
      const r = await t.api<{ files: { path: string; content: string }[] }>('GET', '/api/config/export');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const doc: Record<string, unknown[]> = {};
      for (const f of r.body.files)
        for (const [k, v] of Object.entries((parse(f.content) ?? {}) as Record<string, unknown[]>))
          doc[k] = [...(doc[k] ?? []), ...v];
      return doc;
    };
    const changes = (p: Plan) => p.changes.filter((c) => c.action !== 'delete');

    before(async () => {
      await standIn.start();
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
      await standIn.close();
    });

    it('a dry run plans the organisation and changes nothing', async () => {
      const r = await run(true);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.dryRun, true);
      assert.equal(r.body.plan.summary.delete, 0);
      // 6 users, 2 teams, 3 schedules, 2 policies, 3 services.
      assert.equal(r.body.plan.summary.create, 16);
      assert.deepEqual(r.body.fidelity, []);
      assert.deepEqual(r.body.integrationKeys, []);
      assert.equal(r.body.history.found, 5);
      assert.ok(r.body.requests.rateLimited >= 1, 'a 429 was waited out');
      const teams = await t.muster.services.db.kysely.selectFrom('teams').select('id').execute();
      assert.equal(teams.length, 0);
    });

    it('imports everything with fidelity 100% on every schedule, delays exact and history', async () => {
      const r = await run(false);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const report = r.body;
      assert.equal(report.plan.summary.create, 16);
      assert.equal(report.fidelity.length, 3);
      for (const row of report.fidelity) {
        assert.equal(row.percent, 100, `${row.schedule}: ${JSON.stringify(row.firstDifferences)}`);
        assert.equal(row.matchingMinutes, row.totalMinutes);
        assert.equal(row.totalMinutes, 8 * 7 * 24 * 60);
      }
      assert.deepEqual(report.fidelity.map((f) => f.schedule).sort(), [
        'payments-primary',
        'platform-nights',
        'support-days',
      ]);
      assert.deepEqual(report.integrationKeys.map((k) => `${k.service}/${k.name}/${k.source}`).sort(), [
        'api-psvapi2/Grafana/grafana',
        'api-psvapi3/Events API v2/pagerduty',
        'checkout/Events API v2/pagerduty',
        'checkout/Prometheus/alertmanager',
        'checkout/Zabbix/generic',
      ]);
      assert.ok(report.unmapped.some((u) => /Zabbix/.test(u.reason) && u.outcome === 'approximated'));
      assert.deepEqual(report.history, { found: 5, imported: 5, alreadyImported: 0 });

      const doc = await exported();
      const policy = doc.escalationPolicies!.find((p) => p.slug === 'payments-escalation')!;
      assert.deepEqual(
        policy.levels.map((l) => l.delayMinutes),
        [7, 13, 30],
      );
      assert.equal(policy.repeat, 2);
      const imported = await t.muster.services.db.kysely
        .selectFrom('incidents')
        .select(['id'])
        .where('kind', '=', 'imported')
        .execute();
      assert.equal(imported.length, 5);
    });

    it('a second import plans no change and imports no history again', async () => {
      const r = await run(false);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(changes(r.body.plan), [], JSON.stringify(r.body.plan.changes));
      assert.deepEqual(r.body.integrationKeys, []);
      assert.deepEqual(r.body.history, { found: 5, imported: 0, alreadyImported: 5 });
      for (const row of r.body.fidelity) assert.equal(row.percent, 100, row.schedule);
      const imported = await t.muster.services.db.kysely
        .selectFrom('incidents')
        .select(['id'])
        .where('kind', '=', 'imported')
        .execute();
      assert.equal(imported.length, 5);
    });

    it('a wrong token is a clear 502 naming the status, never the token', async () => {
      const r = await run(false, { token: 'not-the-token' });
      assert.equal(r.status, 502, JSON.stringify(r.body));
      const body = r.body as unknown as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'import_source_error');
      assert.match(body.error.message, /401/);
      assert.doesNotMatch(JSON.stringify(r.body), /not-the-token/);
    });
  });
}
