/**
 * Changes in a real browser at a phone's width (390 × 844), against an in-process server:
 * - the incident room's "Changes during the incident" card: a change recorded against the incident's service while
 *   the room is open appears live (no reload), with who made it and what, under the card's "during the incident"
 *   title and count; a change to another service is not listed;
 * - the team page's "Change hooks" card: a team admin adds a GitHub hook and sees its URL and secret once, a signed
 *   GitHub ping to that URL shows in the hook's deliveries with why it was not recorded, and Delete (confirmed) removes
 *   it. No sideways scrolling. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

async function noSidewaysScroll(page: Page, width: number) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= width, `no sideways scrolling at ${width} px (page is ${w} px wide)`);
}

for (const engine of ENGINES)
  describe(`changes in the room and change hooks at 390 px (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    let team: string;
    let service: string;
    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
      team = (await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout', slug: 'checkout' })).body.id;
      service = (await muster.api<{ id: string }>('POST', '/api/services', { name: 'Checkout API', teamId: team })).body
        .id;
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('a change to the incident’s service while it is open appears live in the room, with who made it', async () => {
      const inc = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout errors',
        severity: 'P2',
        serviceIds: [service],
      });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      const id = inc.body.incident.id;
      const { page, errors } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, `/incidents/${id}`);
      await page.getByRole('heading', { name: 'Checkout errors' }).first().waitFor();
      const card = page.getByRole('list', { name: 'Changes during the incident' });
      assert.equal(await card.count(), 0, 'no card before any change');

      // Recorded while the room is open: the live stream brings it, no reload.
      const change = await muster.api<{ id: string }>('POST', '/api/changes', {
        service,
        summary: 'Deploy checkout-api v42',
        author: 'dana@example.test',
      });
      assert.equal(change.status, 201, JSON.stringify(change.body));
      const item = card.locator(`li[data-change-id="${change.body.id}"]`);
      await item.waitFor({ timeout: 15_000 });
      const text = await item.innerText();
      assert.match(text, /dana@example\.test/);
      assert.match(text, /changed\s+Checkout API\s*:\s*Deploy checkout-api v42/);
      await page
        .getByText(/Changes during the incident\s*1/)
        .first()
        .waitFor();
      await noSidewaysScroll(page, 390);
      await page.screenshot({ path: '/tmp/room-changes-390.png', fullPage: true });

      // A change to another team's service is not this incident's.
      const other = (await muster.api<{ id: string }>('POST', '/api/services', { name: 'Search', teamId: team })).body
        .id;
      await muster.api('POST', '/api/changes', { service: other, summary: 'Reindex search', author: 'sam' });
      const second = await muster.api<{ id: string }>('POST', '/api/changes', {
        service,
        summary: 'Flag checkout.retry on',
        author: 'lee',
      });
      await card.locator(`li[data-change-id="${second.body.id}"]`).waitFor({ timeout: 15_000 });
      assert.equal(await card.locator('li').count(), 2, 'only the changes to the incident’s service');
      assert.equal(await card.getByText('Reindex search').count(), 0);
      assert.deepEqual(errors, []);
    });

    test('the team’s Change hooks card: add a GitHub hook, its secret once, a ping in its deliveries, delete', async () => {
      const { page, errors } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, `/teams/${team}`);
      const card = page.locator('section.card', { has: page.getByRole('heading', { name: 'Change hooks' }) });
      await card.getByText('No change hooks yet.').waitFor();
      const form = card.getByRole('form', { name: 'Add a change hook' });
      await form.getByLabel('Tool').selectOption('github');
      await form.getByLabel('Name').fill('Checkout repo');
      await form.getByRole('button', { name: 'Add change hook' }).click();
      const notice = card.getByRole('status');
      await notice.getByText('The secret is not shown again.', { exact: false }).waitFor();
      const noticeText = await notice.innerText();
      const url = /URL: (\S+)/.exec(noticeText)?.[1];
      const secret = /Secret: (\S+)/.exec(noticeText)?.[1];
      assert.ok(url && secret, noticeText);
      await noSidewaysScroll(page, 390);
      await page.screenshot({ path: '/tmp/change-hooks-390.png', fullPage: true });
      await notice.getByRole('button', { name: 'Done' }).click();
      assert.equal(await card.getByText(secret).count(), 0, 'the secret is gone once Done');
      const hook = card.locator('li[data-hook="github"]');
      await hook.getByText('Checkout repo').waitFor();
      await hook.getByText('No deliveries yet').waitFor();

      // GitHub checks a new hook with a signed ping: delivered, and not a change.
      const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
      const ping = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        },
        body,
      });
      assert.ok(ping.status < 300, `the ping is accepted (${ping.status})`);
      await hook.getByRole('button', { name: 'Show deliveries' }).click();
      const deliveries = hook.getByRole('list', { name: 'Deliveries of Checkout repo' });
      await deliveries.getByText('ping', { exact: false }).waitFor();
      await deliveries.getByText('nothing to record', { exact: false }).waitFor();
      await noSidewaysScroll(page, 390);

      await hook.getByRole('button', { name: 'Delete' }).click();
      await hook.getByRole('button', { name: 'Delete Checkout repo' }).click();
      await card.getByText('No change hooks yet.').waitFor();
      const left = await muster.api<{ hooks: unknown[] }>('GET', `/api/teams/${team}/change-hooks`);
      assert.deepEqual(left.body.hooks, []);
      assert.deepEqual(errors, []);
    });
  });
