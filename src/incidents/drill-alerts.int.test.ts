/**
 * A game day's drill alert (raised through a drill key, alerts.is_drill) belongs to drills only, on both engines:
 * declaring with it makes a drill, asking for a real incident with it is refused naming alertIds, and linking it to a
 * real incident is refused with 409 drill_alert — otherwise a drill would page and count as a real incident.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface Detail {
  incident: { id: string; kind: string };
}

for (const engine of ENGINES) {
  describe(`drill alerts stay in drills [${engine}]`, () => {
    let t: TestMuster;
    let drillAlert = '';
    let realAlert = '';

    before(async () => {
      t = await startTestMuster(engine);
      const team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
      const service = await t.api<{ id: string }>('POST', '/api/services', { name: 'Checkout API', teamId: team });
      assert.equal(service.status, 201, JSON.stringify(service.body));
      const g = await t.api<{ id: string }>('POST', '/api/gamedays', {
        teamId: team,
        title: 'Checkout drill',
        mode: 'live',
        serviceIds: [service.body.id],
      });
      assert.equal(g.status, 201, JSON.stringify(g.body));
      const drillKey = await t.api<{ key: string }>('POST', `/api/gamedays/${g.body.id}/drill-key`, {});
      assert.equal(drillKey.status, 201, JSON.stringify(drillKey.body));
      const realKey = await t.api<{ key: string }>('POST', `/api/services/${service.body.id}/integration-keys`, {
        source: 'generic',
      });
      const fire = async (key: string, dedupKey: string) => {
        const r = await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${key}`,
          { status: 'firing', dedupKey, title: `${dedupKey} errors`, severity: 'warning' },
          null,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.alerts[0]!.alertId;
      };
      drillAlert = await fire(drillKey.body.key, 'drill');
      realAlert = await fire(realKey.body.key, 'real');
    });
    after(async () => t.stop());

    it('declaring with a drill alert makes a drill; asking for a real incident with it names alertIds', async () => {
      const refused = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/incidents',
        { title: 'Checkout errors', severity: 'P3', kind: 'real', alertIds: [drillAlert] },
      );
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.details.problems[0]!.field, 'alertIds');
      const declared = await t.api<Detail>('POST', '/api/incidents', {
        title: 'Checkout errors',
        severity: 'P3',
        alertIds: [drillAlert],
      });
      assert.equal(declared.status, 201, JSON.stringify(declared.body));
      assert.equal(declared.body.incident.kind, 'drill');
    });

    it('a drill alert cannot be linked to a real incident (409 drill_alert); a real alert still can', async () => {
      const real = await t.api<Detail>('POST', '/api/incidents', {
        title: 'Real checkout errors',
        severity: 'P3',
        alertIds: [realAlert],
      });
      assert.equal(real.status, 201, JSON.stringify(real.body));
      assert.equal(real.body.incident.kind, 'real');
      const link = await t.api<{ error: { code: string } }>('POST', `/api/incidents/${real.body.incident.id}/alerts`, {
        alertId: drillAlert,
      });
      assert.equal(link.status, 409, JSON.stringify(link.body));
      assert.equal(link.body.error.code, 'drill_alert');
    });
  });
}
