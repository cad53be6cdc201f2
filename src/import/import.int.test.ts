/**
 * The import through a real server on both engines (POST /api/import), from the PagerDuty stand-in (a real HTTP
 * server speaking REST API v2, small pages and 429s with Retry-After): the request's fields checked by name; a dry run
 * plans and changes nothing; the apply makes the objects, integration keys (secrets once), history as imported
 * incidents (no page, no post-mortem, no room) and one audit entry without the token; fidelity is 100% on every
 * schedule; a second import plans no change and imports no incident twice; a wrong token is a clear error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster } from '../testing/cli.js';
import { PagerDutyStandIn } from '../testing/standins/pagerduty.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import type { ImportReport } from './model.js';

const TOKEN = 'pd-import-token-9876543210';

interface Problem {
  error: { code: string; message: string; details?: { problems?: { field: string; message: string }[] } };
}

for (const engine of ENGINES) {
  describe(`import from PagerDuty through POST /api/import [${engine}]`, () => {
    let t: TestMuster;
    let pd: PagerDutyStandIn;
    const body = (extra: Record<string, unknown> = {}) => ({
      source: 'pagerduty',
      token: TOKEN,
      baseUrl: pd.url,
      allowPrivateAddress: true,
      dryRun: false,
      historyMonths: 6,
      ...extra,
    });
    const run = async (extra: Record<string, unknown> = {}) => {
      const r = await t.api<ImportReport>('POST', '/api/import', body(extra));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const count = async (table: 'schedules' | 'escalationPolicies' | 'services' | 'teams') =>
      (await t.muster.services.db.kysely.selectFrom(table).select('id').execute()).length;
    const imported = () =>
      t.muster.services.db.kysely
        .selectFrom('incidents')
        .select(['id', 'kind', 'status', 'importSource', 'externalId', 'externalUrl', 'acknowledgedAt', 'resolvedAt'])
        .where('kind', '=', 'imported')
        .execute();

    before(async () => {
      t = await startTestMuster(engine);
      pd = new PagerDutyStandIn({
        token: TOKEN,
        now: t.muster.services.clock.now(),
        maxLimit: 2,
        rateLimitEvery: 7,
        retryAfterSeconds: 1,
      });
      await pd.start();
    });
    after(async () => {
      await pd.close();
      await t.stop();
    });

    it('checks the request: a required base URL, private addresses refused unless allowed', async () => {
      const grafana = await t.api<Problem>(
        'POST',
        '/api/import',
        body({ source: 'grafana-oncall', baseUrl: undefined }),
      );
      assert.equal(grafana.status, 400);
      assert.deepEqual(
        grafana.body.error.details?.problems?.map((p) => p.field),
        ['baseUrl'],
      );
      const priv = await t.api<Problem>('POST', '/api/import', body({ allowPrivateAddress: false }));
      assert.equal(priv.status, 400);
      assert.equal(priv.body.error.details?.problems?.[0]?.field, 'baseUrl');
      assert.match(priv.body.error.details.problems[0].message, /public address/);
      const months = await t.api<Problem>('POST', '/api/import', body({ historyMonths: 25 }));
      assert.equal(months.status, 400);
      assert.equal(pd.requests.length, 0, 'nothing was asked of the source');
    });

    it('a wrong token is a clear error naming the status, never the token', async () => {
      const r = await t.api<Problem>('POST', '/api/import', body({ token: 'wrong-token-123' }));
      assert.equal(r.status, 502);
      assert.equal(r.body.error.code, 'import_source_error');
      assert.match(r.body.error.message, /401/);
      assert.ok(!JSON.stringify(r.body).includes('wrong-token-123'));
    });

    it('a dry run reads the source and plans, changing nothing', async () => {
      const report = await run({ dryRun: true });
      assert.equal(report.dryRun, true);
      assert.ok(report.plan.summary.create > 0);
      assert.equal(report.plan.summary.delete, 0);
      assert.deepEqual(report.fidelity, []);
      assert.deepEqual(report.integrationKeys, []);
      assert.ok(report.unmapped.length > 0, 'the fixtures hold things Muster cannot carry');
      assert.ok(report.history.found > 0);
      assert.equal(report.history.imported, 0);
      assert.ok(report.requests.total > 0 && report.requests.rateLimited > 0, JSON.stringify(report.requests));
      assert.equal(await count('schedules'), 0);
      assert.equal(await count('teams'), 0);
      assert.equal((await imported()).length, 0);
    });

    it('imports: objects, integration keys once, history, fidelity 100% on every schedule, one audit entry', async () => {
      // Ben is a plain user in PagerDuty and already an administrator in Muster: the import must not demote him.
      const ben = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'ben@example.com',
        name: 'Ben Okafor',
        isAdmin: true,
      });
      assert.equal(ben.status, 201, JSON.stringify(ben.body));
      const report = await run();
      const benAfter = await t.api<{ isAdmin: boolean }>('GET', `/api/users/${ben.body.user.id}`);
      assert.equal(benAfter.body.isAdmin, true, 'an import never takes administrator rights away');
      assert.equal(report.dryRun, false);
      assert.equal(report.plan.summary.delete, 0);
      assert.equal(await count('schedules'), pd.fixtures.schedules.length);
      assert.ok(report.integrationKeys.length > 0);
      for (const k of report.integrationKeys) assert.match(k.key, /^[a-z2-7]{32}$/);
      assert.equal(report.fidelity.length, pd.fixtures.schedules.length);
      for (const row of report.fidelity) {
        assert.equal(row.totalMinutes, 8 * 7 * 24 * 60);
        assert.equal(row.percent, 100, `${row.schedule}: ${JSON.stringify(row.firstDifferences)}`);
        assert.equal(row.matchingMinutes, row.totalMinutes);
      }

      const rows = await imported();
      assert.ok(rows.length > 0);
      assert.equal(report.history.imported, rows.length);
      assert.equal(report.history.alreadyImported, 0);
      for (const r of rows) {
        assert.equal(r.status, 'resolved');
        assert.equal(r.importSource, 'pagerduty');
        assert.ok(r.externalId);
        assert.ok(r.resolvedAt !== null);
      }
      const db = t.muster.services.db.kysely;
      const ids = rows.map((r) => r.id);
      // Pages nobody, opens no room, asks for no post-mortem.
      assert.equal(
        (await db.selectFrom('postmortems').select('id').where('incidentId', 'in', ids).execute()).length,
        0,
      );
      assert.equal(
        (await db.selectFrom('jobs').select('id').where('payload', 'like', `%${ids[0]!}%`).execute()).length,
        0,
      );

      const audit = await db.selectFrom('auditEvents').selectAll().where('action', '=', 'import.applied').execute();
      assert.equal(audit.length, 1);
      const everything = JSON.stringify(await db.selectFrom('auditEvents').selectAll().execute());
      assert.ok(!everything.includes(TOKEN), 'the token is not in the audit log');
    });

    it('imported incidents show as such in the list and on their page', async () => {
      const list = await t.api<{
        incidents: { id: string; kind?: string; severity: string; postmortemExpected?: boolean }[];
      }>('GET', '/api/incidents?status=resolved');
      assert.equal(list.status, 200);
      const mine = list.body.incidents.filter((i) => i.kind === 'imported');
      assert.ok(mine.length > 0, JSON.stringify(list.body).slice(0, 500));
      // P1 and P2 require a post-mortem by default, but not of history from another tool: no "post-mortem missing".
      assert.ok(mine.some((i) => i.severity === 'P1' || i.severity === 'P2'));
      assert.deepEqual(
        mine.filter((i) => i.postmortemExpected === true).map((i) => i.id),
        [],
      );
      const one = await t.api<{
        incident: { kind: string; importedFrom?: { source: string; externalId: string; url: string | null } };
      }>('GET', `/api/incidents/${mine[0]!.id}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.incident.importedFrom?.source, 'pagerduty');
      assert.ok(one.body.incident.importedFrom.externalId);
    });

    it('a second import plans no change and imports no incident twice', async () => {
      const before = (await imported()).length;
      const report = await run();
      assert.deepEqual(
        { create: report.plan.summary.create, update: report.plan.summary.update, delete: report.plan.summary.delete },
        { create: 0, update: 0, delete: 0 },
        JSON.stringify(report.plan.changes),
      );
      assert.deepEqual(report.integrationKeys, []);
      assert.equal(report.history.imported, 0);
      assert.equal(report.history.alreadyImported, before);
      assert.equal((await imported()).length, before);
      for (const row of report.fidelity) assert.equal(row.percent, 100, row.schedule);
    });

    it('muster import through the real binary: the token from MUSTER_IMPORT_TOKEN, the plan, fidelity and history', async () => {
      const env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken, MUSTER_IMPORT_TOKEN: TOKEN };
      const args = ['import', 'pagerduty', '--base-url', pd.url, '--allow-private-address', '--history-months', '6'];
      const out = await runMuster(args, env);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /Nothing to change: imported before\./);
      assert.match(out.stdout, /Not carried over or approximated \(\d+\):/);
      const fullRows = out.stdout.split('\n').filter((l) => /\d+\/\d+\s+100\.0$/.test(l));
      assert.equal(fullRows.length, pd.fixtures.schedules.length, out.stdout);
      assert.match(out.stdout, /History: \d+ incidents? found, 0 imported, \d+ imported before\./);
      assert.ok(!out.stdout.includes(TOKEN));
      const dry = await runMuster([...args, '--dry-run', '--json'], env);
      assert.equal(dry.code, 0, dry.stderr);
      const report = JSON.parse(dry.stdout) as ImportReport;
      assert.equal(report.dryRun, true);
      assert.equal(report.plan.summary.create, 0);
      const missing = await runMuster(['import', 'pagerduty', '--base-url', pd.url], {
        ...env,
        MUSTER_IMPORT_TOKEN: '',
      });
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /--source-token or MUSTER_IMPORT_TOKEN/);
    });
  });
}
