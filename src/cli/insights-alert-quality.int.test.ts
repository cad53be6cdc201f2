/**
 * `muster insights alert-quality`, `response-times` and `recurrence` against a real server, on both engines: one
 * service with a rule judged noisy twice out of three and a resolved P2 incident; tables and --json (the API's answer
 * as it is); a bad option fails naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster insights alert-quality, response-times, recurrence [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let teamId = '';
    let serviceId = '';

    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Search' })).body.id;
      serviceId = (await t.api<{ id: string }>('POST', '/api/services', { name: 'search', teamId })).body.id;
      const key = (
        await t.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'generic' })
      ).body.key;
      for (const [n, classification] of ['false_positive', 'not_actionable', 'actionable'].entries()) {
        const fired = await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${key}`,
          { status: 'firing', dedupKey: `q-${n}`, title: 'QueueDepth', labels: { alertname: 'QueueDepth' } },
          null,
        );
        assert.equal(fired.status, 200, JSON.stringify(fired.body));
        const c = await t.api('POST', `/api/alerts/${fired.body.alerts[0]!.alertId}/classification`, {
          classification,
        });
        assert.equal(c.status, 200, JSON.stringify(c.body));
      }
      const declared = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Search is slow',
        severity: 'P2',
        serviceIds: [serviceId],
      });
      const id = declared.body.incident.id;
      assert.equal((await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' })).status, 200);
    });
    after(async () => t.stop());

    it('alert-quality: the noisy share overall, per week, and the noisiest rules or services', async () => {
      const human = await muster(['insights', 'alert-quality', '--team', teamId], env);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /: 2 of 3 judged alerts noisy \(66\.7%\), 3 alerts/);
      assert.match(human.stdout, /noisiest rules:/);
      assert.match(human.stdout, /^QueueDepth\s+3\s+3\s+2\s+66\.7%/m);
      const by = await muster(['insights', 'alert-quality', '--by', 'service', '--bucket', 'month'], env);
      assert.equal(by.code, 0, by.stderr);
      assert.match(by.stdout, /noisiest services:[\s\S]*^search\s+3\s+3\s+2\s+66\.7%/m);
      const json = await muster(['insights', 'alert-quality', '--service', serviceId, '--json'], env);
      assert.equal(json.code, 0, json.stderr);
      const r = JSON.parse(json.stdout) as { groupBy: string; overall: { noisy: number }; series: { key: string }[] };
      assert.deepEqual([r.groupBy, r.overall.noisy, r.series.map((s) => s.key)], ['rule', 2, ['QueueDepth']]);
      const bad = await muster(['insights', 'alert-quality', '--limit', '0'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /limit/);
    });

    it('response-times and recurrence print the figures that exist already', async () => {
      const rt = await muster(['insights', 'response-times', '--team', teamId], env);
      assert.equal(rt.code, 0, rt.stderr);
      assert.match(rt.stdout, /\(real incidents; by week in UTC\)/);
      assert.match(rt.stdout, /^overall\s+1\s/m);
      assert.match(rt.stdout, /^P2\s+1\s/m);
      const rtJson = await muster(['insights', 'response-times', '--by', 'none', '--json'], env);
      assert.equal(rtJson.code, 0, rtJson.stderr);
      assert.equal((JSON.parse(rtJson.stdout) as { overall: { mttr: { count: number } } }).overall.mttr.count, 1);
      const badSeverity = await muster(['insights', 'response-times', '--severity', 'P9'], env);
      assert.notEqual(badSeverity.code, 0);
      assert.match(badSeverity.stderr, /severity/);

      const rec = await muster(['insights', 'recurrence', '--window-days', '30'], env);
      assert.equal(rec.code, 0, rec.stderr);
      assert.match(rec.stdout, /within 30 days\): 0 of 1 incidents recur \(0%\)/);
      assert.match(rec.stdout, /by service:/);
      const recJson = await muster(['insights', 'recurrence', '--team', teamId, '--json'], env);
      assert.equal(recJson.code, 0, recJson.stderr);
      assert.equal((JSON.parse(recJson.stdout) as { total: number }).total, 1);
    });
  });
}
