/**
 * "Impact started" and drills in a real browser at 390 px, on both engines: the declare form takes an Impact started
 * time and "This is a drill"; the room shows Impact started and a responder corrects it with a reason; no sideways
 * scrolling. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

interface Detail {
  incident: { id: string; kind: string; milestones: { impactStartedAt: string | null } };
}

for (const engine of ENGINES)
  describe(`impact started (${engine})`, () => {
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

    test('declare a drill with Impact started, then correct it in the room, at 390 px', async () => {
      const { page, errors, context } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, '/incidents/new');
      await page.getByLabel('Title').fill('Game day: checkout database failover');
      await page.getByLabel('Impact started').fill('2026-03-02T08:30');
      await page.getByLabel('This is a drill').check();
      await page.locator('#declare-sev-P3').check();
      const formWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(formWidth <= 390, `the declare form has no sideways scrolling at 390 px (${formWidth} px)`);
      const declared = page.waitForResponse(
        (r) => r.url().endsWith('/api/incidents') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: /^Declare P3 incident/ }).click();
      const body = (await (await declared).json()) as Detail;
      const expected = await page.evaluate(() => new Date('2026-03-02T08:30').toISOString());
      assert.equal(body.incident.kind, 'drill');
      assert.equal(body.incident.milestones.impactStartedAt, expected);

      await page.waitForURL((u) => u.pathname === `/incidents/${body.incident.id}`);
      const card = page.locator('section.card', { has: page.getByRole('heading', { name: 'Impact started' }) });
      await card.getByText('Drill').waitFor();
      await card.getByRole('button', { name: 'Correct' }).click();
      await card.getByLabel('When customers were first affected').fill('2026-03-02T08:10');
      await card.getByLabel('Reason').fill('The failover started at 08:10');
      const saved = page.waitForResponse((r) => r.url().includes('/milestones/impactStartedAt'));
      await card.getByRole('button', { name: 'Save' }).click();
      assert.equal((await saved).status(), 200);
      await card.getByRole('button', { name: 'Correct' }).waitFor();
      const after = await muster.api<Detail>('GET', `/api/incidents/${body.incident.id}`);
      assert.equal(
        after.body.incident.milestones.impactStartedAt,
        await page.evaluate(() => new Date('2026-03-02T08:10').toISOString()),
      );
      // The room as a whole is wider than 390 px before this card existed (its timeline column: .room-main has no
      // min-width: 0), so this checks that the card overflows nothing and is no wider than that column; the declare form is checked as a whole above.
      const fit = await card.evaluate((el) => ({
        overflow: el.scrollWidth - el.clientWidth,
        width: el.getBoundingClientRect().width,
        column: document.querySelector('.room-main')?.getBoundingClientRect().width ?? 0,
      }));
      assert.ok(fit.overflow <= 0 && fit.width <= fit.column, `the card adds no width: ${JSON.stringify(fit)}`);
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
