/**
 * The action-items board in a real browser (Debian's Chromium via playwright-core) against an in-process server, at
 * a phone's 390 px: "Action items" in the navigation, "My action items" (owner=me), the overdue filter from the URL,
 * an inline status change that asks for the reason of "won't do", "Load more" with the keyset cursor, and no
 * sideways scrolling. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const SCREENSHOT = '/tmp/muster-action-items-390.png';

for (const engine of ENGINES)
  describe(`action-items board (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('shows my items at 390 px, filters overdue, changes a status inline and loads more', async () => {
      const me = (await muster.api<{ id: string }>('GET', '/api/me')).body.id;
      const team = (await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      const other = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'olga@example.test',
        name: 'Olga Owner',
      });
      await muster.api('PUT', `/api/teams/${team}/members/${other.body.user.id}`, { role: 'responder' });
      const incident = (
        await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Card payments failing',
          severity: 'P2',
        })
      ).body.incident.id;
      const add = async (title: string, owner: string, dueAt: string) => {
        const r = await muster.api<{ id: string }>('POST', '/api/action-items', {
          incidentId: incident,
          title,
          ownerUserId: owner,
          teamId: team,
          dueAt,
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body.id;
      };
      const late = await add('Add a canary for card payments', me, '2020-01-06');
      for (let i = 0; i < 55; i++) await add(`Later item ${String(i).padStart(2, '0')}`, me, '2030-01-01');
      await add('Someone else’s item', other.body.user.id, '2029-01-01');

      const { page, errors } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, '/action-items');
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Action items' }).waitFor();
      await page.getByRole('button', { name: 'Close' }).click();
      await page.getByRole('link', { name: 'Mine' }).click();
      await page.waitForURL((u) => u.search === '?owner=me');
      await page.getByRole('heading', { name: 'My action items' }).waitFor();
      const rows = page.locator('tr[data-action-item-id]');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 50, 'one page of 50');
      assert.equal(await page.getByText('Someone else’s item').count(), 0);
      await page.getByRole('button', { name: 'Load more' }).click();
      await page.waitForFunction(() => document.querySelectorAll('tr[data-action-item-id]').length === 56);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no sideways scrolling at 390 px (page is ${width} px wide)`);

      await page.getByLabel('Overdue only').check();
      await page.waitForURL((u) => u.searchParams.get('overdue') === 'true');
      await page.waitForFunction(() => document.querySelectorAll('tr[data-action-item-id]').length === 1);
      const row = page.locator(`tr[data-action-item-id="${late}"]`);
      await row.getByText('overdue').waitFor();
      await row.getByLabel('Status of Add a canary for card payments').selectOption('wont_do');
      await row.getByLabel("Why it won't be done").fill('Checkout moves to the new gateway next month');
      await row.getByRole('button', { name: 'Save' }).click();
      await row.getByText('Checkout moves to the new gateway next month').waitFor();
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      const saved = await muster.api<{ status: string; statusReason: string }>('GET', `/api/action-items/${late}`);
      assert.equal(saved.body.status, 'wont_do');
      assert.equal(saved.body.statusReason, 'Checkout moves to the new gateway next month');
      assert.deepEqual(errors, []);
    });
  });
