/**
 * The incident room's "Same as an earlier incident" card in a real browser at 390 px, on both engines: a responder
 * links the incident to an earlier one by pasting its room link with a note, the link shows in the card and counts as
 * a recurrence in GET /api/insights/recurrence/incidents/:id, then it is unlinked after a confirm. The card neither
 * overflows nor widens the room at 390 px. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

let muster: TestMuster;
let browser: Browser;

for (const engine of ENGINES)
  describe(`recurrence links in the room (${engine})`, () => {
    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('link to an earlier incident and unlink, on a phone', async () => {
      const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' });
      const svc = await muster.api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team.body.id });
      const declare = async (title: string) => {
        const r = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title,
          severity: 'P3',
          serviceIds: [svc.body.id],
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body.incident.id;
      };
      const first = await declare('Checkout slow after the cache flush');
      const second = await declare('Checkout slow again');

      const { page, errors } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, `/incidents/${second}`);
      const card = page.locator('section.card', {
        has: page.getByRole('heading', { name: 'Same as an earlier incident' }),
      });
      await card.waitFor();
      await page.locator('#same-as-incident').fill(`${muster.url}/incidents/${first}`);
      await page.locator('#same-as-note').fill('same cache flush');
      await card.getByRole('button', { name: 'Link incident' }).click();
      await card.getByRole('link', { name: 'Checkout slow after the cache flush' }).waitFor();
      await card.getByText('same cache flush').waitFor();
      // The card neither overflows itself nor widens the room .
      const widths = await page.evaluate(() => {
        const c = [...document.querySelectorAll<HTMLElement>('section.card')].find((x) =>
          x.textContent?.includes('Same as an earlier incident'),
        )!;
        const withCard = document.documentElement.scrollWidth;
        c.style.display = 'none';
        const without = document.documentElement.scrollWidth;
        c.style.display = '';
        return { withCard, without, inner: c.scrollWidth, outer: c.clientWidth };
      });
      assert.ok(widths.inner <= widths.outer, `the card overflows itself: ${JSON.stringify(widths)}`);
      assert.equal(widths.withCard, widths.without, `the card widens the room: ${JSON.stringify(widths)}`);
      // And the room as a whole fits the phone (it was 401–404 px wide: the one-column grid grew to min-content).
      assert.ok(widths.withCard <= 390, `the room scrolls sideways at 390 px: ${JSON.stringify(widths)}`);

      const chain = await muster.api<{ chain: { reasons: { kind: string }[] }[] }>(
        'GET',
        `/api/insights/recurrence/incidents/${second}`,
      );
      assert.deepEqual(
        chain.body.chain.map((m) => m.reasons.map((r) => r.kind)),
        [['linked']],
      );

      await card.getByRole('button', { name: 'Unlink' }).click();
      await card.getByRole('button', { name: 'Unlink' }).click();
      await card.getByRole('link', { name: 'Checkout slow after the cache flush' }).waitFor({ state: 'detached' });
      const after = await muster.api<{ links: unknown[] }>('GET', `/api/insights/recurrence/incidents/${second}`);
      assert.deepEqual(after.body.links, []);
      assert.deepEqual(errors, []);
    });
  });
