import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`acknowledging a linked alert through the alerts API [${engine}]`, () => {
    let t: TestMuster;
    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => t.stop());

    it('ticks the incident checklist and flags an Incident Commander who acknowledges', async () => {
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Edge' });
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name: 'Edge proxy', teamId: team.body.id });
      const key = (
        await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source: 'generic' })
      ).body.key;
      const intake = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey: 'edge-5xx', title: 'Edge 5xx', severity: 'critical' },
        null,
      );
      const alertId = intake.body.alerts[0]!.alertId;
      const incident = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Edge errors',
        severity: 'P2',
      });
      assert.equal(incident.status, 201, JSON.stringify(incident.body));
      const id = incident.body.incident.id;
      const link = await t.api('POST', `/api/incidents/${id}/alerts`, { alertId });
      assert.equal(link.status, 200, JSON.stringify(link.body));
      const me = await t.api<{ id: string }>('GET', '/api/me');
      assert.equal((await t.api('PUT', `/api/incidents/${id}/roles/ic`, { userId: me.body.id })).status, 200);

      assert.equal((await t.api('POST', `/api/alerts/${alertId}/acknowledge`)).status, 200);

      const timeline = await t.api<{ events: { kind: string }[] }>('GET', `/api/incidents/${id}/timeline`);
      const kinds = timeline.body.events.map((e) => e.kind);
      assert.ok(kinds.includes('alert_acknowledged'), kinds.join(', '));
      assert.ok(kinds.includes('commander_technical_action'), kinds.join(', '));
    });
  });
}
