/**
 * The one-click link's page as a responder sees it at night (issue 14, item 3): the alert's title, service, summary
 * and runbooks, and both buttons (the link's own first); the other action's button works once, also after the link's
 * own action was used; the page escapes what the monitor sent and links only http(s) runbooks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const post = (url: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=1' });

/** The forms of a page, in order: where each posts (resolved against the page) and its button's text. */
function formsOf(html: string, pageUrl: string): { url: string; button: string }[] {
  return [
    ...html.matchAll(/<form method="post"(?: action="([^"]*)")?>[\s\S]*?<button[^>]*>([^<]*)<\/button><\/form>/g),
  ].map((m) => ({ url: new URL(m[1] ?? '', pageUrl).href, button: m[2]! }));
}

for (const engine of ENGINES) {
  describe(`one-click link page [${engine}]`, () => {
    let t: TestMuster;
    let key: string;
    let meId: string;
    before(async () => {
      t = await startTestMuster(engine);
      meId = (await t.api<{ id: string }>('GET', '/api/me')).body.id;
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' });
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name: 'Checkout API', teamId: team.body.id });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const rb = await t.api('POST', '/api/runbooks', {
        teamId: team.body.id,
        title: 'Checkout errors: first steps',
        body: '# Checkout\n\nLook at the provider first.',
        serviceIds: [svc.body.id],
      });
      assert.equal(rb.status, 201, JSON.stringify(rb.body));
      const k = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'generic',
      });
      key = k.body.key;
    });
    after(async () => t.stop());

    const fire = async (title: string, extra: Record<string, unknown> = {}): Promise<string> => {
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', title, dedupKey: title, ...extra },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts[0]!.alertId;
    };
    const linkFor = async (action: 'acknowledge' | 'resolve', alertId: string) =>
      (await t.muster.services.actionLinks.create({ action, alertId, userId: meId }, Date.now())).url;
    const statusOf = async (id: string) => (await t.api<{ status: string }>('GET', `/api/alerts/${id}`)).body.status;

    it('shows the title, service, summary and runbooks, with Acknowledge first and Resolve beside it', async () => {
      const alertId = await fire('Checkout error rate above 5%', {
        description: '7.2% of POST /api/checkout answered 5xx. <script>alert(1)</script>',
        severity: 'critical',
        annotations: { runbook_url: 'https://wiki.example.test/checkout' },
      });
      const url = await linkFor('acknowledge', alertId);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /<h1>Checkout error rate above 5%<\/h1>/);
      assert.match(html, /<strong>Checkout API<\/strong>/);
      assert.match(html, /7\.2% of POST \/api\/checkout answered 5xx\. &lt;script&gt;/);
      assert.ok(!html.includes('<script>'), 'what the monitor sent is escaped');
      assert.match(html, /<a href="\.\.\/runbooks\/[^"]+">Checkout errors: first steps<\/a>/);
      assert.match(html, /<a href="https:\/\/wiki\.example\.test\/checkout"/);
      assert.match(html, /data-status="triggered"/);
      const forms = formsOf(html, url);
      assert.deepEqual(
        forms.map((f) => f.button),
        ['Acknowledge', 'Resolve'],
      );
      assert.equal(forms[0]!.url, url, 'the link’s own button posts to the page itself');
      assert.ok(forms[1]!.url.startsWith(`${t.url}/a/`) && forms[1]!.url !== url, forms[1]!.url);
      assert.equal((await fetch(url)).status, 200);
      assert.equal(
        formsOf(await (await fetch(url)).text(), url)[1]!.url,
        forms[1]!.url,
        'the same Resolve link each view',
      );
      assert.equal(await statusOf(alertId), 'triggered', 'viewing changes nothing');

      // Acknowledge; the page then offers Resolve (the same link), which works once.
      const acked = await post(url);
      assert.equal(acked.status, 200);
      const ackedHtml = await acked.text();
      assert.match(ackedHtml, /is acknowledged/);
      assert.equal(await statusOf(alertId), 'acknowledged');
      const next = formsOf(ackedHtml, url);
      assert.deepEqual(next, [{ url: forms[1]!.url, button: 'Resolve' }]);
      const resolved = await post(next[0]!.url);
      assert.equal(resolved.status, 200);
      assert.match(await resolved.text(), /is resolved/);
      assert.equal(await statusOf(alertId), 'resolved');
      const alert = await t.api<{ resolvedByLabel: string }>('GET', `/api/alerts/${alertId}`);
      assert.match(alert.body.resolvedByLabel, /\(link\)$/, 'the recipient resolved it, through a link');
      assert.equal((await post(next[0]!.url)).status, 409, 'the Resolve link works once');
    });

    it('a resolve link offers Acknowledge only while the alert is triggered; a resolved alert offers nothing', async () => {
      const alertId = await fire('Queue backlog growing');
      const url = await linkFor('resolve', alertId);
      const forms = formsOf(await (await fetch(url)).text(), url);
      assert.deepEqual(
        forms.map((f) => f.button),
        ['Resolve', 'Acknowledge'],
      );
      // The other link's own other link is the original: a link sent has exactly two, one per action.
      const other = forms[1]!.url;
      assert.deepEqual(formsOf(await (await fetch(other)).text(), other), [
        { url: other, button: 'Acknowledge' },
        { url, button: 'Resolve' },
      ]);
      const ack = await t.api('POST', `/api/alerts/${alertId}/acknowledge`, {});
      assert.equal(ack.status, 200, JSON.stringify(ack.body));
      const html = await (await fetch(url)).text();
      assert.match(html, /Acknowledged just now by admin@example\.test/);
      assert.deepEqual(
        formsOf(html, url).map((f) => f.button),
        ['Resolve'],
      );
      const ackUrl = await linkFor('acknowledge', alertId);
      assert.deepEqual(
        formsOf(await (await fetch(ackUrl)).text(), ackUrl).map((f) => f.button),
        ['Resolve'],
        'an acknowledge link of an acknowledged alert offers only Resolve',
      );
      const res = await t.api('POST', `/api/alerts/${alertId}/resolve`, {});
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const closed = await (await fetch(url)).text();
      assert.deepEqual(formsOf(closed, url), []);
      assert.match(closed, /Resolved just now/);
    });

    it('links only an http(s) runbook address the monitor sent', async () => {
      const alertId = await fire('Disk almost full', { annotations: { runbook_url: 'javascript:alert(1)' } });
      const url = await linkFor('acknowledge', alertId);
      const html = await (await fetch(url)).text();
      assert.ok(!html.includes('javascript:'), 'no javascript: link');
      assert.match(html, /Checkout errors: first steps/, 'the service’s runbook is still there');
    });
  });
}
