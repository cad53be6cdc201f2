/**
 * The weekly insights digest's opt-in on the profile page, in a real browser at 390 px on both engines: a team admin
 * ticks a team, saves, and the API says they get that team's digest; unticking stops it. Needs web/dist.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

interface Settings {
  teams: { teamId: string; name: string; subscribed: boolean }[];
}

for (const engine of ENGINES)
  describe(`insights digest opt-in (${engine})`, () => {
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

    test('a team admin subscribes to a team digest from the profile page, then stops it', async () => {
      const team = (await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      const { page, errors, context } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, '/profile');
      const card = page.locator('section.card', { has: page.getByRole('heading', { name: 'Weekly insights digest' }) });
      const box = card.getByLabel('Payments');
      await box.check();
      await card.getByRole('button', { name: 'Save' }).click();
      await card.getByRole('status').getByText('Saved').waitFor();
      let settings = (await muster.api<Settings>('GET', '/api/insights/digest')).body;
      assert.deepEqual(
        settings.teams.map((t) => [t.teamId, t.subscribed]),
        [[team, true]],
      );
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no sideways scrolling at 390 px (${width} px)`);

      await page.reload();
      await box.waitFor();
      assert.equal(await box.isChecked(), true, 'the saved choice shows after a reload');
      await box.uncheck();
      await card.getByRole('button', { name: 'Save' }).click();
      await card.getByRole('status').getByText('Saved').waitFor();
      settings = (await muster.api<Settings>('GET', '/api/insights/digest')).body;
      assert.equal(settings.teams[0]?.subscribed, false);
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
