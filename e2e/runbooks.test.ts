/**
 * Runbooks in a real browser (Debian's Chromium via playwright-core) against an in-process server, on both engines:
 * write a runbook through the editor, link a service, edit it (a new version, the diff between the two), then see it
 * first on an alert of that service and in an incident room, at 1280 px and at 390 px with no sideways scroll.
 * Screenshots go to /tmp/shots-runbooks/. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Markdown } from '../web/src/components/markdown.js';
import { browserTestEngines } from '../src/db/testing/index.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const SHOTS = '/tmp/shots-runbooks';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scroll, client, culprits } = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > client + 1)
      .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > client + 1))
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(el.getBoundingClientRect().right)}px`,
      );
    return { scroll: document.documentElement.scrollWidth, client, culprits };
  });
  assert.ok(scroll <= client, `${what} scrolls sideways at ${client} px: ${scroll} px wide (${culprits.join('; ')})`);
}

async function shoot(page: Page, name: string, engine: string): Promise<void> {
  if (engine !== ENGINES[0]) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

test('runbook Markdown: copyable code, tables and checkboxes, HTML stays text', () => {
  const html = renderToStaticMarkup(
    createElement(Markdown, {
      copyCode: true,
      source: [
        '<script>alert(1)</script>',
        '```sh\nkubectl rollout restart deployment/checkout\n```',
        '| Step | Who |\n| --- | --- |\n| Roll back | on-call |',
        '- [x] Acknowledged\n- [ ] Rolled back',
      ].join('\n\n'),
    }),
  );
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /<pre><code data-lang="sh">kubectl rollout restart deployment\/checkout<\/code><\/pre>/);
  assert.match(html, />Copy<\/button>/);
  assert.match(html, /<th>Step<\/th><th>Who<\/th>[\s\S]*<td>Roll back<\/td>/);
  assert.match(html, /<input type="checkbox" checked=""\/>/);
});

for (const engine of ENGINES)
  describe(`runbooks in the browser (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    let serviceId = '';
    let key = '';
    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
      const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' });
      assert.equal(team.status, 201, JSON.stringify(team.body));
      const svc = await muster.api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team.body.id });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      serviceId = svc.body.id;
      const k = await muster.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, {
        source: 'generic',
        name: 'test',
      });
      assert.equal(k.status, 201, JSON.stringify(k.body));
      key = k.body.key;
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('write, link, edit and diff a runbook; it shows first on the alert and in the incident room', async () => {
      const { page, errors, context } = await openPage(browser, DESKTOP);
      await signIn(page, muster.url, '/runbooks');
      await page.getByText('No runbooks yet.').waitFor();
      await page.getByRole('link', { name: 'Write a runbook' }).first().click();
      await page.waitForURL((u) => u.pathname === '/runbooks/new');
      await page.getByLabel('Title').fill('Checkout errors');
      await page
        .getByLabel('Steps (Markdown)')
        .fill('## First steps\n\n1. Check the dashboard.\n\n```\nkubectl -n shop get pods\n```\n');
      await page.getByLabel('Add a service').fill('Check');
      await page.getByRole('button', { name: 'Add Checkout' }).click();
      await page.getByRole('button', { name: 'Add an alert rule' }).click();
      await page.getByLabel('Alert name').fill('CheckoutErrors');
      await shoot(page, 'editor-desktop', engine);
      const created = page.waitForResponse((r) => r.url().endsWith('/api/runbooks') && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Create the runbook' }).click();
      const res = await created;
      assert.equal(res.status(), 201, await res.text());
      const id = ((await res.json()) as { id: string }).id;
      await page.waitForURL((u) => u.pathname === `/runbooks/${id}`);
      await page.getByText('kubectl -n shop get pods').waitFor();
      const rb = (
        await muster.api<{ serviceIds: string[]; alertRules: { alertname: string }[] }>('GET', `/api/runbooks/${id}`)
      ).body;
      assert.deepEqual(rb.serviceIds, [serviceId]);
      assert.equal(rb.alertRules[0]?.alertname, 'CheckoutErrors');
      await shoot(page, 'view-desktop', engine);

      // Edit: a new version, then the diff between the two.
      await page.getByRole('link', { name: 'Edit' }).click();
      await page.waitForURL((u) => u.pathname === `/runbooks/${id}/edit`);
      await page
        .getByLabel('Steps (Markdown)')
        .fill('## First steps\n\n1. Check the dashboard.\n2. Roll back the deploy.\n');
      await page.getByLabel('What changed (optional)').fill('Added the rollback');
      await page.getByRole('button', { name: 'Save a new version' }).click();
      await page.waitForURL((u) => u.pathname === `/runbooks/${id}`);
      await page.getByText('version 2').first().waitFor();
      await page.getByRole('tab', { name: 'Versions' }).click();
      await page.getByTestId('rb-diff').getByText('Roll back the deploy.').waitFor();
      await shoot(page, 'versions-desktop', engine);

      // An alert of the service: the runbook is first.
      const sent = await fetch(`${muster.url}/integrations/generic/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          status: 'firing',
          dedupKey: 'checkout/5xx',
          title: 'Checkout error rate above 5%',
          severity: 'critical',
          labels: { alertname: 'CheckoutErrors' },
          annotations: { runbook_url: 'https://wiki.example.test/checkout' },
        }),
      });
      assert.equal(sent.status, 200, await sent.clone().text());
      const alertId = ((await sent.json()) as { alerts: { alertId: string }[] }).alerts[0]!.alertId;
      await page.goto(`${muster.url}/alerts/${alertId}`);
      const panel = page.getByTestId('runbooks-panel');
      await panel.getByRole('link', { name: 'Checkout errors' }).waitFor();
      await panel.getByText(/Matches this alert/).waitFor();
      await panel.getByRole('link', { name: /Open the runbook/ }).waitFor();
      await shoot(page, 'alert-desktop', engine);

      // An incident with the alert linked: the room shows it too.
      const inc = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout failing',
        severity: 'P2',
        serviceIds: [serviceId],
      });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      const incidentId = inc.body.incident.id;
      await page.goto(`${muster.url}/incidents/${incidentId}`);
      await page.getByTestId('runbooks-panel').getByRole('link', { name: 'Checkout errors' }).waitFor();
      await shoot(page, 'room-desktop', engine);

      // The same pages on a phone.
      await page.setViewportSize(PHONE);
      for (const [path, name, wait] of [
        ['/runbooks', 'list', 'Checkout errors'],
        [`/runbooks/${id}`, 'view', 'Roll back the deploy.'],
        [`/runbooks/${id}?tab=versions`, 'versions', 'Added the rollback'],
        [`/runbooks/${id}/edit`, 'editor', 'Write'],
        [`/alerts/${alertId}`, 'alert', 'Checkout errors'],
        [`/incidents/${incidentId}`, 'room', 'Checkout errors'],
      ] as const) {
        await page.goto(muster.url + path);
        await page.getByText(wait).first().waitFor();
        await noSidewaysScroll(page, `${name} at 390 px`);
        await shoot(page, `${name}-phone`, engine);
      }
      assert.deepEqual(errors, []);
      await context.close();
    });

    test("an action's Run button asks for its input and shows a refused value beside it", async () => {
      const teamId = (await muster.api<{ teamId: string }>('GET', `/api/services/${serviceId}`)).body.teamId;
      const rb = await muster.api<{ id: string }>('POST', '/api/runbooks', {
        teamId,
        title: 'Restart a pod',
        body: 'Restart it.',
      });
      assert.equal(rb.status, 201, JSON.stringify(rb.body));
      const action = await muster.api('POST', '/api/actions', {
        teamId,
        runbookId: rb.body.id,
        name: 'Restart',
        kind: 'http',
        params: [{ name: 'pod', from: 'input', key: 'pod', pattern: '^[a-z0-9-]{1,40}$', required: true }],
        http: { method: 'POST', url: 'http://127.0.0.1:9/restart/{{param.pod}}', allowPrivateAddress: true },
      });
      assert.equal(action.status, 201, JSON.stringify(action.body));
      const { page, errors, context } = await openPage(browser, PHONE);
      await signIn(page, muster.url, `/runbooks/${rb.body.id}`);
      await page.getByRole('button', { name: 'Run: Restart' }).click();
      await page.getByLabel('pod').fill('web; rm -rf /');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.getByText(/pod does not match the parameter's pattern/).waitFor();
      await page.getByLabel('pod').fill('web-1');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.getByRole('link', { name: /See the run and its output/ }).waitFor();
      await noSidewaysScroll(page, 'a runbook with an action at 390 px');
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
