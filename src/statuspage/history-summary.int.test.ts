/**
 * Issue 14: the public page said "No incidents in the last 90 days" under a bar whose last day was orange (an incident
 * still open is not in the past list). The sentence now comes from the same days as the bar: checked on the HTML page
 * and the JSON, before an incident, with one open today, and after it is resolved. Both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface PublicStatus {
  history: { days: { date: string; status: string; incidentIds: string[] }[]; summary: string };
}

for (const engine of ENGINES) {
  describe(`status page history sentence [${engine}]`, () => {
    let t: TestMuster;
    let incidentId = '';
    let componentId = '';
    const page = async () => {
      const res = await fetch(`${t.url}/status`);
      assert.equal(res.status, 200);
      const html = await res.text();
      const section = /<section aria-labelledby="h-history">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
      assert.ok(section, html);
      const lastDay = [...section.matchAll(/<span class="s-([a-z_]+)"/g)].at(-1)?.[1];
      return { section, lastDay };
    };
    const json = async () => (await t.api<PublicStatus>('GET', '/api/public/status', undefined, null)).body.history;

    before(async () => {
      t = await startTestMuster(engine);
      const c = await t.api<{ id: string }>('POST', '/api/status-page/components', { name: 'Checkout' });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      componentId = c.body.id;
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' });
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name: 'checkout', teamId: team.body.id });
      const d = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout errors',
        severity: 'P2',
        serviceIds: [svc.body.id],
      });
      assert.equal(d.status, 201, JSON.stringify(d.body));
      incidentId = d.body.incident.id;
    });
    after(async () => t?.stop());

    it('says no incidents only while no day of the bar has one', async () => {
      const { section, lastDay } = await page();
      assert.equal(lastDay, 'operational');
      assert.match(section, /<p>No incidents in the last 90 days\.<\/p>/);
      assert.match(section, /aria-label="0 of 90 days with incidents"/);
      assert.equal((await json()).summary, 'No incidents in the last 90 days.');
    });

    it('counts today once an incident is published, though it is not resolved yet', async () => {
      const p = await t.api('POST', `/api/status-page/incidents/${incidentId}`, {
        title: 'Checkout is slow',
        components: [{ componentId, status: 'partial_outage' }],
      });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      const { section, lastDay } = await page();
      assert.equal(lastDay, 'partial_outage', 'the orange day');
      assert.doesNotMatch(section, /No incidents/);
      assert.match(section, /Incidents on 1 of the last 90 days\. The incident still open is under Current incidents/);
      assert.match(section, /aria-label="1 of 90 days with incidents"/);
      const h = await json();
      assert.equal(h.days.at(-1)!.incidentIds.length, 1);
      assert.equal(
        h.summary,
        'Incidents on 1 of the last 90 days. The incident still open is under Current incidents above.',
      );
    });

    it('lists it under the bar once resolved', async () => {
      const r = await t.api('POST', `/api/status-page/incidents/${incidentId}/updates`, {
        templateId: 'builtin:resolved',
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const { section, lastDay } = await page();
      assert.equal(lastDay, 'partial_outage');
      assert.match(section, /<p>Incidents on 1 of the last 90 days\.<\/p>/);
      assert.match(section, /Checkout is slow/);
    });
  });
}
