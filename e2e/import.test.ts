/**
 * Settings → Import in a real browser at 390 px, against the PagerDuty stand-in (a real HTTP server speaking REST API
 * v2): Preview shows the plan, what cannot be carried over and history counts and changes nothing; Import shows the
 * fidelity table (100% per schedule) and the integration keys once; an imported incident shows "Imported from
 * PagerDuty" in the incident list. No sideways scrolling. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { PagerDutyStandIn } from '../src/testing/standins/pagerduty.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');
const TOKEN = 'pd-e2e-token-123456';

for (const engine of ENGINES)
  describe(`Settings → Import (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    let pd: PagerDutyStandIn;
    before(async () => {
      muster = await startTestMuster(engine);
      pd = new PagerDutyStandIn({ token: TOKEN, now: muster.muster.services.clock.now(), maxLimit: 25 });
      await pd.start();
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await pd?.close();
      await muster?.stop();
    });

    test('preview, then import: plan, unmapped, fidelity and keys once, at 390 px', async () => {
      const { page, errors, context } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, '/admin/import');
      await page.getByLabel('Import from').selectOption('pagerduty');
      await page.getByLabel('API URL', { exact: true }).fill(pd.url);
      await page.getByLabel('API token', { exact: true }).fill(TOKEN);
      await page.getByLabel('Past incidents (months)').fill('6');
      await page.getByLabel(/private network/).check();

      await page.getByRole('button', { name: 'Preview' }).click();
      const result = page.getByTestId('import-result');
      await result.getByRole('heading', { name: 'Preview: nothing has changed yet' }).waitFor();
      await result.getByTestId('import-changes').waitFor();
      await result.getByTestId('import-unmapped').waitFor();
      await result.getByText(/past incidents found, 0 imported/).waitFor();
      const schedules = await muster.muster.services.db.kysely.selectFrom('schedules').select('id').execute();
      assert.equal(schedules.length, 0, 'a preview changes nothing');
      const previewWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(previewWidth <= 390, `no sideways scrolling at 390 px (${previewWidth} px)`);

      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await result.getByRole('heading', { name: 'Imported' }).waitFor();
      const fidelity = result.getByTestId('import-fidelity');
      await fidelity.waitFor();
      const matches = await fidelity.getByText('100.0%').count();
      assert.equal(matches, pd.fixtures.schedules.length, 'every schedule matches the source to the minute');
      const keys = result.getByTestId('import-keys');
      await keys.waitFor();
      assert.match((await keys.locator('code').first().textContent()) ?? '', /^[a-z2-7]{32}$/);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no sideways scrolling at 390 px (${width} px)`);

      await page.goto(`${muster.url}/incidents?status=resolved`);
      await page.getByTestId('incident-imported').first().waitFor();
      assert.match(
        (await page.getByTestId('incident-imported').first().textContent()) ?? '',
        /Imported from PagerDuty/,
      );
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
