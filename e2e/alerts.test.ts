/**
 * The alert pages in a real browser (Debian's Chromium driven by playwright-core) against a real in-process server
 * on SQLite: create a service and a generic integration key through the UI, send an event to the intake endpoint
 * with the key shown once, watch the alert arrive in the list, open it, and acknowledge and resolve it with a
 * classification. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { launchBrowser, openPage, signIn } from './browser.js';
import { ADMIN_EMAIL, startTestMuster, type TestMuster } from '../src/testing/server.js';

const SCREENSHOT = '/tmp/muster-alert.png';
const RUNBOOK = 'https://wiki.example.test/runbooks/checkout-errors';
const DASHBOARD = 'https://grafana.example.test/d/checkout';

let muster: TestMuster;
let browser: Browser;

interface ApiAlert {
  id: string;
  status: string;
  classification: string | null;
  classificationNote: string | null;
  acknowledgedByLabel: string | null;
  resolvedByLabel: string | null;
  events: { kind: string }[];
}

describe('web UI: alerts and services', () => {
  before(async () => {
    muster = await startTestMuster('sqlite');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await muster?.stop();
  });

  test('a service and a key made in the UI receive an alert, which is acknowledged and resolved with a judgement', async () => {
    const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' });
    assert.equal(team.status, 201);
    const { context, page, errors } = await openPage(browser, { width: 1280, height: 900 });
    await signIn(page, muster.url, '/services');

    // Create the service through the form: team picker, criticality.
    await page.getByRole('button', { name: 'New service' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Checkout');
    await page.getByLabel('Owning team').selectOption({ label: 'Payments' });
    // The policy picker asked GET /api/escalation-policies?teamId= for the team's policies (none yet).
    await page.getByText('This team has no escalation policy yet').waitFor();
    await page.getByLabel('Criticality').selectOption('critical');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.waitForURL((u) => u.pathname === '/services/checkout');
    await page.getByRole('heading', { name: 'Checkout', level: 1 }).waitFor();

    // A generic webhook key, shown once, with the curl configuration filled in.
    await page.getByRole('tab', { name: 'Generic webhook' }).click();
    await page.getByLabel('Key name').fill('ci pipeline');
    await page.getByRole('button', { name: 'Create Generic webhook key' }).click();
    const secret = page.getByTestId('one-time-secret');
    await secret.waitFor();
    await page.getByText('Store it now, it will not be shown again.').waitFor();
    const key = await secret.inputValue();
    assert.equal(key.length, 32, `a 32-character key, got ${JSON.stringify(key)}`);
    const snippet = await page.getByLabel('Fire').innerText();
    assert.ok(snippet.includes(`${muster.url}/integrations/generic/${key}`), snippet);
    await page
      .getByRole('table', { name: 'Generic webhook keys' })
      .getByRole('cell', { name: 'ci pipeline' })
      .waitFor();
    await page.screenshot({ path: '/tmp/muster-service.png', fullPage: true });

    // Open the alert list first, then send: the alert appears without a reload.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/alerts');
    await page.getByText('Nothing open. All quiet.').waitFor();
    const sent = await fetch(`${muster.url}/integrations/generic/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'firing',
        dedupKey: 'checkout/5xx',
        title: 'Checkout error rate above 5%',
        description: '7.2% of POST /api/checkout answered 5xx over the last 5 minutes.',
        severity: 'critical',
        labels: { service: 'checkout', region: 'eu-west-1' },
        annotations: { runbook_url: RUNBOOK, dashboard: DASHBOARD },
        links: [{ href: 'https://ci.example.test/deploys/checkout', text: 'Recent deploys' }],
      }),
    });
    assert.equal(sent.status, 200, await sent.clone().text());
    const alertId = ((await sent.json()) as { alerts: { alertId: string }[] }).alerts[0]!.alertId;
    const alerts = page.getByRole('table', { name: 'Alerts' });
    const link = alerts.getByRole('link', { name: 'Checkout error rate above 5%' });
    // Polling every 10 s (or the stream, once it exists) brings it in.
    await link.waitFor({ timeout: 25_000 });
    const row = alerts.locator(`tr[data-alert-id="${alertId}"]`);
    assert.match(await row.innerText(), /critical[\s\S]*Checkout[\s\S]*Triggered/i);
    await page.screenshot({ path: '/tmp/muster-alerts.png', fullPage: true });

    // The detail page: the runbook is the first thing to click.
    await link.click();
    await page.waitForURL((u) => u.pathname === `/alerts/${alertId}`);
    await page.getByRole('heading', { name: 'Checkout error rate above 5%', level: 1 }).waitFor();
    const firstLink = page.locator('main a[href^="http"]').first();
    assert.equal(await firstLink.getAttribute('href'), RUNBOOK);
    await page.getByRole('link', { name: /Open the runbook/ }).waitFor();
    assert.equal(await page.getByText('No runbook linked.').count(), 0);
    await page.getByRole('table', { name: 'Labels' }).getByRole('cell', { name: 'eu-west-1' }).waitFor();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // What exactly arrived: the history entry opens the body the monitor sent.
    const history = page.getByRole('list', { name: 'History' });
    await history.getByText('What arrived').first().click();
    const received = history.locator('.received-body').first();
    await received.waitFor();
    assert.match(await received.innerText(), /"dedupKey": "checkout\/5xx"/);

    // Acknowledge, then resolve with a classification and a note.
    const acked = page.waitForResponse((r) => r.url().endsWith(`/api/alerts/${alertId}/acknowledge`));
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    assert.equal((await acked).status(), 200);
    await page.locator('.alert-actions').getByText('Acknowledged by').waitFor();
    await page.getByRole('button', { name: 'Resolve…' }).click();
    await page.getByRole('radio', { name: /Not actionable/ }).check();
    await page.getByLabel('Note (optional)').fill('Recovered by itself after the cache warmed up.');
    const resolved = page.waitForResponse((r) => r.url().endsWith(`/api/alerts/${alertId}/resolve`));
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    assert.equal((await resolved).status(), 200);
    await page.locator('.alert-head-badges').getByText('Resolved').waitFor();
    await page.getByRole('list', { name: 'History' }).getByText('Acknowledged').waitFor();

    const got = await muster.api<ApiAlert>('GET', `/api/alerts/${alertId}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.status, 'resolved');
    assert.equal(got.body.classification, 'not_actionable');
    assert.equal(got.body.classificationNote, 'Recovered by itself after the cache warmed up.');
    assert.equal(got.body.acknowledgedByLabel, ADMIN_EMAIL);
    assert.equal(got.body.resolvedByLabel, ADMIN_EMAIL);
    const kinds = got.body.events.map((e) => e.kind);
    for (const kind of ['triggered', 'acknowledged', 'resolved']) assert.ok(kinds.includes(kind), kinds.join());

    // Judged again after the fact, from the detail page.
    await page.getByRole('button', { name: 'Change classification' }).click();
    await page.getByRole('radio', { name: /False positive/ }).check();
    const classified = page.waitForResponse((r) => r.url().endsWith(`/api/alerts/${alertId}/classification`));
    await page.getByRole('button', { name: 'Save classification' }).click();
    assert.equal((await classified).status(), 200);
    await page.getByRole('list', { name: 'History' }).getByText('Classified').waitFor();
    const again = await muster.api<ApiAlert>('GET', `/api/alerts/${alertId}`);
    assert.equal(again.body.classification, 'false_positive');

    // Back on the service page: rotating the key shows a new one once; the old one stops working.
    await page.goto(`${muster.url}/services/checkout`);
    await page.getByRole('tab', { name: /Generic webhook/ }).click();
    const keyRow = page
      .getByRole('table', { name: 'Generic webhook keys' })
      .getByRole('row')
      .filter({ hasText: 'ci pipeline' });
    await keyRow.getByRole('button', { name: 'Rotate' }).click();
    const rotated = page.waitForResponse((r) => r.url().endsWith('/rotate'));
    await keyRow.getByRole('button', { name: 'Rotate: old key stops now' }).click();
    assert.equal((await rotated).status(), 201);
    await secret.waitFor();
    const newKey = await secret.inputValue();
    assert.notEqual(newKey, key);
    const old = await fetch(`${muster.url}/integrations/generic/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'firing', title: 'old key' }),
    });
    assert.equal(old.status, 401);

    assert.deepEqual(errors, []);
    await context.close();
  });
  test('a silence made in the UI holds matching alerts; the noisy-rules page flags a rule judged noise', async (t) => {
    const probe = await muster.api('GET', '/api/silences');
    if (probe.status === 404) {
      t.skip('this server has no silences API yet');
      return;
    }
    const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Storage', slug: 'storage' });
    assert.equal(team.status, 201);
    const svc = await muster.api<{ id: string }>('POST', '/api/services', { name: 'Search', teamId: team.body.id });
    assert.equal(svc.status, 201);
    const created = await muster.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
      source: 'alertmanager',
    });
    assert.equal(created.status, 201);
    const fire = async (instance: string, status: 'firing' | 'resolved' = 'firing') => {
      const res = await fetch(`${muster.url}/integrations/alertmanager/${created.body.key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          status,
          receiver: 'muster',
          groupKey: `{}:{alertname="DiskFull",instance="${instance}"}`,
          groupLabels: { alertname: 'DiskFull' },
          commonLabels: {},
          commonAnnotations: {},
          externalURL: 'http://alertmanager.example.test',
          alerts: [
            {
              status,
              labels: { alertname: 'DiskFull', instance, severity: 'critical' },
              annotations: { summary: `Disk 95% full on ${instance}` },
              startsAt: new Date().toISOString(),
              endsAt: '0001-01-01T00:00:00Z',
              fingerprint: '',
            },
          ],
        }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { alerts: { alertId: string }[] }).alerts[0]!.alertId;
    };

    // A page judged a false positive makes DiskFull a noisy rule (100% noise > 20%).
    const first = await fire('db-1');
    const judged = await muster.api('POST', `/api/alerts/${first}/resolve`, { classification: 'false_positive' });
    assert.equal(judged.status, 200);

    const { context, page, errors } = await openPage(browser, { width: 1280, height: 900 });
    await signIn(page, muster.url, '/alert-quality');
    const rules = page.getByRole('table', { name: 'Alert rules' });
    const row = rules.getByRole('row').filter({ hasText: 'DiskFull' });
    await row.waitFor();
    assert.match(await row.innerText(), /noisy/);
    await page.getByText('more than 20% of its judged pages').waitFor();
    await page.screenshot({ path: '/tmp/muster-noisy.png', fullPage: true });

    // Silence DiskFull on Search through the form.
    await page.getByRole('link', { name: 'Silences', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/silences');
    await page.getByRole('button', { name: 'New silence' }).click();
    await page.getByLabel('Label name 1').fill('alertname');
    await page.getByLabel('Value 1').fill('DiskFull');
    await page.getByRole('button', { name: 'Add matcher' }).click();
    await page.getByLabel('Label name 2').fill('instance');
    await page.getByLabel('Operator 2').selectOption('=~');
    await page.getByLabel('Value 2').fill('db-.*');
    await page.getByLabel('Service').selectOption({ label: 'Search' });
    await page.getByLabel('Comment').fill('Disk resize in progress, OPS-42');
    const made = page.waitForResponse((r) => r.url().endsWith('/api/silences') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create silence' }).click();
    assert.equal((await made).status(), 201);
    const silenceRow = page.getByRole('table', { name: 'Silences' }).getByRole('row').filter({ hasText: 'OPS-42' });
    await silenceRow.waitFor();
    assert.match(
      await silenceRow.innerText(),
      /alertname="DiskFull"[\s\S]*instance=~"db-\.\*"[\s\S]*Search[\s\S]*active/,
    );
    await page.screenshot({ path: '/tmp/muster-silences.png', fullPage: true });

    // A matching alert is recorded but held: the list and the detail page say so.
    const second = await fire('db-2');
    await page.goto(`${muster.url}/alerts/${second}`);
    await page.getByRole('heading', { name: 'Disk 95% full on db-2', level: 1 }).waitFor();
    await page.locator('.alert-head-badges').getByText('silenced').waitFor();
    await page.getByText(/Not paging/).waitFor();

    // Expire it from the list.
    await page.goto(`${muster.url}/silences`);
    await silenceRow.getByRole('button', { name: 'Expire' }).click();
    const expired = page.waitForResponse((r) => r.url().endsWith('/expire'));
    await silenceRow.getByRole('button', { name: 'Expire now' }).click();
    assert.equal((await expired).status(), 200);
    await page.getByRole('tab', { name: /Expired/ }).click();
    await page.getByRole('table', { name: 'Silences' }).getByRole('row').filter({ hasText: 'OPS-42' }).waitFor();
    const list = await muster.api<{ silences: { status: string }[] }>('GET', '/api/silences');
    assert.deepEqual(
      list.body.silences.map((s) => s.status),
      ['expired'],
    );

    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the service page's Intake errors card shows an alert that could not be applied, with what arrived", async () => {
    const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Billing', slug: 'billing' });
    assert.equal(team.status, 201);
    const svc = await muster.api<{ id: string; slug: string }>('POST', '/api/services', {
      name: 'Invoices',
      teamId: team.body.id,
    });
    assert.equal(svc.status, 201);
    const { context, page, errors } = await openPage(browser);
    await signIn(page, muster.url, `/services/${svc.body.slug}`);
    const card = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Intake errors' }) });
    await card.getByText('No intake errors').waitFor();

    const key = await muster.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
      source: 'alertmanager',
    });
    const alert = (status: string, instance: string) => ({
      status,
      labels: { alertname: 'InvoiceLag', instance },
      annotations: { summary: `Invoices lagging on ${instance}` },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
    });
    const res = await fetch(`${muster.url}/integrations/alertmanager/${key.body.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        alerts: [alert('firing', 'inv-1'), alert('on-fire', 'inv-2'), alert('firing', 'inv-3')],
      }),
    });
    assert.equal(res.status, 200);

    await page.reload();
    await card.getByText('alerts[1].status must be firing or resolved').waitFor();
    await card.getByText('What arrived (alert 2)').click();
    await card.locator('pre').filter({ hasText: 'inv-2' }).waitFor();
    assert.match(await card.locator('pre').innerText(), /"status": "on-fire"/);
    await page.screenshot({ path: '/tmp/muster-intake-errors.png', fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
